"""Fleet mode of `apply` and `diff`: ``--all`` or ``--env NAME ...`` runs the command over several
environments concurrently (kfctl.fleet), one summary line per environment on stdout."""

from __future__ import annotations

import functools
import json
import threading

import click

from ..errors import KfctlError
from ._options import build_jsonnet_options, complete_envs, pop_connection, should_confirm

DEFAULT_PARALLEL = 4
_print_lock = threading.Lock()


def fleet_options(kind: str, *, exit_differences: int | None = None):
    """Decorator for the `apply` / `diff` click callbacks (place it right under ``@click.command()``).

    Adds --all, --env (repeatable), --fail-fast and --parallel. Without --all/--env the command runs as
    before; with them, its single-environment options apply to every environment listed. For `diff`,
    ``exit_differences`` is the exit status when some environment differs (and none failed)."""

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            all_envs, names = kw.pop("fleet_all"), list(kw.pop("fleet_envs"))
            fail_fast, parallel = kw.pop("fleet_fail_fast"), kw.pop("fleet_parallel")
            if not all_envs and not names:
                if fail_fast or parallel is not None:
                    raise click.UsageError("--fail-fast and --parallel go with --all or --env")
                return f(*args, **kw)
            if kw.get("env_name") or kw.get("locations"):
                raise click.UsageError("with --all or --env, name the environments with --env, not as arguments")
            ctx = click.get_current_context()
            kw["connection"] = pop_connection(kw)  # this wrapper runs before cluster_options' own
            if kind == "apply":
                return _apply(ctx, all_envs, names, fail_fast, parallel or DEFAULT_PARALLEL, kw)
            return _diff(ctx, all_envs, names, fail_fast, parallel or DEFAULT_PARALLEL, kw, exit_differences)

        options = [
            click.option("--all", "fleet_all", is_flag=True, help=f"{kind.capitalize()} every environment of the "
                         "app, each to its own cluster, concurrently (a fleet)."),
            click.option("-e", "--env", "fleet_envs", multiple=True, metavar="ENV", shell_complete=complete_envs,
                         help=f"{kind.capitalize()} this environment as part of a fleet (repeatable)."),
            click.option("--fail-fast", "fleet_fail_fast", is_flag=True,
                         help="Fleet: start no further environment once one failed (default: try them all)."),
            click.option("--parallel", "fleet_parallel", type=click.IntRange(1, 64), default=None,
                         help=f"Fleet: environments worked on at once. [default: {DEFAULT_PARALLEL}]"),
        ]
        for opt in reversed(options):
            wrapper = opt(wrapper)
        return wrapper

    return decorate


def _progress(env_name: str, ev) -> None:
    """Changes as they happen, prefixed with the environment (stderr); counters are not shown."""
    if ev.phase == "connect":
        text = f"[{env_name}] target: {ev.note}"
    elif ev.phase == "wait" or ev.op in ("unchanged", "already gone"):
        return
    elif ev.phase == "skip":
        text = f"[{env_name}] skipped {ev.ref}: {ev.note}"
    else:
        text = f"[{env_name}] {ev.op} {ev.ref}" + (f" ({ev.note})" if ev.note else "")
    with _print_lock:
        click.echo(text, err=True)


def _renderer(app, comps, options):
    from ..render import render

    def render_one(env_name):
        rendered = render(app, env_name, comps, options=options, keep_yaml=False)
        for note in rendered.warnings or ():
            click.echo(f"kfctl: warning: {env_name}: {note}", err=True)
        return rendered

    return render_one


def _app(ctx, *, write: bool = False):
    """The app; ``write`` takes the app's lock first (the first apply writes the app's id to app.yaml)."""
    from . import AppContext

    obj = ctx.find_object(AppContext)
    return obj.app_for_write() if write and not obj.app.app_id else obj.app


def _print_json(kind: str, outcomes, *, differs: bool = False) -> None:
    rows = []
    for o in outcomes:
        row = {"environment": o.env, "status": o.status, "summary": o.counts if o.ok else None, "error": o.error,
               "hint": o.hint}
        if differs:
            row["differs"] = o.differs() if o.ok else None
        rows.append(row)
    click.echo(json.dumps({"kind": kind, "environments": rows}, indent=2, sort_keys=True, ensure_ascii=False))


def _target_line(app, env_name: str, connection) -> str:
    """``env (context X, namespace Y)`` for the fleet's confirmation; the cluster is resolved, not contacted."""
    from ..cluster import resolve_target

    env = app.environment(env_name)
    target = resolve_target(env.name, env.server, env.context, connection)
    return f"{env.name} ({target.describe()}, namespace {env.namespace!r})"


def _notes(outcomes) -> None:
    for out in outcomes:
        for text in out.notes:
            click.echo(f"kfctl: note: {out.env}: {text}", err=True)


