"""Comparing a rendered object with its live copy: kfctl's managedFields entry, whether an apply
would change anything, and the normalised form both sides are shown in (used by apply's change
detection and by diff).

An object is not sent at all when it would not change anything: every field the render sets already
has that value live, kfctl's field manager owns exactly the rendered fields (so nothing would be
removed), at the same apiVersion.
"""

from __future__ import annotations

import json

from .live import body_for_apply
from .ownership import OWNERSHIP_ANNOTATIONS, OWNERSHIP_LABELS

FIELD_MANAGER = "kfctl"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_DROP_META = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")


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


def find_child(fields: dict, elem, index: int):
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
            sub = find_child(fields, elem, i)
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
                if find_child({fk: sub}, elem, i) is not None:
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




def normalize(obj: dict | None, *, strip_ownership: bool = False) -> dict | None:
    """A copy without status and server-set metadata (managedFields, resourceVersion, uid,
    creationTimestamp, generation, selfLink, kubectl's last-applied annotation); with
    ``strip_ownership`` also without kfctl's ownership labels and annotations."""
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
            for key in OWNERSHIP_LABELS:
                (meta.get("labels") or {}).pop(key, None)
            for key in OWNERSHIP_ANNOTATIONS:
                (meta.get("annotations") or {}).pop(key, None)
        for key in ("labels", "annotations"):
            if key in meta and not meta[key]:
                del meta[key]
    return out


def same(live: dict, after: dict) -> bool:
    """Whether a (dry-run) apply answer equals the live object, server-set metadata aside."""
    return normalize(live) == normalize(after)
