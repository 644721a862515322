"""Generate a ksonnet-lib compatible ``k8s.libsonnet`` / ``k.libsonnet``.

The output keeps the API of ksonnet-lib ``ksonnet.beta.3`` (``k.<group>.<version>.<kind>``, hidden ``::``
fields, ``new()``, ``withX``/``withXMixin`` setters, ``mixin::`` sub-objects with ``mixinInstance``,
``<field>Type::`` element references, the custom constructors, ``mapContainers``) but not its layout.
ksonnet-gen spelled out every nested object under every kind as jsonnet code, so its library was 3-4 MB and
every evaluation paid for parsing all of it.  Here:

* each schema type is one line of *data* (field name -> shape code) in ``_k8s/<group>.libsonnet``, together
  with that group's ``k.<group>.*`` namespace;
* ``k8s.libsonnet`` holds a small builder that turns a type's data into the setter object on first access,
  and imports the group files lazily (jsonnet evaluates ``import`` only when the value is needed), so a
  program parses only the groups it touches.

A sub-object's setters wrap their patch with ``w``, the function that places a patch at the sub-object's path
in the root object, so ``deployment.mixin.spec.template.spec.withContainers(c)`` returns
``{spec+: {template+: {spec+: {containers: c}}}}`` plus hidden setters, like ksonnet-lib.

Legacy group versions used by 2018 packages (apps/v1beta1, extensions/v1beta1, rbac/v1beta1, ...) are gone
from current Kubernetes schemas; they are synthesized from their successors (see ``LEGACY``).

Run: ``python -m kfctl.kslib_gen --out kfctl/ksonnet_lib``.  The output is deterministic.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_K8S_VERSION = "v1.36.0"

# ---------------------------------------------------------------------------------------------------------------
# Schema model


@dataclass(frozen=True)
class Field:
    name: str
    shape: str  # "scalar" | "array" | "map" | "object"
    ref: str | None = None  # type id of the object, or of the array element when it is an object


@dataclass
class TypeDef:
    tid: str  # e.g. "apps_v1_Deployment"
    group: str  # namespace label, e.g. "apps", "core", "meta"
    version: str
    name: str  # schema name, e.g. "Deployment"
    fields: list[Field] = field(default_factory=list)
    gvk: tuple[str, str, str] | None = None  # (api group, version, kind) when it is a top-level kind


JSONNET_KEYWORDS = {
    "assert", "else", "error", "false", "for", "function", "if", "import", "importstr", "importbin", "in",
    "local", "null", "tailstrict", "then", "self", "super", "true",
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def is_ident(s: str) -> bool:
    return bool(_IDENT.match(s)) and s not in JSONNET_KEYWORDS


def jkey(s: str) -> str:
    """A jsonnet object key: bare identifier when possible, else a JSON string."""
    return s if is_ident(s) else json.dumps(s)


def lower_camel(name: str) -> str:
    """ksonnet's kind naming: APIService -> apiService, CSIDriver -> csiDriver, DaemonSet -> daemonSet."""
    if not name:
        return name
    i = 0
    while i < len(name) and name[i].isupper():
        i += 1
    if i == 0:
        return name
    if i == 1 or i == len(name):
        return name[:i].lower() + name[i:]
    # keep the last capital of an acronym when a lowercase word follows: "APIService" -> "api" + "Service"
    return name[: i - 1].lower() + name[i - 1:]


def _words(name: str) -> list[str]:
    return [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]


def setter_stem(name: str) -> str:
    """Field name -> the part after 'with': labels -> Labels, x-kubernetes-int-or-string -> XKubernetesIntOrString."""
    parts = _words(name)
    return "".join(p[0].upper() + p[1:] for p in parts)


def member_name(name: str) -> str:
    """Field name -> identifier for sub-object / Type members (lowerCamel, punctuation removed)."""
    stem = setter_stem(name)
    out = stem[0].lower() + stem[1:] if stem else "_"
    if not is_ident(out):
        out = "_" + out
    return out


def _types_of(schema: dict) -> set[str]:
    t = schema.get("type")
    if t is None:
        return set()
    return set(t) if isinstance(t, list) else {t}


_PKG_RE = re.compile(
    r"^io\.k8s\.(?:api\.(?P<g1>[a-z0-9]+)|apimachinery\.pkg\.apis\.(?P<g2>meta)|"
    r"apiextensions-apiserver\.pkg\.apis\.(?P<g3>apiextensions)|kube-aggregator\.pkg\.apis\.(?P<g4>apiregistration))"
    r"\.(?P<v>v[0-9]+(?:(?:alpha|beta)[0-9]+)?)\.(?P<n>[A-Za-z0-9]+)$"
)


