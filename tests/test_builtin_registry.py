"""Built-in `kubeflow` registry packages common, core, tf-serving, tf-job, pytorch-job, seldon and argo,
at version v0.1.2 (the Kubeflow v0.1.2 user guide's set, kept unchanged; the current set is checked by
tests/test_registry_versions.py).

Every prototype is rendered through the real CLI, the way a user does it: an app made with
`kfctl init` with these packages installed (`kfctl pkg install kubeflow/<pkg>`) and its environment's
namespace set, then `kfctl generate <prototype> <component> --p=v ...`, `kfctl param set` for typed
or undeclared values, and `kfctl show default -c <component> -o json`. The emitted objects are then
checked: kinds, names and key fields, Kubernetes 1.36 schemas for built-in kinds, and the registry's
own CRD schemas for custom resources.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import _gojsonnet
from kfctl.cli import cli
from kfctl.prototype import parse_file

REPO = Path(__file__).resolve().parents[1]
REGISTRY = REPO / "registry" / "versions" / "v0.1.2"
VERSION = "v0.1.2"
PACKAGES = ["common", "core", "tf-serving", "tf-job", "pytorch-job", "seldon", "argo"]
ENV_NS = "envns"

# ----------------------------------------------------------------------------------------------
# Driving kfctl: one template app per session, copied for every rendered component
# ----------------------------------------------------------------------------------------------

_WORK: list[Path] = []


def _workdir() -> Path:
    if not _WORK:
        _WORK.append(Path(tempfile.mkdtemp(prefix="kfctl-builtin-")))
    return _WORK[0]


@pytest.fixture(scope="module", autouse=True)
def _cleanup_workdir():
    yield
    if _WORK:
        shutil.rmtree(_WORK.pop(), ignore_errors=True)
    template_app.cache_clear()
    registry_crds.cache_clear()


def kfctl(cwd: Path, *args: str) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


@lru_cache(maxsize=None)
def template_app() -> Path:
    root = _workdir()
    code, out, err = kfctl(root, "init", "template")
    assert code == 0, err
    app = root / "template"
    for pkg in PACKAGES:
        code, out, err = kfctl(app, "pkg", "install", f"kubeflow/{pkg}@{VERSION}")
        assert code == 0, err
    code, out, err = kfctl(app, "env", "set", "default", "--namespace", ENV_NS)
    assert code == 0, err
    return app


def all_prototypes(packages=PACKAGES) -> list[tuple[str, str]]:
    return [(pkg, p.stem) for pkg in packages for p in sorted((REGISTRY / pkg / "prototypes").glob("*.jsonnet"))]


@lru_cache(maxsize=None)
def proto_meta(pkg: str, proto: str):
    return parse_file(REGISTRY / pkg / "prototypes" / f"{proto}.jsonnet")


_COUNTER = [0]


def _param_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


def run_component(pkg: str, proto: str, component: str = "comp", **values) -> tuple[int, str, str]:
    """generate + param set + show in a fresh copy of the template app; returns show's result."""
    meta = proto_meta(pkg, proto)
    _COUNTER[0] += 1
    app = _workdir() / f"app{_COUNTER[0]}"
    shutil.copytree(template_app(), app, symlinks=True)
    declared = {p.name: p for p in meta.params}
    values = dict(values)
    if "name" in declared:
        values.setdefault("name", component)
    flags, later = [], []
    for k, v in values.items():
        p = declared.get(k)
        if p is not None and ((p.type == "string" and isinstance(v, str))
                              or (p.type == "number" and isinstance(v, (int, float)) and not isinstance(v, bool))):
            flags.append(f"--{k}={v}")
        else:
            later.append((k, _param_text(v)))
    code, out, err = kfctl(app, "generate", meta.name, component, *flags)
    if code != 0:
        # generate refuses a component that would not render, with the error show would give
        shutil.rmtree(app, ignore_errors=True)
        return code, out, err
    try:
        for k, text in later:
            code, out, err = kfctl(app, "param", "set", component, k, text, "--new")
            assert code == 0, err
        return kfctl(app, "show", "default", "-c", component, "-o", "json")
    finally:
        shutil.rmtree(app, ignore_errors=True)


def render(pkg: str, proto: str, component: str = "comp", **values) -> list[dict]:
    code, out, err = run_component(pkg, proto, component, **values)
    assert code == 0, err
    objs = json.loads(out)["items"] if out.strip() else []
    for o in objs:
        assert "apiVersion" in o and "kind" in o and o.get("metadata", {}).get("name"), o
        labels = o["metadata"].get("labels", {})
        assert labels.get("ksonnet.io/component") == component
        del labels["ksonnet.io/component"]
        if not labels:
            del o["metadata"]["labels"]
    return objs


def render_error(pkg: str, proto: str, component: str = "comp", **values) -> str:
    code, out, err = run_component(pkg, proto, component, **values)
    assert code != 0, f"expected {proto} with {values} to fail"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _jpath_dir() -> Path:
    d = _workdir() / "jpath"
    if not d.exists():
        d.mkdir()
        (d / "kubeflow").symlink_to(REGISTRY)
    return d


def one(objs, kind, name=None) -> dict:
    hits = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(hits) == 1, f"expected one {kind} {name}, got {[(o['kind'], o['metadata']['name']) for o in objs]}"
    return hits[0]


def names(objs, kind=None) -> list[tuple[str, str]]:
    return [(o["kind"], o["metadata"]["name"]) for o in objs if kind is None or o["kind"] == kind]


def pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def container(obj: dict, index: int = 0) -> dict:
    return pod_spec(obj)["containers"][index]


# ----------------------------------------------------------------------------------------------
# Object checks: Kubernetes 1.36 schemas, CRD structural rules, custom resources vs their CRDs
# ----------------------------------------------------------------------------------------------

CLUSTER_SCOPED = {"CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "StorageClass",
                  "PersistentVolume", "Namespace"}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def k8s_valid(obj: dict):
    import kubernetes_validate
    try:
        kubernetes_validate.validate(obj, "1.36", strict=True)
    except kubernetes_validate.ValidationError as e:
        raise AssertionError(f"{obj['kind']}/{obj['metadata']['name']}: {str(e).splitlines()[0]}") from None


def structural(crd: dict):
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    spec = crd["spec"]
    assert crd["metadata"]["name"] == f"{spec['names']['plural']}.{spec['group']}"
    assert sum(1 for v in spec["versions"] if v["storage"]) == 1

    def walk(node, path, is_meta=False):
        assert isinstance(node, dict), path
        preserve = node.get("x-kubernetes-preserve-unknown-fields")
        if not node.get("x-kubernetes-int-or-string") and not (preserve and "type" not in node):
            assert "type" in node, f"untyped node {path}"
        if node.get("type") == "object" and not preserve and "properties" not in node and not is_meta:
            assert "additionalProperties" in node, f"object without fields at {path} drops everything"
        for k, v in node.get("properties", {}).items():
            walk(v, f"{path}.{k}", is_meta=(path.count(".") == 0 and k == "metadata"))
        for r in node.get("required", []):
            assert r in node.get("properties", {}), f"{path}: required {r} is not a property"
        if "items" in node:
            walk(node["items"], path + "[]")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], path + "{}")

    for v in spec["versions"]:
        root = v["schema"]["openAPIV3Schema"]
        assert root["type"] == "object"
        assert root["properties"]["metadata"] == {"type": "object"}
        walk(root, v["name"])


