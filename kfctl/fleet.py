"""Fleets: apply or diff several environments of an app (usually each on its own cluster) in one run.

Every environment is rendered first, one after another, in the calling thread; then the cluster work
runs concurrently, up to ``parallel`` environments at a time, each with its own connection and the
same single-environment library code ``kfctl apply`` and ``kfctl diff`` use (``apply.apply_objects``,
``diff.cluster_diff``). Each environment ends as an ``Outcome``: done (with its counts), failed (with
its one-line error) or not run.

``fail_fast``: once an environment failed, no other environment starts (a render failure stops the run
before any cluster is touched); environments already running finish, since stopping an apply halfway
would leave a cluster between two states. Without it every environment is tried. The library never
prints: progress goes to a callback, results are returned.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from .errors import AppError, KfctlError
from .ownership import Identity

DONE, FAILED, NOT_RUN = "done", "failed", "not run"


@dataclass
class Outcome:
    env: str
    status: str = NOT_RUN
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    target: str = ""  # the cluster it went to (kubeconfig context and server)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. what this environment left at an earlier namespace
    hint: str | None = None  # the failure's hint (what to do about it), as a single command prints it

    @property
    def ok(self) -> bool:
        return self.status == DONE

    def differs(self) -> bool:
        """For a diff: the environment's cluster does not match its render."""
        return any(n for op, n in self.counts.items() if op != "unchanged")


# progress(env_name, event): apply.Event objects, and Event("connect", "target", note=...) per environment
FleetProgress = Callable[[str, object], None]


def select(app, names: list[str] | None, all_envs: bool) -> list[str]:
    """The environments to run: every one (``all_envs``, sorted) or ``names`` in the order given.

    Unknown names fail naming the known ones; a name given twice is refused."""
    if all_envs and names:
        raise AppError("name environments or use --all, not both")
    if all_envs:
        found = sorted(app.environments())
        if not found:
            raise AppError("the app has no environments")
        return found
    if not names:
        raise AppError("no environments given")
    for name in names:
        app.environment(name)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise AppError(f"environment {repeated[0]!r} is listed twice")
    return list(names)


def _run(app, env_names: list[str], render_one, cluster_job, *, parallel: int, fail_fast: bool,
         progress: FleetProgress | None) -> list[Outcome]:
    outcomes = {name: Outcome(name) for name in env_names}
    stop = threading.Event()
    rendered = {}
    for name in env_names:  # renders stay on this thread, in order
        if stop.is_set():
            break
        start = time.monotonic()
        try:
            rendered[name] = render_one(name)
        except KfctlError as exc:
            outcomes[name].status, outcomes[name].error = FAILED, str(exc).splitlines()[0]
            outcomes[name].hint = exc.hint
            outcomes[name].seconds = time.monotonic() - start
            if fail_fast:
                stop.set()

    def one(name: str) -> None:
        out = outcomes[name]
        if stop.is_set():
            return
        start = time.monotonic()
        try:
            cluster_job(name, rendered[name], out, lambda ev: progress(name, ev) if progress else None)
            out.status = DONE
        except KfctlError as exc:
            out.status, out.error, out.hint = FAILED, str(exc).splitlines()[0], exc.hint
            if fail_fast:
                stop.set()
        finally:
            out.seconds += time.monotonic() - start

    todo = [n for n in env_names if n in rendered]
    if todo and not stop.is_set():
        pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(todo))), thread_name_prefix="kfctl-fleet")
        try:
            for future in [pool.submit(one, n) for n in todo]:
                future.result()
        finally:
            # On Ctrl-C nothing waits for environments still running (see cli.main).
            pool.shutdown(wait=False, cancel_futures=True)
    return [outcomes[n] for n in env_names]


def _connect(env, workers: int, out: Outcome, progress, connection=None):
    from .cluster import connect, resolve_target
    from .live import Event

    target = resolve_target(env.name, env.server, env.context, connection)
    out.target = f"{target.describe()}, namespace {env.namespace!r}"
    progress(Event("connect", "target", note=out.target))
    cluster = connect(target, workers=workers, options=connection)
    try:
        cluster.check()
    except BaseException:
        cluster.close()
        raise
    return cluster


def apply_fleet(app, env_names: list[str], options, *, render_one, parallel: int = 4, fail_fast: bool = False,
                progress: FleetProgress | None = None, connection=None) -> list[Outcome]:
    """Apply each environment to its cluster. ``options`` is an ``apply.Options`` used for every
    environment; ``render_one(env_name)`` returns the environment's ``render.Rendered``.

    Counts per environment: created, changed, unchanged, pruned, kept, adopted (from ks), leftover (left
    at an earlier destination; described in ``notes``), as a single apply reports them."""
    from .apply import apply_objects
    from .ownership import describe_leftovers

    if not options.dry_run:
        app.ensure_id()  # once, before the threads: it may write app.yaml

    def job(name, rendered, out, report):
        env = rendered.env
        cluster = _connect(env, options.workers, out, report, connection)
        identity = Identity.of(app, env, create=not options.dry_run)
        try:
            result = apply_objects(cluster, rendered.objects, identity, env.namespace, options, report)
        finally:
            out.warnings = list(cluster.warnings)
            cluster.close()
        out.counts = dict(result.counts(), kept=len(result.kept), adopted=len(result.adopted_from_ks),
                          leftover=len(result.leftovers))
        out.notes = describe_leftovers(identity, result.leftovers)

    return _run(app, env_names, render_one, job, parallel=parallel, fail_fast=fail_fast, progress=progress)


def diff_fleet(app, env_names: list[str], *, render_one, workers: int = 8, components: list[str] | None = None,
               parallel: int = 4, fail_fast: bool = False, progress: FleetProgress | None = None,
               connection=None) -> list[Outcome]:
    """Compare each environment's render with its cluster (a drift report).

    Counts per environment: create, update, delete, unchanged (``diff.summary``)."""
    from .diff import cluster_diff, conflict_error, summary
    from .ownership import diff_notes

    def job(name, rendered, out, report):
        env = rendered.env
        cluster = _connect(env, workers, out, report, connection)
        try:
            diffs = cluster_diff(cluster, rendered.objects, Identity.of(app, env, create=False), env.namespace,
                                 workers=workers, components=components)
        finally:
            out.warnings = list(cluster.warnings)
            cluster.close()
        out.counts = summary(diffs)
        out.notes = diff_notes(diffs)
        err = conflict_error(diffs)  # apply would fail on these: the environment failed, as `kfctl diff` does
        if err is not None:
            raise err

    return _run(app, env_names, render_one, job, parallel=parallel, fail_fast=fail_fast, progress=progress)