def _split_key(key: str) -> tuple[str, str, str] | None:
    m = _PKG_RE.match(key)
    if not m:
        return None
    pkg = m.group("g1") or m.group("g2") or m.group("g3") or m.group("g4")
    return pkg, m.group("v"), m.group("n")


@dataclass
class Model:
    types: dict[str, TypeDef]
    # namespace: group -> version -> member name -> (type id, is_kind)
    api_groups: dict[str, str]  # namespace group label -> full API group ("" for core)
    synthesized: list[str]


def load_schema(path: Path) -> dict:
    with open(path, "rb") as fh:
        doc = json.load(fh)
    return doc.get("$defs") or doc.get("definitions") or {}


def build_model(defs: dict) -> Model:
    keymap: dict[str, tuple[str, str, str]] = {}
    for key in defs:
        sk = _split_key(key)
        if sk:
            keymap[key] = sk
    # package -> namespace label: the first DNS label of the kinds' API group ("" -> core); meta stays meta.
    pkg_label: dict[str, str] = {}
    api_groups: dict[str, str] = {}
    for key, (pkg, ver, name) in sorted(keymap.items()):
        gvks = defs[key].get("x-kubernetes-group-version-kind") or []
        if len(gvks) != 1 or pkg == "meta":
            continue
        grp = gvks[0]["group"]
        label = grp.split(".")[0] if grp else "core"
        prev = pkg_label.setdefault(pkg, label)
        if prev != label:
            raise ValueError(f"package {pkg} maps to two groups: {prev}, {label}")
        api_groups[label] = grp
    for key, (pkg, _ver, _name) in keymap.items():
        pkg_label.setdefault(pkg, pkg)

    def tid_of(key: str) -> str | None:
        sk = keymap.get(key)
        if not sk:
            return None
        return f"{pkg_label[sk[0]]}_{sk[1]}_{sk[2]}"

    def is_object_def(key: str) -> bool:
        d = defs.get(key, {})
        return bool(d.get("properties")) and key in keymap

    def ref_key(ref: str) -> str:
        return ref.rsplit("/", 1)[-1]

    def classify(prop: dict) -> tuple[str, str | None]:
        if "$ref" in prop:
            k = ref_key(prop["$ref"])
            if is_object_def(k):
                return "object", tid_of(k)
            tgt = defs.get(k, {})
            tt = _types_of(tgt)
            if "array" in tt:
                return "array", None
            if "object" in tt or "additionalProperties" in tgt:
                return "map", None
            return "scalar", None
        tt = _types_of(prop)
        if "array" in tt:
            items = prop.get("items") or {}
            if "$ref" in items and is_object_def(ref_key(items["$ref"])):
                return "array", tid_of(ref_key(items["$ref"]))
            return "array", None
        if "object" in tt:
            return "map", None
        return "scalar", None

    types: dict[str, TypeDef] = {}
    for key in sorted(keymap):
        if not is_object_def(key):
            continue
        pkg, ver, name = keymap[key]
        d = defs[key]
        gvks = d.get("x-kubernetes-group-version-kind") or []
        gvk = None
        if len(gvks) == 1:
            g = gvks[0]
            gvk = (g["group"], g["version"], g["kind"])
        fields = []
        for pname in sorted(d["properties"]):
            shape, ref = classify(d["properties"][pname])
            fields.append(Field(pname, shape, ref))
        t = TypeDef(tid_of(key), pkg_label[pkg], ver, name, fields, gvk)
        types[t.tid] = t
    model = Model(types, api_groups, [])
    synthesize_legacy(model)
    return model


# ---------------------------------------------------------------------------------------------------------------
# Legacy group versions (gone from current Kubernetes, used by 2018-era packages)

