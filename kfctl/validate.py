"""Offline validation of rendered objects, and an optional server-side dry run.

Offline, each object is checked:

* built-in kinds against the Kubernetes JSON schemas shipped by the ``kubernetes-validate`` package
  (strict flavour: unknown fields are errors, as ``kubectl apply`` does with server-side field
  validation). The schema release is the newest shipped one not newer than the target version; a target
  older than the oldest shipped release is checked against that oldest one, and the report says so;
* apiVersions that Kubernetes no longer serves are flagged by name with their replacement
  (``kinds.REMOVED_APIS``): an error when the target release no longer serves them, a warning when only
  current Kubernetes does not;
* custom resources against the ``openAPIV3Schema`` of their CRD when that CRD is in the same render
  (unknown fields are errors unless the schema preserves them, ``nullable`` and
  ``x-kubernetes-int-or-string`` are honoured, CEL rules are not evaluated). ``validate -c X`` takes the
  CRDs of the whole environment. A custom resource whose CRD is not there is not validated: a warning,
  counted, never "valid";
* resource quantities and the enum fields of the Kubernetes API (``ENUMS``), which the published schemas
  type as plain strings, as the API server checks them.

Validators are built once per (schema release, kind) and per CRD schema, and kept for the process:
loading a release's ``_definitions.json`` costs ~10 ms, each later object well under a millisecond.

With ``cluster=True`` every object is also sent to the API server as a server-side apply dry run through
``kfctl.cluster``. Nothing here prints.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import kinds
from .errors import ValidationError
from .objects import ObjRef

DEFS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


@dataclass
class Problem:
    object: str  # "Deployment.apps default/web"
    path: str  # "spec.template.spec.containers[0].image", "" for the whole object
    reason: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.object}: {self.path}" if self.path else self.object
        return f"{where}: {self.reason}"


@dataclass
class Report:
    schema_version: str  # e.g. "1.36"
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # objects no schema covers
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------- schema releases


def schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ValidationError("the Kubernetes schemas are missing: pip install kubernetes-validate")
    return Path(list(spec.submodule_search_locations)[0]) / "kubernetes-json-schema"


def _minor(version: str) -> tuple[int, int] | None:
    m = re.match(r"^v?(\d+)\.(\d+)", str(version).strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def shipped_versions() -> list[tuple[int, int]]:
    out = []
    for entry in os.listdir(schema_root()):
        m = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict$", entry)
        if m:
            out.append((int(m.group(1)), int(m.group(2))))
    return sorted(out)


def pick_schema_version(target: str | None) -> tuple[tuple[int, int], str | None]:
    """The shipped release to check ``target`` (e.g. "v1.20.0") against, and a note when it differs."""
    shipped = shipped_versions()
    if not shipped:
        raise ValidationError(f"no Kubernetes schemas found under {schema_root()}")
    want = _minor(target) if target else None
    if target and want is None:
        raise ValidationError(f"cannot read Kubernetes version {target!r}; expected e.g. v1.30 or 1.30.2")
    if want is None:
        return shipped[-1], None
    if want < shipped[0]:
        oldest = shipped[0]
        return oldest, (f"Kubernetes {want[0]}.{want[1]} is older than the oldest shipped schemas; "
                        f"checking against {oldest[0]}.{oldest[1]}")
    if want > shipped[-1]:
        newest = shipped[-1]
        return newest, (f"no schemas for Kubernetes {want[0]}.{want[1]} yet; "
                        f"checking against {newest[0]}.{newest[1]}, the newest shipped")
    return max(v for v in shipped if v <= want), None


# --------------------------------------------------------------------------- what the schemas leave out

# The published OpenAPI schemas type these fields as plain strings; the API server accepts only these
# values (its validation code). {definition: {property: values}}; "[]" after a property: its items.
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "io.k8s.api.core.v1.Container": {
        "imagePullPolicy": ("Always", "IfNotPresent", "Never"),
        "terminationMessagePolicy": ("File", "FallbackToLogsOnError")},
    "io.k8s.api.core.v1.EphemeralContainer": {
        "imagePullPolicy": ("Always", "IfNotPresent", "Never"),
        "terminationMessagePolicy": ("File", "FallbackToLogsOnError")},
    "io.k8s.api.core.v1.PodSpec": {
        "restartPolicy": ("Always", "OnFailure", "Never"),
        "dnsPolicy": ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
        "preemptionPolicy": ("PreemptLowerPriority", "Never")},
    "io.k8s.api.core.v1.ContainerPort": {"protocol": ("TCP", "UDP", "SCTP")},
    "io.k8s.api.core.v1.ServicePort": {"protocol": ("TCP", "UDP", "SCTP")},
    "io.k8s.api.core.v1.ServiceSpec": {
        "type": ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
        "sessionAffinity": ("ClientIP", "None"),
        "externalTrafficPolicy": ("Cluster", "Local"),
        "internalTrafficPolicy": ("Cluster", "Local"),
        "ipFamilyPolicy": ("SingleStack", "PreferDualStack", "RequireDualStack")},
    "io.k8s.api.core.v1.PersistentVolumeClaimSpec": {
        "volumeMode": ("Filesystem", "Block"),
        "accessModes[]": ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")},
    "io.k8s.api.core.v1.PersistentVolumeSpec": {
        "volumeMode": ("Filesystem", "Block"),
        "persistentVolumeReclaimPolicy": ("Retain", "Delete", "Recycle"),
        "accessModes[]": ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")},
    "io.k8s.api.core.v1.Toleration": {
        "operator": ("Exists", "Equal"),
        "effect": ("NoSchedule", "PreferNoSchedule", "NoExecute", "")},
    "io.k8s.api.core.v1.NodeSelectorRequirement": {
        "operator": ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")},
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement": {
        "operator": ("In", "NotIn", "Exists", "DoesNotExist")},
    "io.k8s.api.core.v1.HTTPGetAction": {"scheme": ("HTTP", "HTTPS")},
    "io.k8s.api.core.v1.SeccompProfile": {"type": ("RuntimeDefault", "Unconfined", "Localhost")},
    "io.k8s.api.core.v1.PodSecurityContext": {"fsGroupChangePolicy": ("OnRootMismatch", "Always")},
    "io.k8s.api.apps.v1.DeploymentStrategy": {"type": ("Recreate", "RollingUpdate")},
    "io.k8s.api.apps.v1.StatefulSetUpdateStrategy": {"type": ("RollingUpdate", "OnDelete")},
    "io.k8s.api.apps.v1.StatefulSetSpec": {"podManagementPolicy": ("OrderedReady", "Parallel")},
    "io.k8s.api.apps.v1.DaemonSetUpdateStrategy": {"type": ("RollingUpdate", "OnDelete")},
    "io.k8s.api.batch.v1.JobSpec": {"completionMode": ("NonIndexed", "Indexed")},
    "io.k8s.api.batch.v1.CronJobSpec": {"concurrencyPolicy": ("Allow", "Forbid", "Replace")},
    "io.k8s.api.networking.v1.HTTPIngressPath": {"pathType": ("Exact", "Prefix", "ImplementationSpecific")},
    "io.k8s.api.networking.v1.NetworkPolicySpec": {"policyTypes[]": ("Ingress", "Egress")},
}

QUANTITY_DEF = "io.k8s.apimachinery.pkg.api.resource.Quantity"
# Kubernetes' quantity grammar: a signed decimal number, then a binary (Ki..Ei) or decimal (n u m k M G T P E)
# suffix or a decimal exponent. "16GB" and "two" are not quantities.
QUANTITY_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
_QUANTITY_SCHEMA = {"anyOf": [{"type": "string", "pattern": QUANTITY_PATTERN}, {"type": "number"}, {"type": "null"}],
                    "x-kfctl-quantity": True}


def _tighten(defs: dict) -> None:
    """Add to a release's definitions what the API server checks and the schemas do not say."""
    if QUANTITY_DEF in defs:
        defs[QUANTITY_DEF] = dict(_QUANTITY_SCHEMA)
    for name, props in ENUMS.items():
        known = (defs.get(name) or {}).get("properties") or {}
        for prop, values in props.items():
            items = prop.endswith("[]")
            node = known.get(prop[:-2] if items else prop)
            if node is None:
                continue  # this release does not have the field
            if items:
                node = node.get("items")
                if not isinstance(node, dict):
                    continue
            node["enum"] = [*values, None]


