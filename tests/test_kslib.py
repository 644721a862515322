"""The generated ksonnet-lib (kfctl/ksonnet_lib): API shape, objects it builds, the 2018-shaped legacy
registry fixture rendered with it, and generator determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

_gojsonnet = pytest.importorskip("_gojsonnet")

REPO = Path(__file__).resolve().parent.parent
LIB = REPO / "kfctl" / "ksonnet_lib"
LEGACY = REPO / "tests" / "data" / "legacy-registry-2018"
K = 'local k = import "k.libsonnet";\n'


def ev(snippet: str, *, jpath: list[Path] | None = None, ext_codes: dict[str, str] | None = None,
       filename: str = "snippet.jsonnet"):
    out = _gojsonnet.evaluate_snippet(filename, snippet, jpathdir=[str(p) for p in (jpath or [])] + [str(LIB)],
                                      ext_codes=ext_codes or {})
    return json.loads(out)


def evk(expr: str):
    return ev(K + expr)


def eval_error(snippet: str) -> str:
    with pytest.raises(RuntimeError) as info:
        ev(snippet)
    return str(info.value)


# ----------------------------------------------------------------------------------------------------------
# Shape


def test_importing_the_libs_outputs_nothing():
    assert ev('import "k.libsonnet"') == {}
    assert ev('import "k8s.libsonnet"') == {}
    # namespaces and kinds are hidden too, yet reachable
    assert evk("[std.objectFields(k.apps), std.objectFields(k.apps.v1beta1.deployment)]") == [[], []]
    fields = evk("std.objectFieldsAll(k.apps.v1beta1.deployment)")
    assert {"new", "mixin", "mapContainers", "mapContainersWithName"} <= set(fields)


def test_version_is_recorded():
    info = ev('(import "k8s.libsonnet").__ksonnet')
    assert info["kubernetesVersion"].startswith("v1.")
    assert info["shape"] == "ksonnet.beta.3"


@pytest.mark.parametrize(
    "path, api_version, kind",
    [
        ("core.v1.pod", "v1", "Pod"),
        ("core.v1.persistentVolumeClaim", "v1", "PersistentVolumeClaim"),
        ("apps.v1.deployment", "apps/v1", "Deployment"),
        ("apps.v1beta1.deployment", "apps/v1beta1", "Deployment"),
        ("apps.v1beta1.statefulSet", "apps/v1beta1", "StatefulSet"),
        ("apps.v1beta2.daemonSet", "apps/v1beta2", "DaemonSet"),
        ("extensions.v1beta1.deployment", "extensions/v1beta1", "Deployment"),
        ("extensions.v1beta1.daemonSet", "extensions/v1beta1", "DaemonSet"),
        ("extensions.v1beta1.replicaSet", "extensions/v1beta1", "ReplicaSet"),
        ("extensions.v1beta1.ingress", "extensions/v1beta1", "Ingress"),
        ("networking.v1beta1.ingress", "networking.k8s.io/v1beta1", "Ingress"),
        ("rbac.v1beta1.clusterRoleBinding", "rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
        ("rbac.v1alpha1.role", "rbac.authorization.k8s.io/v1alpha1", "Role"),
        ("rbac.v1.clusterRole", "rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("apiextensions.v1beta1.customResourceDefinition", "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
        ("batch.v1beta1.cronJob", "batch/v1beta1", "CronJob"),
        ("autoscaling.v2beta1.horizontalPodAutoscaler", "autoscaling/v2beta1", "HorizontalPodAutoscaler"),
        ("policy.v1beta1.podDisruptionBudget", "policy/v1beta1", "PodDisruptionBudget"),
        ("storage.v1beta1.storageClass", "storage.k8s.io/v1beta1", "StorageClass"),
        ("apiregistration.v1.apiService", "apiregistration.k8s.io/v1", "APIService"),
    ],
)
def test_kind_new_sets_api_version_and_kind(path, api_version, kind):
    if path.endswith(("deployment", "statefulSet")):  # custom constructors
        got = evk(f'k.{path}.new("x", 1, [])')
        assert (got["apiVersion"], got["kind"], got["metadata"]) == (api_version, kind, {"name": "x"})
    else:
        assert evk(f"k.{path}.new()") == {"apiVersion": api_version, "kind": kind}


def _schema_defs() -> dict:
    from kfctl import kslib_gen

    try:
        return kslib_gen.load_schema(kslib_gen.default_schema_path())
    except FileNotFoundError as exc:
        pytest.fail(f"kubernetes-validate (a kfctl dependency) ships no schema here: {exc}")


def _lower_camel(name: str) -> str:
    m = re.match(r"^([A-Z]+)(?=[A-Z][a-z])|^([A-Z]+)$|^([A-Z])", name)
    head = m.group(0)
    return head.lower() + name[len(head):]


def test_every_schema_kind_is_reachable_with_its_group_version():
    defs = _schema_defs()
    expected = {}
    for key, d in defs.items():
        gvks = d.get("x-kubernetes-group-version-kind") or []
        if len(gvks) != 1 or ".apis.meta." in key or not d.get("properties"):
            continue
        g = gvks[0]
        label = g["group"].split(".")[0] if g["group"] else "core"
        path = f"{label}.{g['version']}.{_lower_camel(g['kind'])}"
        av = f"{g['group']}/{g['version']}" if g["group"] else g["version"]
        expected[path] = {"apiVersion": av, "kind": g["kind"]}
    assert len(expected) > 150
    # kinds with a custom constructor take arguments (tested below); the rest take none
    custom = {"deployment", "statefulSet", "service", "configMap", "secret", "namespace", "serviceAccount"}
    plain = [p for p in sorted(expected) if not p.endswith("List") and p.rsplit(".", 1)[1] not in custom]
    got = evk("{" + ", ".join(f'"{p}": k.{p}.new()' for p in plain) + "}")
    assert got == {p: expected[p] for p in plain}
    named = [p for p in sorted(expected) if p.rsplit(".", 1)[1] in custom - {"deployment", "statefulSet", "service"}]
    got = evk("{" + ", ".join(f'"{p}": k.{p}.new("n", {{}})' if "Map" in p or "secret" in p else
                              f'"{p}": k.{p}.new("n")' for p in named) + "}")
    assert {p: {k: v for k, v in o.items() if k in ("apiVersion", "kind")} for p, o in got.items()} == \
        {p: expected[p] for p in named}
    lists = [p for p in sorted(expected) if p.endswith("List")]
    got = evk("{" + ", ".join(f'"{p}": k.{p}.new([])' for p in lists) + "}")
    assert got == {p: dict(expected[p], items=[]) for p in lists}


def _setter_names(props: dict, defs: dict) -> tuple[set[str], set[str]]:
    """(top-level members, mixin members) a ksonnet-lib kind or Type should have for these schema properties."""
    top, mixin = set(), set()
    for name, p in props.items():
        cap = name[0].upper() + name[1:]
        target = defs.get((p.get("$ref") or "").rsplit("/", 1)[-1], {})
        if target.get("properties"):  # a nested object
            mixin |= {name, name + "Type"}
        elif "array" in (p.get("type") or []):
            top |= {"with" + cap, "with" + cap + "Mixin"}
            if "$ref" in (p.get("items") or {}):
                top.add(name + "Type")
        elif "object" in (p.get("type") or []) or "object" in (target.get("type") or []):
            top |= {"with" + cap, "with" + cap + "Mixin"}
        else:
            top.add("with" + cap)
    return top, mixin


@pytest.mark.parametrize(
    "schema_key, path",
    [
        ("io.k8s.api.core.v1.Container", "k.apps.v1beta1.deployment.mixin.spec.template.spec.containersType"),
        ("io.k8s.api.core.v1.PodSpec", "k.core.v1.pod.mixin.specType"),
        ("io.k8s.api.apps.v1.Deployment", "k.apps.v1.deployment"),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "k.core.v1.service.mixin.metadataType"),
        ("io.k8s.api.rbac.v1.ClusterRoleBinding", "k.rbac.v1beta1.clusterRoleBinding"),
        ("io.k8s.api.apps.v1.ControllerRevision", "k.apps.v1beta1.controllerRevision"),
        ("io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry", "k.meta.v1.managedFieldsEntry"),
        ("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec",
         "k.apiextensions.v1.customResourceDefinitionSpec"),
    ],
)
def test_members_follow_the_schema(schema_key, path):
    defs = _schema_defs()
    top, mixin = _setter_names(defs[schema_key]["properties"], defs)
    got_top = set(evk(f"std.objectFieldsAll({path})"))
    got_mixin = set(evk(f"std.objectFieldsAll({path}.mixin)"))
    assert top <= got_top, sorted(top - got_top)
    assert mixin == got_mixin
    # sub-objects carry the same setters plus mixinInstance
    for name in sorted(mixin)[:4]:
        if not name.endswith("Type"):
            sub = set(evk(f"std.objectFieldsAll({path}.mixin.{name})"))
            assert "mixinInstance" in sub


# ----------------------------------------------------------------------------------------------------------
# Objects


def test_list_new_wraps_and_appends():
    assert evk("k.core.v1.list.new([])") == {"apiVersion": "v1", "kind": "List", "items": []}
    assert evk("k.core.v1.list.new({a: 1})")["items"] == [{"a": 1}]
    assert evk("k.core.v1.list.new([1]) + k.core.v1.list.new([2, 3])")["items"] == [1, 2, 3]
    assert evk("k.core.v1.list.new([1]) + k.core.v1.list.items(4)")["items"] == [1, 4]


def test_deployment_new_legacy_and_apps_v1():
    d = evk('local d = k.apps.v1beta1.deployment; local c = d.mixin.spec.template.spec.containersType;'
            'd.new("web", 3, [c.new("web", "nginx:1")], {tier: "front"})')
    assert d == {
        "apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 3, "template": {"metadata": {"labels": {"tier": "front"}},
                                             "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}},
    }
    # default podLabels is {app: name}; apps/v1 requires a selector, so it is set from the pod labels
    d = evk('k.apps.v1.deployment.new("api", 1, {name: "c"})')
    assert d["spec"]["template"]["metadata"]["labels"] == {"app": "api"}
    assert d["spec"]["selector"] == {"matchLabels": {"app": "api"}}
    assert d["spec"]["template"]["spec"]["containers"] == [{"name": "c"}]
    assert "selector" not in evk('k.extensions.v1beta1.deployment.new("api", 1, [])')["spec"]


def test_stateful_set_new():
    s = evk('k.apps.v1beta1.statefulSet.new("db", 2, [{name: "db"}], [{metadata: {name: "data"}}])')
    assert s["apiVersion"] == "apps/v1beta1" and s["spec"]["replicas"] == 2
    assert s["spec"]["volumeClaimTemplates"] == [{"metadata": {"name": "data"}}]
    assert "volumeClaimTemplates" not in evk('k.apps.v1.statefulSet.new("db", 1, [])')["spec"]


def test_custom_constructors():
    got = evk("""
      local spec = k.apps.v1beta1.deployment.mixin.spec.template.spec;
      local c = spec.containersType;
      local svc = k.core.v1.service;
      {
        service: svc.new("s", {app: "s"}, [svc.mixin.spec.portsType.new(80, 8080),
                                          svc.mixin.spec.portsType.newNamed("grpc", 9000, "grpc")]),
        port: c.portsType.new(8080),
        namedPort: c.portsType.newNamed(9000, "grpc"),
        env: [c.envType.new("A", "1"), c.envType.fromSecretRef("B", "sec", "key"),
              c.envType.fromFieldPath("C", "metadata.name")],
        volumes: [spec.volumesType.fromConfigMap("cfg", "cm", [spec.volumesType.mixin.configMap.itemsType.new("k", "p")]),
                  spec.volumesType.fromEmptyDir("tmp"),
                  spec.volumesType.fromPersistentVolumeClaim("data", "claim"),
                  spec.volumesType.fromHostPath("host", "/var/run"),
                  spec.volumesType.fromSecret("sec", "s1")],
        mount: c.volumeMountsType.new("cfg", "/etc/cfg"),
        configMap: k.core.v1.configMap.new("cm", {a: "b"}),
        secret: k.core.v1.secret.new("s", {a: "Yg=="}),
        namespace: k.core.v1.namespace.new("team"),
        serviceAccount: k.core.v1.serviceAccount.new("robot"),
        podList: k.core.v1.podList.new({kind: "Pod"}),
      }
    """)
    assert got["service"] == {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"selector": {"app": "s"}, "ports": [{"port": 80, "targetPort": 8080},
                                                     {"name": "grpc", "port": 9000, "targetPort": "grpc"}]},
    }
    assert got["port"] == {"containerPort": 8080}
    assert got["namedPort"] == {"containerPort": 9000, "name": "grpc"}
    assert got["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "key"}}},
        {"name": "C", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    assert got["volumes"] == [
        {"name": "cfg", "configMap": {"name": "cm", "items": [{"key": "k", "path": "p"}]}},
        {"name": "tmp", "emptyDir": {}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "claim"}},
        {"name": "host", "hostPath": {"path": "/var/run"}},
        {"name": "sec", "secret": {"secretName": "s1"}},
    ]
    assert got["mount"] == {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": False}
    assert got["configMap"] == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"},
                                "data": {"a": "b"}}
    assert got["secret"]["type"] == "Opaque" and got["secret"]["data"] == {"a": "Yg=="}
    assert got["namespace"] == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    assert got["serviceAccount"]["metadata"] == {"name": "robot"}
    assert got["podList"] == {"apiVersion": "v1", "kind": "PodList", "items": [{"kind": "Pod"}]}


def test_array_and_map_setters():
    got = evk("""
      local c = k.core.v1.container;
      local m = k.core.v1.service.mixin.metadata;
      {
        replace: c.withArgs(["a"]) + c.withArgs(["b"]),
        wrap: c.withArgs("x"),
        append: c.withArgs(["a"]) + c.withArgsMixin("b") + c.withArgsMixin(["c"]),
        mapReplace: m.withLabels({a: "1"}) + m.withLabels({b: "2"}),
        mapMerge: m.withLabels({a: "1"}) + m.withLabelsMixin({b: "2"}),
      }
    """)
    assert got["replace"] == {"args": ["b"]}
    assert got["wrap"] == {"args": ["x"]}
    assert got["append"] == {"args": ["a", "b", "c"]}
    assert got["mapReplace"] == {"metadata": {"labels": {"b": "2"}}}
    assert got["mapMerge"] == {"metadata": {"labels": {"a": "1", "b": "2"}}}


def test_mixin_setters_wrap_the_value_in_the_parent_path():
    d = "k.extensions.v1beta1.deployment"
    assert evk(f"{d}.mixin.spec.template.spec.withVolumes({{name: 'v'}})") == {
        "spec": {"template": {"spec": {"volumes": [{"name": "v"}]}}}}
    assert evk(f"{d}.mixin.spec.template.metadata.mixinInstance({{labels: {{a: 'b'}}}})") == {
        "spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}
    # setters on one sub-object chain
    assert evk(f"{d}.mixin.metadata.withName('n').withNamespace('ns')") == {
        "metadata": {"name": "n", "namespace": "ns"}}
    # Type references have their own mixins
    assert evk(f"{d}.mixin.spec.template.spec.containersType.mixin.resources.withLimitsMixin({{cpu: 1}})") == {
        "resources": {"limits": {"cpu": 1}}}


def test_setters_added_to_plain_json_change_only_their_field():
    got = evk("""
      local d = k.extensions.v1beta1.deployment;
      local plain = {kind: "Deployment", metadata: {name: "x", labels: {a: "1"}},
                     spec: {replicas: 2, template: {spec: {containers: [{name: "c"}], hostNetwork: true}}}};
      [plain + d.mixin.metadata.withNamespace("ns"),
       plain + d.mixin.spec.template.spec.withServiceAccountName("sa"),
       plain + k.rbac.v1beta1.clusterRoleBinding.withSubjects({kind: "User", name: "u"})]
    """)
    assert got[0]["metadata"] == {"name": "x", "labels": {"a": "1"}, "namespace": "ns"}
    assert got[0]["spec"]["replicas"] == 2
    assert got[1]["spec"]["template"]["spec"] == {"containers": [{"name": "c"}], "hostNetwork": True,
                                                  "serviceAccountName": "sa"}
    assert got[2]["subjects"] == [{"kind": "User", "name": "u"}] and got[2]["metadata"]["name"] == "x"


def test_map_containers():
    got = evk("""
      local d = k.apps.v1beta1.deployment;
      local dep = d.new("x", 1, [{name: "a"}, {name: "b"}]);
      local pod = {kind: "Pod", spec: {containers: [{name: "a"}]}};
      local cron = {kind: "CronJob", spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: "a"}]}}}}}};
      [dep + d.mapContainers(function(c) c + {image: "i"}),
       dep + d.mapContainersWithName("b", function(c) c + {image: "only-b"}),
       dep + d.mapContainersWithName(["a", "b"], function(c) c + {tty: true}),
       pod + k.core.v1.pod.mapContainers(function(c) c + {image: "p"}),
       cron + k.batch.v1beta1.cronJob.mapContainers(function(c) c + {image: "cj"})]
    """)
    assert got[0]["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "i"}, {"name": "b", "image": "i"}]
    assert got[1]["spec"]["template"]["spec"]["containers"] == [{"name": "a"}, {"name": "b", "image": "only-b"}]
    assert all(c["tty"] for c in got[2]["spec"]["template"]["spec"]["containers"])
    assert got[3]["spec"]["containers"] == [{"name": "a", "image": "p"}]
    assert got[4]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "cj"}]


def test_v035_builders():
    got = evk("""
      local role = k.rbac.v1beta1.role;
      local cr = k.rbac.v1.clusterRole;
      local svc = k.core.v1.service;
      [role.new() + role.withRulesMixin([role.rulesType.new() + role.rulesType.withVerbs("get")])
                  + role.withRulesMixin(role.rulesType.withResources(["pods"])),
       cr.new() + cr.withRules([{verbs: ["list"]}]) + cr.mixin.metadata.mixinInstance({name: "r"}),
       svc.new("s", {}, [svc.mixin.spec.portsType.newNamed("http", 80, 8080)]) + svc.mixin.spec.withType("NodePort")]
    """)
    assert got[0]["rules"] == [{"verbs": ["get"]}, {"resources": ["pods"]}]
    assert got[1] == {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"},
                      "rules": [{"verbs": ["list"]}]}
    assert got[2]["spec"]["type"] == "NodePort" and got[2]["spec"]["ports"][0]["name"] == "http"


def test_legacy_shapes():
    ing = evk("""
      local i = k.extensions.v1beta1.ingress;
      i.new() + i.mixin.spec.backend.withServiceName("web").withServicePort(80)
    """)
    assert ing["spec"] == {"backend": {"serviceName": "web", "servicePort": 80}}
    crd = evk("""
      local c = k.apiextensions.v1beta1.customResourceDefinition;
      c.new() + c.mixin.spec.withVersion("v1alpha1") + c.mixin.spec.validation.openAPIV3Schema.withType("object")
    """)
    assert crd["spec"] == {"version": "v1alpha1", "validation": {"openAPIV3Schema": {"type": "object"}}}


def test_odd_field_names_and_recursive_types():
    got = evk("""
      local j = k.apiextensions.v1.jsonSchemaProps;
      [j.withRef("#/x") + j.withXKubernetesIntOrString(true), j.withType("object") + j.mixin.not.not.withType("s")]
    """)
    assert got[0] == {"$ref": "#/x", "x-kubernetes-int-or-string": True}
    assert got[1] == {"type": "object", "not": {"not": {"type": "s"}}}


def test_unknown_member_is_an_error():
    assert "withNoSuchField" in eval_error(K + "k.apps.v1.deployment.mixin.spec.withNoSuchField(1)")


# ----------------------------------------------------------------------------------------------------------
# The 2018-shaped legacy registry, rendered the way `ks generate` + `ks show` did


def parse_prototype(path: Path) -> tuple[dict, dict, str]:
    """(info, params with defaults, body) of a ks prototype; required params map to None."""
    lines = path.read_text(encoding="utf-8").splitlines()
    info: dict[str, str] = {}
    params: dict[str, object] = {}
    i = 0
    while i < len(lines) and lines[i].startswith("//"):
        text = lines[i][2:].strip()
        if text.startswith("@param "):
            params[text.split()[1]] = None
        elif text.startswith("@optionalParam "):
            _, name, typ, default = text.split(None, 4)[:4]
            if typ == "number":
                params[name] = float(default) if "." in default else int(default)
            elif typ in ("object", "array"):
                params[name] = json.loads(default)
            else:
                params[name] = default  # string; "null" stays the string "null"
        elif text.startswith("@"):
            key, _, value = text.partition(" ")
            info[key[1:]] = value
        i += 1
    return info, params, "\n".join(lines[i:]) + "\n"


def render(pkg: str, proto: str, name: str, *, env_namespace: str = "env-ns", **overrides):
    info, params, body = parse_prototype(LEGACY / pkg / "prototypes" / proto)
    params = {**params, "name": name, **overrides}
    missing = [k for k, v in params.items() if v is None]
    assert not missing, missing
    body = re.sub(r"""import\s+['"]param://([A-Za-z0-9_]+)['"]""", r"params.\1", body)
    body = re.sub(r"""import\s+['"]env://([A-Za-z0-9_]+)['"]""", r"env.\1", body)
    assert "param://" not in body
    text = ('local env = std.extVar("__ksonnet/environments");\n'
            f'local params = std.extVar("__ksonnet/params").components["{name}"];\n' + body)
    ext = {"__ksonnet/environments": json.dumps({"server": "https://127.0.0.1:6443", "namespace": env_namespace}),
           "__ksonnet/params": json.dumps({"components": {name: params}})}
    return ev(text, jpath=[_vendor()], ext_codes=ext, filename=f"components/{name}.jsonnet")


