"""What "ours" means: the one place that decides which objects in a cluster kfctl may create, change,
adopt or delete for an app and environment. apply, diff and delete ask this module; none of them has
an ownership rule of its own.

Keys kfctl writes on every object it applies:

* label ``kfctl.io/app-id``: the app's id (``id`` in app.yaml, created on first apply);
* label ``kfctl.io/environment``: the environment name when it is a valid label value, else a
  sanitised form plus a hash (``us-west/dev`` -> ``us-west.dev-1a2b3c4d``) so distinct names never
  share a value;
* annotation ``kfctl.io/environment``: the plain environment name; annotation ``kfctl.io/app``: the
  app's name (for humans);
* label ``applyset.kubernetes.io/part-of``: the id of the environment's ApplySet parent (KEP-3659),
  a ConfigMap ``kfctl-<env>-<hash>`` in the environment's namespace whose annotations list the
  group-kinds ever applied. The id is a hash of the parent's name and namespace, so it names the
  *destination*: this app, this environment, at this namespace of this cluster.

The rules (``Identity.classify``):

1. **Ours**: both labels match and the part-of label is this destination's ApplySet id (or absent:
   objects applied before kfctl wrote it). Only these are changed, pruned and deleted.
2. **Elsewhere**: both labels match but the object belongs to another destination's ApplySet. That is
   a copy of this app (``cp -r`` keeps app.yaml's id and name) deployed to another namespace, or this
   environment before its namespace changed; kfctl cannot tell which. A rendered object in this state
   is an error unless ``--adopt``. Unrendered ones are *leftovers*: reported by diff and apply, and
   removed only with ``--prune-moved``.
3. **Another app or environment**, or the same id under another app name: an error unless ``--adopt``.
4. **Unowned** (no kfctl labels: made by hand or by another tool): an error unless ``--adopt`` -- with
   one exception, migration from ks: an object ``ks apply`` left (label
   ``app.kubernetes.io/deploy-manager: ksonnet`` or annotation ``ksonnet.io/managed``) whose
   ``ksonnet.io/component`` label is the rendering component is adopted, with a notice.
5. Never pruned: objects a controller owns (an ownerReference with ``controller: true``; they only
   inherited labels), the current ApplySet parent, and objects annotated ``kfctl.io/prune: ignore``
   (or ksonnet's ``kubecfg.ksonnet.io/garbage-collect-strategy: ignore``): those are reported as kept.
6. **Removals that take more with them**: removing a CustomResourceDefinition deletes every custom
   resource of it; removing a Namespace deletes everything in it. kfctl refuses (naming them) when
   that would take objects this app+environment did not apply, unless ``--delete-contents``.

A Namespace kfctl creates implicitly for an environment (it is not rendered) is labelled
``kfctl.io/created-for: <ApplySet id>``; ``delete`` leaves it and says so.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from .cluster import ApiError, Cluster, Resource, to_kfctl_error
from .errors import OwnershipError
from .live import Planned, raise_errors, run_concurrently
from .objects import COMPONENT_LABEL, ObjRef, component_label_value, group_of

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
KS_MANAGER_LABEL = "app.kubernetes.io/deploy-manager"
KS_MANAGED_ANNOTATION = "ksonnet.io/managed"
CREATED_FOR_LABEL = "kfctl.io/created-for"
OWNERSHIP_LABELS = (APP_ID_LABEL, ENV_LABEL, PART_OF_LABEL)
OWNERSHIP_ANNOTATIONS = (ENV_ANNOTATION, APP_ANNOTATION)
SHOWN = 5  # objects named in one refusal before "and N more"

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

    @classmethod
    def of(cls, app, env, *, create: bool) -> "Identity":
        """The identity of ``env`` of ``app``. ``create`` gives the app an id first when it has none (a
        change is about to be made); otherwise an app without an id owns nothing yet."""
        app_id = app.ensure_id() if create else (app.app_id or "none")
        return cls(app_id=app_id, app_name=app.name, env_name=env.name, namespace=env.namespace)

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

    def classify(self, obj: dict) -> "Owner":
        """Who owns a live object, as seen by this app+environment at this destination (module rules)."""
        meta = obj.get("metadata") or {}
        labels = meta.get("labels") or {}
        annotations = meta.get("annotations") or {}
        app = labels.get(APP_ID_LABEL)
        env = labels.get(ENV_LABEL)
        if not app and not env:
            if labels.get(CREATED_FOR_LABEL) == self.applyset_id:
                return Owner("ours", "was created by kfctl for this environment")
            if is_ksonnet_managed(obj):
                return Owner("ksonnet", "was applied by ks (ksonnet)")
            return Owner("unowned", "was not applied by kfctl (no kfctl labels: made by hand or by another tool)")
        if app == self.app_label and env == self.env_label:
            named = annotations.get(APP_ANNOTATION)
            if named and named != self.app_name:
                # Same id, another name: usually a copied app folder (the id came along in app.yaml).
                return Owner("other", f"belongs to app {named!r}, which has this app's id {app} (a copy of it? give "
                                      "the copy its own id by removing 'id:' from its app.yaml; if you renamed this "
                                      "app, --adopt takes it over)")
            applyset = labels.get(PART_OF_LABEL) or labels.get(APPLYSET_ID_LABEL)
            if applyset and applyset != self.applyset_id:
                return Owner("elsewhere", f"belongs to another deployment of this app and environment (its ApplySet "
                                          f"parent, ConfigMap {self.parent_name}, is in a namespace other than "
                                          f"{self.namespace!r}: a copy of this app deployed there, or this "
                                          "environment before its namespace changed)")
            return Owner("ours", "")
        other_env = annotations.get(ENV_ANNOTATION) or env or "?"
        other_app = annotations.get(APP_ANNOTATION) or "?"
        if app == self.app_label:
            return Owner("other", f"belongs to environment {other_env!r} of this app")
        return Owner("other", f"belongs to app {other_app!r} (id {app}), environment {other_env!r}")

    def created_for_label(self) -> dict[str, str]:
        """The label on a Namespace kfctl creates implicitly for this environment."""
        return {CREATED_FOR_LABEL: self.applyset_id}


@dataclass(frozen=True)
class Owner:
    kind: str  # ours / unowned / ksonnet / elsewhere / other
    text: str  # completes "<object> already exists and ..."


def is_ksonnet_managed(obj: dict) -> bool:
    meta = obj.get("metadata") or {}
    return (meta.get("labels") or {}).get(KS_MANAGER_LABEL) == "ksonnet" or \
        KS_MANAGED_ANNOTATION in (meta.get("annotations") or {})


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



def _ref_list(refs: list[str]) -> str:
    shown = ", ".join(refs[:SHOWN])
    return shown + (f" and {len(refs) - SHOWN} more" if len(refs) > SHOWN else "")


# ---------------------------------------------------------------------------------------------- rendered objects

def same_component(rendered: dict, live: dict) -> bool:
    def comp(o):
        return ((o.get("metadata") or {}).get("labels") or {}).get(COMPONENT_LABEL)
    return comp(rendered) is not None and comp(rendered) == comp(live)


def existing_not_ours(identity: Identity, items: list[Planned]) -> tuple[list[tuple[Planned, Owner]], list[Planned]]:
    """Rendered objects that already exist and are not ours (rules 2-4): (those apply refuses without
    --adopt, with their owner; those left by ks for the same component, which apply adopts)."""
    foreign, from_ks = [], []
    for p in items:
        if p.live is None:
            continue
        owner = identity.classify(p.live)
        if owner.kind == "ours":
            continue
        if owner.kind == "ksonnet" and same_component(p.obj, p.live):
            from_ks.append(p)
        else:
            foreign.append((p, owner))
    return foreign, from_ks


def check_existing(identity: Identity, items: list[Planned], adopt: bool) -> list[Planned]:
    """Rendered objects that already exist must be ours (rules 2-4). Returns the objects left by ks that
    are adopted; anything else not ours is an OwnershipError naming them, unless ``adopt``."""
    foreign, from_ks = existing_not_ours(identity, items)
    if foreign and not adopt:
        if len(foreign) == 1:
            p, owner = foreign[0]
            raise OwnershipError(f"{p.ref} already exists and {owner.text}",
                                 hint="re-run with --adopt to take it over for this app and environment")
        listed = [f"{p.ref} ({owner.text})" for p, owner in foreign]
        raise OwnershipError(f"{len(foreign)} objects already exist that this app and environment did not apply: "
                             + _ref_list(listed),
                             hint="re-run with --adopt to take them over for this app and environment")
    return from_ks


# ---------------------------------------------------------------------------------------------- prune

@dataclass
class PrunePlan:
    prune: list[dict]  # ours, no longer rendered: what --prune deletes
    leftovers: list[dict]  # this app+environment at another destination, not rendered: --prune-moved
    kept: list[dict]  # ours, not rendered, but annotated to be kept


def prune_plan(identity: Identity, owned: list[dict], rendered: list[dict],
               components: list[str] | None = None, keep_uids: set[str] | None = None) -> PrunePlan:
    """Sort the live objects labelled as this app+environment's that the render no longer contains.

    With ``components`` only objects whose component label is one of them are candidates. Matching is
    by group, kind, namespace and name (not version: the same object seen through two versions is one);
    ``keep_uids`` (the rendered objects' live UIDs) also keeps an object the server lists under a second
    group (Deployments under both extensions and apps).
    """
    keep = {ObjRef.of(o) for o in rendered}
    wanted = {component_label_value(c) for c in components} if components else None
    out = PrunePlan([], [], [])
    seen = set()
    for obj in owned:
        ref = ObjRef.of(obj)
        meta = obj.get("metadata") or {}
        if ref in keep or ref in seen or (keep_uids and meta.get("uid") in keep_uids):
            continue
        if is_controller_owned(obj) or identity.is_current_parent(obj) or meta.get("deletionTimestamp"):
            continue
        if wanted is not None and (meta.get("labels") or {}).get(COMPONENT_LABEL) not in wanted:
            continue
        kind = identity.classify(obj).kind
        if kind not in ("ours", "elsewhere"):
            continue
        seen.add(ref)
        if is_prune_protected(obj):
            out.kept.append(obj)
        elif kind == "ours":
            out.prune.append(obj)
        else:
            out.leftovers.append(obj)
    return out


def diff_notes(diffs) -> list[str]:
    """What a diff must tell beside its counts (``diff.ObjectDiff`` items): objects apply would refuse to
    take over without --adopt, and objects a pruned CRD or Namespace would take along."""
    return [f"{d.ref} {d.note}" for d in diffs if d.op == "taken" or "--adopt" in d.note]


def describe_leftovers(identity: Identity, leftovers: list[dict]) -> list[str]:
    """One line per namespace: what remains of this app+environment at other destinations."""
    by_ns: dict[str, list[str]] = {}
    for obj in leftovers:
        by_ns.setdefault((obj.get("metadata") or {}).get("namespace") or "", []).append(str(ObjRef.of(obj)))
    lines = []
    for ns in sorted(by_ns):
        refs = sorted(by_ns[ns])
        where = f"remain in namespace {ns!r}" if ns else "(cluster-scoped) remain"
        lines.append(f"{len(refs)} object(s) of app {identity.app_name!r}, environment {identity.env_name!r} {where} "
                     f"from an earlier namespace of this environment (or a copy of this app deployed there): "
                     f"{_ref_list(refs)}; --prune-moved removes them")
    return lines


# ---------------------------------------------------------------------------------------------- listing

def parent_object(cluster: Cluster, identity: Identity) -> dict | None:
    res = cluster.discovery.resource("v1", "ConfigMap")
    try:
        return cluster.get(res, identity.namespace, identity.parent_name)
    except ApiError as err:
        if err.status == 403:
            return None
        raise to_kfctl_error(err, f"ConfigMap {identity.namespace}/{identity.parent_name}", verb="read") from None


def all_parents(cluster: Cluster, identity: Identity) -> list[dict] | None:
    """Every ApplySet parent of this app+environment, at any destination (None: not allowed to list)."""
    res = cluster.discovery.resource("v1", "ConfigMap")
    try:
        return cluster.list(res, None, label_selector=f"{APPLYSET_ID_LABEL},{identity.selector}", metadata_only=True)
    except ApiError as err:
        if err.status == 403:
            return None
        raise to_kfctl_error(err, "ConfigMaps (ApplySet parents)", verb="list") from None


def list_owned(cluster: Cluster, identity: Identity, extra_group_kinds: list[str], workers: int,
               namespaces: list[str]) -> list[dict]:
    """Live objects labelled as this app+environment's (at any destination), among the group-kinds its
    ApplySet parents recorded plus ``extra_group_kinds`` (every listable kind when this destination has
    no parent). Metadata only: apiVersion, kind and metadata (labels, owners, uid), not spec or data."""
    parents = all_parents(cluster, identity)
    if parents is None:
        parent = parent_object(cluster, identity)
        parents = [parent] if parent else []
    gks = set(extra_group_kinds)
    resources: list[Resource] = []
    if not any(identity.is_current_parent(p) for p in parents):
        resources = list(cluster.discovery.listable())
    else:
        for parent in parents:
            gks |= set(recorded_group_kinds(parent))
        if len(parents) > 1:
            gks.add("ConfigMap")  # the other destinations' parents themselves
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
    raise_errors(errors, verb="list")
    return [o for o in found if not identity.is_current_parent(o)]


# ---------------------------------------------------------------------------------------------- removals

_AUTOMATIC = {("", "Event"), ("events.k8s.io", "Event"), ("", "Endpoints"), ("discovery.k8s.io", "EndpointSlice")}
_AUTOMATIC_NAMES = {("", "ConfigMap", "kube-root-ca.crt"), ("", "ServiceAccount", "default")}


def _is_crd(obj: dict) -> bool:
    return obj.get("kind") == "CustomResourceDefinition" and group_of(obj.get("apiVersion", "")) == "apiextensions.k8s.io"


def _is_namespace(obj: dict) -> bool:
    return obj.get("kind") == "Namespace" and group_of(obj.get("apiVersion", "")) == ""


def _contents(cluster: Cluster, container: dict, workers: int) -> list[dict]:
    """What removing ``container`` (a CRD or a Namespace) deletes with it (metadata only)."""
    name = (container.get("metadata") or {}).get("name") or ""
    if _is_crd(container):
        plural, _, group = name.partition(".")
        resources = [r for r in cluster.discovery.listable() if r.group == group and r.plural == plural]
        namespace = None
    else:
        resources = [r for r in cluster.discovery.listable() if r.namespaced and (r.group, r.kind) not in _AUTOMATIC]
        namespace = name

    def run(res: Resource):
        try:
            return cluster.list(res, namespace, metadata_only=True)
        except ApiError as err:
            if err.status in (404, 405, 503):
                return []
            raise

    found, errors = [], []
    for res, items, err in run_concurrently(run, resources[:1] if _is_crd(container) else resources, workers):
        if err:
            errors.append((res.plural, err))
        else:
            found.extend(items)
    raise_errors(errors, verb="list")
    out = []
    for obj in found:
        meta = obj.get("metadata") or {}
        key = (group_of(obj.get("apiVersion", "")), obj.get("kind"), meta.get("name"))
        if key in _AUTOMATIC_NAMES or meta.get("deletionTimestamp"):
            continue
        if not _is_crd(container) and meta.get("ownerReferences"):
            continue  # goes with its owner, which is listed itself
        out.append(obj)
    return out


def removal_casualties(cluster: Cluster, identity: Identity, removals: list[dict],
                       workers: int) -> list[tuple[dict, dict]]:
    """(object, container) for every object that removing a CRD or Namespace in ``removals`` would delete
    with it although this app+environment did not apply it and was not asked to remove it."""
    going = {(o.get("metadata") or {}).get("uid") for o in removals} - {None}
    going_refs = {ObjRef.of(o) for o in removals}
    out = []
    for container in removals:
        if not (_is_crd(container) or _is_namespace(container)):
            continue
        for obj in _contents(cluster, container, workers):
            if (obj.get("metadata") or {}).get("uid") in going or ObjRef.of(obj) in going_refs:
                continue
            if identity.classify(obj).kind == "ours" or identity.is_current_parent(obj):
                continue
            out.append((obj, container))
    return out


def check_removals(cluster: Cluster, identity: Identity, removals: list[dict], workers: int, *,
                   allow: bool) -> list[tuple[dict, dict]]:
    """Rule 6: refuse (naming them) removals that take objects this app+environment did not apply,
    unless ``allow``; returns what they take (for dry runs and reports)."""
    taken = removal_casualties(cluster, identity, removals, workers)
    if taken and not allow:
        containers = []
        for _obj, c in taken:
            if str(ObjRef.of(c)) not in containers:
                containers.append(str(ObjRef.of(c)))
        refs = sorted(str(ObjRef.of(o)) for o, _c in taken)
        raise OwnershipError(f"removing {_ref_list(containers)} would also delete {len(refs)} object(s) this app "
                             f"and environment did not apply: {_ref_list(refs)}",
                             hint="--delete-contents deletes them too; or keep it: annotate it kfctl.io/prune: ignore "
                                  "(for apply, leaving out --prune keeps it too)")
    return taken
