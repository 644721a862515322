"""apply, diff, delete: the commands that talk to a cluster (loaded only when one of them runs)."""

from __future__ import annotations

import json
import os
import sys
import time

import click

from ..errors import KfctlError
from ._options import (DURATION, build_jsonnet_options, cluster_options, complete_envs, component_option,
                       jsonnet_options, should_confirm)
from .fleet_cmds import fleet_options

EXIT_DIFFERENCES = 10


PROGRESS_INTERVAL = 10.0  # seconds between --wait progress lines when stderr is not a terminal


def _progress_interval() -> float:
    """PROGRESS_INTERVAL, or KFCTL_PROGRESS_INTERVAL (seconds) when set to a positive number."""
    try:
        value = float(os.environ.get("KFCTL_PROGRESS_INTERVAL", ""))
    except ValueError:
        return PROGRESS_INTERVAL
    return value if value > 0 else PROGRESS_INTERVAL


def _use_colour(stream) -> bool:
    from . import colour_allowed  # the one NO_COLOR / TERM=dumb rule

    return stream.isatty() and colour_allowed()


class Reporter:
    """Progress on stderr: one line per change; on a TTY also a live status line that is rewritten;
    without a TTY, a --wait status line every PROGRESS_INTERVAL seconds. ``verbose`` also lists
    unchanged objects; ``quiet`` (``-o json``) keeps per-object lines off stdout's reader's way."""

    def __init__(self, dry_run: bool = False, *, verbose: bool = False, interval: float | None = None,
                 objects_on_stdout: bool = True):
        self.tty = sys.stderr.isatty()
        self.objects_on_stdout = objects_on_stdout
        self.suffix = " (dry run)" if dry_run else ""
        self.verbose = verbose
        self.interval = interval if interval is not None else _progress_interval()
        self._live = False
        self._last_wait = 0.0

    def _clear(self):
        if self._live:
            sys.stderr.write("\r\033[K")
            self._live = False

    def status(self, text: str) -> None:
        if self.tty:
            width = 120
            sys.stderr.write("\r\033[K" + text[:width])
            sys.stderr.flush()
            self._live = True

    def line(self, text: str) -> None:
        self._clear()
        click.echo(text, err=True)

    def object_line(self, text: str) -> None:
        """A per-object result: stdout (for the reader), or stderr when stdout carries JSON."""
        self._clear()
        click.echo(text, err=not self.objects_on_stdout)

    def __call__(self, ev) -> None:
        if ev.phase == "wait":
            verb = "gone" if ev.op == "deleting" else "ready"
            text = f"waiting: {ev.done}/{ev.total} {verb}" + (f" - {ev.note}" if ev.note else "")
            if self.tty:
                self.status(text)
            elif time.monotonic() - self._last_wait >= self.interval or ev.done == ev.total:
                self._last_wait = time.monotonic()
                click.echo(text, err=True)
            return
        if ev.phase == "adopt":
            self.line(f"kfctl: notice: {ev.note}")
            return
        if ev.op in ("unchanged", "already gone"):
            if self.verbose:
                self.object_line(f"{ev.op} {ev.ref}{self.suffix}")
            elif ev.phase in ("apply", "delete"):
                self.status(f"{ev.phase}: {ev.done}/{ev.total}")
            return
        if ev.phase == "skip":
            self.object_line(f"skipped {ev.ref}: {ev.note}")
            return
        note = f" ({ev.note})" if ev.note else ""
        self.object_line(f"{ev.op} {ev.ref}{note}{self.suffix}")
        if ev.total:
            self.status(f"{ev.phase}: {ev.done}/{ev.total}")

    def done(self) -> None:
        self._clear()


def _render(app, env_name, comps, options):
    from ..render import render

    rendered = render(app, env_name, comps, options=options, keep_yaml=False)  # cluster commands print no YAML
    for note in getattr(rendered, "warnings", ()) or ():
        click.echo(f"kfctl: warning: {note}", err=True)
    return rendered


def _connect(env, connection, *, workers: int = 8, announce: bool = True, verb: str = "change", early=None):
    """``early``: a cluster.EarlyConnection started before rendering (same target, same checks)."""
    from ..cluster import connect, resolve_target

    target = early.target() if early else resolve_target(env.name, env.server, env.context, connection)
    if announce:
        how = "the current context " if target.implicit else ""
        click.echo(f"kfctl: about to {verb} {how}{target.describe()}, namespace {env.namespace!r} "
                   f"(environment {env.name!r})", err=True)
    if early:
        cluster = early.cluster()
    else:
        cluster = connect(target, workers=workers, options=connection)
    for notice in cluster.notices:
        click.echo(f"kfctl: warning: {notice}", err=True)
    if not early:
        cluster.check()
    return cluster