_VENDOR: list[Path] = []


def _vendor() -> Path:
    """A directory where `kubeflow` is the legacy registry (like an app's vendor/ folder)."""
    if not _VENDOR:
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="kslib-vendor-"))
        (root / "kubeflow").symlink_to(LEGACY, target_is_directory=True)
        _VENDOR.append(root)
    return _VENDOR[0]


def objects(out) -> list[dict]:
    items = out["items"] if out.get("kind") == "List" else [out]
    for o in items:
        assert o["apiVersion"] and o["kind"] and o["metadata"]["name"], o
    return items


def by_kind_name(items: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in items}


def test_legacy_registry_layout():
    import yaml

    reg = yaml.safe_load((LEGACY / "registry.yaml").read_text())
    assert reg["apiVersion"] == "0.1" and set(reg["libraries"]) == {"core", "seldon", "tf-job"}
    for pkg in reg["libraries"]:
        parts = json.loads((LEGACY / pkg / "parts.yaml").read_text())  # 2018 parts.yaml files were JSON
        assert parts["name"] == pkg and parts["kind"] == "ksonnet.io/parts"
        for proto in sorted((LEGACY / pkg / "prototypes").glob("*.jsonnet")):
            info, params, _ = parse_prototype(proto)
            assert info["apiVersion"] == "0.1" and info["name"].startswith("io.ksonnet.pkg.")
            assert "name" in params