class SchemaSet:
    """One release's schemas: the ``_definitions.json`` registry, the (apiVersion, kind) index, and the
    validators built so far (built-in kinds and CRD schemas)."""

    def __init__(self, version: tuple[int, int]):
        from referencing import Registry, Resource

        self.version = version
        path = schema_root() / f"v{version[0]}.{version[1]}.0-local-strict" / "_definitions.json"
        try:
            with open(path, "rb") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as exc:
            raise ValidationError(f"cannot load the Kubernetes schemas: {exc}", where=str(path)) from None
        self.defs = doc.get("$defs") or {}
        _tighten(self.defs)
        self.registry = Resource.from_contents(doc) @ Registry()
        self.index: dict[tuple[str, str], str] = {}
        for key, schema in self.defs.items():
            for gvk in schema.get("x-kubernetes-group-version-kind") or ():
                group, version, kind = gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")
                api_version = f"{group}/{version}" if group else version
                self.index.setdefault((api_version, kind), key)
        self._validators: dict[str, object] = {}

    def _validator(self, schema: dict, cache_key: str):
        from jsonschema.validators import Draft202012Validator

        v = self._validators.get(cache_key)
        if v is None:
            v = Draft202012Validator(schema, registry=self.registry)
            self._validators[cache_key] = v
        return v

    def builtin_validator(self, api_version: str, kind: str):
        key = self.index.get((api_version, kind))
        if key is None:
            return None
        return self._validator({"$ref": f"{DEFS_ID}#/$defs/{key}"}, f"builtin:{key}")

    def crd_validator(self, schema: dict, *, strict: bool):
        converted = crd_to_jsonschema(schema, strict=strict)
        digest = hashlib.sha256(json.dumps(converted, sort_keys=True).encode()).hexdigest()
        return self._validator(converted, f"crd:{digest}")