def _warnings(cluster) -> None:
    for text in cluster.warnings:
        click.echo(f"kfctl: warning from the API server: {text}", err=True)


def _identity(app, env, *, create: bool):
    from ..ownership import Identity

    return Identity.of(app, env, create=create)


def _confirm(verb: str, counts: dict[str, int], cluster, env) -> bool:
    """The change summary (counts, cluster, context, namespace) and a yes/no question on the terminal."""
    colour = _use_colour(sys.stderr)
    styles = {"create": "green", "update": "yellow", "delete": "red", "prune": "red", "take along": "red"}
    parts = []
    for key, n in counts.items():
        text = f"{n} to {key}"
        parts.append(click.style(text, fg=styles.get(key), bold=True) if colour and n and key in styles else text)
    target = cluster.target
    where = f"cluster {target.server or target.cluster!r}, context {target.context!r}, namespace {env.namespace!r}"
    click.echo(f"{verb} environment {env.name!r}: " + ", ".join(parts) + f"\n  on {where}", err=True)
    return click.confirm("Proceed?", default=False, err=True)


def _result_json(kind: str, env, rows: list[dict], counts: dict, dry_run: bool) -> str:
    return json.dumps({"kind": kind, "environment": env.name, "namespace": env.namespace, "dryRun": dry_run,
                       "objects": rows, "summary": counts}, indent=2, sort_keys=True, ensure_ascii=False)


def _row(ref, op: str, note: str = "") -> dict:
    out = {"op": op, "kind": ref.kind, "group": ref.group or None, "namespace": ref.namespace or None,
           "name": ref.name}
    if note:
        out["note"] = note
    return out


def change_options(f):
    """The options apply and delete share: --delete-contents, --yes and -o."""
    f = click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
                     help="Per-object results as lines, or as JSON on stdout.")(f)
    f = click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation (also: KFCTL_YES=1).")(f)
    return click.option("--delete-contents", is_flag=True,
                        help="Let a removed CRD or Namespace take custom resources / objects this app+environment "
                             "did not apply.")(f)


# ---------------------------------------------------------------------------------------------- apply

@click.command()
@fleet_options("apply")
@click.argument("env_name", metavar="[ENV]", required=False, shell_complete=complete_envs)
@component_option
@click.option("--dry-run", is_flag=True, help="Send everything as a server-side dry run; change nothing.")
@click.option("--prune", is_flag=True,
              help="Delete objects this app+environment applied before and no longer renders.")
@click.option("--prune-moved", is_flag=True,
              help="Delete what this app+environment left in a namespace it no longer uses (or a copy of the app "
                   "deployed elsewhere with the same id and environment name).")
@click.option("--wait", "wait_", is_flag=True, help="Wait until every object is ready.")
@click.option("--timeout", type=DURATION, default=None,
              help="How long --wait (and waiting for CRDs) may take, e.g. 90s, 5m. [default: 5m]")
@click.option("--force-conflicts", is_flag=True, help="Take over fields owned by other field managers.")
@click.option("--adopt", is_flag=True,
              help="Take over existing objects that this app+environment did not apply (made by hand, another "
                   "app or environment, or another deployment of this one).")
