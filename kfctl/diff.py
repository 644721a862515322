"""``kfctl diff``: what applying an environment would change, or how two environments differ.

Against a cluster, each rendered object is compared with its live copy after a server-side dry-run
apply, creations included (so server defaults, admission, validation and field ownership are
accounted for; an object the server would reject is an error naming it). The dry run is sent without
force: fields another manager owns are reported as a conflict (which fields, which manager) -- what
``apply`` would do -- and the diff shown for it is what ``apply --force-conflicts`` would change. An
object whose live copy already carries every rendered value under kfctl's field manager is unchanged
without a dry run. Objects whose namespace or CRD does not exist yet cannot be checked by the server
and are shown as the rendered object.

Beyond the rendered objects: objects this app+environment applied before and no longer renders are
shown "to prune" (only ``apply --prune`` deletes them); what it left at another destination
(kfctl/ownership.py rule 2) is "left over" (``--prune-moved``); custom resources (or namespace
contents) a pruned CRD (or Namespace) would take with it are listed as "taken along".

Both sides are normalised (``compare.normalize``), an update compares only the fields kfctl's field
manager owns before or after the apply, and Secret values are masked everywhere (a changed value
shows as ``*** (before)`` / ``*** (after)``, stringData included).

Text output is a unified diff of YAML (sorted keys) per object; JSON output gives per object the
operation (create/update/prune/leftover/taken/conflict/unchanged) and the changed paths.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field

import yaml

from .cluster import ApiError, Background, to_kfctl_error
from .compare import find_child, is_unchanged, managed_entry, normalize
from .errors import Conflict
from .live import body_for_apply, env_namespace_missing, fetch_live, live_uids, not_a_rejection, plan, prepare, \
    raise_errors, rendered_namespaces, run_concurrently, scope_function
from .objects import ObjRef, group_of, sort_key
from .ownership import existing_not_ours, list_owned, prune_plan, removal_casualties
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


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
        out = []
        for i, elem in enumerate(value):
            sub = find_child(fields, elem, i)
            if sub is not None:
                inner = {k: v for k, v in sub.items() if k != "."}
                out.append(_restrict(elem, inner) if inner else elem)
        return out
    return value


def managed_fields(obj: dict | None, manager: str = "kfctl") -> dict:
    entry = managed_entry(obj or {}, manager) if obj else None
    return (entry or {}).get("fieldsV1") or {}


def restrict_to_managed(before: dict, after: dict) -> tuple[dict, dict]:
    """Both objects limited to the fields kfctl's field manager owns before or after the apply, plus
    their identity. Server defaults and fields other managers own are left out of the comparison."""
    fields = _merge_fields(managed_fields(before), managed_fields(after))
    if _is_secret(after) and "f:stringData" in fields:
        # The server writes stringData into data: the data keys kfctl sets through stringData are its too.
        keys = {k: {} for k in (fields.get("f:stringData") or {}) if k.startswith("f:")}
        fields = _merge_fields(fields, {"f:data": keys or {}})

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
    op: str  # create / update / delete / unchanged; against a cluster also prune / leftover / taken / conflict
    ref: ObjRef
    api_version: str
    left: dict | None = None  # before (live, or the first environment)
    right: dict | None = None  # after (what apply would leave, or the second environment)
    paths: list[str] = field(default_factory=list)
    note: str = ""  # why (a conflict's managers and fields, what an object is taken along with)

    def text(self, left_label: str, right_label: str, context: int = 3) -> str:
        left, right = mask_pair(self.left, self.right)
        a = to_yaml(left).splitlines(keepends=True)
        b = to_yaml(right).splitlines(keepends=True)
        name = str(self.ref)
        lines = list(difflib.unified_diff(a, b, fromfile=f"{left_label} {name}", tofile=f"{right_label} {name}",
                                          n=context))
        return "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)

    def as_json(self) -> dict:
        out = {"op": self.op, "apiVersion": self.api_version, "kind": self.ref.kind,
               "namespace": self.ref.namespace or None, "name": self.ref.name, "paths": self.paths}
        if self.note:
            out["note"] = self.note
        return out


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


def _conflicts(err: ApiError) -> list[str]:
    """'"manager": .field' for each field-ownership conflict the server names."""
    out = []
    for c in err.causes:
        msg = str(c.get("message", ""))
        who = msg.split('"')[1] if msg.count('"') >= 2 else "?"
        entry = f"{c.get('field', '?')} (owned by {who!r})"
        if entry not in out:
            out.append(entry)
    return out


def _is_field_conflict(err: BaseException) -> bool:
    return isinstance(err, ApiError) and err.status == 409 and any(
        "FieldManagerConflict" in (c.get("type"), c.get("reason")) for c in err.causes)


def cluster_diff(cluster, objects: list[dict], identity, namespace: str, *, workers: int = 8,
                 components: list[str] | None = None, strip_ownership: bool = False) -> list[ObjectDiff]:
    """Live (left) versus what applying ``objects`` would leave (right), then what prune would take.
    See the module docstring; an object the server would reject raises an error naming every one."""
    namespaced = scope_function(cluster, objects)
    prepared = prepare(objects, namespace, namespaced, identity)
    items = plan(prepared, cluster)
    # What prune would consider does not depend on the live copies: listed meanwhile.
    gks = sorted({p.resource.group_kind for p in items if p.resource is not None})
    owned_listing = Background(list_owned, cluster, identity, gks, workers,
                               [namespace] + [p.namespace for p in items if p.namespace])
    env_ns_missing = env_namespace_missing(cluster, items, namespace)
    fetch_live(cluster, items, workers, {namespace} if env_ns_missing else frozenset())
    results: dict[int, ObjectDiff] = {}
    pending_ns = {p.name for p in rendered_namespaces(items) if p.live is None}
    if env_ns_missing:
        pending_ns.add(namespace)

    def norm(o):
        return normalize(o, strip_ownership=strip_ownership)

    send = []
    for i, p in enumerate(items):
        if p.live is None and (p.resource is None or p.namespace in pending_ns):
            results[i] = ObjectDiff("create", p.ref, p.obj["apiVersion"], None, norm(body_for_apply(p.obj)),
                                    note="not checked by the server: its namespace or CRD does not exist yet")
        elif is_unchanged(p.obj, p.live):
            same_both = norm(p.live)  # one copy for both sides: nothing changes an ObjectDiff's sides in place
            results[i] = ObjectDiff("unchanged", p.ref, p.obj["apiVersion"], same_both, same_both)
        else:
            send.append(i)

    conflicts: dict[int, list[str]] = {}

    def one(i: int):
        p = items[i]
        try:
            return cluster.apply(p.resource, body_for_apply(p.obj), dry_run=True)
        except ApiError as err:
            if not _is_field_conflict(err):
                raise
            conflicts[i] = _conflicts(err)
            return cluster.apply(p.resource, body_for_apply(p.obj), force=True, dry_run=True)

    errors = []
    for i, after, err in run_concurrently(one, send, workers, fail_fast=not_a_rejection):
        p = items[i]
        if err is not None:
            if isinstance(err, ApiError):
                err = to_kfctl_error(err, str(p.ref))
            errors.append((str(p.ref), err))
            continue
        if p.live is None:
            results[i] = ObjectDiff("create", p.ref, p.obj["apiVersion"], None, norm(after))
            continue
        before, after = restrict_to_managed(p.live, after)
        d = make_diff(p.ref, p.obj["apiVersion"], norm(before), norm(after))
        if i in conflicts:
            d.op, d.note = "conflict", "fields owned by another manager: " + ", ".join(conflicts[i])
        results[i] = d
    raise_errors(errors)
    foreign, from_ks = existing_not_ours(identity, items)
    for p, owner in foreign:
        d = results[items.index(p)]
        d.note = (d.note + "; " if d.note else "") + \
            f"already exists and {owner.text}: apply refuses it without --adopt"
    for p in from_ks:
        results[items.index(p)].note = "left by ks apply for the same component: apply adopts it"
    out = [results[i] for i in range(len(items))]

    owned = owned_listing.result()
    pp = prune_plan(identity, owned, prepared, components, keep_uids=live_uids(items))

    def full(obj):  # the owned listing is metadata only; show the whole object being deleted
        meta = obj["metadata"]
        res = cluster.discovery.resource(obj["apiVersion"], obj["kind"])
        return cluster.get(res, meta.get("namespace"), meta["name"]) if res else None

    gone = pp.prune + pp.leftovers
    fetched = {id(o): r for o, r, e in run_concurrently(full, gone, workers) if e is None}
    for op, objs in (("prune", pp.prune), ("leftover", pp.leftovers)):
        for obj in objs:
            live = fetched.get(id(obj)) or obj
            out.append(ObjectDiff(op, ObjRef.of(obj), obj.get("apiVersion", ""), norm(live), None))
    for obj, container in removal_casualties(cluster, identity, pp.prune, workers):
        out.append(ObjectDiff("taken", ObjRef.of(obj), obj.get("apiVersion", ""), norm(obj), None,
                              note=f"deleted with {ObjRef.of(container)}, which --prune removes; this app and "
                                   "environment did not apply it (--prune refuses without --delete-contents)"))
    return out


def conflict_error(diffs: list[ObjectDiff]) -> Conflict | None:
    """The error ``diff`` ends with when ``apply`` would fail on field-ownership conflicts."""
    found = [d for d in diffs if d.op == "conflict"]
    if not found:
        return None
    listed = "; ".join(f"{d.ref}: {d.note}" for d in found)
    return Conflict(f"apply would fail: {len(found)} object(s) have fields owned by another field manager: {listed}",
                    hint="re-run with --force-conflicts to take them over (or drop them from the component); the "
                         "diff above shows what that would change")


def summary_text(s: dict[str, int]) -> str:
    """``summary``'s counts as the one line diff prints (stderr), e.g. for a fleet's environments."""
    parts = [f"{s['create']} to create", f"{s['update']} to update"]
    if s.get("delete"):
        parts.append(f"{s['delete']} to delete")
    parts.append(f"{s.get('prune', 0)} would be pruned with --prune")
    if s.get("leftover"):
        parts.append(f"{s['leftover']} left at another destination (--prune-moved)")
    if s.get("taken"):
        parts.append(f"{s['taken']} taken along by a pruned CRD/Namespace")
    if s.get("conflict"):
        parts.append(f"{s['conflict']} in conflict")
    parts.append(f"{s['unchanged']} unchanged")
    return ", ".join(parts)


def summary(diffs: list[ObjectDiff]) -> dict[str, int]:
    out = {"create": 0, "update": 0, "delete": 0, "unchanged": 0}
    for d in diffs:
        out.setdefault(d.op, 0)
    for d in diffs:
        out[d.op] += 1
    return out
