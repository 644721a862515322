"""apply, diff, delete: the commands that talk to a cluster (loaded only when one of them runs)."""

from __future__ import annotations

import json
import re
import sys

import click

from ._options import build_jsonnet_options, component_option, jsonnet_options
from .fleet_cmds import fleet_options

EXIT_DIFFERENCES = 10
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``1h30m``, ``500ms`` -> seconds."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        m = _DURATION.match(text)
        if not text or not m or not any(m.groups()):
            raise click.BadParameter(f"{text!r} is not a duration (e.g. 90s, 5m, 1h30m)") from None
        h, mi, s, ms = (float(g) if g else 0.0 for g in m.groups())
        value = h * 3600 + mi * 60 + s + ms / 1000
    if value <= 0:
        raise click.BadParameter("must be positive")
    return value


class _Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value)
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


DURATION = _Duration()


class Reporter:
    """Progress on stderr: one line per change; on a TTY also a live status line that is rewritten."""

    def __init__(self, dry_run: bool = False):
        self.tty = sys.stderr.isatty()
        self.suffix = " (dry run)" if dry_run else ""
        self._live = False

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

    def __call__(self, ev) -> None:
        if ev.phase == "wait":
            verb = "gone" if ev.op == "deleting" else "ready"
            self.status(f"waiting: {ev.done}/{ev.total} {verb}" + (f" - {ev.note}" if ev.note else ""))
            return
        if ev.op in ("unchanged", "already gone"):
            if ev.phase in ("apply", "delete"):
                self.status(f"{ev.phase}: {ev.done}/{ev.total}")
            return
        if ev.phase == "skip":
            self.line(f"skipped {ev.ref}: {ev.note}")
            return
        note = f" ({ev.note})" if ev.note else ""
        self.line(f"{ev.op} {ev.ref}{note}{self.suffix}")
        if ev.total:
            self.status(f"{ev.phase}: {ev.done}/{ev.total}")

    def done(self) -> None:
        self._clear()


def _render(app, env_name, comps, options):
    from ..render import render

    rendered = render(app, env_name, comps, options=options)
    for note in getattr(rendered, "warnings", ()) or ():
        click.echo(f"kfctl: warning: {note}", err=True)
    return rendered


def _connect(env, *, workers: int = 8, announce: bool = True, verb: str = "change"):
    from ..cluster import connect, resolve_target

    target = resolve_target(env.name, env.server, env.context)
    if announce:
        how = "the current context " if target.implicit else ""
        click.echo(f"kfctl: about to {verb} {how}{target.describe()}, namespace {env.namespace!r} "
                   f"(environment {env.name!r})", err=True)
    cluster = connect(target, workers=workers)
    cluster.check()
    return cluster


def _warnings(cluster) -> None:
    for text in cluster.warnings:
        click.echo(f"kfctl: warning from the API server: {text}", err=True)


def _identity(app, env, *, create: bool):
    from ..prune import Identity

    app_id = app.ensure_id() if create else (app.app_id or "none")
    return Identity(app_id=app_id, app_name=app.name, env_name=env.name, namespace=env.namespace)


# ---------------------------------------------------------------------------------------------- apply

@click.command()
@fleet_options("apply")
@click.argument("env_name", metavar="[ENV]", required=False)
@component_option
@click.option("--dry-run", is_flag=True, help="Send everything as a server-side dry run; change nothing.")
@click.option("--prune", is_flag=True,
              help="Delete objects this app+environment applied before and no longer renders.")
@click.option("--wait", "wait_", is_flag=True, help="Wait until every object is ready.")
@click.option("--timeout", type=DURATION, default=None,
              help="How long --wait (and waiting for CRDs) may take, e.g. 90s, 5m. [default: 5m]")
