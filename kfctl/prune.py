"""Ownership: which app and environment an object in the cluster belongs to, and which of them
``apply --prune`` / ``delete`` / ``diff`` may consider "ours".

Keys kfctl writes on every object it applies:

* label ``kfctl.io/app-id``: the app's id (``id`` in app.yaml, created on first apply);
* label ``kfctl.io/environment``: the environment name when it is a valid label value, else a
  sanitised form plus a hash (``us-west/dev`` -> ``us-west.dev-1a2b3c4d``) so distinct names never
  share a value;
* annotation ``kfctl.io/environment``: the plain environment name; annotation ``kfctl.io/app``: the
  app's name (for humans);
* label ``applyset.kubernetes.io/part-of``: the id of the environment's ApplySet parent (KEP-3659),
  a ConfigMap ``kfctl-<env>-<hash>`` in the environment's namespace whose annotations list the
  group-kinds ever applied, so prune and diff list only those kinds instead of every API type.

An object is ours when both labels match. Never ours: objects without them, another app's or
environment's, objects a controller owns (an ownerReference with ``controller: true``; they only
inherited labels), and ApplySet parents.

Prune also leaves alone an object annotated ``kfctl.io/prune: ignore``, or with ksonnet's (kubecfg's)
``kubecfg.ksonnet.io/garbage-collect-strategy: ignore``, so objects a ks user protected stay protected.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from .objects import COMPONENT_LABEL, ObjRef, component_label_value

APP_ID_LABEL = "kfctl.io/app-id"
ENV_LABEL = "kfctl.io/environment"
ENV_ANNOTATION = "kfctl.io/environment"
APP_ANNOTATION = "kfctl.io/app"
PART_OF_LABEL = "applyset.kubernetes.io/part-of"
APPLYSET_ID_LABEL = "applyset.kubernetes.io/id"
APPLYSET_TOOLING = "applyset.kubernetes.io/tooling"
APPLYSET_GKS = "applyset.kubernetes.io/contains-group-kinds"
APPLYSET_NAMESPACES = "applyset.kubernetes.io/additional-namespaces"
TOOLING = "kfctl/v1"
PRUNE_ANNOTATION = "kfctl.io/prune"
KS_GC_STRATEGY = "kubecfg.ksonnet.io/garbage-collect-strategy"

_LABEL_VALUE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$")


def _digest(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:n]


def label_value(text: str) -> str:
    """``text`` itself when it is a valid label value; else a sanitised form with a hash suffix."""
    if _LABEL_VALUE.match(text):
        return text
    clean = re.sub(r"[^A-Za-z0-9_.-]+", ".", text).strip("-_.")[:50].strip("-_.")
    return f"{clean}-{_digest(text)}" if clean else f"h-{_digest(text, 16)}"


def _dns_label(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:30].strip("-")


def applyset_id(name: str, namespace: str, kind: str = "ConfigMap", group: str = "") -> str:
    """KEP-3659: applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1, unpadded."""
    raw = hashlib.sha256(f"{name}.{namespace}.{kind}.{group}".encode("utf-8")).digest()
    return "applyset-" + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") + "-v1"


@dataclass(frozen=True)
class Identity:
    app_id: str
    app_name: str
    env_name: str
    namespace: str  # the environment's namespace: home of the ApplySet parent

    @property
    def env_label(self) -> str:
        return label_value(self.env_name)

    @property
    def app_label(self) -> str:
        return label_value(self.app_id)

    @property
    def parent_name(self) -> str:
        base = _dns_label(self.env_name) or "env"
        return f"kfctl-{base}-{_digest(self.app_id + chr(0) + self.env_name, 10)}"

    @property
    def applyset_id(self) -> str:
        return applyset_id(self.parent_name, self.namespace)

    @property
    def selector(self) -> str:
        return f"{APP_ID_LABEL}={self.app_label},{ENV_LABEL}={self.env_label}"

    def labels(self) -> dict[str, str]:
        return {APP_ID_LABEL: self.app_label, ENV_LABEL: self.env_label, PART_OF_LABEL: self.applyset_id}

    def annotations(self) -> dict[str, str]:
        return {ENV_ANNOTATION: self.env_name, APP_ANNOTATION: self.app_name}

    def stamp(self, obj: dict) -> dict:
        """Add the ownership labels and annotations (in place; returns obj)."""
        meta = obj.setdefault("metadata", {})
        meta["labels"] = {**(meta.get("labels") or {}), **self.labels()}
        meta["annotations"] = {**(meta.get("annotations") or {}), **self.annotations()}
        return obj

    def parent(self, group_kinds: list[str], namespaces: list[str]) -> dict:
        """The ApplySet parent ConfigMap recording what this app+environment has applied."""
        extra = sorted({n for n in namespaces if n and n != self.namespace})
        return {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {
                "name": self.parent_name, "namespace": self.namespace,
                "labels": {APPLYSET_ID_LABEL: self.applyset_id, APP_ID_LABEL: self.app_label,
                           ENV_LABEL: self.env_label},
                "annotations": {APPLYSET_TOOLING: TOOLING, APPLYSET_GKS: ",".join(sorted(set(group_kinds))),
                                APPLYSET_NAMESPACES: ",".join(extra), **self.annotations()},
            },
        }

    def is_current_parent(self, obj: dict) -> bool:
        meta = obj.get("metadata") or {}
        return is_applyset_parent(obj) and meta.get("name") == self.parent_name and \
            (meta.get("namespace") or "") == self.namespace

    def owner_of(self, obj: dict) -> str:
        """"ours", "unowned", or a description of the other owner."""
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        annotations = meta.get("annotations") or {}
        app = labels.get(APP_ID_LABEL)
        env = labels.get(ENV_LABEL)
        if not app and not env:
            return "unowned"
        if app == self.app_label and env == self.env_label:
            named = annotations.get(APP_ANNOTATION)
            if named and named != self.app_name:
                # Same id, another name: usually a copied app folder (the id came along in app.yaml).
                return (f"app {named!r}, which has this app's id {app} (a copy of it? give the copy its own id "
                        "by removing 'id:' from its app.yaml; if you renamed this app, --adopt takes it over)")
            return "ours"
        other_env = annotations.get(ENV_ANNOTATION) or env or "?"
        other_app = annotations.get(APP_ANNOTATION) or "?"
        if app == self.app_label:
            return f"environment {other_env!r} of this app"
        return f"app {other_app!r} (id {app}), environment {other_env!r}"


def is_controller_owned(obj: dict) -> bool:
    return any(ref.get("controller") for ref in (obj.get("metadata") or {}).get("ownerReferences") or [])


def is_prune_protected(obj: dict) -> bool:
    """Annotated to be kept by prune (kfctl's annotation, or the one ksonnet/kubecfg honoured)."""
    notes = (obj.get("metadata") or {}).get("annotations") or {}
    return notes.get(PRUNE_ANNOTATION) == "ignore" or notes.get(KS_GC_STRATEGY) == "ignore"


def is_applyset_parent(obj: dict) -> bool:
    return APPLYSET_ID_LABEL in ((obj.get("metadata") or {}).get("labels") or {})


def recorded_group_kinds(parent: dict | None) -> list[str]:
    if not parent:
        return []
    text = ((parent.get("metadata") or {}).get("annotations") or {}).get(APPLYSET_GKS) or ""
    return sorted({gk for gk in text.split(",") if gk})


def split_group_kind(gk: str) -> tuple[str, str]:
    """``Deployment.apps`` -> ("apps", "Deployment"); ``Service`` -> ("", "Service")."""
    kind, _, group = gk.partition(".")
    return group, kind


def prunable(identity: Identity, owned: list[dict], rendered: list[dict],
             components: list[str] | None = None, keep_uids: set[str] | None = None) -> list[dict]:
    """The live objects labelled as this app+environment's that the render no longer contains.

    With ``components`` only objects whose component label is one of them are candidates. Matching is
    by group, kind, namespace and name (not version: the same object seen through two versions is one);
    ``keep_uids`` (the rendered objects' live UIDs) also keeps an object the server lists under a second
    group (Deployments under both extensions and apps).
    """
    keep = {ObjRef.of(o) for o in rendered}
    wanted = {component_label_value(c) for c in components} if components else None
    out, seen = [], set()
    for obj in owned:
        ref = ObjRef.of(obj)
        if ref in keep or ref in seen or (keep_uids and (obj.get("metadata") or {}).get("uid") in keep_uids):
            continue
        if (identity.owner_of(obj) != "ours" or is_controller_owned(obj) or identity.is_current_parent(obj)
                or is_prune_protected(obj)):
            continue  # (an older parent, left in a namespace the environment no longer uses, does go)
        if (obj.get("metadata") or {}).get("deletionTimestamp"):
            continue
        if wanted is not None:
            comp = ((obj.get("metadata") or {}).get("labels") or {}).get(COMPONENT_LABEL)
            if comp not in wanted:
                continue
        seen.add(ref)
        out.append(obj)
    return out
