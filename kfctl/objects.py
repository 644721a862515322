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
    if _is_list(value):
        items = value.get("items")
        if not isinstance(items, list):
            raise NotAnObject(f"component {component!r}: 'items' of its List is not an array")
        for i, item in enumerate(items):
            if item is None:
                continue
            if isinstance(item, list) or (isinstance(item, dict) and _is_list(item)):
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


def check_duplicates(objects: list[dict]) -> None:
    seen: dict[ObjRef, str] = {}
    for obj in objects:
        ref = ObjRef.of(obj)
        if not (obj.get("metadata") or {}).get("name"):
            continue  # generateName objects are distinct by construction
        comp = ((obj.get("metadata") or {}).get("labels") or {}).get(COMPONENT_LABEL, "?")
        if ref in seen:
            raise DuplicateObject(f"{ref} is rendered twice: by component {seen[ref]!r} and by component {comp!r}")
        seen[ref] = comp


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