def test_legacy_kubeflow_core_defaults():
    items = objects(render("core", "all.jsonnet", "kubeflow-core"))
    got = by_kind_name(items)
    assert [o["kind"] for o in items] == ["CustomResourceDefinition", "ConfigMap", "ServiceAccount", "ClusterRole",
                                         "ClusterRoleBinding", "Deployment", "Service"]
    assert got[("CustomResourceDefinition", "tfjobs.kubeflow.org")]["apiVersion"] == "apiextensions.k8s.io/v1beta1"
    op = got[("Deployment", "tf-job-operator")]
    assert op["apiVersion"] == "extensions/v1beta1" and op["metadata"]["namespace"] == "env-ns"
    assert op["spec"]["template"]["spec"]["serviceAccountName"] == "tf-job-operator"
    assert op["spec"]["template"]["spec"]["containers"][0]["image"].startswith("gcr.io/kubeflow-images-public/tf_operator")
    crb = got[("ClusterRoleBinding", "tf-job-operator")]
    assert crb["apiVersion"] == "rbac.authorization.k8s.io/v1beta1"
    assert crb["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "tf-job-operator"}
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "tf-job-operator", "namespace": "env-ns"}]
    svc = got[("Service", "tf-job-dashboard")]
    assert svc["spec"]["type"] == "ClusterIP" and "tf-job-dashboard.env-ns" in svc["metadata"]["annotations"][
        "getambassador.io/config"]
    config = json.loads(got[("ConfigMap", "tf-job-operator-config")]["data"]["controller_config_file.yaml"])
    assert "tfImage" not in config and "accelerators" not in config