def _jsonschema(node):
    if isinstance(node, list):
        return [_jsonschema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _jsonschema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node \
            and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False  # the API server would prune unknown fields
    return out


@lru_cache(maxsize=None)
def registry_crds() -> tuple:
    """Every CRD installed by an operator prototype of these packages (rendered with defaults)."""
    crds = []
    for pkg, proto in [("tf-job", "tf-job-operator"), ("pytorch-job", "pytorch-operator"),
                       ("seldon", "core"), ("argo", "argo")]:
        crds += [o for o in render(pkg, proto) if o["kind"] == "CustomResourceDefinition"]
    return tuple(json.dumps(c) for c in crds)


def cr_errors(obj: dict) -> list[str]:
    import jsonschema
    group, version = obj["apiVersion"].split("/")
    for raw in registry_crds():
        crd = json.loads(raw)
        s = crd["spec"]
        if s["group"] == group and s["names"]["kind"] == obj["kind"]:
            for v in s["versions"]:
                if v["name"] == version and v["served"]:
                    validator = jsonschema.Draft7Validator(_jsonschema(v["schema"]["openAPIV3Schema"]))
                    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(obj)]
    raise AssertionError(f"no CRD of this registry serves {obj['apiVersion']} {obj['kind']}")


def check_objects(objs: list[dict], env_ns: str = ENV_NS, ns: str | None = None):
    """What a real API server would insist on, plus the Kubeflow namespace convention."""
    ns = ns or env_ns
    seen = set()
    for o in objs:
        key = (o["apiVersion"].split("/")[0] if "/" in o["apiVersion"] else "", o["kind"], o["metadata"]["name"])
        assert key not in seen, f"duplicate object {key}"
        seen.add(key)
        name = o["metadata"]["name"]
        assert _DNS_SUBDOMAIN.match(name) and len(name) <= 253, name
        if o["kind"] in CLUSTER_SCOPED:
            assert "namespace" not in o["metadata"], f"cluster-scoped {o['kind']}/{name} has a namespace"
        else:
            assert o["metadata"].get("namespace") == ns, f"{o['kind']}/{name} namespace"
        if o["kind"] in ("Service", "Deployment", "StatefulSet", "ServiceAccount", "ConfigMap"):
            assert _DNS_LABEL.match(name), f"{o['kind']} name {name} is not a DNS label"
        if o["kind"] in ("Deployment", "StatefulSet"):
            sel = o["spec"]["selector"]["matchLabels"]
            labels = o["spec"]["template"]["metadata"]["labels"]
            assert sel and all(labels.get(k) == v for k, v in sel.items()), f"{name}: selector does not match"
        if o["kind"] == "CustomResourceDefinition":
            structural(o)
        group = o["apiVersion"].split("/")[0] if "/" in o["apiVersion"] else ""
        if group in ("", "apps", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "storage.k8s.io", "batch"):
            k8s_valid(o)
        else:
            errors = cr_errors(o)
            assert not errors, (o["kind"], name, errors)


# ----------------------------------------------------------------------------------------------
# Package layout, headers, prototype lookup
# ----------------------------------------------------------------------------------------------

def test_registry_yaml_lists_every_package():
    reg = yaml.safe_load((REGISTRY / "registry.yaml").read_text())
    assert reg["kind"] == "ksonnet.io/registry"
    for pkg in PACKAGES:
        assert reg["libraries"][pkg]["path"] == pkg


@pytest.mark.parametrize("pkg", PACKAGES)
def test_package_layout_and_headers(pkg):
    root = REGISTRY / pkg
    parts = yaml.safe_load((root / "parts.yaml").read_text())
    assert parts["apiVersion"] == "0.0.1" and parts["kind"] == "ksonnet.io/parts" and parts["name"] == pkg
    assert parts["description"]
    readme = (root / "README.md").read_text()
    assert "Differences from 2018" in readme or pkg == "common"
    protos = sorted((root / "prototypes").glob("*.jsonnet")) if (root / "prototypes").exists() else []
    assert (pkg == "common") == (protos == [])
    for path in protos:
        meta = parse_file(path)
        assert meta.api_version == "0.1"
        assert meta.name.startswith("io.ksonnet.pkg.")
        assert meta.description and meta.short_description
        assert meta.param("name") is not None and meta.param("name").required
        for p in meta.params:
            assert p.type in ("string", "number", "numberOrString", "object", "array"), (path, p.name)
            assert p.description, f"{path.name}: param {p.name} has no description"
            assert p.name in readme or p.name == "name", f"{pkg} README does not document {p.name}"
        assert meta.short_name in readme, f"{pkg} README does not mention prototype {meta.short_name}"


def _all_registry_prototype_names() -> list[str]:
    out = []
    for path in sorted(REGISTRY.glob("*/prototypes/*.jsonnet")):
        m = re.search(r"^//\s+@name\s+(\S+)", path.read_text(), re.M)
        if m:
            out.append(m.group(1))
    return out


@pytest.mark.parametrize("query,expected", [
    ("core", "io.ksonnet.pkg.kubeflow-core"),
    ("kubeflow-core", "io.ksonnet.pkg.kubeflow-core"),
    ("tf-serving", "io.ksonnet.pkg.tf-serving"),
    ("tf-job", "io.ksonnet.pkg.tf-job"),
    ("tf-cnn", "io.ksonnet.pkg.tf-cnn"),
    ("tf-job-operator", "io.ksonnet.pkg.tf-job-operator"),
    ("pytorch-job", "io.ksonnet.pkg.pytorch-job"),
    ("pytorch-operator", "io.ksonnet.pkg.pytorch-operator"),
    ("seldon", "io.ksonnet.pkg.seldon"),
    ("seldon-serve-simple", "io.ksonnet.pkg.seldon-serve-simple"),
    ("argo", "io.ksonnet.pkg.argo"),
    ("argo-workflow", "io.ksonnet.pkg.argo-workflow"),
    ("argo-cron-workflow", "io.ksonnet.pkg.argo-cron-workflow"),
])
def test_user_guide_names_find_exactly_one_prototype_by_suffix(query, expected):
    all_names = _all_registry_prototype_names()
    assert len(all_names) == len(set(all_names)), "duplicate prototype names in the registry"
    assert [n for n in all_names if n.endswith(query)] == [expected]


# ----------------------------------------------------------------------------------------------
# Every prototype with its defaults renders objects a 1.36 API server accepts
# ----------------------------------------------------------------------------------------------

REQUIRED_EXTRA = {("seldon", "serve-simple"): {"image": "seldonio/mock_classifier:1.0"}}


@pytest.mark.parametrize("pkg,proto", all_prototypes())
def test_defaults_render_valid_objects(pkg, proto):
    objs = render(pkg, proto, **REQUIRED_EXTRA.get((pkg, proto), {}))
    assert objs
    check_objects(objs)


