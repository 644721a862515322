"""``kfctl diff``: what applying an environment would change, or how two environments differ.

Against a cluster, each rendered object is compared with its live copy after a server-side dry-run
apply (so server defaults, admission and field ownership are accounted for); an object whose live
copy already carries every rendered value under kfctl's field manager is unchanged without a
dry-run. Objects that do not exist yet are shown as created (the rendered object), and objects this
app+environment applied before that are no longer rendered as deleted (what ``apply --prune`` would
remove). Both sides are normalised: status and server-set metadata (managedFields, resourceVersion,
uid, creationTimestamp, generation, selfLink, kubectl's last-applied annotation) are dropped, an
update compares only the fields kfctl's field manager owns before or after the apply (so values
the server defaults as a consequence, or fields other controllers own, are not noise), and Secret
values are masked everywhere.

Text output is a unified diff of YAML (sorted keys) per object; JSON output gives per object the
operation (create/update/delete/unchanged) and the changed paths.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field

import yaml

from .objects import ObjRef, group_of, sort_key

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_DROP_META = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def normalize(obj: dict | None, *, strip_ownership: bool = False) -> dict | None:
    """A copy without status and server-set metadata (see the module docstring)."""
    if obj is None:
        return None
    out = json.loads(json.dumps(obj))
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in _DROP_META:
            meta.pop(key, None)
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            ann.pop(LAST_APPLIED, None)
        if strip_ownership:
            from .prune import APP_ANNOTATION, APP_ID_LABEL, ENV_ANNOTATION, ENV_LABEL, PART_OF_LABEL

            for key in (APP_ID_LABEL, ENV_LABEL, PART_OF_LABEL):
                (meta.get("labels") or {}).pop(key, None)
            for key in (ENV_ANNOTATION, APP_ANNOTATION):
                (meta.get("annotations") or {}).pop(key, None)
        for key in ("labels", "annotations"):
            if key in meta and not meta[key]:
                del meta[key]
    return out


def _merge_fields(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge_fields(out[k], v) if k in out else v
    return out


def _restrict(value, fields: dict):
    if not fields:
        return value  # a leaf, or a value owned as a whole
    if isinstance(value, dict):
        return {fk[2:]: _restrict(value[fk[2:]], sub) for fk, sub in fields.items()
                if fk.startswith("f:") and fk[2:] in value}
    if isinstance(value, list):
        from .apply import _find_child

        out = []
        for i, elem in enumerate(value):
            sub = _find_child(fields, elem, i)
            if sub is not None:
                inner = {k: v for k, v in sub.items() if k != "."}
                out.append(_restrict(elem, inner) if inner else elem)
        return out
    return value


def managed_fields(obj: dict | None, manager: str = "kfctl") -> dict:
    from .apply import managed_entry

    entry = managed_entry(obj or {}, manager) if obj else None
    return (entry or {}).get("fieldsV1") or {}


def restrict_to_managed(before: dict, after: dict) -> tuple[dict, dict]:
    """Both objects limited to the fields kfctl's field manager owns before or after the apply, plus
    their identity. Server defaults and fields other managers own are left out of the comparison."""
    fields = _merge_fields(managed_fields(before), managed_fields(after))
    if _is_secret(after) and "f:stringData" in fields:
        fields = _merge_fields(fields, {"f:data": {}})  # stringData is written into data by the server

    def cut(obj):
        out = _restrict(obj, fields)
        meta = obj.get("metadata") or {}
        out["apiVersion"] = obj.get("apiVersion")
        out["kind"] = obj.get("kind")
        ident = {k: meta[k] for k in ("name", "namespace") if k in meta}
        out["metadata"] = {**ident, **(out.get("metadata") or {})}
        return out

    return cut(before), cut(after)


def _is_secret(obj: dict | None) -> bool:
    return bool(obj) and obj.get("kind") == "Secret" and group_of(obj.get("apiVersion", "")) == ""


def mask_pair(left: dict | None, right: dict | None) -> tuple[dict | None, dict | None]:
    """Mask Secret values on both sides; a value that differs shows as '*** (before)' / '*** (after)'."""
    if not (_is_secret(left) or _is_secret(right)):
        return left, right
    left = copy.deepcopy(left)
    right = copy.deepcopy(right)
    for key in ("data", "stringData"):
        lv = (left or {}).get(key) if isinstance((left or {}).get(key), dict) else None
        rv = (right or {}).get(key) if isinstance((right or {}).get(key), dict) else None
        if lv is not None:
            left[key] = {k: ("***" if rv is None or rv.get(k) == v else "*** (before)") for k, v in lv.items()}
        if rv is not None:
            right[key] = {k: ("***" if lv is None or lv.get(k) == v else "*** (after)") for k, v in rv.items()}
    return left, right


def to_yaml(obj: dict | None) -> str:
    if obj is None:
        return ""
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, sort_keys=True, width=1_000_000,
                     allow_unicode=True)


# ---------------------------------------------------------------------------------------------- paths

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _join(prefix: str, key: str) -> str:
    if _PLAIN_KEY.match(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{json.dumps(key)}]"


def _named(items: list) -> dict | None:
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    names = [i["name"] for i in items]
    return dict(zip(names, items)) if len(set(names)) == len(names) else None


def changed_paths(left, right, prefix: str = "") -> list[str]:
    """Paths (``spec.template.spec.containers[name=app].image``) whose values differ."""
    if left == right:
        return []
    if isinstance(left, dict) and isinstance(right, dict):
        out = []
        for key in sorted(set(left) | set(right), key=str):
            if left.get(key) != right.get(key) or (key in left) != (key in right):
                out.extend(changed_paths(left.get(key), right.get(key), _join(prefix, str(key))))
        return out
    if isinstance(left, list) and isinstance(right, list):
        ln, rn = _named(left), _named(right)
        if ln is not None and rn is not None:
            out = []
            for name in sorted(set(ln) | set(rn)):
                out.extend(changed_paths(ln.get(name), rn.get(name), f"{prefix}[name={name}]"))
            return out
        if len(left) == len(right):
            out = []
            for i, (a, b) in enumerate(zip(left, right)):
                out.extend(changed_paths(a, b, f"{prefix}[{i}]"))
            return out
    return [prefix or "."]


# ---------------------------------------------------------------------------------------------- object diffs

@dataclass
class ObjectDiff:
    op: str  # create / update / delete / unchanged
    ref: ObjRef
    api_version: str
    left: dict | None = None  # before (live, or the first environment)
    right: dict | None = None  # after (what apply would leave, or the second environment)
    paths: list[str] = field(default_factory=list)

    def text(self, left_label: str, right_label: str, context: int = 3) -> str:
        left, right = mask_pair(self.left, self.right)
        a = to_yaml(left).splitlines(keepends=True)
        b = to_yaml(right).splitlines(keepends=True)
        name = str(self.ref)
        lines = list(difflib.unified_diff(a, b, fromfile=f"{left_label} {name}", tofile=f"{right_label} {name}",
                                          n=context))
        return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)

    def as_json(self) -> dict:
        return {"op": self.op, "apiVersion": self.api_version, "kind": self.ref.kind,
                "namespace": self.ref.namespace or None, "name": self.ref.name, "paths": self.paths}


def make_diff(ref: ObjRef, api_version: str, left: dict | None, right: dict | None) -> ObjectDiff:
    if left is None and right is None:
        return ObjectDiff("unchanged", ref, api_version)
    if left is None:
        return ObjectDiff("create", ref, api_version, None, right)
    if right is None:
        return ObjectDiff("delete", ref, api_version, left, None)
    paths = changed_paths(left, right)
    return ObjectDiff("update" if paths else "unchanged", ref, api_version, left, right, paths)


def diff_sets(left: list[dict], right: list[dict], *, strip_ownership: bool = False) -> list[ObjectDiff]:
    """Match two object lists by group/kind/namespace/name and diff each pair (no cluster)."""
    lmap = {ObjRef.of(o): o for o in left}
    rmap = {ObjRef.of(o): o for o in right}
    out = []
    for ref in sorted(set(lmap) | set(rmap), key=lambda r: sort_key(lmap.get(r) or rmap.get(r))):
        obj = lmap.get(ref) or rmap.get(ref)
        out.append(make_diff(ref, obj.get("apiVersion", ""), normalize(lmap.get(ref), strip_ownership=strip_ownership),
                             normalize(rmap.get(ref), strip_ownership=strip_ownership)))
    return out


def cluster_diff(cluster, objects: list[dict], identity, namespace: str, *, workers: int = 8,
                 components: list[str] | None = None, strip_ownership: bool = False) -> list[ObjectDiff]:
    """Live (left) versus what applying ``objects`` would leave (right), plus prunable objects."""
    from . import apply as ap
    from .cluster import ApiError, to_kfctl_error
    from .prune import prunable

    namespaced = ap.scope_function(cluster, objects)
    prepared = ap.prepare(objects, namespace, namespaced, identity)
    items = ap.plan(prepared, cluster)
    ap.fetch_live(cluster, items, workers)
    results: dict[int, ObjectDiff] = {}

    def norm(o):
        return normalize(o, strip_ownership=strip_ownership)

    send = []
    for i, p in enumerate(items):
        if p.live is None:
            results[i] = ObjectDiff("create", p.ref, p.obj["apiVersion"], None, norm(ap.body_for_apply(p.obj)))
        elif ap.is_unchanged(p.obj, p.live):
            results[i] = ObjectDiff("unchanged", p.ref, p.obj["apiVersion"], norm(p.live), norm(p.live))
        else:
            send.append(i)

    def one(i: int):
        p = items[i]
        return cluster.apply(p.resource, ap.body_for_apply(p.obj), force=True, dry_run=True)

    errors = []
    for i, after, err in ap.run_concurrently(one, send, workers):
        p = items[i]
        if err is not None:
            if isinstance(err, ApiError):
                err = to_kfctl_error(err, str(p.ref))
            errors.append((str(p.ref), err))
            continue
        before, after = restrict_to_managed(p.live, after)
        results[i] = make_diff(p.ref, p.obj["apiVersion"], norm(before), norm(after))
    ap.raise_first(errors)
    out = [results[i] for i in range(len(items))]

    gks = sorted({p.resource.group_kind for p in items if p.resource is not None})
    owned = ap.list_owned(cluster, identity, gks, workers, [namespace] + [p.namespace for p in items if p.namespace])
    gone = prunable(identity, owned, prepared, components, keep_uids=ap.live_uids(items))

    def full(obj):  # the owned listing is metadata only; show the whole object being deleted
        meta = obj["metadata"]
        res = cluster.discovery.resource(obj["apiVersion"], obj["kind"])
        return cluster.get(res, meta.get("namespace"), meta["name"]) if res else None

    fetched = {id(o): r for o, r, e in ap.run_concurrently(full, gone, workers) if e is None}
    for obj in gone:
        live = fetched.get(id(obj)) or obj
        out.append(ObjectDiff("delete", ObjRef.of(obj), obj.get("apiVersion", ""), norm(live), None))
    return out


def summary(diffs: list[ObjectDiff]) -> dict[str, int]:
    out = {"create": 0, "update": 0, "delete": 0, "unchanged": 0}
    for d in diffs:
        out[d.op] += 1
    return out
