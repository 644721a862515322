"""Offline knowledge of Kubernetes' built-in kinds: which are namespaced, which API groups are built in,
which apiVersions current Kubernetes no longer serves, and the order objects are created in.

Nothing here talks to a cluster. Custom resources are recognised by their group not being a built-in
one (or by a CustomResourceDefinition for them being in the same render); their scope comes from that
CRD's ``spec.scope``. When neither applies the scope is unknown and callers decide (``default``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# API groups served by kube-apiserver itself (not by a CRD). "" is the core group.
BUILTIN_GROUPS = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
    "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
    "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io", "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io",
    "resource.k8s.io", "scheduling.k8s.io", "settings.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
})

# Built-in kinds that are cluster-scoped (by kind name; every built-in kind name is unique to one scope).
CLUSTER_SCOPED = frozenset({
    "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "ClusterTrustBundle",
    "ComponentStatus", "CSIDriver", "CSINode", "CustomResourceDefinition", "DeviceClass", "DeviceTaintRule",
    "FlowSchema", "IngressClass", "IPAddress", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume", "PodSecurityPolicy",
    "PriorityClass", "PriorityLevelConfiguration", "ResourceSlice", "RuntimeClass", "SelfSubjectAccessReview",
    "SelfSubjectReview", "SelfSubjectRulesReview", "ServiceCIDR", "StorageClass", "StorageVersion",
    "StorageVersionMigration", "SubjectAccessReview", "TokenReview", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
    "VolumeAttributesClass",
})

# Apply groups (lower first). Deletion runs them in reverse.
NAMESPACES, CRDS, RBAC, CONFIG, SERVICES, WORKLOADS, OTHER_BUILTIN, CUSTOM = range(8)

_GROUP_OF_KIND = {
    "Namespace": NAMESPACES,
    "CustomResourceDefinition": CRDS,
    "ServiceAccount": RBAC, "Role": RBAC, "ClusterRole": RBAC, "RoleBinding": RBAC, "ClusterRoleBinding": RBAC,
    # Things workloads read or mount, plus the policies that admit them.
    "ConfigMap": CONFIG, "Secret": CONFIG, "PersistentVolumeClaim": CONFIG, "PersistentVolume": CONFIG,
    "StorageClass": CONFIG, "ResourceQuota": CONFIG, "LimitRange": CONFIG, "PriorityClass": CONFIG,
    "RuntimeClass": CONFIG, "IngressClass": CONFIG, "PodSecurityPolicy": CONFIG,
    "Service": SERVICES,
    "Deployment": WORKLOADS, "StatefulSet": WORKLOADS, "DaemonSet": WORKLOADS, "ReplicaSet": WORKLOADS,
    "ReplicationController": WORKLOADS, "Pod": WORKLOADS, "Job": WORKLOADS, "CronJob": WORKLOADS,
}

# (apiVersion, kind) no longer served, with the Kubernetes minor it went away in and what replaces it.
# Kinds are listed per group-version; "*" covers every kind of that group-version.
REMOVED_APIS: dict[tuple[str, str], tuple[str, str]] = {}


def _removed(api_version: str, kinds: str, since: str, replacement: str) -> None:
    for kind in kinds.split():
        REMOVED_APIS[(api_version, kind)] = (since, replacement)


_removed("extensions/v1beta1", "Deployment DaemonSet ReplicaSet", "1.16", "apps/v1")
_removed("extensions/v1beta1", "NetworkPolicy", "1.16", "networking.k8s.io/v1")
_removed("extensions/v1beta1", "PodSecurityPolicy", "1.16", "policy/v1beta1 (itself removed in 1.25)")
_removed("extensions/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1")
_removed("apps/v1beta1", "Deployment StatefulSet ControllerRevision", "1.16", "apps/v1")
_removed("apps/v1beta2", "Deployment StatefulSet DaemonSet ReplicaSet ControllerRevision", "1.16", "apps/v1")
_removed("networking.k8s.io/v1beta1", "Ingress IngressClass", "1.22", "networking.k8s.io/v1")
_removed("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22", "apiextensions.k8s.io/v1")
_removed("apiregistration.k8s.io/v1beta1", "APIService", "1.22", "apiregistration.k8s.io/v1")
_removed("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration ValidatingWebhookConfiguration",
         "1.22", "admissionregistration.k8s.io/v1")
_removed("authentication.k8s.io/v1beta1", "TokenReview", "1.22", "authentication.k8s.io/v1")
_removed("authorization.k8s.io/v1beta1",
         "SubjectAccessReview LocalSubjectAccessReview SelfSubjectAccessReview SelfSubjectRulesReview", "1.22",
         "authorization.k8s.io/v1")
_removed("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.22", "certificates.k8s.io/v1")
_removed("coordination.k8s.io/v1beta1", "Lease", "1.22", "coordination.k8s.io/v1")
for _v in ("rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"):
    _removed(_v, "Role RoleBinding ClusterRole ClusterRoleBinding", "1.22", "rbac.authorization.k8s.io/v1")
_removed("scheduling.k8s.io/v1beta1", "PriorityClass", "1.22", "scheduling.k8s.io/v1")
_removed("scheduling.k8s.io/v1alpha1", "PriorityClass", "1.17", "scheduling.k8s.io/v1")
_removed("storage.k8s.io/v1beta1", "CSIDriver CSINode StorageClass VolumeAttachment", "1.22", "storage.k8s.io/v1")
_removed("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", "storage.k8s.io/v1")
_removed("batch/v1beta1", "CronJob", "1.25", "batch/v1")
_removed("batch/v2alpha1", "CronJob", "1.21", "batch/v1")
_removed("discovery.k8s.io/v1beta1", "EndpointSlice", "1.25", "discovery.k8s.io/v1")
_removed("events.k8s.io/v1beta1", "Event", "1.25", "events.k8s.io/v1")
_removed("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25", "autoscaling/v2")
_removed("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", "autoscaling/v2")
_removed("policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1")
_removed("policy/v1beta1", "PodSecurityPolicy", "1.25", "Pod Security Admission (no replacement kind)")
_removed("node.k8s.io/v1beta1", "RuntimeClass", "1.25", "node.k8s.io/v1")
_removed("node.k8s.io/v1alpha1", "RuntimeClass", "1.22", "node.k8s.io/v1")
for _v, _since in (("flowcontrol.apiserver.k8s.io/v1beta1", "1.26"), ("flowcontrol.apiserver.k8s.io/v1beta2", "1.29"),
                   ("flowcontrol.apiserver.k8s.io/v1beta3", "1.32")):
    _removed(_v, "FlowSchema PriorityLevelConfiguration", _since, "flowcontrol.apiserver.k8s.io/v1")


def split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> ("apps", "v1"); ``v1`` -> ("", "v1")."""
    if "/" in api_version:
        group, _, version = api_version.partition("/")
        return group, version
    return "", api_version