def test_namespace_param_wins_over_environment():
    for pkg, proto in all_prototypes():
        objs = render(pkg, proto, namespace="team-a", **REQUIRED_EXTRA.get((pkg, proto), {}))
        check_objects(objs, ns="team-a")


# ----------------------------------------------------------------------------------------------
# common
# ----------------------------------------------------------------------------------------------

def eval_common(expr: str):
    snippet = ("local u = import 'kubeflow/common/util.libsonnet';\n"
               "local p = import 'kubeflow/common/platform.libsonnet';\n" + expr)
    return json.loads(_gojsonnet.evaluate_snippet("t.jsonnet", snippet, jpathdir=[str(_jpath_dir())]))


def common_error(expr: str) -> str:
    with pytest.raises(RuntimeError) as ei:
        eval_common(expr)
    return str(ei.value).splitlines()[0]


def test_common_value_helpers():
    assert eval_common("[u.toBool(x) for x in [true, 'true', 'True', false, 'false', null, 'null', 0, 1]]") == \
        [True, True, True, False, False, False, False, False, True]
    assert eval_common("[u.namespace({namespace: 'null'}, {namespace: 'e'}), u.namespace({namespace: 'k'}, "
                       "{namespace: 'e'}), u.namespace({}, {namespace: 'e'})]") == ["e", "k", "e"]
    assert eval_common("u.toArray('a, b,,c')") == ["a", "b", "c"]
    assert eval_common("u.list([{a: 1}, null, [{b: 2}]])") == {"apiVersion": "v1", "kind": "List",
                                                               "items": [{"a": 1}, {"b": 2}]}
    assert "expected true or false" in common_error("u.toBool('maybe')")


@pytest.mark.parametrize("bad", ["-1", "1.5", "'abc'", "'-2'", "'1.5'"])
def test_common_gpu_count_must_be_a_non_negative_integer(bad):
    assert "must be a non-negative integer" in common_error(f"p.gpus({bad})")


def test_common_gpu_count_accepts_numbers_and_numeric_strings():
    assert eval_common("[p.gpus(0), p.gpus(2), p.gpus('4'), p.gpus('null')]") == [0, 2, 4, 0]


def test_common_required_group():
    assert "must not be empty" in common_error("p.group('', required=true)")
    assert "group is required" in common_error("p.group(null, required=true)")
    assert "not a valid name" in common_error("p.group('Team_A')")
    assert eval_common("[p.group('null'), p.group('team-a', required=true)]") == [None, "team-a"]


