"""The manifest list: from evaluated components to flat, labelled, sorted Kubernetes objects, and
their deterministic YAML/JSON text."""

from __future__ import annotations

import json
from dataclasses import dataclass


from .errors import DuplicateObject, NotAnObject

COMPONENT_LABEL = "ksonnet.io/component"

# ks 0.13's show order (pkg/cluster/sort.go); unknown kinds come after, by name.
KIND_ORDER = [
    "Namespace", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "Secret", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "ServiceAccount", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleBinding", "Role", "RoleBinding", "Service", "DaemonSet", "Pod", "ReplicationController",
    "ReplicaSet", "Deployment", "StatefulSet", "Job", "CronJob", "Ingress", "APIService",
]
_RANK = {k: i for i, k in enumerate(KIND_ORDER)}



@dataclass(frozen=True)
class ObjRef:
    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, obj: dict) -> "ObjRef":
        meta = obj.get("metadata") or {}
        return cls(group_of(obj.get("apiVersion", "")), obj.get("kind", ""), meta.get("namespace") or "",
                   meta.get("name") or meta.get("generateName") or "")

    def __str__(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


def group_of(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


def component_label_value(name: str) -> str:
    return name.strip("/").replace("/", ".")


def _is_list(obj: dict) -> bool:
    # As Kubernetes' decoder does: any object with a non-null "items" is a list.
    return obj.get("items") is not None


def is_empty_list(obj: dict) -> bool:
    """A ``v1 List`` with no items (``std.prune(k.core.v1.list.new([]))`` drops ``items: []``): ks rendered
    nothing for it, so it is zero objects, not an object missing its name."""
    return (obj.get("kind") == "List" and obj.get("apiVersion") == "v1" and not obj.get("items")
            and not (obj.get("metadata") or {}).get("name"))


def _add_label(obj: dict, component: str) -> None:
    meta = obj.get("metadata")
    if meta is None:
        meta = obj["metadata"] = {}
    if not isinstance(meta, dict):
        return
    labels = meta.get("labels")
    if labels is None:
        labels = meta["labels"] = {}
    labels[COMPONENT_LABEL] = component_label_value(component)


def _check_object(obj, component: str, path: str) -> dict:
    if not isinstance(obj, dict):
        raise NotAnObject(f"component {component!r} yields a {type_name(obj)} at {path}, not a Kubernetes object")
    if not obj.get("kind") or not obj.get("apiVersion"):
        missing = "kind" if not obj.get("kind") else "apiVersion"
        raise NotAnObject(f"component {component!r} yields an object without {missing!r} at {path}; "
                          "each top-level value must be a Kubernetes object, an array or a List of them")
    for key in ("kind", "apiVersion"):
        if not isinstance(obj[key], str):
            raise NotAnObject(f"component {component!r}: {key} at {path} is a {type_name(obj[key])}, not a string")
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise NotAnObject(f"component {component!r}: metadata of {obj['kind']} at {path} is not an object")
    if not isinstance(meta, dict) or not (meta.get("name") or meta.get("generateName")):
        raise NotAnObject(f"component {component!r}: {obj['kind']} at {path} has no metadata.name")
    for key in ("name", "generateName", "namespace"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            raise NotAnObject(f"component {component!r}: metadata.{key} of {obj['kind']} at {path} is a "
                              f"{type_name(meta[key])}, not a string")
    for key in ("labels", "annotations"):
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise NotAnObject(f"component {component!r}: metadata.{key} of {obj['kind']} at {path} is a "
                              f"{type_name(meta[key])}, not an object")
    return obj


def type_name(value) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null",
            int: "number", float: "number"}.get(type(value), type(value).__name__)


def from_component(component: str, value) -> list[dict]:
    """ks >= 0.10: a component's value (object, array or List) to labelled objects, flattened one level."""
    if value is None:
        return []
    if isinstance(value, list):
        value = {"apiVersion": "v1", "kind": "List", "items": value}
    if not isinstance(value, dict):
        raise NotAnObject(f"component {component!r} is a {type_name(value)}, not an object")
    out = []
    if is_empty_list(value):
        return out
    if _is_list(value):
        items = value.get("items")
        if not isinstance(items, list):
            raise NotAnObject(f"component {component!r}: 'items' of its List is not an array")
        for i, item in enumerate(items):
            if item is None:
                continue
            if isinstance(item, list) or (isinstance(item, dict) and (_is_list(item) or is_empty_list(item))):
                # ks flattened one level and then sent nested Lists to the server as objects;
                # kfctl flattens nested arrays and Lists too.
                out.extend(from_component(component, item))
                continue
            obj = _check_object(item, component, f"items[{i}]")
            _add_label(obj, component)
            out.append(obj)
        return out
    obj = _check_object(value, component, "the top level")
    _add_label(obj, component)
    return [obj]


def walk_component(component: str, value, path: str = "") -> list[dict]:
    """ks 0.9 (kubecfg) model: any object with kind and apiVersion is an object; others are walked into."""
    if value is None:
        return []
    if isinstance(value, dict):
        if "kind" in value and "apiVersion" in value:
            if is_empty_list(value):
                return []
            if value.get("items") is not None and isinstance(value.get("items"), list):
                out = []
                for i, item in enumerate(value["items"]):
                    out.extend(walk_component(component, item, f"{path}.items[{i}]"))
                return out
            obj = _check_object(value, component, path or "the top level")
            _add_label(obj, component)
            return [obj]
        out = []
        for key in sorted(value):
            out.extend(walk_component(component, value[key], f"{path}.{key}"))
        return out
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            out.extend(walk_component(component, item, f"{path}[{i}]"))
        return out
    raise NotAnObject(f"component {component!r} has a {type_name(value)} at {path or 'the top level'}, "
                      "where a Kubernetes object was expected")


def sort_key(obj: dict):
    meta = obj.get("metadata") or {}
    kind = obj.get("kind", "")
    return (meta.get("namespace") or "", _RANK.get(kind, len(KIND_ORDER)), kind if kind not in _RANK else "",
            obj.get("apiVersion", ""), meta.get("name") or "", meta.get("generateName") or "")


def sort_objects(objects: list[dict]) -> list[dict]:
    return sorted(objects, key=sort_key)


@dataclass(frozen=True)
class Duplicate:
    """One object rendered more than once: ``loser`` is dropped, ``winner`` (the later one) is kept."""

    ref: str
    loser: str
    winner: str

    def describe(self) -> str:
        if self.loser == self.winner:
            return f"{self.ref} is rendered twice by component {self.winner!r}"
        return f"{self.ref} is rendered by components {self.loser!r} and {self.winner!r}"


DUPLICATES_SETTING = "kfctl.duplicateObjects"  # app.yaml: `kfctl: {duplicateObjects: error}`


def drop_duplicates(objects: list[dict], *, namespace: str = "", crds=None) -> tuple[list[dict], list[Duplicate]]:
    """ks's rule for two components rendering the same object: ks rendered both and ``kubectl apply`` kept
    the last, so the later occurrence (component order, then order within a component) wins. Returns the
    objects without the earlier copies, and what was dropped. Objects without a namespace count as in
    ``namespace`` when their kind is namespaced (apply puts them there)."""
    from .kinds import crd_scopes, is_namespaced

    scopes = crd_scopes(crds or ()) if not isinstance(crds, dict) else crds  # once, not per object
    last: dict[ObjRef, int] = {}
    refs: list[ObjRef | None] = []
    for i, obj in enumerate(objects):
        meta = obj.get("metadata") or {}
        if not meta.get("name"):
            refs.append(None)  # generateName objects are distinct by construction
            continue
        ref = ObjRef.of(obj)
        if not ref.namespace and namespace and is_namespaced(obj.get("apiVersion", ""), ref.kind, scopes, True):
            ref = ObjRef(ref.group, ref.kind, namespace, ref.name)
        refs.append(ref)
        last[ref] = i
    kept, dups = [], []
    for i, obj in enumerate(objects):
        ref = refs[i]
        if ref is None or last[ref] == i:
            kept.append(obj)
            continue
        dups.append(Duplicate(str(ref), _component_of(obj), _component_of(objects[last[ref]])))
    return kept, dups


def report_duplicates(dups: list[Duplicate], *, strict: bool) -> list[str]:
    """The warnings for ``dups``; with ``strict`` the first one is an error instead."""
    if dups and strict:
        raise DuplicateObject(f"{dups[0].describe()} (an error with --strict or app.yaml's "
                              f"{DUPLICATES_SETTING}: error)")
    return [f"{d.describe()}; the later one{'' if d.loser == d.winner else f' ({d.winner!r})'} wins, as with "
            f"ks; pass --strict or set {DUPLICATES_SETTING}: error in app.yaml to make this an error"
            for d in dups]


def _component_of(obj: dict) -> str:
    return ((obj.get("metadata") or {}).get("labels") or {}).get(COMPONENT_LABEL, "?")


def dump_yaml(objects: list[dict]) -> str:
    """Objects as YAML documents, each starting with ``---``; keys sorted, multi-line strings as block
    scalars; same objects in, same bytes out."""
    if not objects:
        return ""
    from .yaml_dump import dump_documents  # PyYAML is imported only when YAML is printed

    return dump_documents(objects)


def dump_json(objects: list[dict]) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"


def mask_secret(obj: dict) -> dict:
    """A copy of ``obj`` with Secret values replaced (diffs and logs never show secret bodies)."""
    if obj.get("kind") != "Secret" or group_of(obj.get("apiVersion", "")) != "":
        return obj
    out = dict(obj)
    for key in ("data", "stringData"):
        if isinstance(obj.get(key), dict):
            out[key] = {k: "***" for k in obj[key]}
    return out