@change_options
@click.option("-v", "--verbose", is_flag=True, help="Also list unchanged objects.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@cluster_options
@jsonnet_options
@click.pass_context
def apply(ctx, env_name, components, dry_run, prune, prune_moved, delete_contents, wait_, timeout, force_conflicts,
          adopt, yes, output, verbose, concurrency, connection, **kw):
    """Apply environment ENV to its cluster (server-side apply, field manager "kfctl").

    On a terminal, the change summary is shown and confirmed first (--yes or KFCTL_YES=1 skip it).
    Refused unless a flag allows it (see "What kfctl will never do" in the README): taking over
    existing objects (--adopt), deleting what a moved environment left behind (--prune-moved), and
    removing a CRD or Namespace that holds objects this app+environment did not apply
    (--delete-contents)."""
    from ..apply import DEFAULT_CRD_TIMEOUT, ApplyResult, Options, apply_objects, summary_text
    from ..cluster import EarlyConnection
    from ..ownership import describe_leftovers
    from . import AppContext

    options = build_jsonnet_options(kw)
    app = ctx.find_object(AppContext).app
    if not dry_run and not app.app_id:
        app = ctx.find_object(AppContext).app_for_write()  # its first apply writes the app's id to app.yaml
    env = app.environment(env_name)
    early = EarlyConnection(env.name, env.server, env.context, connection, workers=concurrency)  # during the render
    rendered = _render(app, env_name, list(components) or None, options)
    env = rendered.env
    cluster = _connect(env, connection, workers=concurrency, verb="dry-run apply to" if dry_run else "change",
                       early=early)
    identity = _identity(app, env, create=not dry_run)
    opts = Options(dry_run=dry_run, prune=prune, prune_moved=prune_moved, delete_contents=delete_contents,
                   wait=wait_, timeout=timeout or 300.0, force_conflicts=force_conflicts, adopt=adopt,
                   workers=concurrency, components=list(components) or None,
                   crd_timeout=timeout or DEFAULT_CRD_TIMEOUT)
    if should_confirm(yes, dry_run):
        opts.confirm = lambda counts: _confirm("apply", counts, cluster, env)
    reporter = Reporter(dry_run, verbose=verbose, objects_on_stdout=output == "text")
    result = ApplyResult()
    try:
        apply_objects(cluster, rendered.objects, identity, env.namespace, opts, reporter, result)
    finally:
        reporter.done()
        _warnings(cluster)
        cluster.close()
    for line in describe_leftovers(identity, result.leftovers):
        click.echo(f"kfctl: note: {line}", err=True)
    c = result.counts()
    c.update(kept=len(result.kept), adopted=len(result.adopted_from_ks), leftover=len(result.leftovers))
    line = f"environment {env.name!r}: {summary_text(c, dry_run)}"
    if output == "json":
        rows = [_row(p.ref, p.op) for p in result.items]
        rows += [_row(ref, "pruned") for ref in result.pruned]
        rows += [_row(ref, "kept", "annotated kfctl.io/prune: ignore") for ref in result.kept]
        from ..objects import ObjRef

        rows += [_row(ObjRef.of(o), "leftover", "--prune-moved removes it") for o in result.leftovers]
        click.echo(_result_json("ApplyResult", env, rows, c, dry_run))
        click.echo(line, err=True)
    else:
        click.echo(line)


# ---------------------------------------------------------------------------------------------- diff

def _parse_location(text: str) -> tuple[str, str]:
    if text.startswith("local:"):
        return "local", text[len("local:"):]
    if text.startswith("remote:"):
        return "remote", text[len("remote:"):]
    return "local", text


def _swap(d):
    from ..diff import ObjectDiff

    op = {"create": "delete", "delete": "create"}.get(d.op, d.op)
    return ObjectDiff(op, d.ref, d.api_version, d.right, d.left, d.paths)


def _colour(text: str) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith(("+++", "---")):
            out.append(click.style(line, bold=True))
        elif line.startswith("+"):
            out.append(click.style(line, fg="green"))
        elif line.startswith("-"):
            out.append(click.style(line, fg="red"))
        elif line.startswith("@@"):
            out.append(click.style(line, fg="cyan"))
        else:
            out.append(line)
    return "".join(out)


@click.command()
@fleet_options("diff", exit_differences=EXIT_DIFFERENCES)
@click.argument("locations", nargs=-1, metavar="[ENV | [local:|remote:]ENV1 [local:|remote:]ENV2]",
                shell_complete=complete_envs)
@component_option
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A unified diff, or JSON with each object's operation and changed paths.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are differences.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@cluster_options
@jsonnet_options
@click.pass_context
def diff(ctx, locations, components, output, exit_zero, concurrency, connection, **kw):
    """Show what `apply ENV` would change (live -> local), or compare two environments.

    `diff ENV` is `diff remote:ENV local:ENV`. `diff local:A local:B` compares two renders (no
    cluster). `diff local:A remote:B` renders A as if it were applied to B (B's cluster and
    namespace) and compares it with what B has there; the first location is the "-" side.
    Secret values are always masked.

    Against a cluster, objects only `apply --prune` would delete are shown "to prune", what this
    app+environment left at another destination "left over" (`apply --prune-moved`), and custom
    resources a pruned CRD would take with it "taken along". Fields another field manager owns are
    reported as conflicts (the diff shows what --force-conflicts would change) and the exit status
    is then 1, as `apply` would fail; so is an object the server would reject.

    Exit status: 0 no differences (or --exit-zero), 10 differences, 1 error (including conflicts
    and objects the server would reject), 2 usage."""
    from .. import diff as df
    from ..cluster import EarlyConnection
    from . import AppContext

    if len(locations) > 2:
        raise click.UsageError("diff takes at most two locations")
    options = build_jsonnet_options(kw)
    app = ctx.find_object(AppContext).app
    comps = list(components) or None
    if len(locations) <= 1:
        env_name = _parse_location(locations[0])[1] if locations else None
        pair = [("remote", env_name), ("local", env_name)]
    else:
        pair = [_parse_location(loc) for loc in locations]
    for _where, name in pair:
        if name == "":
            raise click.UsageError("a location needs an environment name, e.g. local:dev")
    kinds_ = [p[0] for p in pair]
    if kinds_ == ["remote", "remote"]:
        raise click.UsageError("comparing two remote environments is not supported; compare each with its local "
                               "render, or use local:A remote:B")
    if kinds_ == ["local", "local"]:
        left = _render(app, pair[0][1], comps, options)
        right = _render(app, pair[1][1], comps, options)
        diffs = df.diff_sets(left.objects, right.objects)
        labels = (f"local:{left.env.name}", f"local:{right.env.name}")
    else:
        local_name = pair[kinds_.index("local")][1]
        remote_name = pair[kinds_.index("remote")][1]
        remote_env = app.environment(remote_name)
        early = EarlyConnection(remote_env.name, remote_env.server, remote_env.context, connection,
                                workers=concurrency)  # during the render
        rendered = _render(app, local_name, comps, options)
        cluster = _connect(remote_env, connection, workers=concurrency, verb="compare with", early=early)
        try:
            identity = _identity(app, remote_env, create=False)
            diffs = df.cluster_diff(cluster, rendered.objects, identity, remote_env.namespace, workers=concurrency,
                                    components=comps, strip_ownership=rendered.env.name != remote_env.name)
        finally:
            _warnings(cluster)
            cluster.close()
        labels = (f"remote:{remote_env.name}", f"local:{rendered.env.name}")
        if kinds_[0] == "local":
            diffs = [_swap(d) for d in diffs]
            labels = (labels[1], labels[0])
    changed = [d for d in diffs if d.op != "unchanged"]
    s = df.summary(diffs)
    if output == "json":
        click.echo(json.dumps({"kind": "Diff", "from": labels[0], "to": labels[1],
                               "objects": [d.as_json() for d in diffs], "summary": s},
                              indent=2, sort_keys=True, ensure_ascii=False))
    else:
        text = "".join(d.text(labels[0], labels[1]) for d in changed)
        if text:
            click.echo(_colour(text) if _use_colour(sys.stdout) else text, nl=False)
        click.echo(df.summary_text(s), err=True)
        from ..ownership import diff_notes

        for text in diff_notes(diffs):
            click.echo(f"kfctl: note: {text}", err=True)
    if s.get("leftover"):
        by_ns = sorted({d.ref.namespace or "(cluster-scoped)" for d in diffs if d.op == "leftover"})
        click.echo(f"kfctl: note: {s['leftover']} object(s) of this app and environment remain at another "
                   f"destination ({', '.join(by_ns)}): an earlier namespace of this environment, or a copy of this "
                   "app; `apply --prune-moved` removes them", err=True)
    err = df.conflict_error(diffs)
    if err is not None:
        raise err
    if changed and not exit_zero:
        ctx.exit(EXIT_DIFFERENCES)


# ---------------------------------------------------------------------------------------------- delete

@click.command()
@click.argument("env_name", metavar="[ENV]", required=False, shell_complete=complete_envs)
@component_option
@click.option("--wait", "wait_", is_flag=True, help="Wait until the objects are gone.")
@click.option("--timeout", type=DURATION, default=None, help="How long --wait may take. [default: 5m]")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@change_options
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@cluster_options
@jsonnet_options
@click.pass_context
def delete(ctx, env_name, components, wait_, timeout, dry_run, delete_contents, yes, output, concurrency, connection,
           **kw):
    """Delete environment ENV's objects from its cluster, in reverse order.

    Only objects this app and environment applied (at its current namespace) are deleted; others are
    skipped (and named). Without -c, objects it applied earlier that are no longer rendered go too.
    A CRD or Namespace that holds objects this app+environment did not apply is not deleted unless
    --delete-contents. The environment's namespace, when kfctl created it implicitly, is left (and
    said so). On a terminal the deletion is confirmed first (--yes or KFCTL_YES=1 skip it)."""
    from ..apply import delete_objects
    from ..live import Event, fetch_live, plan, prepare, scope_function
    from ..objects import ObjRef
    from ..ownership import CREATED_FOR_LABEL, check_removals, is_controller_owned, list_owned, parent_object, \
        prune_plan
    from ..wait import wait_gone
    from . import AppContext

    options = build_jsonnet_options(kw)
    app = ctx.find_object(AppContext).app
    comps = list(components) or None
    rendered = _render(app, env_name, comps, options)
    env = rendered.env
    cluster = _connect(env, connection, workers=concurrency,
                       verb="dry-run delete from" if dry_run else "delete from")
    reporter = Reporter(dry_run, objects_on_stdout=output == "text")
    rows = []
    try:
        identity = _identity(app, env, create=False)
        namespaced = scope_function(cluster, rendered.objects)
        prepared = prepare(rendered.objects, env.namespace, namespaced, identity)
        items = plan(prepared, cluster)
        fetch_live(cluster, [p for p in items if p.resource is not None], concurrency)
        victims, skipped, missing = [], 0, 0
        for p in items:
            if p.live is None:
                missing += 1
                continue
            owner = identity.classify(p.live)
            why = owner.text if owner.kind != "ours" else ("owned by a controller" if is_controller_owned(p.live)
                                                           else "")
            if why:
                skipped += 1
                reporter(Event("skip", "skipped", str(p.ref), note=why))
                rows.append(_row(p.ref, "skipped", why))
                continue
            victims.append(p.live)
        if not comps and app.app_id:
            gks = sorted({p.resource.group_kind for p in items if p.resource is not None})
            owned = list_owned(cluster, identity, gks, concurrency, [env.namespace])
            leftover = prune_plan(identity, owned, prepared, None)
            victims.extend(leftover.prune)
            for obj in leftover.kept:
                reporter(Event("delete", "kept", str(ObjRef.of(obj)), note="annotated kfctl.io/prune: ignore"))
                rows.append(_row(ObjRef.of(obj), "kept", "annotated kfctl.io/prune: ignore"))
        taken = check_removals(cluster, identity, victims, concurrency, allow=delete_contents)
        if victims and should_confirm(yes, dry_run):
            if not _confirm("delete", {"delete": len(victims), "take along": len(taken)}, cluster, env):
                raise KfctlError("not confirmed; nothing was deleted")
        deleted = delete_objects(cluster, victims, concurrency, dry_run=dry_run, progress=reporter)
        rows += [_row(ref, "deleted") for ref in deleted]
        for obj, container in taken:
            reporter(Event("delete", "taken along", str(ObjRef.of(obj)), note=f"with {ObjRef.of(container)}"))
            rows.append(_row(ObjRef.of(obj), "taken along", f"with {ObjRef.of(container)}"))
        if not comps and app.app_id and not dry_run:
            parent = parent_object(cluster, identity)
            if parent is not None:
                delete_objects(cluster, [parent], 1, progress=lambda e: None)
        if wait_ and not dry_run and victims:
            wait_gone(cluster, victims, timeout or 300.0, reporter)
        left_ns = None
        if not comps and not any(p.ref.kind == "Namespace" and p.name == env.namespace for p in items):
            ns_res = cluster.discovery.resource("v1", "Namespace")
            live_ns = cluster.get(ns_res, None, env.namespace) if ns_res else None
            if live_ns and ((live_ns.get("metadata") or {}).get("labels") or {}).get(CREATED_FOR_LABEL) \
                    == identity.applyset_id:
                left_ns = env.namespace
    finally:
        reporter.done()
        _warnings(cluster)
        cluster.close()
    if left_ns:
        click.echo(f"kfctl: note: left Namespace {left_ns!r}, which kfctl created for this environment (it may "
                   f"hold other objects); delete it yourself when it is empty: kubectl delete namespace {left_ns}",
                   err=True)
    tail = " (dry run)" if dry_run else ""
    line = f"environment {env.name!r}: {len(deleted)} deleted, {skipped} skipped, {missing} not found{tail}"
    if output == "json":
        counts = {"deleted": len(deleted), "skipped": skipped, "notFound": missing, "takenAlong": len(taken)}
        click.echo(_result_json("DeleteResult", env, rows, counts, dry_run))
        click.echo(line, err=True)
    else:
        click.echo(line)