@click.option("--force-conflicts", is_flag=True, help="Take over fields owned by other field managers.")
@click.option("--adopt", is_flag=True, help="Take over objects that belong to another app or environment.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@jsonnet_options
@click.pass_context
def apply(ctx, env_name, components, dry_run, prune, wait_, timeout, force_conflicts, adopt, concurrency, **kw):
    """Apply environment ENV to its cluster (server-side apply, field manager "kfctl")."""
    from ..apply import DEFAULT_CRD_TIMEOUT, Options, apply_objects
    from . import AppContext

    options = build_jsonnet_options(kw)
    app = ctx.find_object(AppContext).app
    rendered = _render(app, env_name, list(components) or None, options)
    env = rendered.env
    cluster = _connect(env, workers=concurrency, verb="dry-run apply to" if dry_run else "change")
    identity = _identity(app, env, create=not dry_run)
    opts = Options(dry_run=dry_run, prune=prune, wait=wait_, timeout=timeout or 300.0,
                   force_conflicts=force_conflicts, adopt=adopt, workers=concurrency,
                   components=list(components) or None, crd_timeout=timeout or DEFAULT_CRD_TIMEOUT)
    reporter = Reporter(dry_run)
    try:
        result = apply_objects(cluster, rendered.objects, identity, env.namespace, opts, reporter)
    finally:
        reporter.done()
        _warnings(cluster)
        cluster.close()
    c = result.counts()
    tail = " (dry run)" if dry_run else ""
    click.echo(f"environment {env.name!r}: {c['created']} created, {c['changed']} changed, "
               f"{c['unchanged']} unchanged, {c['pruned']} pruned{tail}")


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
@click.argument("locations", nargs=-1, metavar="[ENV | [local:|remote:]ENV1 [local:|remote:]ENV2]")
@component_option
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A unified diff, or JSON with each object's operation and changed paths.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are differences.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@jsonnet_options
@click.pass_context
def diff(ctx, locations, components, output, exit_zero, concurrency, **kw):
    """Show what `apply ENV` would change (live -> local), or compare two environments.

    `diff ENV` is `diff remote:ENV local:ENV`. `diff local:A local:B` compares two renders (no
    cluster). `diff local:A remote:B` renders A as if it were applied to B (B's cluster and
    namespace) and compares it with what B has there; the first location is the "-" side.
    Secret values are always masked.

    Exit status: 0 no differences (or --exit-zero), 10 differences, 1 error, 2 usage."""
    from .. import diff as df
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
        rendered = _render(app, local_name, comps, options)
        cluster = _connect(remote_env, workers=concurrency, announce=False)
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
            click.echo(_colour(text) if sys.stdout.isatty() else text, nl=False)
        click.echo(f"{s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
                   f"{s['unchanged']} unchanged", err=True)
    if changed and not exit_zero:
        ctx.exit(EXIT_DIFFERENCES)


# ---------------------------------------------------------------------------------------------- delete

@click.command()
@click.argument("env_name", metavar="[ENV]", required=False)
@component_option
@click.option("--wait", "wait_", is_flag=True, help="Wait until the objects are gone.")
@click.option("--timeout", type=DURATION, default=None, help="How long --wait may take. [default: 5m]")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@jsonnet_options
@click.pass_context
def delete(ctx, env_name, components, wait_, timeout, dry_run, concurrency, **kw):
    """Delete environment ENV's objects from its cluster, in reverse order.

    Only objects this app and environment applied are deleted; others are skipped (and named).
    Without -c, objects it applied earlier that are no longer rendered go too."""
    _delete_impl(ctx, env_name, components, wait_, timeout, dry_run, concurrency, kw)


def _delete_impl(ctx, env_name, components, wait_, timeout, dry_run, concurrency, kw):
    from ..apply import Event, delete_objects, fetch_live, list_owned, plan, prepare, scope_function
    from ..prune import is_controller_owned, prunable
    from ..wait import wait_gone
    from . import AppContext

    options = build_jsonnet_options(kw)
    app = ctx.find_object(AppContext).app
    comps = list(components) or None
    rendered = _render(app, env_name, comps, options)
    env = rendered.env
    cluster = _connect(env, workers=concurrency, verb="dry-run delete from" if dry_run else "delete from")
    reporter = Reporter(dry_run)
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
            owner = identity.owner_of(p.live)
            if owner != "ours":
                skipped += 1
                why = "not applied by kfctl for this app and environment" if owner == "unowned" else \
                    f"belongs to {owner}"
                reporter(Event("skip", "skipped", str(p.ref), note=why))
                continue
            if is_controller_owned(p.live):
                skipped += 1
                reporter(Event("skip", "skipped", str(p.ref), note="owned by a controller"))
                continue
            victims.append(p.live)
        if not comps and app.app_id:
            gks = sorted({p.resource.group_kind for p in items if p.resource is not None})
            owned = list_owned(cluster, identity, gks, concurrency, [env.namespace])
            victims.extend(prunable(identity, owned, prepared, None))
        deleted = delete_objects(cluster, victims, concurrency, dry_run=dry_run, progress=reporter)
        if not comps and app.app_id and not dry_run:
            from ..apply import parent_object

            parent = parent_object(cluster, identity)
            if parent is not None:
                delete_objects(cluster, [parent], 1, progress=lambda e: None)
        if wait_ and not dry_run and victims:
            wait_gone(cluster, victims, timeout or 300.0, reporter)
    finally:
        reporter.done()
        _warnings(cluster)
        cluster.close()
    tail = " (dry run)" if dry_run else ""
    click.echo(f"environment {env.name!r}: {len(deleted)} deleted, {skipped} skipped, {missing} not found{tail}")