def test_common_placement_and_storage_follow_settings():
    out = eval_common("local s = p.settings({groupLabelKey: 'corp/pool', gpuLabelKey: 'gpu', gpuLabelValue: 'yes'});"
                      "{gpu: p.placement(s, 2, 'train'), cpu: p.placement(s), st: p.storage(s, 'ann', 'ads')}")
    terms = out["gpu"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "corp/pool", "operator": "In", "values": ["train"]},
                                           {"key": "gpu", "operator": "In", "values": ["yes"]}]}]
    pref = out["cpu"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert pref[0]["preference"]["matchExpressions"] == [{"key": "gpu", "operator": "NotIn", "values": ["yes"]}]
    assert "requiredDuringSchedulingIgnoredDuringExecution" not in out["cpu"]["affinity"]["nodeAffinity"]
    claims = {v["persistentVolumeClaim"]["claimName"] for v in out["st"]["volumes"]}
    assert claims == {"user-ann", "group-ads", "global"}
    assert {m["mountPath"] for m in out["st"]["volumeMounts"]} == {"/mnt/user", "/mnt/group", "/mnt/global"}


# ----------------------------------------------------------------------------------------------
# core: kubeflow-core
# ----------------------------------------------------------------------------------------------

CORE_DEFAULT = [
    ("ConfigMap", "jupyterhub-config"), ("Service", "tf-hub-0"), ("Service", "tf-hub-lb"),
    ("StatefulSet", "tf-hub"), ("Role", "jupyter-role"), ("ServiceAccount", "jupyter-hub"),
    ("RoleBinding", "jupyter-role"),
    ("CustomResourceDefinition", "tfjobs.kubeflow.org"), ("ConfigMap", "tf-job-operator-config"),
    ("ServiceAccount", "tf-job-operator"), ("ClusterRole", "tf-job-operator"),
    ("ClusterRoleBinding", "tf-job-operator"), ("Deployment", "tf-job-operator"),
    ("ServiceAccount", "tf-job-dashboard"), ("ClusterRole", "tf-job-dashboard"),
    ("ClusterRoleBinding", "tf-job-dashboard"), ("Service", "tf-job-dashboard"), ("Deployment", "tf-job-dashboard"),
    ("Service", "ambassador"), ("Service", "ambassador-admin"), ("Role", "ambassador"),
    ("ServiceAccount", "ambassador"), ("RoleBinding", "ambassador"), ("Deployment", "ambassador"),
    ("Service", "k8s-dashboard"),
]


def core(**values):
    return render("core", "all", "kubeflow-core", **values)


def test_core_declares_every_2018_parameter_with_its_default():
    params = {p.name: p for p in proto_meta("core", "all").params}
    expected = {"namespace": "null", "disks": "null", "cloud": "null", "tfAmbassadorServiceType": "ClusterIP",
                "tfDefaultImage": "null", "tfJobUiServiceType": "ClusterIP", "jupyterHubServiceType": "ClusterIP",
                "jupyterHubImage": "gcr.io/kubeflow/jupyterhub-k8s:1.0.1", "jupyterHubAuthenticator": "null",
                "jupyterNotebookPVCMount": "null", "reportUsage": "false", "usageId": "unknown_cluster"}
    for name, default in expected.items():
        assert params[name].default == default, name
    assert "tfJobImage" in params and params["name"].required
    assert "jupyterNotebookRegistry" in params and "jupyterNotebookRepoName" in params


def test_core_default_objects_are_the_2018_set():
    # The 2018 set, plus the PyTorchJob CRD its training operator now serves as well (pytorchJob=false
    # gives exactly the 2018 set).
    objs = core()
    assert sorted(names(objs)) == sorted(CORE_DEFAULT + [("CustomResourceDefinition", "pytorchjobs.kubeflow.org")])
    check_objects(objs)
    assert not [o for o in objs if o["metadata"]["name"] == "spartakus-volunteer"]
    assert sorted(names(core(pytorchJob="false"))) == sorted(CORE_DEFAULT)


def test_core_serves_pytorchjob_with_the_pytorch_packages_crd():
    core_objs = core()
    op_objs = render("pytorch-job", "pytorch-operator")
    crd = one(core_objs, "CustomResourceDefinition", "pytorchjobs.kubeflow.org")
    assert crd == one(op_objs, "CustomResourceDefinition", "pytorchjobs.kubeflow.org")
    args = container(one(core_objs, "Deployment", "tf-job-operator"))["args"]
    assert "--enable-scheme=tfjob" in args and "--enable-scheme=pytorchjob" in args
    rules = one(core_objs, "ClusterRole", "tf-job-operator")["rules"]
    assert any("pytorchjobs" in r.get("resources", []) for r in rules)


def test_core_reuses_the_tf_job_operator_and_its_crd():
    core_objs = core(pytorchJob="false")
    op_objs = render("tf-job", "tf-job-operator")
    assert one(core_objs, "CustomResourceDefinition") == one(op_objs, "CustomResourceDefinition")
    assert one(core_objs, "Deployment", "tf-job-operator") == one(op_objs, "Deployment", "tf-job-operator")
    crd = one(core_objs, "CustomResourceDefinition")
    assert [v["name"] for v in crd["spec"]["versions"]] == ["v1"]
    # exactly one package defines the TFJob CRD
    defining = [p for p in sorted(REGISTRY.glob("*/*sonnet")) + sorted(REGISTRY.glob("*/prototypes/*.jsonnet"))
                if re.search(r"crd\w*\(\s*'TFJob'", p.read_text(), re.I)]
    assert [p.parent.name for p in defining] == ["tf-job"]


@pytest.mark.parametrize("value", [True, "true", "True"])
def test_core_report_usage_true_adds_spartakus_with_cluster_id(value):
    objs = core(reportUsage=value, usageId="1234-abcd")
    dep = one(objs, "Deployment", "spartakus-volunteer")
    assert "--cluster-id=1234-abcd" in container(dep)["args"]
    for kind in ("ClusterRole", "ClusterRoleBinding", "ServiceAccount"):
        one(objs, kind, "spartakus")
    check_objects(objs)


@pytest.mark.parametrize("value", [False, "false", "False"])
def test_core_report_usage_false_has_no_spartakus(value):
    assert not [o for o in core(reportUsage=value) if "spartakus" in o["metadata"]["name"]]


def test_core_report_usage_rejects_non_booleans():
    assert "reportUsage" in render_error("core", "all", "kubeflow-core", reportUsage="sometimes")


@pytest.mark.parametrize("stype", ["NodePort", "LoadBalancer", "ClusterIP"])
def test_core_jupyterhub_service_type(stype):
    svc = one(core(jupyterHubServiceType=stype), "Service", "tf-hub-lb")
    assert svc["spec"]["type"] == stype
    assert svc["spec"]["ports"][0]["port"] == 80 and svc["spec"]["ports"][0]["targetPort"] == 8000


def test_core_ambassador_service_type_old_and_v02_names():
    assert one(core(tfAmbassadorServiceType="NodePort"), "Service", "ambassador")["spec"]["type"] == "NodePort"
    objs = core(tfAmbassadorServiceType="NodePort", AmbassadorServiceType="LoadBalancer")
    assert one(objs, "Service", "ambassador")["spec"]["type"] == "LoadBalancer"


def _hostpaths(dep):
    return {v["hostPath"]["path"] for v in pod_spec(dep).get("volumes", []) if "hostPath" in v}


@pytest.mark.parametrize("cloud", ["aks", "acsengine"])
def test_core_aks_gives_the_tfjob_operator_gpu_driver_volumes(cloud):
    objs = core(cloud=cloud)
    dep = one(objs, "Deployment", "tf-job-operator")
    assert "/usr/lib/nvidia-384" in _hostpaths(dep)
    mounted = {m["name"] for m in container(dep)["volumeMounts"]}
    assert {v["name"] for v in pod_spec(dep)["volumes"] if "hostPath" in v} <= mounted
    cfg = json.loads(one(objs, "ConfigMap", "tf-job-operator-config")["data"]["controller_config_file.yaml"])
    assert cfg["accelerators"]["nvidia.com/gpu"]["volumes"]
    assert "tls: false" in one(objs, "Service", "k8s-dashboard")["metadata"]["annotations"]["getambassador.io/config"]
    check_objects(objs)


@pytest.mark.parametrize("cloud", ["gke", "null"])
def test_core_other_clouds_have_no_host_paths(cloud):
    objs = core(cloud=cloud)
    assert _hostpaths(one(objs, "Deployment", "tf-job-operator")) == set()
    cfg = json.loads(one(objs, "ConfigMap", "tf-job-operator-config")["data"]["controller_config_file.yaml"])
    assert "accelerators" not in cfg


def test_core_gke_only_changes_cloud_name():
    gke, plain = core(cloud="gke"), core()
    assert sorted(names(gke)) == sorted(names(plain))
    env = {e["name"]: e.get("value") for e in container(one(gke, "StatefulSet", "tf-hub"))["env"]}
    assert env["CLOUD_NAME"] == "gke"


def _spawner(objs) -> str:
    return one(objs, "ConfigMap", "jupyterhub-config")["data"]["jupyterhub_config.py"]


def _python_assignment(text: str, target: str):
    """Value of the last `target = <literal>` line (the one in effect when the hub runs)."""
    import ast
    value = None
    for line in text.splitlines():
        if line.startswith(target + " = "):
            value = ast.literal_eval(line[len(target) + 3:])
    return value


def test_core_disks_give_nfs_provisioners_and_notebook_mounts():
    objs = core(disks="disk1,disk2")
    check_objects(objs)
    for d in ("disk1", "disk2"):
        sc = one(objs, "StorageClass", f"{d}-nfs")
        assert sc["provisioner"] == f"{d}/nfs"
        pvc = one(objs, "PersistentVolumeClaim", d)
        assert pvc["spec"]["accessModes"] == ["ReadWriteMany"] and pvc["spec"]["storageClassName"] == f"{d}-nfs"
        svc = one(objs, "Service", f"{d}-service")
        assert {p["port"] for p in svc["spec"]["ports"]} == {2049, 20048, 111}
        dep = one(objs, "Deployment", f"{d}-provisioner")
        assert container(dep)["args"] == [f"-provisioner={d}/nfs"]
        assert pod_spec(dep)["volumes"][0]["gcePersistentDisk"]["pdName"] == d
    one(objs, "ClusterRoleBinding", "kubeflow-core-nfs-role")
    mounts = _python_assignment(_spawner(objs), "c.KubeSpawner.volume_mounts")
    assert {"name": "disk1", "mountPath": "/mnt/disk1"} in mounts and {"name": "disk2", "mountPath": "/mnt/disk2"} in mounts
    vols = _python_assignment(_spawner(objs), "c.KubeSpawner.volumes")
    assert {"name": "disk1", "persistentVolumeClaim": {"claimName": "disk1"}} in vols


def test_core_no_disks_no_nfs():
    assert not [o for o in core() if o["kind"] in ("StorageClass", "PersistentVolumeClaim")]


def test_core_notebook_pvc_mount_is_honoured():
    objs = core(jupyterNotebookPVCMount="/home/jovyan/work")
    text = _spawner(objs)
    mounts = _python_assignment(text, "c.KubeSpawner.volume_mounts")
    vols = _python_assignment(text, "c.KubeSpawner.volumes")
    mount = [m for m in mounts if m["mountPath"] == "/home/jovyan/work"]
    assert len(mount) == 1
    vol = [v for v in vols if v["name"] == mount[0]["name"]]
    assert vol and vol[0]["persistentVolumeClaim"]["claimName"] == "claim-{username}{servername}"
    assert "c.KubeSpawner.storage_pvc_ensure = True" in text
    assert _python_assignment(text, "c.KubeSpawner.pvc_name_template") == "claim-{username}{servername}"
    role = one(objs, "Role", "jupyter-role")
    assert any("persistentvolumeclaims" in r["resources"] and "create" in r["verbs"] for r in role["rules"])
    env = {e["name"]: e.get("value") for e in container(one(objs, "StatefulSet", "tf-hub"))["env"]}
    assert env["NOTEBOOK_PVC_MOUNT"] == "/home/jovyan/work"


def test_core_without_notebook_pvc_mount_creates_no_claims():
    text = _spawner(core())
    assert "storage_pvc_ensure" not in text


def test_core_authenticator():
    assert "DummyAuthenticator" in _spawner(core())
    iap = _spawner(core(jupyterHubAuthenticator="iap"))
    assert "RemoteUserAuthenticator" in iap and "x-goog-authenticated-user-email" in iap


def test_core_invalid_disk_name_is_a_clear_error():
    assert "disks" in render_error("core", "all", "kubeflow-core", disks="Disk_1")


# ----------------------------------------------------------------------------------------------
# tf-job
# ----------------------------------------------------------------------------------------------

def test_tf_job_operator_objects_and_options():
    objs = render("tf-job", "tf-job-operator", gangScheduler="volcano")
    dep = one(objs, "Deployment", "tf-job-operator")
    args = container(dep)["args"]
    assert "--enable-scheme=tfjob" in args and "--gang-scheduler-name=volcano" in args
    role = one(objs, "ClusterRole", "tf-job-operator")
    assert any("podgroups" in r["resources"] and "scheduling.volcano.sh" in r["apiGroups"] for r in role["rules"])
    crb = one(objs, "ClusterRoleBinding", "tf-job-operator")
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "tf-job-operator", "namespace": ENV_NS}]
    assert "--gang-scheduler-name=volcano" not in container(one(render("tf-job", "tf-job-operator"), "Deployment",
                                                                  "tf-job-operator"))["args"]
    no_ui = render("tf-job", "tf-job-operator", tfJobUi="false")
    assert not [o for o in no_ui if "dashboard" in o["metadata"]["name"]]
    assert one(render("tf-job", "tf-job-operator", tfJobUiServiceType="NodePort"), "Service",
               "tf-job-dashboard")["spec"]["type"] == "NodePort"


