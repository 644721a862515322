"""``kfctl apply``: server-side apply of an environment's objects, in dependency order, with
ownership checks, optional prune and optional waiting. The library reports progress through a
callback and returns an ``ApplyResult``; it never prints.

Order (``kinds.apply_group``): Namespaces, CRDs (then wait until Established and re-discover, so
custom resources of a CRD in the same environment work in one run), ServiceAccounts and RBAC,
ConfigMaps/Secrets/PVCs, Services, workloads, other built-in kinds, custom resources. Objects of one
group are applied concurrently; a failure stops before the next group. Prune deletes in reverse
order after everything was applied.

Live state is read with one LIST per kind and namespace (a GET per object when a kind has only a
few objects), and an object is not sent at all when it would not change anything: every field the
render sets already has that value live, kfctl's field manager owns exactly the rendered fields
(so nothing would be removed), at the same apiVersion. Anything else is sent, and "changed" versus
"unchanged" is then decided by comparing resourceVersion before and after.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait as futures_wait
from dataclasses import dataclass, field
from typing import Callable

from . import kinds
from .cluster import ApiError, Cluster, Resource, to_kfctl_error
from .errors import KfctlError, NotReady, OwnershipError, Rejected, Unreachable
from .objects import ObjRef, group_of
from .prune import Identity, prunable, recorded_group_kinds, split_group_kind

FIELD_MANAGER = "kfctl"
LIST_THRESHOLD = 3  # a kind with at least this many objects in one namespace is LISTed, else GET per object
DEFAULT_CRD_TIMEOUT = 60.0

GROUP_NAMES = {0: "namespaces", 1: "custom resource definitions", 2: "service accounts and RBAC",
               3: "config and storage", 4: "services", 5: "workloads", 6: "other objects", 7: "custom resources"}


@dataclass
class Event:
    phase: str  # "apply", "prune", "delete", "crd", "namespace", "wait"
    op: str  # created/changed/unchanged/pruned/deleted/skipped/waiting/ready/...
    ref: str = ""
    done: int = 0
    total: int = 0
    note: str = ""


Progress = Callable[[Event], None]


def _noop(_e: Event) -> None:
    return None


@dataclass
class Planned:
    obj: dict
    ref: ObjRef
    group: int
    resource: Resource | None = None
    live: dict | None = None
    action: str = "apply"  # "apply" or "skip"
    op: str = ""  # result: created / changed / unchanged
    after: dict | None = None  # the server's answer (or a dry-run answer)

    @property
    def namespace(self) -> str | None:
        return (self.obj.get("metadata") or {}).get("namespace")

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]


@dataclass
class ApplyResult:
    items: list[Planned] = field(default_factory=list)
    pruned: list[ObjRef] = field(default_factory=list)
    namespace_created: str | None = None
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        out = {"created": 0, "changed": 0, "unchanged": 0, "pruned": len(self.pruned)}
        for p in self.items:
            out[p.op] = out.get(p.op, 0) + 1
        return out


# ---------------------------------------------------------------------------------------------- helpers

_SERVER_META = ("resourceVersion", "uid", "creationTimestamp", "generation", "selfLink", "managedFields",
                "deletionTimestamp", "deletionGracePeriodSeconds")


def body_for_apply(obj: dict) -> dict:
    """What is sent: the object without server-owned metadata and without status."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _SERVER_META}
    out["metadata"] = meta
    return out


def run_concurrently(fn, items: list, workers: int, on_done: Callable | None = None, *,
                     fail_fast: bool = True) -> list[tuple]:
    """Run ``fn(item)`` for every item with at most ``workers`` threads; returns [(item, result, error)]
    for the items that ran. After the first error (with ``fail_fast``) nothing new starts; what is in
    flight finishes. Ctrl-C cancels what has not started and re-raises at once."""
    if not items:
        return []
    out: list[tuple] = []
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(items))), thread_name_prefix="kfctl")
    try:
        futures: dict[Future, object] = {pool.submit(fn, item): item for item in items}
        pending = set(futures)
        while pending:
            done, pending = futures_wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                item = futures[fut]
                if fut.cancelled():
                    continue
                err = fut.exception()
                if err is not None and fail_fast:
                    for other in pending:
                        other.cancel()
                res = None if err else fut.result()
                out.append((item, res, err))
                if on_done:
                    on_done(item, res, err)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return out