_SETS: dict[tuple[int, int], SchemaSet] = {}


def schema_set(version: tuple[int, int]) -> SchemaSet:
    if version not in _SETS:
        _SETS[version] = SchemaSet(version)
    return _SETS[version]


# --------------------------------------------------------------------------- CRD schemas

_DROP = {"nullable", "format", "example", "externalDocs", "discriminator", "readOnly", "writeOnly", "xml",
         "deprecated", "default"}


def _pattern_ok(pattern: str) -> bool:
    try:
        re.compile(pattern)
        return True
    except re.error:
        return False


def _convert(s, strict: bool):
    if not isinstance(s, dict):
        return s
    out: dict = {}
    for k, v in s.items():
        if k in ("properties", "patternProperties", "definitions"):
            out[k] = {pk: _convert(pv, strict) for pk, pv in (v or {}).items()}
        elif k in ("items", "additionalProperties", "not"):
            out[k] = _convert(v, strict) if isinstance(v, dict) else v
        elif k in ("allOf", "anyOf", "oneOf"):
            out[k] = [_convert(x, strict) for x in v or []]
        elif k.startswith("x-kubernetes-") or k in _DROP:
            continue
        elif k == "pattern" and not _pattern_ok(str(v)):
            continue
        else:
            out[k] = v
    for bound in ("Maximum", "Minimum"):
        flag = out.get(f"exclusive{bound}")
        if isinstance(flag, bool):
            del out[f"exclusive{bound}"]
            if flag and bound.lower() in out:
                out[f"exclusive{bound}"] = out.pop(bound.lower())
    if s.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if s.get("nullable"):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            out["type"] = t + ["null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
    if s.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if (strict and "properties" in out and "additionalProperties" not in out
            and not s.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


def crd_to_jsonschema(schema: dict, *, strict: bool = True) -> dict:
    """A CRD's ``openAPIV3Schema`` as a JSON Schema (2020-12) for a whole custom resource."""
    out = _convert(copy.deepcopy(schema or {}), strict)
    out.pop("$schema", None)
    props = out.setdefault("properties", {})
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    props["metadata"] = {"$ref": f"{DEFS_ID}#/$defs/{OBJECT_META}"}
    if strict and "additionalProperties" not in out and not (schema or {}).get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def _crd_version_schema(crd: dict, version: str) -> tuple[dict | None, str | None]:
    """(openAPIV3Schema or None, problem or None) for one version a CRD defines."""
    spec = crd.get("spec") or {}
    versions = spec.get("versions") or []
    entry = next((v for v in versions if isinstance(v, dict) and v.get("name") == version), None)
    if entry is None and spec.get("version") == version:
        entry = {"name": version, "served": True}
    if entry is None:
        names = ", ".join(str(v.get("name")) for v in versions if isinstance(v, dict)) or spec.get("version") or "none"
        return None, f"its CRD {(crd.get('metadata') or {}).get('name')} does not define version {version} " \
                     f"(it defines: {names})"
    if entry.get("served") is False:
        return None, f"version {version} is not served by its CRD {(crd.get('metadata') or {}).get('name')}"
    schema = ((entry.get("schema") or {}).get("openAPIV3Schema")
              or (spec.get("validation") or {}).get("openAPIV3Schema"))
    return schema, None


# --------------------------------------------------------------------------- error formatting


def _path(parts) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _type_name(value) -> str:
    from .objects import type_name

    t = type_name(value)
    return "integer" if isinstance(value, int) and not isinstance(value, bool) else t


def _types(t) -> list[str]:
    items = t if isinstance(t, list) else [t]
    return [x for x in items if x != "null"]


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _explain(err) -> list[tuple[str, str]]:
    """(field path, reason) pairs for one jsonschema error, in Kubernetes' terms."""
    path = _path(err.absolute_path)
    v = err.validator
    if v == "additionalProperties" and isinstance(err.instance, dict):
        known = set((err.schema.get("properties") or {}))
        extras = sorted(k for k in err.instance if k not in known)
        return [(_join(path, k), "unknown field") for k in extras] or [(path, err.message)]
    if v == "required":
        m = re.match(r"^'(.+)' is a required property$", err.message)
        if m:
            return [(_join(path, m.group(1)), "required field is missing")]
    if v == "type":
        return [(path, f"expected {' or '.join(_types(err.validator_value))}, got "
                       f"{_type_name(err.instance)} {_short(err.instance)}")]
    if v == "enum":
        allowed = ", ".join(_short(x) for x in err.validator_value if x is not None)
        return [(path, f"{_short(err.instance)} is not one of: {allowed}")]
    if err.schema.get("x-kfctl-quantity"):
        return [(path, f"{_short(err.instance)} is not a Kubernetes quantity (e.g. 16Gi, 500M, 1.5, 250m)")]
    if v in ("oneOf", "anyOf") and err.context:
        if all(c.validator == "type" for c in err.context):
            want = []
            for c in err.context:
                want += [t for t in _types(c.validator_value) if t not in want]
            return [(path, f"expected {' or '.join(want)}, got {_type_name(err.instance)} {_short(err.instance)}")]
        from jsonschema.exceptions import best_match

        return _explain(best_match(err.context))
    return [(path, err.message)]


# --------------------------------------------------------------------------- validation


def _label(obj: dict) -> str:
    return str(ObjRef.of(obj))


def _minor_str(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def _version_tuple(text: str) -> tuple[int, int]:
    a, b = text.split(".")[:2]
    return int(a), int(b)


def environment_crds(app, env_name: str | None, components: list[str] | None, options=None) -> tuple[list[dict], str | None]:
    """The CRDs the whole environment renders, for validating a selection (``validate -c X``) whose custom
    resources are defined by other components. Returns (CRDs, a note when they cannot be had)."""
    if not components:
        return [], None
    from .errors import KfctlError
    from .render import render

    try:
        rendered = render(app, env_name, None, options=options)
    except KfctlError as exc:
        return [], f"the other components' CRDs are not available ({exc})"
    return [o for o in rendered.objects if kinds.is_crd(o)], None


def validate_objects(objects: list[dict], *, kube_version: str | None = None, crds: list[dict] = ()) -> Report:
    """Check every object offline (see the module docstring). ``crds``: CRDs from outside ``objects`` (the
    environment's other components). An object that cannot be checked is a warning, never valid.
    Never raises for invalid objects."""
    version, note = pick_schema_version(kube_version)
    schemas = schema_set(version)
    report = Report(schema_version=_minor_str(version))
    if note:
        report.notes.append(note)
    defined: dict[tuple[str, str], dict] = {}
    for obj in [*crds, *objects]:
        if kinds.is_crd(obj):
            spec = obj.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind")
            if spec.get("group") and kind:
                defined[(str(spec["group"]), str(kind))] = obj
    crds = defined
    for obj in objects:
        label = _label(obj)
        api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
        group, ver = kinds.split_api_version(api_version)
        problems: list[Problem] = []
        removed = kinds.removed_api(api_version, kind)
        if removed and (group, kind) not in crds:
            since, replacement = removed
            if _version_tuple(since) <= version:
                problems.append(Problem(label, "apiVersion", f"{api_version} {kind} is no longer served since "
                                        f"Kubernetes {since} (checking {_minor_str(version)}); use {replacement}"))
            else:
                problems.append(Problem(label, "apiVersion", f"{api_version} {kind} is not served by current "
                                        f"Kubernetes (removed in {since}); use {replacement}", "warning"))
        if (group, kind) in crds:
            crd = crds[(group, kind)]
            schema, problem = _crd_version_schema(crd, ver)
            if problem:
                problems.append(Problem(label, "apiVersion", problem))
            elif schema is None:
                _unchecked(report, label, "its CRD has no openAPIV3Schema")
                report.problems += problems
                continue
            else:
                strict = not (crd.get("spec") or {}).get("preserveUnknownFields")
                validator = schemas.crd_validator(schema, strict=strict)
                problems += _run(validator, obj, label)
        elif group in kinds.BUILTIN_GROUPS:
            validator = schemas.builtin_validator(api_version, kind)
            if validator is not None:
                problems += _run(validator, obj, label)
            elif not removed or not problems or problems[-1].severity != "error":
                problems.append(Problem(label, "apiVersion", f"Kubernetes {_minor_str(version)} does not serve "
                                        f"kind {kind} at apiVersion {api_version}"))
        else:
            _unchecked(report, label, "custom resource; its CRD is not in this environment")
            report.problems += problems
            continue
        report.checked += 1
        report.problems += problems
    return report


def _unchecked(report: Report, label: str, why: str) -> None:
    report.unchecked.append(f"{label} ({why})")
    report.problems.append(Problem(label, "", f"not validated: {why}", "warning"))


_VALUE_AFTER = re.compile(r"^(expected .*?, got \w+) .*$|^(.*?) is not one of: .*$", re.S)


def _without_value(reason: str) -> str:
    """A reason with the offending value left out (for Secrets, whose values must not be printed)."""
    m = _VALUE_AFTER.match(reason)
    if not m:
        return reason
    return m.group(1) if m.group(1) else "value is not one of the allowed ones"


def _run(validator, obj: dict, label: str) -> list[Problem]:
    secret = obj.get("kind") == "Secret" and kinds.split_api_version(str(obj.get("apiVersion", "")))[0] == ""
    out = []
    seen = set()
    try:
        errors = sorted(validator.iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    except Exception as exc:  # noqa: BLE001 - a schema the validator cannot use must not abort the run
        return [Problem(label, "", f"cannot check against its schema: {type(exc).__name__}: {exc}", "warning")]
    for err in errors:
        for path, reason in _explain(err):
            if secret:
                reason = _without_value(reason)
            if (path, reason) not in seen:
                seen.add((path, reason))
                out.append(Problem(label, path, reason))
    return out


# --------------------------------------------------------------------------- server-side dry run


def dry_run(objects: list[dict], *, env, report: Report, connection=None) -> None:
    """Send every object to the environment's cluster as a server-side apply dry run (through
    ``kfctl.cluster``), adding what the server rejects to ``report``."""
    try:
        from . import cluster as kcluster
    except ImportError:  # pragma: no cover - the cluster module ships with kfctl
        raise ValidationError("--cluster needs kfctl.cluster, which this build does not have") from None
    target = kcluster.resolve_target(env.name, env.server, env.context, connection)
    conn = kcluster.connect(target, options=connection)
    report.notes.extend(conn.notices)
    crds = kinds.crd_scopes(objects)
    created_namespaces = {(o.get("metadata") or {}).get("name") for o in objects if o.get("kind") == "Namespace"
                          and kinds.split_api_version(str(o.get("apiVersion", "")))[0] == ""}
    report.notes.append(f"server-side dry run against {target.describe()}")
    try:
        for obj in objects:
            label = _label(obj)
            api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
            res = conn.discovery.resource(api_version, kind)
            if res is None:
                group = kinds.split_api_version(api_version)[0]
                if (group, kind) in crds:
                    report.notes.append(f"{label}: not dry-run; its CRD is in this render but not installed yet")
                else:
                    report.problems.append(Problem(label, "apiVersion", f"the cluster does not serve kind {kind} "
                                                   f"at apiVersion {api_version}"))
                continue
            body = obj
            meta = obj.get("metadata") or {}
            if res.namespaced and not meta.get("namespace"):
                body = {**obj, "metadata": {**meta, "namespace": env.namespace}}
            ns = (body.get("metadata") or {}).get("namespace")
            label = _label(body)
            try:
                conn.apply(res, body, force=True, dry_run=True)
            except kcluster.ApiError as err:
                if err.status == 404 and ns in created_namespaces:
                    report.notes.append(f"{label}: not dry-run; its namespace {ns} is created by this render")
                    continue
                causes = [c for c in err.causes if isinstance(c, dict) and (c.get("field") or c.get("message"))]
                if kind == "Secret" and kinds.split_api_version(api_version)[0] == "":
                    # The server echoes rejected values; a Secret's must not be printed.
                    causes = [{"field": c.get("field"), "message": "invalid value (not shown for a Secret)"}
                              for c in causes] or [{"field": "", "message": "rejected (details not shown for a Secret)"}]
                for c in causes:
                    report.problems.append(Problem(label, str(c.get("field") or ""),
                                                   f"{c.get('message') or c.get('reason')} (API server)"))
                if not causes:
                    report.problems.append(Problem(label, "", f"rejected by the API server ({err.status} "
                                                   f"{err.reason}): {' '.join(str(err.message).split())}"))
    finally:
        conn.close()
