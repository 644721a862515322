"""``kfctl apply``: server-side apply of an environment's objects, in dependency order, with
ownership checks (kfctl/ownership.py), optional prune and optional waiting. The library reports
progress through a callback and returns an ``ApplyResult``; it never prints.

Order (``kinds.apply_group``): Namespaces, CRDs (then wait until Established and re-discover, so
custom resources of a CRD in the same environment work in one run), ServiceAccounts and RBAC,
ConfigMaps/Secrets/PVCs, Services, workloads, other built-in kinds, custom resources. Objects of one
group are applied concurrently; a failure stops before the next group. Prune deletes in reverse
order after everything was applied. Every ownership refusal happens before the first change.

An object is not sent when it would not change anything (``compare.is_unchanged``). Anything else is
sent, and "changed" versus "unchanged" is then decided by comparing the server's answer with the
live copy, server-set metadata aside (an apply that only moves field ownership is "unchanged").
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from . import kinds
from .cluster import ApiError, Background, Cluster, to_kfctl_error
from .compare import is_unchanged, same
from .errors import KfctlError, MissingPrerequisite, NotReady, Rejected
from .live import (Event, Planned, Progress, body_for_apply, env_namespace_missing, fetch_live,
                   live_uids, no_progress, not_a_rejection, plan, prepare, raise_errors, rendered_namespaces,
                   run_concurrently, scope_function)
from .objects import ObjRef, group_of
from .ownership import (APPLYSET_NAMESPACES, Identity, check_existing, check_removals, list_owned, parent_object,
                        prune_plan, recorded_group_kinds)
from .prerequisites import message as prerequisites_message, missing_prerequisites
from .wait import wait_ready

DEFAULT_CRD_TIMEOUT = 60.0

GROUP_NAMES = {0: "namespaces", 1: "custom resource definitions", 2: "service accounts and RBAC",
               3: "config and storage", 4: "services", 5: "workloads", 6: "other objects", 7: "custom resources"}


@dataclass
class ApplyResult:
    items: list[Planned] = field(default_factory=list)
    pruned: list[ObjRef] = field(default_factory=list)
    kept: list[ObjRef] = field(default_factory=list)  # not rendered, kept by kfctl.io/prune: ignore
    leftovers: list[dict] = field(default_factory=list)  # this app+env at another destination (not removed)
    adopted_from_ks: list[ObjRef] = field(default_factory=list)
    taken_along: list[tuple[dict, dict]] = field(default_factory=list)  # (object, CRD/Namespace) removed with it
    namespace_created: str | None = None
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        out = {"created": 0, "changed": 0, "unchanged": 0, "pruned": len(self.pruned)}
        for p in self.items:
            if p.op:
                out[p.op] = out.get(p.op, 0) + 1
        return out


@dataclass
class Options:
    dry_run: bool = False
    prune: bool = False
    prune_moved: bool = False  # also delete what this app+env left at another destination
    delete_contents: bool = False  # let a CRD/Namespace removal take what this app+env did not apply
    wait: bool = False
    timeout: float = 300.0
    force_conflicts: bool = False
    adopt: bool = False
    workers: int = 8
    components: list[str] | None = None
    crd_timeout: float = DEFAULT_CRD_TIMEOUT
    confirm: Callable[[dict[str, int]], bool] | None = None  # asked with the planned counts before any change


def _has_other_destinations(cluster: Cluster, identity: Identity) -> bool:
    from .ownership import all_parents

    parents = all_parents(cluster, identity)
    return bool(parents) and any(not identity.is_current_parent(p) for p in parents)


def apply_objects(cluster: Cluster, objects: list[dict], identity: Identity, namespace: str,
                  opts: Options, progress: Progress = no_progress, result: ApplyResult | None = None) -> ApplyResult:
    """Apply rendered ``objects`` for one app environment. See the module docstring. ``result`` (when
    given) is filled in as the apply goes, so a caller still has it when the apply fails half-way."""
    result = result if result is not None else ApplyResult()
    result.dry_run = opts.dry_run
    # Before anything changes: every kind must be served by the cluster or defined by a CRD in the render.
    missing = missing_prerequisites(objects, cluster.discovery)
    if missing:
        raise MissingPrerequisite(prerequisites_message(missing))
    namespaced = scope_function(cluster, objects)
    prepared = prepare(objects, namespace, namespaced, identity)
    items = plan(prepared, cluster)
    result.items = items
    # The environment's namespace is created when missing (it also holds the ApplySet parent), unless
    # the render itself has that Namespace: then it is created in the first group. Nothing can exist in a
    # missing namespace, so nothing is looked for there.
    # Whether this app+environment was applied at another destination does not depend on the live copies.
    elsewhere = None if opts.prune or opts.prune_moved else Background(_has_other_destinations, cluster, identity)
    env_ns_missing = env_namespace_missing(cluster, items, namespace)
    fetch_live(cluster, items, opts.workers, {namespace} if env_ns_missing else frozenset())
    adopted = check_existing(identity, items, opts.adopt)
    result.adopted_from_ks = [p.ref for p in adopted]
    if adopted:
        progress(Event("adopt", "adopted", note=f"{len(adopted)} object(s) left by ks apply (same component) are now "
                                                f"managed by kfctl: " + ", ".join(str(p.ref) for p in adopted[:5])
                                           + (f" and {len(adopted) - 5} more" if len(adopted) > 5 else "")))
    for p in items:
        if is_unchanged(p.obj, p.live):
            p.action = "skip"

    to_prune: list[dict] = []
    if elsewhere is None or elsewhere.result():
        gks = sorted({p.resource.group_kind for p in items if p.resource is not None})
        owned = list_owned(cluster, identity, gks, opts.workers,
                           [namespace] + [p.namespace for p in items if p.namespace])
        pp = prune_plan(identity, owned, prepared, opts.components, keep_uids=live_uids(items))
        if opts.prune:
            to_prune += pp.prune
            result.kept = [ObjRef.of(o) for o in pp.kept]
        if opts.prune_moved:
            to_prune += pp.leftovers
        else:
            result.leftovers = pp.leftovers
    # Rule 6 of kfctl/ownership.py, before anything changes.
    result.taken_along = check_removals(cluster, identity, to_prune, opts.workers, allow=opts.delete_contents)
    if opts.confirm is not None:
        planned = {"create": sum(1 for p in items if p.live is None), "update": _count_updates(cluster, items, opts),
                   "prune": len(to_prune), "take along": len(result.taken_along)}
        if any(planned.values()) and not opts.confirm(planned):
            raise KfctlError("not confirmed; nothing was changed")

    pending_ns = {p.name for p in rendered_namespaces(items) if p.live is None}
    if env_ns_missing:
        pending_ns.add(namespace)
        if not opts.dry_run:
            res = cluster.discovery.resource("v1", "Namespace")
            try:
                cluster.apply(res, {"apiVersion": "v1", "kind": "Namespace",
                                    "metadata": {"name": namespace, "labels": identity.created_for_label()}})
            except ApiError as err:
                raise to_kfctl_error(err, f"Namespace {namespace}") from None
            pending_ns.discard(namespace)
        result.namespace_created = namespace
        progress(Event("namespace", "created", f"Namespace {namespace}", note="environment namespace"))

    total = len(items)
    done = [0]
    lock = threading.Lock()

    def finish(p: Planned, op: str) -> None:
        p.op = op
        with lock:
            done[0] += 1
            n = done[0]
        progress(Event("apply", op, str(p.ref), n, total))

    try:
        _apply_groups(cluster, identity, items, pending_ns, opts, finish, progress)
    except KfctlError as err:
        c = result.counts()
        sent = c["created"] + c["changed"] + c["unchanged"]
        raise type(err)(f"{err.message} (apply stopped after {sent} of {total} object(s): {c['created']} created, "
                        f"{c['changed']} changed, {c['unchanged']} unchanged; nothing pruned)",
                        where=err.where, hint=err.hint) from None

    for ref in result.kept:
        progress(Event("prune", "kept", str(ref), note="annotated kfctl.io/prune: ignore"))
    if to_prune:
        result.pruned = delete_objects(cluster, to_prune, opts.workers, dry_run=opts.dry_run, progress=progress,
                                       phase="prune")
    for obj, container in result.taken_along:
        progress(Event("prune", "taken along", str(ObjRef.of(obj)), note=f"with {ObjRef.of(container)}"))
    if not opts.dry_run and opts.prune and not opts.components:
        _write_parent(cluster, identity, items, parent_object(cluster, identity), keep_recorded=False)

    if opts.wait and not opts.dry_run:
        wait_ready(cluster, [p.after or p.obj for p in items], opts.timeout, progress)
    return result


def _count_updates(cluster: Cluster, items: list[Planned], opts: Options) -> int:
    """How many existing objects an apply would change, by a server-side dry run of each one it would
    send (for the confirmation summary; a rejection fails here, before any change)."""
    maybe = [p for p in items if p.live is not None and p.action != "skip" and p.resource is not None]

    def one(p: Planned):
        return cluster.apply(p.resource, body_for_apply(p.obj), force=opts.force_conflicts, dry_run=True)

    outcome = run_concurrently(one, maybe, opts.workers, fail_fast=not_a_rejection)
    raise_errors([(str(p.ref), err) for p, _r, err in outcome if err])
    return sum(1 for p, after, _e in outcome if not same(p.live, after))


def _apply_groups(cluster: Cluster, identity: Identity, items: list[Planned], pending_ns: set[str], opts: Options,
                  finish, progress: Progress) -> None:
    # Record the kinds about to be applied before applying them (once the namespaces exist), so a run
    # that dies half-way can still be pruned.
    parent_written = opts.dry_run
    parent = None if opts.dry_run or identity.namespace in pending_ns else parent_object(cluster, identity)

    for group in sorted({p.group for p in items}):
        batch = [p for p in items if p.group == group]
        if group > kinds.NAMESPACES and not parent_written:
            parent = _write_parent(cluster, identity, items, parent, keep_recorded=True)
            parent_written = True
        if group == kinds.CUSTOM and any(p.resource is None for p in batch):
            _resolve_pending(cluster, batch, opts.dry_run)
        send = []
        for p in batch:
            if p.action == "skip":
                p.after = p.live
                finish(p, "unchanged")
            elif opts.dry_run and (p.resource is None or (p.namespace in pending_ns)):
                finish(p, "created")  # its namespace or CRD does not exist yet: the server cannot check it
            else:
                send.append(p)

        def one(p: Planned):
            return cluster.apply(p.resource, body_for_apply(p.obj), force=opts.force_conflicts, dry_run=opts.dry_run)

        def on_done(p: Planned, res, err):
            if err is not None:
                return
            p.after = res
            if p.live is None:
                op = "created"
            else:
                op = "unchanged" if same(p.live, res) else "changed"
            finish(p, op)

        outcome = run_concurrently(one, send, opts.workers, on_done, fail_fast=not_a_rejection)
        raise_errors([(str(p.ref), err) for p, _r, err in outcome if err])
        if group == kinds.CRDS and not opts.dry_run and batch:
            wait_established(cluster, batch, opts.crd_timeout, progress)

    if not parent_written:
        _write_parent(cluster, identity, items, parent, keep_recorded=True)


def _write_parent(cluster: Cluster, identity: Identity, items: list[Planned], current: dict | None, *,
                  keep_recorded: bool) -> dict | None:
    """Record the applied group-kinds (and namespaces) on the ApplySet parent; with ``keep_recorded``
    what it already lists stays (a partial apply must not forget kinds). Nothing is sent when the
    parent already says exactly this."""
    gks = {p.resource.group_kind if p.resource else
           (f"{p.ref.kind}.{p.ref.group}" if p.ref.group else p.ref.kind) for p in items}
    namespaces = {p.namespace for p in items if p.namespace}
    if keep_recorded and current:
        gks |= set(recorded_group_kinds(current))
        text = ((current.get("metadata") or {}).get("annotations") or {}).get(APPLYSET_NAMESPACES) or ""
        namespaces |= {n for n in text.split(",") if n}
    parent = identity.parent(sorted(gks), sorted(namespaces))
    if current:
        cur = current.get("metadata") or {}
        want = parent["metadata"]
        if all((cur.get(k) or {}).get(key) == value for k in ("labels", "annotations")
               for key, value in want[k].items()):
            return current
    res = cluster.discovery.resource("v1", "ConfigMap")
    try:
        return cluster.apply(res, parent, force=True)
    except ApiError as err:
        if err.status == 403:
            return current  # no right to record; prune falls back to scanning every kind
        raise to_kfctl_error(err, f"ConfigMap {identity.namespace}/{identity.parent_name} (the ApplySet parent)") \
            from None


def _resolve_pending(cluster: Cluster, batch: list[Planned], dry_run: bool) -> None:
    cluster.discovery.invalidate()
    for p in batch:
        if p.resource is None:
            p.resource = cluster.discovery.resource(p.obj["apiVersion"], p.obj["kind"])
            if p.resource is None and not dry_run:
                raise Rejected(f"{p.ref}: the server still does not serve {p.obj['kind']} in "
                               f"{p.obj['apiVersion']} after its CustomResourceDefinition was established")


def _crd_established(obj: dict | None) -> bool:
    for c in ((obj or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") == "Established" and c.get("status") == "True":
            return True
    return False


def wait_established(cluster: Cluster, crds: list[Planned], timeout: float, progress: Progress = no_progress) -> None:
    pending = {p.name: p for p in crds if not _crd_established(p.after)}
    deadline = time.monotonic() + timeout
    res = cluster.discovery.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition") or crds[0].resource
    while pending:
        for name in sorted(pending):
            p = pending[name]
            try:
                live = cluster.get(p.resource or res, None, name)
            except ApiError as err:
                raise to_kfctl_error(err, str(p.ref), verb="read") from None
            if _crd_established(live):
                del pending[name]
                progress(Event("crd", "established", str(p.ref)))
        if not pending:
            break
        if time.monotonic() > deadline:
            names = ", ".join(sorted(pending))
            raise NotReady(f"CustomResourceDefinition(s) not Established after {timeout:.0f}s: {names}",
                           hint="check the CRD's status conditions (kubectl describe crd NAME)")
        time.sleep(0.2)
    cluster.discovery.invalidate()


def delete_objects(cluster: Cluster, objects: list[dict], workers: int, *, dry_run: bool = False,
                   progress: Progress = no_progress, phase: str = "delete") -> list[ObjRef]:
    """Delete live objects in reverse apply order (UID precondition; already-gone is fine)."""
    crds = kinds.crd_scopes(objects)
    by_group: dict[int, list[dict]] = {}
    for obj in objects:
        by_group.setdefault(kinds.apply_group(obj, crds), []).append(obj)
    deleted: list[ObjRef] = []
    total = len(objects)
    count = [0]
    lock = threading.Lock()
    for group in sorted(by_group, reverse=True):
        batch = by_group[group]

        def one(obj: dict):
            res = cluster.discovery.resource(obj["apiVersion"], obj["kind"])
            if res is None:
                return False
            meta = obj.get("metadata") or {}
            return cluster.delete(res, meta.get("namespace"), meta["name"], uid=meta.get("uid"), dry_run=dry_run)

        def on_done(obj, gone, err):
            if err is None:
                with lock:
                    count[0] += 1
                    n = count[0]
                op = ("pruned" if phase == "prune" else "deleted") if gone else "already gone"
                if gone:
                    deleted.append(ObjRef.of(obj))
                note = "with everything in it" if gone and obj.get("kind") == "Namespace" and \
                    group_of(obj.get("apiVersion", "")) == "" else ""
                progress(Event(phase, op, str(ObjRef.of(obj)), n, total, note=note))

        outcome = run_concurrently(one, batch, workers, on_done)
        errors = []
        for obj, _r, err in outcome:
            if err is not None:
                if isinstance(err, ApiError):
                    err = to_kfctl_error(err, str(ObjRef.of(obj)), verb="delete")
                errors.append((str(ObjRef.of(obj)), err))
        raise_errors(errors, verb="delete")
    return deleted


def summary_text(c: dict, dry_run: bool) -> str:
    """The counts part of apply's summary line (one environment, or each of a fleet)."""
    kept = f", {c['kept']} kept" if c.get("kept") else ""
    adopted = f", {c['adopted']} adopted from ks" if c.get("adopted") else ""
    return (f"{c.get('created', 0)} created, {c.get('changed', 0)} changed, {c.get('unchanged', 0)} unchanged, "
            f"{c.get('pruned', 0)} pruned{kept}{adopted}" + (" (dry run)" if dry_run else ""))
