"""Reading the cluster for a set of rendered objects: where each object goes (namespace, scope,
apply group), its live copy, and running requests concurrently. Shared by apply, diff, delete and
wait; it decides nothing about ownership (kfctl/ownership.py) or changes (kfctl/compare.py).

Live state is read with one LIST per kind and namespace (a GET per object when a kind has only a few
objects); nothing is read in a namespace the caller knows does not exist (a first apply).
"""

from __future__ import annotations

import json
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait as futures_wait
from dataclasses import dataclass
from typing import Callable

from . import kinds
from .cluster import ApiError, Cluster, Resource, to_kfctl_error
from .errors import KfctlError, Rejected, Unreachable
from .objects import ObjRef

LIST_THRESHOLD = 3  # a kind with at least this many objects in one namespace is LISTed, else GET per object


@dataclass
class Event:
    phase: str  # "apply", "prune", "delete", "crd", "namespace", "wait"
    op: str  # created/changed/unchanged/pruned/deleted/skipped/waiting/ready/...
    ref: str = ""
    done: int = 0
    total: int = 0
    note: str = ""


Progress = Callable[[Event], None]


def no_progress(_e: Event) -> None:
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
                     fail_fast: bool | Callable[[BaseException], bool] = True) -> list[tuple]:
    """Run ``fn(item)`` for every item with at most ``workers`` threads; returns [(item, result, error)]
    for the items that ran. After the first error (with ``fail_fast``; or when ``fail_fast(error)`` says
    so) nothing new starts; what is in flight finishes. Ctrl-C cancels what has not started and re-raises at once."""
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
                if err is not None and (fail_fast(err) if callable(fail_fast) else fail_fast):
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


def not_a_rejection(err: BaseException) -> bool:
    """For ``fail_fast``: stop sending after an error that is not the server rejecting one object (server
    gone, Ctrl-C); after a rejection the rest still goes, so every object that fails is named."""
    return not isinstance(err, ApiError)


def raise_errors(errors: list[tuple[str, BaseException]], *, verb: str = "apply") -> None:
    """Raise one clear KfctlError for the failures of a batch: the first in full, and every other
    object that failed by name with its short reason (a user must learn every object that failed)."""
    if not errors:
        return
    converted = []
    for what, err in errors:
        if isinstance(err, ApiError):
            err = to_kfctl_error(err, what, verb=verb)
        if not isinstance(err, KfctlError):
            raise err
        converted.append((what, err))
    what, err = converted[0]
    if isinstance(err, Unreachable):
        raise err
    others = [(w, e) for w, e in converted[1:] if not isinstance(e, Unreachable)]
    if others:
        listed = "; ".join(e.message if w in e.message else f"{w}: {e.message}" for w, e in others)
        err = type(err)(f"{err.message}; {len(others)} more object(s) failed too: {listed}", where=err.where,
                        hint=err.hint)
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


def prepare(objects: list[dict], namespace: str, namespaced, identity) -> list[dict]:
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


def fetch_live(cluster: Cluster, items: list[Planned], workers: int, absent_namespaces=frozenset()) -> None:
    """Fill ``Planned.live``: one LIST per (kind, namespace) with many objects, else a GET each. Objects in
    ``absent_namespaces`` (namespaces just read as missing) are not looked for: they cannot exist."""
    buckets: dict[tuple[Resource, str | None], list[Planned]] = {}
    for p in items:
        if p.resource is not None and not (p.resource.namespaced and p.namespace in absent_namespaces):
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
    raise_errors(errors, verb="read")


def _describe_task(task) -> str:
    verb, res, ns, group = task
    if verb == "list":
        return f"{res.plural}{' in namespace ' + ns if ns else ''}"
    return str(group[0].ref)


def rendered_namespaces(items: list[Planned]) -> list[Planned]:
    return [p for p in items if p.ref.kind == "Namespace" and p.ref.group == ""]


def env_namespace_missing(cluster: Cluster, items: list[Planned], namespace: str) -> bool:
    """The environment's namespace is not rendered and does not exist (apply creates it first; nothing of
    the environment can exist in it yet). Read before the live objects, so none are looked for there."""
    return namespace not in {p.name for p in rendered_namespaces(items)} and not namespace_exists(cluster, namespace)


def namespace_exists(cluster: Cluster, name: str) -> bool:
    res = cluster.discovery.resource("v1", "Namespace")
    try:
        return cluster.get(res, None, name) is not None
    except ApiError as err:
        if err.status == 403:
            return True  # cannot tell; assume it exists and let the server say otherwise
        raise to_kfctl_error(err, f"Namespace {name}", verb="read") from None