def is_crd(obj: Mapping) -> bool:
    return obj.get("kind") == "CustomResourceDefinition" and \
        split_api_version(str(obj.get("apiVersion", "")))[0] == "apiextensions.k8s.io"


def crd_scopes(objects: Iterable[Mapping]) -> dict[tuple[str, str], str]:
    """{(group, kind): "Namespaced" | "Cluster"} for every CRD in ``objects``."""
    out: dict[tuple[str, str], str] = {}
    for obj in objects:
        if not is_crd(obj):
            continue
        spec = obj.get("spec") or {}
        names = spec.get("names") or {}
        if spec.get("group") and names.get("kind"):
            out[(str(spec["group"]), str(names["kind"]))] = str(spec.get("scope") or "Namespaced")
    return out


def _scopes(crds) -> Mapping[tuple[str, str], str]:
    if crds is None:
        return {}
    if isinstance(crds, Mapping):
        return crds
    return crd_scopes(crds)


def is_builtin(api_version: str, kind: str, crds=None) -> bool:
    """True for a kind kube-apiserver serves itself (a kind defined by a CRD in ``crds`` is not)."""
    group, _ = split_api_version(api_version)
    if (group, kind) in _scopes(crds):
        return False
    return group in BUILTIN_GROUPS


def is_namespaced(api_version: str, kind: str, crds=None, default: bool | None = None) -> bool | None:
    """Whether objects of this kind live in a namespace, decided offline.

    ``crds`` is an iterable of objects (the CRDs among them are used) or the mapping ``crd_scopes`` returns.
    A kind defined by one of those CRDs takes that CRD's ``spec.scope``; a built-in kind is looked up in
    ``CLUSTER_SCOPED``; any other kind's scope is unknown and ``default`` is returned.
    """
    group, _ = split_api_version(api_version)
    scope = _scopes(crds).get((group, kind))
    if scope is not None:
        return scope != "Cluster"
    if group in BUILTIN_GROUPS:
        return kind not in CLUSTER_SCOPED
    return default


def apply_group(obj: Mapping, crds=None) -> int:
    """The order group an object is created in: Namespaces 0, CRDs 1, ServiceAccounts and RBAC 2,
    ConfigMaps/Secrets/volumes/StorageClasses (and quotas, priority and runtime classes) 3, Services 4,
    workloads 5, other built-in kinds 6, custom resources 7."""
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    if not is_builtin(api_version, kind, crds):
        return CUSTOM
    return _GROUP_OF_KIND.get(kind, OTHER_BUILTIN)


def removed_api(api_version: str, kind: str) -> tuple[str, str] | None:
    """(removed-in minor, replacement) when Kubernetes no longer serves ``kind`` at ``api_version``."""
    return REMOVED_APIS.get((api_version, kind))