def test_legacy_kubeflow_core_params():
    items = objects(render("core", "all.jsonnet", "kubeflow-core", **{
        "namespace": "kf", "reportUsage": "true", "tfDefaultImage": "tf:1.8", "cloud": "aks",
        "tfJobUiServiceType": "NodePort"}))
    got = by_kind_name(items)
    assert {o["metadata"].get("namespace") for o in items if o["kind"] not in (
        "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding")} == {"kf"}
    config = json.loads(got[("ConfigMap", "tf-job-operator-config")]["data"]["controller_config_file.yaml"])
    assert config["tfImage"] == "tf:1.8" and "accelerators" in config
    assert got[("Service", "tf-job-dashboard")]["spec"]["type"] == "NodePort"
    vol = got[("Deployment", "spartakus-volunteer")]
    assert vol["apiVersion"] == "apps/v1beta1" and vol["spec"]["replicas"] == 1
    assert vol["spec"]["template"]["metadata"]["labels"] == {"app": "spartakus"}
    assert "--cluster-id=unknown_cluster" in vol["spec"]["template"]["spec"]["containers"][0]["args"]
    # a real boolean from `param set` works as well as the string default
    assert ("Deployment", "spartakus-volunteer") in by_kind_name(objects(render(
        "core", "all.jsonnet", "kubeflow-core", reportUsage=True)))