def tfjob(**values) -> dict:
    objs = render("tf-job", "tf-job", "myjob", **values)
    assert len(objs) == 1
    check_objects(objs)
    job = objs[0]
    assert job["apiVersion"] == "kubeflow.org/v1" and job["kind"] == "TFJob"
    return job


def replica(job, rtype) -> dict:
    key = "tfReplicaSpecs" if job["kind"] == "TFJob" else "pytorchReplicaSpecs"
    return job["spec"][key][rtype]


def rspec(job, rtype) -> dict:
    return replica(job, rtype)["template"]["spec"]


def required_terms(spec) -> list:
    na = spec.get("affinity", {}).get("nodeAffinity", {})
    terms = na.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
    return [e for t in terms for e in t["matchExpressions"]]


def preferred_terms(spec) -> list:
    na = spec.get("affinity", {}).get("nodeAffinity", {})
    return [e for p in na.get("preferredDuringSchedulingIgnoredDuringExecution", [])
            for e in p["preference"]["matchExpressions"]]


def test_tf_job_defaults_are_one_chief():
    job = tfjob()
    assert list(job["spec"]["tfReplicaSpecs"]) == ["Chief"]
    c = rspec(job, "Chief")["containers"][0]
    assert c["name"] == "tensorflow" and c["image"] and c["image"] != "null"
    assert replica(job, "Chief")["restartPolicy"] == "OnFailure"
    assert "runPolicy" not in job["spec"]


def test_tf_job_2018_params_distributed_gpu():
    job = tfjob(image="gcr.io/tf-on-k8s-dogfood/tf_sample:d4ef871-dirty-991dde4", image_gpu="me/tf:gpu",
                num_ps=2, num_workers=3, num_gpus=2, args="--epochs=5,--lr=0.1")
    specs = job["spec"]["tfReplicaSpecs"]
    assert {k: v["replicas"] for k, v in specs.items()} == {"Chief": 1, "PS": 2, "Worker": 3}
    worker = rspec(job, "Worker")["containers"][0]
    assert worker["image"] == "me/tf:gpu" and worker["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert worker["args"] == ["--epochs=5", "--lr=0.1"]
    assert {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]} in required_terms(rspec(job, "Worker"))
    assert rspec(job, "Worker")["tolerations"][0]["key"] == "nvidia.com/gpu"
    for cpu in ("Chief", "PS"):
        spec = rspec(job, cpu)
        assert spec["containers"][0]["image"] == "gcr.io/tf-on-k8s-dogfood/tf_sample:d4ef871-dirty-991dde4"
        assert "resources" not in spec["containers"][0]
        assert required_terms(spec) == []
        assert {"key": "nvidia.com/gpu.present", "operator": "NotIn", "values": ["true"]} in preferred_terms(spec)
    # GPU workers prefer to share nodes with the job's other GPU pods
    pa = rspec(job, "Worker")["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert pa["podAffinityTerm"]["labelSelector"]["matchLabels"] == {"platform/job-name": "myjob"}
    assert replica(job, "Worker")["template"]["metadata"]["labels"]["platform/job-name"] == "myjob"


def test_tf_job_cpu_workers_prefer_cpu_nodes_and_pack_can_be_disabled():
    job = tfjob(num_workers=2)
    assert "resources" not in rspec(job, "Worker")["containers"][0]
    assert preferred_terms(rspec(job, "Worker"))
    job = tfjob(num_workers=2, num_gpus=1, packWorkers="false")
    assert "podAffinity" not in rspec(job, "Worker")["affinity"]


def test_tf_job_group_user_storage_and_label_keys():
    job = tfjob(num_ps=1, num_workers=2, num_gpus=1, group="recsys", user="alice", groupLabelKey="corp.io/pool")
    for rtype in ("Chief", "PS", "Worker"):
        spec = rspec(job, rtype)
        assert {"key": "corp.io/pool", "operator": "In", "values": ["recsys"]} in required_terms(spec)
        claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]}
        assert claims == {"user-storage": "user-alice", "group-storage": "group-recsys", "global-storage": "global"}
        mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
        assert mounts == {"user-storage": "/mnt/user", "group-storage": "/mnt/group", "global-storage": "/mnt/global"}
    spec = rspec(tfjob(user="bob", globalStorage="false"), "Chief")
    assert [v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]] == ["user-bob"]
    assert "volumes" not in rspec(tfjob(), "Chief")