def _report(outcomes, describe, verb: str) -> int:
    from ..fleet import FAILED, NOT_RUN

    for out in outcomes:
        for text in out.warnings:
            click.echo(f"kfctl: warning from the API server ({out.env}): {text}", err=True)
        if out.status == FAILED:
            click.echo(f"environment {out.env!r}: failed: {out.error}")
            if out.hint:
                click.echo(f"hint ({out.env}): {out.hint}", err=True)
        elif out.status == NOT_RUN:
            click.echo(f"environment {out.env!r}: not run (an environment failed before it; --fail-fast)")
        else:
            click.echo(f"environment {out.env!r}: {describe(out)}")
    bad = [o.env for o in outcomes if not o.ok]
    ok = len(outcomes) - len(bad)
    tail = f"; failed or not run: {', '.join(bad)}" if bad else ""
    slowest = max((o.seconds for o in outcomes), default=0.0)
    click.echo(f"kfctl: {ok} of {len(outcomes)} environments {verb}{tail} (slowest {slowest:.1f}s)", err=True)
    return 1 if bad else 0


def _confirm_fleet(app, envs, opts, render_one, parallel, connection) -> None:
    """On a terminal: what applying would do in each environment (a server-side dry run of each, nothing
    changed), then one question for the fleet."""
    import dataclasses

    from ..fleet import apply_fleet

    preview = apply_fleet(app, envs, dataclasses.replace(opts, dry_run=True, wait=False), render_one=render_one,
                          parallel=parallel, connection=connection)
    click.echo(f"apply {len(envs)} environment(s):", err=True)
    for out in preview:
        c = out.counts
        what = (f"{c.get('created', 0)} to create, {c.get('changed', 0)} to update, {c.get('pruned', 0)} to prune, "
                f"{c.get('unchanged', 0)} unchanged") if out.ok else f"fails: {out.error}"
        click.echo(f"  {_target_line(app, out.env, connection)}: {what}", err=True)
    if not click.confirm("Proceed?", default=False, err=True):
        raise KfctlError("not confirmed; nothing was changed")


def _apply(ctx, all_envs, names, fail_fast, parallel, kw):
    from ..apply import DEFAULT_CRD_TIMEOUT, Options
    from ..fleet import apply_fleet, select

    app = _app(ctx, write=not kw.get("dry_run"))
    envs = select(app, names, all_envs)
    comps = list(kw.get("components") or ()) or None
    timeout = kw.get("timeout")
    dry_run = bool(kw.get("dry_run"))
    # The same safety flags as a single-environment apply; none is implied by fleet mode.
    opts = Options(dry_run=dry_run, prune=bool(kw.get("prune")), prune_moved=bool(kw.get("prune_moved")),
                   delete_contents=bool(kw.get("delete_contents")), wait=bool(kw.get("wait_")),
                   timeout=timeout or 300.0, force_conflicts=bool(kw.get("force_conflicts")),
                   adopt=bool(kw.get("adopt")), workers=kw.get("concurrency") or 8, components=comps,
                   crd_timeout=timeout or DEFAULT_CRD_TIMEOUT)
    render_one = _renderer(app, comps, build_jsonnet_options(kw))
    if should_confirm(bool(kw.get("yes")), dry_run):
        _confirm_fleet(app, envs, opts, render_one, parallel, kw.get("connection"))
    outcomes = apply_fleet(app, envs, opts, render_one=render_one, parallel=parallel, fail_fast=fail_fast,
                           progress=_progress, connection=kw.get("connection"))
    _notes(outcomes)
    if kw.get("output") == "json":
        _print_json("FleetApply", outcomes)
        ctx.exit(1 if any(not o.ok for o in outcomes) else 0)

    def describe(out):
        from ..apply import summary_text

        return summary_text(out.counts, dry_run)

    ctx.exit(_report(outcomes, describe, "dry-run applied" if dry_run else "applied"))


def _diff(ctx, all_envs, names, fail_fast, parallel, kw, exit_differences):
    from ..diff import summary_text
    from ..fleet import diff_fleet, select

    app = _app(ctx)
    envs = select(app, names, all_envs)
    comps = list(kw.get("components") or ()) or None
    render_one = _renderer(app, comps, build_jsonnet_options(kw))
    outcomes = diff_fleet(app, envs, render_one=render_one, workers=kw.get("concurrency") or 8, components=comps,
                          parallel=parallel, fail_fast=fail_fast, progress=_progress, connection=kw.get("connection"))
    _notes(outcomes)
    if kw.get("output") == "json":
        _print_json("FleetDiff", outcomes, differs=True)
        code = 1 if any(not o.ok for o in outcomes) else 0
    else:
        def describe(out):
            if not out.differs():
                return f"in sync ({out.counts.get('unchanged', 0)} objects)"
            return "differs: " + summary_text(out.counts)

        code = _report(outcomes, describe, "compared")
    if code == 0 and exit_differences and not kw.get("exit_zero") and any(o.differs() for o in outcomes):
        code = exit_differences
    ctx.exit(code)