# (group label, version, successor group label, successor version, kinds).  Each kind keeps its successor's
# fields unless a rewrite in _LEGACY_REWRITES replaces the type.
LEGACY: list[tuple[str, str, str, str, list[str]]] = [
    ("apps", "v1beta1", "apps", "v1", ["ControllerRevision", "Deployment", "StatefulSet"]),
    ("apps", "v1beta2", "apps", "v1", ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"]),
    ("extensions", "v1beta1", "apps", "v1", ["DaemonSet", "Deployment", "ReplicaSet"]),
    ("extensions", "v1beta1", "networking", "v1", ["Ingress", "NetworkPolicy"]),
    ("networking", "v1beta1", "networking", "v1", ["Ingress", "IngressClass"]),
    ("rbac", "v1beta1", "rbac", "v1", ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
    ("rbac", "v1alpha1", "rbac", "v1", ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
    ("apiextensions", "v1beta1", "apiextensions", "v1", ["CustomResourceDefinition"]),
    ("batch", "v1beta1", "batch", "v1", ["CronJob"]),
    ("batch", "v2alpha1", "batch", "v1", ["CronJob"]),
    ("autoscaling", "v2beta1", "autoscaling", "v2", ["HorizontalPodAutoscaler"]),
    ("autoscaling", "v2beta2", "autoscaling", "v2", ["HorizontalPodAutoscaler"]),
    ("policy", "v1beta1", "policy", "v1", ["PodDisruptionBudget"]),
    ("storage", "v1beta1", "storage", "v1", ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"]),
    ("scheduling", "v1beta1", "scheduling", "v1", ["PriorityClass"]),
    ("scheduling", "v1alpha1", "scheduling", "v1", ["PriorityClass"]),
    ("admissionregistration", "v1beta1", "admissionregistration", "v1",
     ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]),
    ("certificates", "v1beta1", "certificates", "v1", ["CertificateSigningRequest"]),
    ("coordination", "v1beta1", "coordination", "v1", ["Lease"]),
    ("events", "v1beta1", "events", "v1", ["Event"]),
    ("discovery", "v1beta1", "discovery", "v1", ["EndpointSlice"]),
    ("node", "v1beta1", "node", "v1", ["RuntimeClass"]),
    ("apiregistration", "v1beta1", "apiregistration", "v1", ["APIService"]),
]

LEGACY_API_GROUPS = {"extensions": "extensions"}


def _copy_type(model: Model, src: str, group: str, version: str, remap: dict[str, str]) -> TypeDef:
    s = model.types[src]
    fields = [Field(f.name, f.shape, remap.get(f.ref, f.ref) if f.ref else None) for f in s.fields]
    return TypeDef(f"{group}_{version}_{s.name}", group, version, s.name, fields, None)


def _rename_field(t: TypeDef, old: str, new: str) -> None:
    t.fields = sorted(
        (Field(new, f.shape, f.ref) if f.name == old else f for f in t.fields), key=lambda f: f.name
    )


def _legacy_ingress(model: Model, group: str, version: str) -> None:
    """extensions/v1beta1 and networking/v1beta1 Ingress: backend{serviceName, servicePort}, spec.backend."""
    names = ["Ingress", "IngressList", "IngressSpec", "IngressRule", "HTTPIngressRuleValue", "HTTPIngressPath",
             "IngressBackend"]
    remap = {f"networking_v1_{n}": f"{group}_{version}_{n}" for n in names}
    for n in names:
        t = _copy_type(model, f"networking_v1_{n}", group, version, remap)
        model.types[t.tid] = t
    spec = model.types[f"{group}_{version}_IngressSpec"]
    _rename_field(spec, "defaultBackend", "backend")
    backend = model.types[f"{group}_{version}_IngressBackend"]
    backend.fields = [
        Field("resource", "object", "core_v1_TypedLocalObjectReference"),
        Field("serviceName", "scalar"),
        Field("servicePort", "scalar"),
    ]
    model.synthesized.append(f"{group}/{version} Ingress (backend.serviceName/servicePort, spec.backend)")


def _legacy_crd(model: Model) -> None:
    """apiextensions/v1beta1 CRD: spec.version, spec.validation, top-level subresources/printer columns."""
    g, v = "apiextensions", "v1beta1"
    names = ["CustomResourceDefinition", "CustomResourceDefinitionList", "CustomResourceDefinitionSpec",
             "CustomResourceDefinitionVersion", "CustomResourceColumnDefinition"]
    remap = {f"apiextensions_v1_{n}": f"{g}_{v}_{n}" for n in names}
    for n in names:
        t = _copy_type(model, f"apiextensions_v1_{n}", g, v, remap)
        model.types[t.tid] = t
    _rename_field(model.types[f"{g}_{v}_CustomResourceColumnDefinition"], "jsonPath", "JSONPath")
    spec = model.types[f"{g}_{v}_CustomResourceDefinitionSpec"]
    spec.fields = sorted(
        spec.fields
        + [
            Field("additionalPrinterColumns", "array", f"{g}_{v}_CustomResourceColumnDefinition"),
            Field("subresources", "object", "apiextensions_v1_CustomResourceSubresources"),
            Field("validation", "object", "apiextensions_v1_CustomResourceValidation"),
            Field("version", "scalar"),
        ],
        key=lambda f: f.name,
    )
    model.synthesized.append("apiextensions/v1beta1 CustomResourceDefinition (spec.version, spec.validation, ...)")


def synthesize_legacy(model: Model) -> None:
    _legacy_ingress(model, "extensions", "v1beta1")
    _legacy_ingress(model, "networking", "v1beta1")
    _legacy_crd(model)
    model.api_groups.update(LEGACY_API_GROUPS)


# ---------------------------------------------------------------------------------------------------------------
# Namespace (what k.<group>.<version> exposes)


@dataclass(frozen=True)
class Member:
    name: str  # lowerCamel member name
    tid: str
    api_version: str | None  # set for kinds
    kind: str | None


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def build_namespace(model: Model) -> dict[str, dict[str, dict[str, Member]]]:
    ns: dict[str, dict[str, dict[str, Member]]] = {}

    def rank(group: str, version: str, m: Member) -> tuple[bool, bool]:
        return (m.kind is not None, m.tid.startswith(f"{group}_{version}_"))

    def put(group: str, version: str, m: Member) -> None:
        gv = ns.setdefault(group, {}).setdefault(version, {})
        prev = gv.get(m.name)
        if prev is None or rank(group, version, m) > rank(group, version, prev):
            gv[m.name] = m

    for tid in sorted(model.types):
        t = model.types[tid]
        if t.gvk is not None:
            av = _api_version(t.gvk[0], t.gvk[1])
            put(t.group, t.version, Member(lower_camel(t.name), tid, av, t.gvk[2]))
        else:
            put(t.group, t.version, Member(lower_camel(t.name), tid, None, None))
    # legacy kinds: a rewritten copy when there is one, else the successor's type; plus the types they reach
    # inside the successor package, so k.apps.v1beta1.deploymentSpec etc. exist too.
    for group, version, sgroup, sversion, kinds in LEGACY:
        api_group = model.api_groups.get(group, model.api_groups.get(sgroup, ""))
        av = _api_version(api_group, version)
        for kind in kinds:
            for name in (kind, kind + "List"):
                own = f"{group}_{version}_{name}"
                tid = own if own in model.types else f"{sgroup}_{sversion}_{name}"
                if tid not in model.types:
                    continue
                put(group, version, Member(lower_camel(name), tid, av, name))
                for sub in sorted(_reachable(model, tid)):
                    st = model.types[sub]
                    if st.gvk is None and sub.startswith((f"{sgroup}_{sversion}_", f"{group}_{version}_")):
                        put(group, version, Member(lower_camel(st.name), sub, None, None))
    return ns


def _reachable(model: Model, tid: str) -> set[str]:
    seen: set[str] = set()
    todo = [tid]
    while todo:
        cur = todo.pop()
        if cur in seen or cur not in model.types:
            continue
        seen.add(cur)
        for f in model.types[cur].fields:
            if f.ref:
                todo.append(f.ref)
    seen.discard(tid)
    return seen


# ---------------------------------------------------------------------------------------------------------------
# Custom constructors (ksonnet-gen's table).  Keyed by type reference; legacy kinds borrow their successor's type,
# so k.apps.v1beta1.deployment.new and k.extensions.v1beta1.deployment.new use the apps.v1 entry.

WORKLOAD_SELECTOR_VERSIONS = ("apps/v1", "apps/v1beta2")

_WORKLOAD_NEW = (
    "local base = super.new(); base + self.mixin.metadata.withName(name) + self.mixin.spec.withReplicas(replicas)"
    " + self.mixin.spec.template.spec.withContainers(containers)"
    " + self.mixin.spec.template.metadata.withLabels(podLabels)"
)
_SELECTOR = " + (if std.member(SEL, base.apiVersion) then self.mixin.spec.selector.withMatchLabels(podLabels) else {})"

CUSTOM: dict[str, list[str]] = {
    "apps.v1.Deployment": ["new(name, replicas=1, containers, podLabels={app: name}):: " + _WORKLOAD_NEW + _SELECTOR],
    "apps.v1.StatefulSet": [
        "new(name, replicas=1, containers, volumeClaims=[], podLabels={app: name}):: " + _WORKLOAD_NEW
        + " + (if std.length(volumeClaims) > 0 then self.mixin.spec.withVolumeClaimTemplates(volumeClaims) else {})"
        + _SELECTOR,
    ],
    "core.v1.Service": [
        "new(name, selector, ports):: super.new() + self.mixin.metadata.withName(name)"
        " + self.mixin.spec.withSelector(selector) + self.mixin.spec.withPorts(ports)",
    ],
    "core.v1.Container": ["new(name, image):: self.withName(name) + self.withImage(image)"],
    "core.v1.ContainerPort": [
        "new(containerPort):: self.withContainerPort(containerPort)",
        "newNamed(containerPort, name):: self.withContainerPort(containerPort) + self.withName(name)",
    ],
    "core.v1.EnvVar": [
        "new(name, value):: self.withName(name) + self.withValue(value)",
        "fromSecretRef(name, secretRefName, secretRefKey):: self.withName(name)"
        " + self.mixin.valueFrom.secretKeyRef.withName(secretRefName)"
        " + self.mixin.valueFrom.secretKeyRef.withKey(secretRefKey)",
        "fromFieldPath(name, fieldPath):: self.withName(name) + self.mixin.valueFrom.fieldRef.withFieldPath(fieldPath)",
    ],
    "core.v1.ServicePort": [
        "new(port, targetPort):: self.withPort(port) + self.withTargetPort(targetPort)",
        "newNamed(name, port, targetPort):: self.withName(name) + self.withPort(port) + self.withTargetPort(targetPort)",
    ],
    "core.v1.Volume": [
        "fromConfigMap(name, configMapName, configMapItems):: self.withName(name)"
        " + self.mixin.configMap.withName(configMapName) + self.mixin.configMap.withItems(configMapItems)",
        "fromEmptyDir(name, emptyDir={}):: self.withName(name) + self.mixin.emptyDir.mixinInstance(emptyDir)",
        "fromPersistentVolumeClaim(name, claimName):: self.withName(name)"
        " + self.mixin.persistentVolumeClaim.withClaimName(claimName)",
        "fromHostPath(name, hostPath):: self.withName(name) + self.mixin.hostPath.withPath(hostPath)",
        "fromSecret(name, secretName):: self.withName(name) + self.mixin.secret.withSecretName(secretName)",
    ],
    "core.v1.VolumeMount": [
        "new(name, mountPath, readOnly=false):: self.withName(name) + self.withMountPath(mountPath)"
        " + self.withReadOnly(readOnly)",
    ],
    "core.v1.ConfigMap": ["new(name, data):: super.new() + self.mixin.metadata.withName(name) + self.withData(data)"],
    "core.v1.Secret": [
        "new(name, data, type='Opaque'):: super.new() + self.mixin.metadata.withName(name) + self.withData(data)"
        " + self.withType(type)",
    ],
    "core.v1.Namespace": ["new(name):: super.new() + self.mixin.metadata.withName(name)"],
    "core.v1.ServiceAccount": ["new(name):: super.new() + self.mixin.metadata.withName(name)"],
    "core.v1.KeyToPath": ["new(key, path):: self.withKey(key) + self.withPath(path)"],
}

# Members per generated setter object (the largest type, PodSpec, has 60 setters; more are split).
SLOTS = 32

# Every `*List` type with an `items` array gets this constructor (added at run time by the builder).
LIST_CTOR = "new(items):: super.new() + self.withItems(items)"

# Workload kinds and where their containers live (mapContainers / mapContainersWithName in k.libsonnet).
CONTAINER_PATHS = {
    "Deployment": ["spec", "template", "spec", "containers"],
    "DaemonSet": ["spec", "template", "spec", "containers"],
    "ReplicaSet": ["spec", "template", "spec", "containers"],
    "StatefulSet": ["spec", "template", "spec", "containers"],
    "Job": ["spec", "template", "spec", "containers"],
    "ReplicationController": ["spec", "template", "spec", "containers"],
    "PodTemplate": ["template", "spec", "containers"],
    "Pod": ["spec", "containers"],
    "CronJob": ["spec", "jobTemplate", "spec", "template", "spec", "containers"],
}

# ---------------------------------------------------------------------------------------------------------------
# Emission.  Layout of the output directory:
#   k8s.libsonnet             the builder (a few dozen lines) + one lazy import per API group
#   k.libsonnet               ksonnet-lib's k.libsonnet extensions (list, mapContainers)
#   _k8s/<group>.libsonnet    { types:: <one line of field data per schema type>, ns(K):: <k.<group>.* members> }
# jsonnet evaluates imports lazily, so a program only parses the groups it touches.
#
# Field data codes: 0 scalar, 1 array of scalars, 2 map, "<ref>" object, ["<ref>"] array of objects,
# where <ref> is "<group>.<version>.<Name>".  '#n':: {field: [SetterStem, memberName]} overrides the names
# derived from the field name when it is not a plain identifier (JSONSchemaProps' $ref, x-kubernetes-...).


def ref_of(model: Model, tid: str) -> str:
    t = model.types[tid]
    return f"{t.group}.{t.version}.{t.name}"


def _check_names(t: TypeDef) -> None:
    seen: dict[str, str] = {}
    reserved = {"new", "mixin", "mixinInstance"}
    for f in t.fields:
        stem = setter_stem(f.name)
        names = []
        if f.shape == "object":
            names += [member_name(f.name), member_name(f.name) + "Type"]
        else:
            names.append("with" + stem)
            if f.shape in ("array", "map"):
                names.append("with" + stem + "Mixin")
            if f.shape == "array" and f.ref:
                names.append(member_name(f.name) + "Type")
        for n in names:
            if n in seen or n in reserved:
                raise ValueError(f"{t.tid}: member {n} of field {f.name} clashes with {seen.get(n, 'a reserved name')}")
            seen[n] = f.name


def _field_code(model: Model, f: Field) -> str:
    if f.shape == "scalar":
        return "0"
    if f.shape == "map":
        return "2"
    if f.shape == "array":
        return json.dumps([ref_of(model, f.ref)]) if f.ref else "1"
    return json.dumps(ref_of(model, f.ref))


def emit_type_data(model: Model, t: TypeDef) -> str:
    _check_names(t)
    items = [f"{jkey(f.name)}: {_field_code(model, f)}" for f in t.fields]
    overrides = {
        f.name: [setter_stem(f.name), member_name(f.name)]
        for f in t.fields
        if setter_stem(f.name) != f.name[:1].upper() + f.name[1:] or member_name(f.name) != f.name
    }
    if overrides:
        items.append("'#n':: " + json.dumps(overrides, sort_keys=True, separators=(",", ": ")))
    return f"{json.dumps(t.version + '.' + t.name)}: {{{', '.join(items)}}},"


def schema_info(path: Path, k8s_version: str) -> dict[str, str]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"kubernetesVersion": k8s_version, "schema": f"{path.parent.name}/{path.name}",
            "schemaSha256": digest, "shape": "ksonnet.beta.3"}


HEADER = """// GENERATED by kfctl.kslib_gen from the Kubernetes {ver} JSON schemas
// ({schema} as shipped by kubernetes-validate, sha256 {sha}).
// DO NOT EDIT; regenerate with:  python -m kfctl.kslib_gen --out kfctl/ksonnet_lib
"""

K8S_BODY = """// API shape: ksonnet-lib ksonnet.beta.3 - k.<group>.<version>.<kind> with new(), withX/withXMixin setters,
// mixin:: sub-objects (mixinInstance) and <field>Type:: element references.  Every field is hidden, so importing
// this file outputs nothing.  Types live as data in _k8s/<group>.libsonnet and are turned into setter objects on
// access; see kfctl/kslib_gen.py for the data format.
// Legacy group versions are synthesized from their successors:
@LEGACY@
local
  A(v) = if std.isArray(v) then v else [v],
  I(o) = o,
  SEL = @SEL@,
  // capitalize with natives only (std.asciiUpper and string slices are slow jsonnet-level std functions)
  cap(s) = local c = std.codepoint(s[0]);
    (if c >= 97 && c <= 122 then std.char(c - 32) else s[0]) + std.substr(s, 1, std.length(s) - 1),
  // a type's field data, by reference "<group>.<version>.<Name>"
  get(ref) = local p = std.splitLimit(ref, '.', 1); G[p[0]].types[p[1]],
  names(t, f) = if std.objectHasAll(t, '#n') && std.objectHas(t['#n'], f) then t['#n'][f] else [cap(f), f],
  // Members as [name, 'm', patch function] (a setter: self + w(patch(v))) or [name, 'v', value].  Patches use
  // ':::' so data stays visible even where a setter object's hidden member has the same name (JSONSchemaProps.not).
  set1(t, f) =
    local x = t[f], n = names(t, f), ws = 'with' + n[0];
    if x == 0 then [[ws, 'm', function(v) { [f]::: v }]]
    else if x == 2 then [[ws, 'm', function(v) { [f]::: v }], [ws + 'Mixin', 'm', function(v) { [f]+::: v }]]
    else if x == 1 then [[ws, 'm', function(v) { [f]::: A(v) }], [ws + 'Mixin', 'm', function(v) { [f]+::: A(v) }]]
    else if std.isArray(x) then [
      [ws, 'm', function(v) { [f]::: A(v) }],
      [ws + 'Mixin', 'm', function(v) { [f]+::: A(v) }],
      [n[1] + 'Type', 'v', top(x[0])],
    ]
    else [],
  // the sub-object and Type reference of an object field; w wraps a patch at the sub-object's path
  obj1(t, f, w) =
    local x = t[f], n = names(t, f);
    if std.isString(x) then [[n[1], 'v', sub(x, function(o) w({ [f]+::: o }))], [n[1] + 'Type', 'v', top(x)]] else [],
  setters(t) = [m for f in std.objectFields(t) for m in set1(t, f)],
  objects(t, w) = [m for f in std.objectFields(t) for m in obj1(t, f, w)],
  // One object with hidden members ms (a null computed name omits a slot), so setters do not pile up
  // long inheritance chains; @SLOTS@ slots per object.
  V(ms, i, w, s) = local m = ms[i]; if m[1] == 'm' then function(v) s + w(m[2](v)) else m[2],
  M(ms, i) = if i < std.length(ms) then ms[i][0] else null,
  obj(ms, w) =
    local n = std.length(ms);
    if n > @SLOTS@ then obj(std.makeArray(@SLOTS@, function(i) ms[i]), w)
                        + obj(std.makeArray(n - @SLOTS@, function(i) ms[i + @SLOTS@]), w)
    else {
@SLOTLINES@
    },
  extra(ref, t) = (if std.objectHas(C, ref) then C[ref] else {})
    + (if std.endsWith(ref, 'List') && std.objectHas(t, 'items') then { @LIST@ } else {}),
  sub(ref, w) =
    local t = get(ref);
    obj(setters(t) + objects(t, w) + [['mixinInstance', 'v', function(o) w(o)]], w),
  root(ref, new) =
    local t = get(ref);
    obj(setters(t) + [['new', 'v', new], ['mixin', 'v', obj(objects(t, I), I)]], I) + extra(ref, t),
  top(ref) = root(ref, function() {}),
  kind(ref, av, k) = root(ref, function() { apiVersion: av, kind: k }),
  K = { kind:: kind, top:: top },
  // custom constructors
  C = {
@CUSTOM@
  },
  G = {
@GROUPS@
  };
{
  __ksonnet:: @INFO@,
@NS@
}
"""


def _legacy_comment(model: Model) -> str:
    lines = [f"//   {g}/{v} <- {sg}/{sv}: {', '.join(kinds)}" for g, v, sg, sv, kinds in LEGACY]
    lines += [f"//   rewritten: {s}" for s in sorted(model.synthesized)]
    return "\n".join(lines)


def emit_k8s(model: Model, info: dict[str, str], groups: list[str]) -> str:
    custom = []
    for ref in sorted(CUSTOM):
        custom.append(f"    {json.dumps(ref)}: {{")
        custom += [f"      {c}," for c in CUSTOM[ref]]
        custom.append("    },")
    body = (
        K8S_BODY.replace("@LEGACY@", _legacy_comment(model))
        .replace("@SEL@", json.dumps(list(WORKLOAD_SELECTOR_VERSIONS)))
        .replace("@SLOTLINES@", "\n".join(f"      [M(ms, {i})]:: V(ms, {i}, w, self)," for i in range(SLOTS)))
        .replace("@SLOTS@", str(SLOTS))
        .replace("@LIST@", LIST_CTOR)
        .replace("@CUSTOM@", "\n".join(custom))
        .replace("@GROUPS@", "\n".join(f"    {jkey(g)}: import '_k8s/{g}.libsonnet'," for g in groups))
        .replace("@INFO@", json.dumps(info, sort_keys=True))
        .replace("@NS@", "\n".join(f"  {jkey(g)}:: G[{json.dumps(g)}].ns(K)," for g in groups))
    )
    return HEADER.format(ver=info["kubernetesVersion"], schema=info["schema"], sha=info["schemaSha256"]) + body


def emit_group(model: Model, info: dict[str, str], group: str, ns: dict[str, dict[str, Member]]) -> str:
    out = [HEADER.format(ver=info["kubernetesVersion"], schema=info["schema"], sha=info["schemaSha256"]).rstrip("\n")]
    out.append(f"// API group label '{group}': field data of its schema types and the k.{group}.* namespace.")
    out.append("{")
    out.append("  types:: {")
    for tid in sorted(model.types, key=lambda x: (model.types[x].version, model.types[x].name)):
        t = model.types[tid]
        if t.group == group:
            out.append("    " + emit_type_data(model, t))
    out.append("  },")
    out.append("  ns(K):: {")
    for version in sorted(ns):
        out.append(f"    {jkey(version)}:: {{")
        for name in sorted(ns[version]):
            m = ns[version][name]
            ref = json.dumps(ref_of(model, m.tid))
            if m.kind:
                out.append(f"      {jkey(name)}:: K.kind({ref}, {json.dumps(m.api_version)}, {json.dumps(m.kind)}),")
            else:
                out.append(f"      {jkey(name)}:: K.top({ref}),")
        out.append("    },")
    out.append("  },")
    out.append("}")
    return "\n".join(out) + "\n"


K_BODY = """// ksonnet-lib's k.libsonnet extensions over k8s.libsonnet: k.core.v1.list and mapContainers /
// mapContainersWithName on workload kinds (used as mixins: obj + deployment.mapContainers(f)).
local k8s = import 'k8s.libsonnet';
local A(v) = if std.isArray(v) then v else [v];
// A mixin that rewrites the value at path (relative to the object it is added to) with g.
local mapAt(path, g) =
  if std.length(path) == 1 then { [path[0]]: g(super[path[0]]) }
  else { [path[0]]+: mapAt(path[1:], g) };
local containers(path) = {
  mapContainers(f):: mapAt(path, function(cs) std.map(f, cs)),
  mapContainersWithName(names, f)::
    local wanted = std.set(A(names));
    self.mapContainers(function(c) if std.objectHas(c, 'name') && std.member(wanted, c.name) then f(c) else c),
};
"""


def emit_k(model: Model, info: dict[str, str], ns: dict[str, dict[str, dict[str, Member]]]) -> str:
    out = [HEADER.format(ver=info["kubernetesVersion"], schema=info["schema"], sha=info["schemaSha256"]) + K_BODY]
    paths = sorted({json.dumps(p) for p in CONTAINER_PATHS.values()})
    pidx = {p: i for i, p in enumerate(paths)}
    out += [f"local c{i} = containers({p});" for i, p in enumerate(paths)]
    out.append("k8s + {")
    for group in sorted(ns):
        body: list[str] = []
        for version in sorted(ns[group]):
            vb: list[str] = []
            if group == "core" and version == "v1":
                vb.append("      list:: {")
                vb.append("        new(items):: { apiVersion: 'v1', kind: 'List' } + self.items(items),")
                vb.append("        items(items):: { items+: A(items) },")
                vb.append("      },")
            for name in sorted(ns[group][version]):
                m = ns[group][version][name]
                if m.kind in CONTAINER_PATHS:
                    vb.append(f"      {jkey(name)}+:: c{pidx[json.dumps(CONTAINER_PATHS[m.kind])]},")
            if vb:
                body.append(f"    {jkey(version)}+:: {{\n" + "\n".join(vb) + "\n    },")
        if body:
            out.append(f"  {jkey(group)}+:: {{\n" + "\n".join(body) + "\n  },")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Entry points


def default_schema_path(k8s_version: str = DEFAULT_K8S_VERSION) -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("kubernetes-validate is not installed; pass --schema")
    base = Path(list(spec.submodule_search_locations)[0])
    path = base / "kubernetes-json-schema" / f"{k8s_version}-local" / "_definitions.json"
    if not path.is_file():
        raise FileNotFoundError(f"no schema for {k8s_version} at {path}")
    return path


def generate(schema: Path, k8s_version: str = DEFAULT_K8S_VERSION) -> dict[str, str]:
    """Return {relative path: text} for the library generated from one schema file."""
    model = build_model(load_schema(schema))
    info = schema_info(schema, k8s_version)
    ns = build_namespace(model)
    groups = sorted(set(ns) | {t.group for t in model.types.values()})
    files = {"k8s.libsonnet": emit_k8s(model, info, groups), "k.libsonnet": emit_k(model, info, ns)}
    for g in groups:
        files[f"_k8s/{g}.libsonnet"] = emit_group(model, info, g, ns.get(g, {}))
    return files


def write(out_dir: Path, files: dict[str, str]) -> None:
    """Write files under out_dir and remove stale generated files from a previous run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stale_dir = out_dir / "_k8s"
    if stale_dir.is_dir():
        for old in sorted(stale_dir.glob("*.libsonnet")):
            if f"_k8s/{old.name}" not in files:
                old.unlink()
    for rel in sorted(files):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(files[rel])
        os.replace(tmp, target)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kfctl.kslib_gen", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path, help="output directory (k8s.libsonnet, k.libsonnet, _k8s/)")
    ap.add_argument("--k8s-version", default=DEFAULT_K8S_VERSION)
    ap.add_argument("--schema", type=Path, help="a _definitions.json (default: kubernetes-validate's)")
    args = ap.parse_args(argv)
    schema = args.schema or default_schema_path(args.k8s_version)
    write(args.out, generate(schema, args.k8s_version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