def test_tf_job_volcano_gang_scheduling_via_run_policy():
    job = tfjob(num_ps=1, num_workers=4, scheduler="volcano", queue="team-ads")
    policy = job["spec"]["runPolicy"]["schedulingPolicy"]
    assert policy == {"minAvailable": 6, "queue": "team-ads"}
    for rtype in ("Chief", "PS", "Worker"):
        assert rspec(job, rtype)["schedulerName"] == "volcano"
    assert tfjob(num_workers=4, scheduler="volcano", minAvailable=3)["spec"]["runPolicy"]["schedulingPolicy"]["minAvailable"] == 3
    assert "more than" in render_error("tf-job", "tf-job", "myjob", num_workers=1, scheduler="volcano", minAvailable=5)
    # the operator makes the PodGroup: none is emitted
    assert [o["kind"] for o in render("tf-job", "tf-job", "myjob", num_workers=2, scheduler="volcano")] == ["TFJob"]


@pytest.mark.parametrize("values,fragment", [
    ({"num_gpus": -1}, "num_gpus"),
    ({"num_gpus": 1.5}, "num_gpus"),
    ({"num_gpus": "two"}, "num_gpus"),
    ({"num_masters": 2}, "at most one chief"),
    ({"num_masters": 0}, "no replicas"),
    ({"group": "Not_A_Group"}, "group"),
    ({"user": "Alice Smith"}, "user"),
    ({"packWorkers": "perhaps"}, "packWorkers"),
])
def test_tf_job_bad_input_is_a_clear_error(values, fragment):
    assert fragment in render_error("tf-job", "tf-job", "myjob", **values)


def test_tf_cnn_benchmarks():
    objs = render("tf-job", "tf-cnn", "mycnnjob")
    check_objects(objs)
    job = one(objs, "TFJob")
    assert set(job["spec"]["tfReplicaSpecs"]) == {"Worker", "PS"}
    c = rspec(job, "Worker")["containers"][0]
    assert c["args"][:6] == ["python", "tf_cnn_benchmarks.py", "--batch_size=32", "--model=resnet50",
                             "--variable_update=parameter_server", "--flush_stdout=true"]
    assert "--device=cpu" in c["args"] and c["workingDir"] == "/opt/tf-benchmarks/scripts/tf_cnn_benchmarks"
    assert "tf-benchmarks-cpu" in c["image"]
    gpu = one(render("tf-job", "tf-cnn", "mycnnjob", num_gpus=4, num_workers=2, batch_size=64, model="vgg16"), "TFJob")
    w = rspec(gpu, "Worker")["containers"][0]
    assert "--num_gpus=4" in w["args"] and "--device=cpu" not in w["args"] and "--model=vgg16" in w["args"]
    assert "tf-benchmarks-gpu" in w["image"] and w["resources"]["limits"]["nvidia.com/gpu"] == 4
    assert "tf-benchmarks-cpu" in rspec(gpu, "PS")["containers"][0]["image"]
    assert "num_workers" in render_error("tf-job", "tf-cnn", "x", num_workers=0)
    assert "num_ps" in render_error("tf-job", "tf-cnn", "x", num_ps=0)


def test_tfjob_crd_rejects_what_the_api_server_would():
    job = tfjob(num_workers=1)
    job["spec"]["tfReplicaSpecs"]["Worker"]["replicas"] = "three"
    assert cr_errors(job)
    job = tfjob(num_workers=1)
    del job["spec"]["tfReplicaSpecs"]
    assert cr_errors(job)


# ----------------------------------------------------------------------------------------------
# pytorch-job
# ----------------------------------------------------------------------------------------------

def test_pytorch_operator_is_independent_of_the_tf_job_operator():
    py = render("pytorch-job", "pytorch-operator", gangScheduler="volcano")
    check_objects(py)
    crd = one(py, "CustomResourceDefinition")
    assert crd["metadata"]["name"] == "pytorchjobs.kubeflow.org"
    args = container(one(py, "Deployment", "pytorch-operator"))["args"]
    assert "--enable-scheme=pytorchjob" in args and "--gang-scheduler-name=volcano" in args
    tf = render("tf-job", "tf-job-operator")
    assert not set(names(py)) & set(names(tf)), "the two operator components would fight over objects"
    check_objects(py + tf)


def test_pytorch_job_defaults_and_distributed():
    job = one(render("pytorch-job", "pytorch-job", "mypytorchjob", image="pytorch/pytorch:latest"), "PyTorchJob")
    assert job["apiVersion"] == "kubeflow.org/v1"
    assert list(job["spec"]["pytorchReplicaSpecs"]) == ["Master"]
    assert rspec(job, "Master")["containers"][0] == {"name": "pytorch", "image": "pytorch/pytorch:latest"} | \
        {k: v for k, v in rspec(job, "Master")["containers"][0].items() if k not in ("name", "image")}
    objs = render("pytorch-job", "pytorch-job", "mypytorchjob", num_workers=3, num_gpus=1, image_gpu="me/pt:gpu",
                  group="search", user="bo", scheduler="volcano", queue="q1", args="--epochs=1")
    check_objects(objs)
    job = objs[0]
    assert {k: v["replicas"] for k, v in job["spec"]["pytorchReplicaSpecs"].items()} == {"Master": 1, "Worker": 3}
    for rtype in ("Master", "Worker"):
        spec = rspec(job, rtype)
        c = spec["containers"][0]
        assert c["image"] == "me/pt:gpu" and c["resources"]["limits"]["nvidia.com/gpu"] == 1
        assert c["args"] == ["--epochs=1"]
        exprs = required_terms(spec)
        assert {"key": "platform/group", "operator": "In", "values": ["search"]} in exprs
        assert {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]} in exprs
        assert {v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]} == {"user-bo", "group-search", "global"}
        assert spec["schedulerName"] == "volcano"
    assert job["spec"]["runPolicy"]["schedulingPolicy"] == {"minAvailable": 4, "queue": "q1"}
    assert "num_gpus" in render_error("pytorch-job", "pytorch-job", "p", num_gpus=-2)
    assert "at most one master" in render_error("pytorch-job", "pytorch-job", "p", num_masters=3)