def raise_first(errors: list[tuple[str, BaseException]]) -> None:
    """Raise one clear KfctlError for the failures of a batch (the first, plus how many more)."""
    if not errors:
        return
    what, err = errors[0]
    if isinstance(err, ApiError):
        err = to_kfctl_error(err, what)
    if not isinstance(err, KfctlError):
        raise err
    others = [e for _w, e in errors[1:] if not isinstance(e, Unreachable)]
    if others and not isinstance(err, Unreachable):
        err = type(err)(f"{err.message} (and {len(others)} more object(s) failed)", where=err.where, hint=err.hint)
    raise err


# ---------------------------------------------------------------------------------------------- scope and plan

def live_uids(items) -> set[str]:
    """UIDs of the rendered objects that exist in the cluster (prune must never take one of them)."""
    return {(p.live.get("metadata") or {}).get("uid") for p in items if p.live} - {None}


def scope_function(cluster: Cluster, objects: list[dict]):
    """namespaced(apiVersion, kind) -> bool, from discovery; kinds the server does not serve yet but a
    CRD in ``objects`` defines take that CRD's scope. Anything else is an error naming the object."""
    crds = kinds.crd_scopes(objects)

    def namespaced(api_version: str, kind: str) -> bool:
        res = cluster.discovery.resource(api_version, kind)
        if res is not None:
            return res.namespaced
        group, _ = kinds.split_api_version(api_version)
        if (group, kind) in crds:
            return crds[(group, kind)] != "Cluster"
        hint = None
        removed = kinds.removed_api(api_version, kind)
        if removed:
            hint = f"{kind} {api_version} was removed in Kubernetes 1.{removed[0]}; use {removed[1]}"
        elif "." in group:
            hint = ("install the operator that defines it first, in this environment or in the cluster "
                    "(built-in operators: 'kfctl prototype search operator')")
        raise Rejected(f"the server does not serve kind {kind!r} in {api_version!r}, and no CustomResourceDefinition "
                       "in this environment defines it", hint=hint)

    return namespaced