def test_legacy_centraldashboard():
    items = objects(render("core", "centraldashboard.jsonnet", "centraldashboard", replicas=2))
    got = by_kind_name(items)
    dep = got[("Deployment", "centraldashboard")]
    assert dep["apiVersion"] == "apps/v1beta1" and dep["spec"]["replicas"] == 2
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "centraldashboard"}}
    [c] = dep["spec"]["template"]["spec"]["containers"]
    assert c["imagePullPolicy"] == "IfNotPresent"  # added by mapContainers
    assert c["resources"] == {"limits": {"cpu": "500m", "memory": "512Mi"}}
    assert c["ports"] == [{"containerPort": 8082}]
    assert c["env"] == [{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}]
    assert dep["spec"]["template"]["spec"]["volumes"] == [
        {"name": "config", "configMap": {"name": "centraldashboard-config", "items": []}}]
    svc = got[("Service", "centraldashboard")]
    assert svc["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8082}]
    assert got[("Role", "centraldashboard")]["rules"][0]["apiGroups"] == [""]
    assert got[("ClusterRole", "centraldashboard")]["apiVersion"] == "rbac.authorization.k8s.io/v1"


def test_legacy_seldon_core():
    template = {(o["kind"], o["metadata"]["name"]): o
                for o in json.loads((LEGACY / "seldon" / "json" / "template.json").read_text())["items"]}
    items = objects(render("seldon", "core.jsonnet", "seldon"))
    got = by_kind_name(items)
    assert sorted(got) == [("ClusterRoleBinding", "seldon"), ("CustomResourceDefinition",
                           "seldondeployments.machinelearning.seldon.io"), ("Deployment", "redis"),
                           ("Deployment", "seldon-cluster-manager"), ("Service", "redis"), ("ServiceAccount", "seldon")]
    crb = got[("ClusterRoleBinding", "seldon")]
    assert crb["metadata"]["namespace"] == "env-ns"
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "seldon", "namespace": "env-ns"}]
    op = got[("Deployment", "seldon-cluster-manager")]
    base = template[("Deployment", "seldon-cluster-manager")]
    [c] = op["spec"]["template"]["spec"]["containers"]
    [c0] = base["spec"]["template"]["spec"]["containers"]
    assert c["image"] == "seldonio/cluster-manager:0.1.5" and c["imagePullPolicy"] == "IfNotPresent"
    assert c["env"] == c0["env"] + [{"name": "ENGINE_CONTAINER_IMAGE_AND_VERSION", "value": "seldonio/engine:0.1.5"}]
    assert c["ports"] == c0["ports"]
    # everything not set by a setter is the template's
    assert op["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 1
    assert op["metadata"] == dict(base["metadata"], namespace="env-ns")
    assert op["spec"]["template"]["spec"]["serviceAccountName"] == "seldon"
    assert got[("Deployment", "redis")] == dict(template[("Deployment", "redis")],
                                                metadata=dict(template[("Deployment", "redis")]["metadata"],
                                                              namespace="env-ns"))
    crd = got[("CustomResourceDefinition", "seldondeployments.machinelearning.seldon.io")]
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1beta1"
    assert crd["spec"]["version"] == "v1alpha1" and crd["spec"]["names"]["shortNames"] == ["sdep"]
    predictor = crd["spec"]["validation"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["predictors"]
    assert predictor["items"]["properties"]["componentSpec"]["properties"]["spec"]["type"] == "object"


def test_legacy_seldon_flags():
    items = objects(render("seldon", "core.jsonnet", "seldon", **{
        "namespace": "serving", "withApife": "true", "withRbac": "false", "operatorJavaOpts": "-Xmx1g"}))
    got = by_kind_name(items)
    assert ("ServiceAccount", "seldon") not in got and ("ClusterRoleBinding", "seldon") not in got
    assert {o["metadata"]["namespace"] for o in items if o["kind"] != "CustomResourceDefinition"} == {"serving"}
    assert got[("Service", "seldon-apiserver")]["spec"]["type"] == "NodePort"
    assert got[("Deployment", "seldon-apiserver")]["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "seldonio/apife:0.1.5"
    op = got[("Deployment", "seldon-cluster-manager")]["spec"]["template"]["spec"]
    assert "serviceAccountName" not in op
    assert {"name": "JAVA_OPTS", "value": "-Xmx1g"} in op["containers"][0]["env"]


def test_legacy_seldon_serve_simple():
    [sd] = objects(render("seldon", "serve-simple.jsonnet", "mnist", image="me/mnist:0.1", replicas=2))
    assert sd["kind"] == "SeldonDeployment" and sd["metadata"]["namespace"] == "env-ns"
    pred = sd["spec"]["predictors"][0]
    assert pred["replicas"] == 2 and pred["graph"]["endpoint"] == {"type": "REST"}
    assert pred["componentSpec"]["spec"]["containers"][0]["image"] == "me/mnist:0.1"


def test_legacy_tf_job():
    [job] = objects(render("tf-job", "tf-job.jsonnet", "train"))
    assert job["apiVersion"] == "kubeflow.org/v1alpha1"
    # replicas with a count of 0 and the empty args list are pruned
    assert job["spec"]["replicaSpecs"] == [{
        "replicas": 1, "tfReplicaType": "MASTER",
        "template": {"spec": {"containers": [{"name": "tensorflow", "image": "null"}], "restartPolicy": "OnFailure"}}}]
    [job] = objects(render("tf-job", "tf-job.jsonnet", "train", num_workers=2, num_ps=1, num_gpus=1, image="cpu:1",
                           image_gpu="gpu:1", args="--a=1,--b"))
    specs = {r["tfReplicaType"]: r for r in job["spec"]["replicaSpecs"]}
    worker = specs["WORKER"]["template"]["spec"]["containers"][0]
    assert worker["image"] == "gpu:1" and worker["resources"] == {"limits": {"nvidia.com/gpu": 1}}
    assert worker["args"] == ["--a=1", "--b"] and specs["PS"]["replicas"] == 1
    assert job["spec"]["terminationPolicy"]["chief"] == {"replicaName": "MASTER", "replicaIndex": 0}


def test_legacy_tf_cnn():
    job = render("tf-job", "tf-cnn.jsonnet", "bench")
    assert job["kind"] == "TFJob" and job["metadata"]["namespace"] == "env-ns"
    specs = {r["tfReplicaType"]: r for r in job["spec"]["replicaSpecs"]}
    c = specs["WORKER"]["template"]["spec"]["containers"][0]
    assert c["args"][:3] == ["python", "tf_cnn_benchmarks.py", "--batch_size=32"] and "--device=cpu" in c["args"]
    assert c["workingDir"] == "/opt/tf-benchmarks/scripts/tf_cnn_benchmarks" and "resources" not in c
    gpu = render("tf-job", "tf-cnn.jsonnet", "bench", num_gpus=2)
    c = gpu["spec"]["replicaSpecs"][0]["template"]["spec"]["containers"][0]
    assert "--num_gpus=2" in c["args"] and c["resources"] == {"limits": {"nvidia.com/gpu": 2}}
    assert "gpu" in c["image"]
    with pytest.raises(RuntimeError, match="num_workers must be >= 1"):
        render("tf-job", "tf-cnn.jsonnet", "bench", num_workers=0)


# ----------------------------------------------------------------------------------------------------------
# Generator


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(tmp_path):
    from kfctl import kslib_gen

    try:
        schema = kslib_gen.default_schema_path()
    except FileNotFoundError as exc:
        pytest.fail(f"kubernetes-validate (a kfctl dependency) ships no schema here: {exc}")
    for out in ("a", "b"):
        proc = subprocess.run([sys.executable, "-m", "kfctl.kslib_gen", "--out", str(tmp_path / out),
                               "--schema", str(schema)], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert a == b
    assert {"k.libsonnet", "k8s.libsonnet", "_k8s/core.libsonnet", "_k8s/apps.libsonnet"} <= set(a)


def test_checked_in_lib_matches_a_fresh_generation(tmp_path):
    from kfctl import kslib_gen

    try:
        schema = kslib_gen.default_schema_path()
    except FileNotFoundError as exc:
        pytest.fail(f"kubernetes-validate (a kfctl dependency) ships no schema here: {exc}")
    fresh = kslib_gen.generate(schema)
    on_disk = {k: v.decode("utf-8") for k, v in _tree(LIB).items()}
    assert sorted(on_disk) == sorted(fresh), "regenerate: python -m kfctl.kslib_gen --out kfctl/ksonnet_lib"
    for name in sorted(fresh):
        assert on_disk[name] == fresh[name], f"{name} is stale; regenerate with python -m kfctl.kslib_gen"


def test_generator_removes_stale_group_files(tmp_path):
    from kfctl import kslib_gen

    out = tmp_path / "lib"
    (out / "_k8s").mkdir(parents=True)
    (out / "_k8s" / "gone.libsonnet").write_text("{}")
    kslib_gen.write(out, {"k.libsonnet": "{}\n", "_k8s/core.libsonnet": "{}\n"})
    assert sorted(_tree(out)) == ["_k8s/core.libsonnet", "k.libsonnet"]