def test_pytorch_job_accepts_v03_camel_case_names():
    job = one(render("pytorch-job", "pytorch-job", "p", numWorkers=2, numGpus=1), "PyTorchJob")
    assert replica(job, "Worker")["replicas"] == 2
    assert rspec(job, "Worker")["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1


# ----------------------------------------------------------------------------------------------
# tf-serving
# ----------------------------------------------------------------------------------------------

def test_tf_serving_user_guide_inception():
    objs = render("tf-serving", "tf-serving-all-features", "serveInception", name="inception",
                  modelPath="gs://kubeflow-models/inception")
    check_objects(objs)
    assert sorted(names(objs)) == [("Deployment", "inception"), ("Service", "inception")]
    c = container(one(objs, "Deployment", "inception"))
    assert "--model_base_path=gs://kubeflow-models/inception" in c["args"]
    assert "--model_name=inception" in c["args"] and c["command"] == ["/usr/bin/tensorflow_model_server"]
    svc = one(objs, "Service", "inception")
    assert {p["port"] for p in svc["spec"]["ports"]} == {9000, 8000} and svc["spec"]["selector"] == {"app": "inception"}
    assert "/models/inception/" in svc["metadata"]["annotations"]["getambassador.io/config"]


def test_tf_serving_nfs_mounts_the_claim_so_the_model_is_readable():
    objs = render("tf-serving", "tf-serving-all-features", "serveInceptionNFS", name="inception-nfs",
                  modelPath="/mnt/var/nfs/general/inception", modelStorageType="nfs", nfsPVC="nfs")
    check_objects(objs)
    dep = one(objs, "Deployment", "inception-nfs")
    vol = [v for v in pod_spec(dep)["volumes"] if v.get("persistentVolumeClaim", {}).get("claimName") == "nfs"]
    assert len(vol) == 1
    mount = [m for m in container(dep)["volumeMounts"] if m["name"] == vol[0]["name"]]
    assert mount and "/mnt/var/nfs/general/inception".startswith(mount[0]["mountPath"].rstrip("/") + "/")
    assert "--model_base_path=/mnt/var/nfs/general/inception" in container(dep)["args"]
    assert "nfsPVC" in render_error("tf-serving", "tf-serving-all-features", "x", modelStorageType="nfs")
    assert "modelStorageType" in render_error("tf-serving", "tf-serving-all-features", "x", modelStorageType="ftp")


def test_tf_serving_gpu_proxy_gcp_s3_and_service_type():
    objs = render("tf-serving", "tf-serving-all-features", "s", numGpus=1, deployHttpProxy=True, cloud="gcp",
                  gcpCredentialSecretName="user-gcp-sa", s3Enable="true", s3SecretName="s3", serviceType="LoadBalancer")
    check_objects(objs)
    dep = one(objs, "Deployment", "s")
    c = container(dep)
    assert c["resources"]["limits"]["nvidia.com/gpu"] == 1 and "gpu" in c["image"]
    env = {e["name"]: e for e in c["env"]}
    assert env["GOOGLE_APPLICATION_CREDENTIALS"]["value"].startswith("/secret/gcp-credentials/")
    assert env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"]["name"] == "s3"
    assert [x["name"] for x in pod_spec(dep)["containers"]] == ["s", "s-http-proxy"]
    assert {v["name"] for v in pod_spec(dep)["volumes"]} == {"gcp-credentials"}
    assert one(objs, "Service", "s")["spec"]["type"] == "LoadBalancer"
    assert "numGpus" in render_error("tf-serving", "tf-serving-all-features", "x", numGpus="lots")


def test_tf_serving_undeclared_library_keys_can_be_set():
    dep = one(render("tf-serving", "tf-serving-all-features", "x", modelServerImage="tensorflow/serving:2.15.0"),
              "Deployment")
    assert container(dep)["image"] == "tensorflow/serving:2.15.0"
    assert "--model_base_path=/models/x" in container(dep)["args"]


# ----------------------------------------------------------------------------------------------
# seldon
# ----------------------------------------------------------------------------------------------

def test_seldon_core_objects_and_flags():
    objs = render("seldon", "core", "seldon")
    assert sorted(names(objs)) == sorted([
        ("CustomResourceDefinition", "seldondeployments.machinelearning.seldon.io"), ("ServiceAccount", "seldon"),
        ("ClusterRole", "seldon"), ("ClusterRoleBinding", "seldon"), ("Deployment", "seldon-cluster-manager"),
        ("Deployment", "redis"), ("Service", "redis")])
    env = {e["name"]: e.get("value") for e in container(one(objs, "Deployment", "seldon-cluster-manager"))["env"]}
    assert env["ENGINE_CONTAINER_IMAGE_AND_VERSION"] == "seldonio/engine:0.1.5"
    for rbac in (False, "false"):
        objs = render("seldon", "core", "seldon", withRbac=rbac, withApife=True, apifeServiceType="LoadBalancer",
                      operatorJavaOpts="-Xmx1g")
        check_objects(objs)
        assert not [o for o in objs if o["kind"] in ("ServiceAccount", "ClusterRoleBinding")]
        assert one(objs, "Service", "seldon-apiserver")["spec"]["type"] == "LoadBalancer"
        env = {e["name"]: e.get("value") for e in container(one(objs, "Deployment", "seldon-cluster-manager"))["env"]}
        assert env["JAVA_OPTS"] == "-Xmx1g"


def test_seldon_serve_simple():
    objs = render("seldon", "serve-simple", "mymodel", image="seldonio/mock_classifier:1.0", replicas=2,
                  endpoint="GRPC", pvcName="models")
    check_objects(objs)
    sdep = one(objs, "SeldonDeployment", "mymodel")
    pred = sdep["spec"]["predictors"][0]
    assert pred["replicas"] == 2 and pred["graph"]["endpoint"]["type"] == "GRPC" and pred["graph"]["type"] == "MODEL"
    c = pred["componentSpec"]["spec"]["containers"][0]
    assert c["image"] == "seldonio/mock_classifier:1.0" and c["volumeMounts"][0]["mountPath"] == "/mnt"
    one(objs, "PersistentVolumeClaim", "models")
    assert [o["kind"] for o in render("seldon", "serve-simple", "m", image="x/y:1")] == ["SeldonDeployment"]
    assert "endpoint" in render_error("seldon", "serve-simple", "m", image="x/y:1", endpoint="SOAP")


# ----------------------------------------------------------------------------------------------
# argo
# ----------------------------------------------------------------------------------------------

def test_argo_install():
    objs = render("argo", "argo", "argo")
    check_objects(objs)
    crds = {o["metadata"]["name"] for o in objs if o["kind"] == "CustomResourceDefinition"}
    assert {"workflows.argoproj.io", "cronworkflows.argoproj.io", "workflowtemplates.argoproj.io"} <= crds
    for kind, name in [("ConfigMap", "workflow-controller-configmap"), ("Deployment", "workflow-controller"),
                       ("Deployment", "argo-ui"), ("Service", "argo-ui"), ("ClusterRole", "argo"),
                       ("ClusterRoleBinding", "argo"), ("ServiceAccount", "argo")]:
        one(objs, kind, name)
    args = container(one(objs, "Deployment", "workflow-controller"))["args"]
    assert args[args.index("--executor-image") + 1] == "quay.io/argoproj/argoexec:v3.5.8"
    # the executor reports results at the top level of a WorkflowTaskResult: they must survive pruning
    result = {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTaskResult", "metadata": {"name": "wf-1"},
              "phase": "Succeeded", "outputs": {"parameters": [{"name": "p", "value": "1"}]}}
    assert cr_errors(result) == []
    tagged = render("argo", "argo", "argo", imageTag="v3.5.5")
    assert container(one(tagged, "Deployment", "workflow-controller"))["image"].endswith(":v3.5.5")


def test_argo_workflow_from_steps():
    steps = [{"name": "prep", "image": "me/prep:1", "command": ["python", "prep.py"]},
             [{"name": "train", "image": "me/train:1", "gpus": 2}, {"name": "eval"}]]
    objs = render("argo", "argo-workflow", "retrain", steps=steps, group="ads", user="kim")
    check_objects(objs)
    wf = one(objs, "Workflow", "retrain")
    spec = wf["spec"]
    main = [t for t in spec["templates"] if t["name"] == spec["entrypoint"]][0]
    assert main["steps"] == [[{"name": "prep", "template": "prep"}],
                             [{"name": "train", "template": "train"}, {"name": "eval", "template": "eval"}]]
    tmpl = {t["name"]: t for t in spec["templates"]}
    assert tmpl["train"]["container"]["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]} in required_terms(tmpl["train"])
    assert tmpl["eval"]["container"]["image"] == "busybox:1.36"
    assert {"key": "platform/group", "operator": "In", "values": ["ads"]} in required_terms(tmpl["prep"])
    assert {v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]} == {"user-kim", "group-ads", "global"}
    assert "steps" in render_error("argo", "argo-workflow", "w", steps=[{"name": "a"}, {"name": "a"}])
    assert "steps" in render_error("argo", "argo-workflow", "w", steps=[])
    assert "gpus" in render_error("argo", "argo-workflow", "w", steps=[{"name": "a", "gpus": -1}])


def test_argo_cron_workflow():
    objs = render("argo", "argo-cron-workflow", "nightly", schedule="0 3 * * 1", timezone="Europe/Berlin",
                  concurrencyPolicy="Replace")
    check_objects(objs)
    cwf = one(objs, "CronWorkflow", "nightly")
    assert cwf["spec"]["schedule"] == "0 3 * * 1" and cwf["spec"]["timezone"] == "Europe/Berlin"
    assert cwf["spec"]["concurrencyPolicy"] == "Replace" and cwf["spec"]["workflowSpec"]["entrypoint"] == "main"
    assert one(render("argo", "argo-cron-workflow", "n"), "CronWorkflow")["spec"]["schedule"] == "@daily"
    assert "concurrencyPolicy" in render_error("argo", "argo-cron-workflow", "n", concurrencyPolicy="Sometimes")
    bad = json.loads(json.dumps(cwf))
    bad["spec"]["concurrencyPolicy"] = "Sometimes"
    assert cr_errors(bad)


# ----------------------------------------------------------------------------------------------
# A real Kubernetes 1.36 API server accepts every object, and keeps every field of the custom
# resources (nothing pruned by the CRD schemas)
# ----------------------------------------------------------------------------------------------

_PLURALS = {"ConfigMap": "configmaps", "Service": "services", "ServiceAccount": "serviceaccounts",
            "PersistentVolumeClaim": "persistentvolumeclaims", "Deployment": "deployments",
            "StatefulSet": "statefulsets", "Role": "roles", "RoleBinding": "rolebindings",
            "ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings",
            "StorageClass": "storageclasses", "CustomResourceDefinition": "customresourcedefinitions"}


def _object_path(obj: dict, crds: dict) -> str:
    api = obj["apiVersion"]
    base = f"/api/{api}" if "/" not in api else f"/apis/{api}"
    if obj["kind"] in _PLURALS:
        plural, namespaced = _PLURALS[obj["kind"]], obj["kind"] not in CLUSTER_SCOPED
    else:
        crd = crds[(api.split("/")[0], obj["kind"])]
        plural, namespaced = crd["spec"]["names"]["plural"], crd["spec"]["scope"] == "Namespaced"
    ns = f"/namespaces/{obj['metadata']['namespace']}" if namespaced else ""
    return f"{base}{ns}/{plural}/{obj['metadata']['name']}"


def _cluster_renders(ns: str) -> list[list[dict]]:
    """Defaults of every prototype plus the variants that matter, all in namespace `ns`."""
    renders = [render(pkg, proto, namespace=ns, **REQUIRED_EXTRA.get((pkg, proto), {}))
               for pkg, proto in all_prototypes()]
    renders += [
        core(namespace=ns, disks="disk1,disk2", reportUsage=True, usageId="u-1", cloud="aks",
             jupyterNotebookPVCMount="/home/jovyan/work", jupyterHubServiceType="NodePort"),
        render("tf-job", "tf-job", "dist", namespace=ns, num_ps=2, num_workers=4, num_gpus=2, group="recsys",
               user="alice", scheduler="volcano", queue="team-a", cleanPodPolicy="Running", args="--epochs=1"),
        render("tf-job", "tf-cnn", "cnn", namespace=ns, num_gpus=1, num_workers=2, group="train"),
        render("pytorch-job", "pytorch-job", "pt", namespace=ns, num_workers=3, num_gpus=1, user="bob",
               scheduler="volcano", minAvailable=2),
        render("tf-serving", "tf-serving-all-features", "serveInceptionNFS", namespace=ns, name="inception-nfs",
               modelPath="/mnt/m", modelStorageType="nfs", nfsPVC="nfs", numGpus=1, deployHttpProxy=True,
               cloud="gcp", gcpCredentialSecretName="user-gcp-sa"),
        render("seldon", "serve-simple", "withpvc", namespace=ns, image="x/model:1", pvcName="models"),
        render("argo", "argo-workflow", "wf2", namespace=ns, user="kim", group="ads",
               steps=[{"name": "a"}, [{"name": "b", "gpus": 1}, {"name": "c"}]]),
    ]
    return renders


@pytest.mark.cluster
def test_real_api_server_accepts_every_object(kube_cluster, kube_namespace):
    ns = kube_namespace
    renders = _cluster_renders(ns)
    objs: dict[str, dict] = {}
    for objects in renders:
        for o in objects:
            objs[f"{o['apiVersion']}/{o['kind']}/{o['metadata']['name']}"] = o
    crd_objs = [o for o in objs.values() if o["kind"] == "CustomResourceDefinition"]
    crds = {(c["spec"]["group"], c["spec"]["names"]["kind"]): c for c in crd_objs}
    cluster_scoped = []
    try:
        for crd in crd_objs:
            path = _object_path(crd, crds)
            kube_cluster.apply(crd, path, field_manager="kfctl-builtin-test")
            cluster_scoped.append(path)
        for crd in crd_objs:
            path = _object_path(crd, crds)

            def established(path=path):
                conds = kube_cluster.get(path).get("status", {}).get("conditions", [])
                return any(c["type"] == "Established" and c["status"] == "True" for c in conds)

            kube_cluster.wait_for(established, 60, f"{crd['metadata']['name']} Established")
        for key, o in sorted(objs.items()):
            if o["kind"] == "CustomResourceDefinition":
                continue
            path = _object_path(o, crds)
            if "namespaces/" not in path:
                cluster_scoped.append(path)
            got = kube_cluster.wait_for(
                lambda o=o, path=path: kube_cluster.apply(o, path, field_manager="kfctl-builtin-test"),
                30, f"apply {key}")
            if (o["apiVersion"].split("/")[0], o["kind"]) in crds:
                assert got["spec"] == o["spec"], f"the API server changed or pruned fields of {key}"
    finally:
        for path in reversed(cluster_scoped):
            kube_cluster.request("DELETE", path, ok=(200, 202, 404))