def prepare(objects: list[dict], namespace: str, namespaced, identity: Identity | None) -> list[dict]:
    """Copies of the rendered objects with the environment's namespace filled in for namespaced kinds
    (and removed from cluster-scoped ones) and the ownership labels stamped."""
    out = []
    for src in objects:
        obj = json.loads(json.dumps(src))  # JSON data: faster than deepcopy
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            raise Rejected(f"{obj.get('kind')} with generateName {meta.get('generateName')!r}: apply needs a fixed "
                           "metadata.name (server-side apply cannot create generated names)")
        where = f"{obj.get('kind')} {meta.get('name')}"
        try:
            is_ns = namespaced(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        except Rejected as exc:
            raise Rejected(f"{where}: {exc.message}", hint=exc.hint) from None
        if is_ns:
            if not meta.get("namespace"):
                meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
        if identity is not None:
            identity.stamp(obj)
        out.append(obj)
    return out


def plan(prepared: list[dict], cluster: Cluster) -> list[Planned]:
    crds = kinds.crd_scopes(prepared)
    items = []
    for obj in prepared:
        p = Planned(obj=obj, ref=ObjRef.of(obj), group=kinds.apply_group(obj, crds))
        p.resource = cluster.discovery.resource(obj["apiVersion"], obj["kind"])
        items.append(p)
    items.sort(key=lambda p: (p.group, p.ref.namespace, p.ref.kind, p.ref.name))
    return items


def fetch_live(cluster: Cluster, items: list[Planned], workers: int) -> None:
    """Fill ``Planned.live``: one LIST per (kind, namespace) with many objects, else a GET each."""
    buckets: dict[tuple[Resource, str | None], list[Planned]] = {}
    for p in items:
        if p.resource is not None:
            buckets.setdefault((p.resource, p.namespace if p.resource.namespaced else None), []).append(p)
    tasks: list[tuple] = []
    for (res, ns), group in buckets.items():
        if len(group) >= LIST_THRESHOLD and "list" in res.verbs:
            tasks.append(("list", res, ns, group))
        else:
            tasks.extend(("get", res, ns, [p]) for p in group)

    def run(task):
        verb, res, ns, group = task
        if verb == "list":
            try:
                found = {(o.get("metadata") or {}).get("name"): o for o in cluster.list(res, ns)}
            except ApiError as err:
                if err.status != 403:
                    raise
                found = None  # may not list, may still get each object
            if found is not None:
                for p in group:
                    p.live = found.get(p.name)
                return
        for p in group:
            p.live = cluster.get(res, ns, p.name)

    errors = [(_describe_task(t), e) for t, _r, e in run_concurrently(run, tasks, workers) if e]
    for what, err in errors:
        if isinstance(err, ApiError):
            raise to_kfctl_error(err, what, verb="read")
    raise_first(errors)


def _describe_task(task) -> str:
    verb, res, ns, group = task
    if verb == "list":
        return f"{res.plural}{' in namespace ' + ns if ns else ''}"
    return str(group[0].ref)


def check_ownership(identity: Identity, items: list[Planned], adopt: bool) -> list[Planned]:
    """Objects that exist and belong to another app or environment: an error unless ``adopt``."""
    foreign = []
    for p in items:
        if p.live is None:
            continue
        owner = identity.owner_of(p.live)
        if owner not in ("ours", "unowned"):
            foreign.append((p, owner))
    if foreign and not adopt:
        first, owner = foreign[0]
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise OwnershipError(f"{first.ref} already exists and belongs to {owner}{more}",
                             hint="re-run with --adopt to take it over for this app and environment")
    return [p for p, _ in foreign]


# ---------------------------------------------------------------------------------------------- change detection

def _subset(want, have) -> bool:
    """Every value in ``want`` equals the value at the same place in ``have`` (extra live fields are fine)."""
    if want is None:
        return True
    if isinstance(want, dict):
        if have is None:
            return not want  # {} renders the same as absent
        if not isinstance(have, dict):
            return False
        return all(_subset(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        if have is None:
            return not want
        if not isinstance(have, list) or len(want) != len(have):
            return False
        return all(_subset(w, h) for w, h in zip(want, have))
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return want == have
    return want == have


def _key_matches(key: dict, elem) -> bool:
    if not isinstance(elem, dict):
        return False
    for k, v in key.items():
        if k in elem:
            if elem[k] != v:
                return False
        # a key field the render leaves out was defaulted by the server (e.g. protocol: TCP)
    return any(k in elem for k in key)


def _find_child(fields: dict, elem, index: int):
    for fk, sub in fields.items():
        if fk.startswith("k:"):
            try:
                key = json.loads(fk[2:])
            except ValueError:
                continue
            if isinstance(key, dict) and _key_matches(key, elem):
                return sub
        elif fk.startswith("v:"):
            try:
                if json.loads(fk[2:]) == elem:
                    return sub
            except ValueError:
                continue
        elif fk == f"i:{index}":
            return sub
    return None


def _covered(value, fields: dict) -> bool:
    """Every field set in ``value`` is recorded in ``fields`` (a managedFields fieldsV1 tree)."""
    if not fields:
        return True  # a leaf or an atomic value: owned as a whole
    if isinstance(value, dict):
        for k, v in value.items():
            if v is None:
                continue
            sub = fields.get(f"f:{k}")
            if sub is None or not _covered(v, sub):
                return False
        return True
    if isinstance(value, list):
        for i, elem in enumerate(value):
            sub = _find_child(fields, elem, i)
            if sub is None or not _covered(elem, sub):
                return False
        return True
    return True


def _present(fields: dict, value) -> bool:
    """Every field recorded in ``fields`` is still set in ``value`` (nothing would be removed)."""
    for fk, sub in fields.items():
        if fk == ".":
            continue
        if fk.startswith("f:"):
            if not isinstance(value, dict) or value.get(fk[2:]) is None:
                return False
            if sub and not _present(sub, value[fk[2:]]):
                return False
        elif fk.startswith(("k:", "v:", "i:")):
            if not isinstance(value, list):
                return False
            match = None
            for i, elem in enumerate(value):
                if _find_child({fk: sub}, elem, i) is not None:
                    match = elem
                    break
            if match is None:
                return False
            if sub and not _present(sub, match):
                return False
    return True


def managed_entry(live: dict, manager: str = FIELD_MANAGER) -> dict | None:
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") == manager and entry.get("operation") == "Apply" and not entry.get("subresource"):
            return entry
    return None


def is_unchanged(obj: dict, live: dict | None) -> bool:
    """Whether applying ``obj`` would leave ``live`` exactly as it is (conservative: False when unsure)."""
    if live is None:
        return False
    entry = managed_entry(live)
    if entry is None or entry.get("apiVersion") != obj.get("apiVersion"):
        return False
    fields = entry.get("fieldsV1") or {}
    body = body_for_apply(obj)
    meta = dict(body.get("metadata") or {})
    meta.pop("name", None)
    meta.pop("namespace", None)
    content = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
    if meta:
        content["metadata"] = meta
    if not _subset(content, live):
        return False
    if not _covered(content, fields):
        return False
    return _present(fields, content)


# ---------------------------------------------------------------------------------------------- the apply

@dataclass
class Options:
    dry_run: bool = False
    prune: bool = False
    wait: bool = False
    timeout: float = 300.0
    force_conflicts: bool = False
    adopt: bool = False
    workers: int = 8
    components: list[str] | None = None
    crd_timeout: float = DEFAULT_CRD_TIMEOUT


def list_owned(cluster: Cluster, identity: Identity, extra_group_kinds: list[str], workers: int,
               namespaces: list[str]) -> list[dict]:
    """Live objects labelled as this app+environment's, among the group-kinds its ApplySet parent
    recorded plus ``extra_group_kinds`` (every listable kind when there is no parent). Metadata only:
    apiVersion, kind and metadata (labels, owners, uid), not spec or data."""
    parent = parent_object(cluster, identity)
    gks = set(extra_group_kinds)
    resources: list[Resource] = []
    if parent is None:
        resources = [r for r in cluster.discovery.listable()]
    else:
        gks |= set(recorded_group_kinds(parent))
        for gk in sorted(gks):
            group, kind = split_group_kind(gk)
            res = cluster.discovery.by_group_kind(group, kind)
            if res is not None:
                resources.append(res)

    def run(res: Resource):
        try:
            return cluster.list(res, None, label_selector=identity.selector, metadata_only=True)
        except ApiError as err:
            if err.status in (403,) and res.namespaced:
                out = []
                for ns in sorted(set(namespaces)):
                    try:
                        out.extend(cluster.list(res, ns, label_selector=identity.selector, metadata_only=True))
                    except ApiError as inner:
                        if inner.status not in (403, 404):
                            raise
                return out
            if err.status in (403, 404, 405, 503):
                return []  # not listable here (aggregated API down, no permission): nothing of ours found
            raise

    found: list[dict] = []
    errors = []
    for res, items, err in run_concurrently(run, resources, workers):
        if err:
            errors.append((f"{res.plural}", err))
        else:
            found.extend(items)
    for what, err in errors:
        if isinstance(err, ApiError):
            raise to_kfctl_error(err, what, verb="list")
    raise_first(errors)
    return [o for o in found if not identity.is_current_parent(o)]


def parent_object(cluster: Cluster, identity: Identity) -> dict | None:
    res = cluster.discovery.resource("v1", "ConfigMap")
    try:
        return cluster.get(res, identity.namespace, identity.parent_name)
    except ApiError as err:
        if err.status == 403:
            return None
        raise to_kfctl_error(err, f"ConfigMap {identity.namespace}/{identity.parent_name}", verb="read") from None


def _namespace_exists(cluster: Cluster, name: str) -> bool:
    res = cluster.discovery.resource("v1", "Namespace")
    try:
        return cluster.get(res, None, name) is not None
    except ApiError as err:
        if err.status == 403:
            return True  # cannot tell; assume it exists and let the server say otherwise
        raise to_kfctl_error(err, f"Namespace {name}", verb="read") from None


def apply_objects(cluster: Cluster, objects: list[dict], identity: Identity, namespace: str,
                  opts: Options, progress: Progress = _noop) -> ApplyResult:
    """Apply rendered ``objects`` for one app environment. See the module docstring."""
    result = ApplyResult(dry_run=opts.dry_run)
    namespaced = scope_function(cluster, objects)
    prepared = prepare(objects, namespace, namespaced, identity)
    items = plan(prepared, cluster)
    result.items = items
    fetch_live(cluster, items, opts.workers)
    check_ownership(identity, items, opts.adopt)
    for p in items:
        if is_unchanged(p.obj, p.live):
            p.action = "skip"

    to_prune: list[dict] = []
    if opts.prune:
        gks = sorted({p.resource.group_kind for p in items if p.resource is not None})
        owned = list_owned(cluster, identity, gks, opts.workers,
                           [namespace] + [p.namespace for p in items if p.namespace])
        to_prune = prunable(identity, owned, prepared, opts.components, keep_uids=live_uids(items))

    # The environment's namespace is created when missing (it also holds the ApplySet parent), unless
    # the render itself has that Namespace: then it is created in the first group.
    rendered_ns = {p.name: p for p in items if p.ref.kind == "Namespace" and p.ref.group == ""}
    pending_ns = {name for name, p in rendered_ns.items() if p.live is None}
    if namespace not in rendered_ns and not _namespace_exists(cluster, namespace):
        pending_ns.add(namespace)
        if not opts.dry_run:
            res = cluster.discovery.resource("v1", "Namespace")
            try:
                cluster.apply(res, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
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

    # Record the kinds about to be applied before applying them (once the namespaces exist), so a run
    # that dies half-way can still be pruned.
    parent_written = opts.dry_run
    parent = None if opts.dry_run or namespace in pending_ns else parent_object(cluster, identity)

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
            elif opts.dry_run:
                op = "unchanged" if _same(p.live, res) else "changed"
            else:
                before = (p.live.get("metadata") or {}).get("resourceVersion")
                op = "unchanged" if before == (res.get("metadata") or {}).get("resourceVersion") else "changed"
            finish(p, op)

        outcome = run_concurrently(one, send, opts.workers, on_done)
        raise_first([(str(p.ref), err) for p, _r, err in outcome if err])
        if group == kinds.CRDS and not opts.dry_run and batch:
            wait_established(cluster, batch, opts.crd_timeout, progress)

    if not parent_written:
        parent = _write_parent(cluster, identity, items, parent, keep_recorded=True)
    if to_prune:
        result.pruned = delete_objects(cluster, to_prune, opts.workers, dry_run=opts.dry_run, progress=progress,
                                       phase="prune")
    if not opts.dry_run and opts.prune and not opts.components:
        _write_parent(cluster, identity, items, parent, keep_recorded=False)  # a full prune: exactly what is applied now

    if opts.wait and not opts.dry_run:
        from .wait import wait_ready

        wait_ready(cluster, [p.after or p.obj for p in items], opts.timeout, progress)
    return result


def _write_parent(cluster: Cluster, identity: Identity, items: list[Planned], current: dict | None, *,
                  keep_recorded: bool) -> dict | None:
    """Record the applied group-kinds (and namespaces) on the ApplySet parent; with ``keep_recorded``
    what it already lists stays (a partial apply must not forget kinds). Nothing is sent when the
    parent already says exactly this."""
    from .prune import APPLYSET_NAMESPACES

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


def _same(live: dict, after: dict) -> bool:
    from .diff import normalize

    return normalize(live) == normalize(after)


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


def wait_established(cluster: Cluster, crds: list[Planned], timeout: float, progress: Progress = _noop) -> None:
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
                   progress: Progress = _noop, phase: str = "delete") -> list[ObjRef]:
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
        raise_first(errors)
    return deleted
