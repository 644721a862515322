"""Platform packages of the built-in `kubeflow` registry: sagemaker, mpi-job, volcano, storage,
notebook and katib. Every prototype is rendered through the real CLI, the way a user does it
(`kfctl init`, `kfctl pkg install`, `kfctl generate PROTO NAME`, `kfctl show ENV -c NAME`), and the
resulting objects are checked: against the scenarios, against Kubernetes 1.36's schemas and against
the CRDs this registry installs."""
from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import _gojsonnet
from kfctl.cli import cli

REPO = Path(__file__).resolve().parents[1]
REGISTRY = REPO / "registry" / "versions" / "v0.1.2"  # the v0.1.2 set; tests/test_registry_versions.py covers the current one
VERSION = "v0.1.2"
SCENARIOS = Path("/work/shared/scenarios")

PACKAGES = ["sagemaker", "mpi-job", "volcano", "storage", "notebook", "katib"]
# Installed into the test app: ours, plus the job packages katib's trial templates import.
INSTALL = PACKAGES + ["tf-job", "pytorch-job"]

# --------------------------------------------------------------------------------------------
# Prototype headers (checked for the registry's conventions; rendering goes through kfctl)
# --------------------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"^\s*//\s+@(\w+)\s*(.*)$")
_COMMENT = re.compile(r"^\s*//\s?(.*)$")


def parse_prototype(path: Path) -> dict:
    """Return {name, description, shortDescription, params: {name: (type, default|None)}, body}."""
    meta: dict = {"params": {}}
    body: list[str] = []
    last = None
    for line in path.read_text().splitlines():
        m = _DIRECTIVE.match(line)
        if m:
            key, rest = m.group(1), m.group(2)
            if key == "param":
                name, typ, _desc = (rest.split(" ", 2) + [""])[:3]
                meta["params"][name] = (typ, None)
            elif key == "optionalParam":
                name, typ, default, _desc = (rest.split(" ", 3) + [""])[:4]
                meta["params"][name] = (typ, default)
            else:
                meta[key] = rest
            last = key
            continue
        c = _COMMENT.match(line)
        if c and last is not None and c.group(1).strip():
            continue  # continuation of the previous directive
        last = None
        body.append(line)
    meta["body"] = "\n".join(body)
    return meta


# --------------------------------------------------------------------------------------------
# kfctl driver: one app per test module, one component at a time
# --------------------------------------------------------------------------------------------

class RenderFailed(Exception):
    pass


class KfctlApp:
    def __init__(self, root: Path):
        self.root = root
        self.envs = {"default"}

    def run(self, *args: str) -> tuple[int, str, str]:
        old = os.getcwd()
        os.chdir(self.root)
        try:
            res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
        finally:
            os.chdir(old)
        if res.exception and not isinstance(res.exception, SystemExit):
            raise res.exception
        return res.exit_code, res.stdout, res.stderr

    def check(self, *args: str) -> str:
        code, out, err = self.run(*args)
        assert code == 0, f"kfctl {' '.join(args)}: exit {code}\n{out}\n{err}"
        return out

    def env_for(self, namespace: str) -> str:
        env = "default" if namespace == "default" else f"ns-{namespace}"
        if env not in self.envs:
            self.check("env", "add", env, "--namespace", namespace, "--server", "https://127.0.0.1:6443")
            self.envs.add(env)
        return env

    def render(self, proto: str, name: str, env_namespace: str, values: dict, param_set: dict) -> list[dict]:
        values_file = self.root / "values.json"
        values_file.write_text(json.dumps(values))
        code, out, err = self.run("generate", proto, name, "--values-file", str(values_file))
        if code != 0:
            raise RenderFailed(err.strip() or out.strip())
        try:
            for key, value in param_set.items():
                self.check("param", "set", name, key, value)
            code, out, err = self.run("show", self.env_for(env_namespace), "-c", name, "-o", "json")
        finally:
            self.check("component", "rm", name)
        if code != 0:
            raise RenderFailed(err.strip() or out.strip())
        return json.loads(out)["items"]


_APP: KfctlApp | None = None


@pytest.fixture(autouse=True, scope="module")
def _app(tmp_path_factory):
    global _APP
    root = tmp_path_factory.mktemp("platform")
    app = KfctlApp(root)
    app.check("init", "app")
    app = KfctlApp(root / "app")
    for pkg in INSTALL:
        if (REGISTRY / pkg).exists():
            app.check("pkg", "install", f"kubeflow/{pkg}@{VERSION}")
    _APP = app
    yield app
    _APP = None


def render(proto: str, name: str, env_namespace: str = "default", param_set: dict | None = None,
           **values) -> list[dict]:
    """`kfctl generate PROTO NAME` with `values` (a values file, so numbers, objects and arrays
    keep their types), then `kfctl param set NAME KEY VALUE` for every `param_set` item (as a user
    types them: any param, declared or not, any value), then `kfctl show` of that component."""
    return _APP.render(proto, name, env_namespace, values, param_set or {})


def render_unchecked(proto: str, name: str, **values) -> list[dict]:
    """Render with values kfctl's own required-param check lets through, to test the package's errors."""
    return render(proto, name, **values)


def vendor_dir() -> str:
    """An import path where "kubeflow/<pkg>/..." is the installed version's package (vendored as <pkg>@<version>)."""
    from kfctl.app import App
    from kfctl.vendor_links import versioned_vendor

    return versioned_vendor(App.load(_APP.root))


def by_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def one(objs: list[dict], kind: str, name: str | None = None) -> dict:
    hits = [o for o in by_kind(objs, kind) if name is None or o["metadata"]["name"] == name]
    assert len(hits) == 1, f"{kind}/{name}: {[o['metadata']['name'] for o in by_kind(objs, kind)]}"
    return hits[0]


def strip_kfctl(obj: dict) -> dict:
    obj = json.loads(json.dumps(obj))
    labels = obj["metadata"].get("labels", {})
    labels.pop("ksonnet.io/component", None)
    if not labels:
        obj["metadata"].pop("labels", None)
    return obj


# The TrainingJob the SageMaker scenario (shared/scenarios/sagemaker-training.md) says `show` must
# print, kept here so the test runs wherever the repository is checked out.
SCENARIO_TRAINING_JOB = """
apiVersion: sagemaker.aws.amazon.com/v1
kind: TrainingJob
metadata:
  name: xgboost-mnist
spec:
  roleArn: SAGEMAKER_EXECUTION_ROLE_ARN
  region: us-east-1
  algorithmSpecification:
    trainingImage: 811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest
    trainingInputMode: File
  outputDataConfig:
    s3OutputPath: s3://BUCKET_NAME/xgboost-mnist/models/
  inputDataConfig:
    - channelName: train
      dataSource:
        s3DataSource:
          s3DataType: S3Prefix
          s3Uri: s3://BUCKET_NAME/xgboost-mnist/train/
          s3DataDistributionType: FullyReplicated
      contentType: text/csv
      compressionType: None
    - channelName: validation
      dataSource:
        s3DataSource:
          s3DataType: S3Prefix
          s3Uri: s3://BUCKET_NAME/xgboost-mnist/validation/
          s3DataDistributionType: FullyReplicated
      contentType: text/csv
      compressionType: None
  resourceConfig:
    instanceCount: 1
    instanceType: ml.m4.xlarge
    volumeSizeInGB: 5
  hyperParameters:
    - name: max_depth
      value: "5"
    - name: eta
      value: "0.2"
    - name: gamma
      value: "4"
    - name: min_child_weight
      value: "6"
    - name: silent
      value: "0"
    - name: objective
      value: multi:softmax
    - name: num_class
      value: "10"
    - name: num_round
      value: "10"
  stoppingCondition:
    maxRuntimeInSeconds: 86400
"""


def scenario_yaml(filename: str, kind: str) -> dict:
    """The scenario's object of `kind` (the embedded copy; checked against the scenario file when
    the shared scenarios are available)."""
    assert (filename, kind) == ("sagemaker-training.md", "TrainingJob")
    doc = yaml.load(SCENARIO_TRAINING_JOB, Loader=yaml.CSafeLoader)
    path = SCENARIOS / filename
    if path.exists():
        blocks = [yaml.load(b, Loader=yaml.CSafeLoader) for b in re.findall(r"```yaml\n(.*?)```", path.read_text(), re.S)]
        assert doc in blocks, "the embedded scenario object differs from the scenario file"
    return doc


# --------------------------------------------------------------------------------------------
# CRD schema checks: every custom object a prototype emits must validate against the CRD
# (structural openAPIV3Schema) the matching operator prototype installs.
# --------------------------------------------------------------------------------------------

def crd_validator(crds: list[dict], obj: dict):
    import jsonschema
    group, version = obj["apiVersion"].split("/")
    for crd in crds:
        spec = crd["spec"]
        if spec["group"] == group and spec["names"]["kind"] == obj["kind"]:
            for v in spec["versions"]:
                if v["name"] == version:
                    schema = _to_jsonschema(v["schema"]["openAPIV3Schema"])
                    return jsonschema.Draft7Validator(schema)
    raise AssertionError(f"no CRD serves {obj['apiVersion']} {obj['kind']}")


def _to_jsonschema(node):
    if isinstance(node, dict):
        out = {k: _to_jsonschema(v) for k, v in node.items()
               if not k.startswith("x-kubernetes-") and k not in ("format",)}
        if node.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if node.get("type") == "object" and "properties" in node and not node.get("x-kubernetes-preserve-unknown-fields") \
                and "additionalProperties" not in node:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [_to_jsonschema(v) for v in node]
    return node


def assert_valid_against(crds: list[dict], obj: dict):
    errors = sorted(crd_validator(crds, obj).iter_errors(obj), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def assert_invalid_against(crds: list[dict], obj: dict, fragment: str):
    errors = list(crd_validator(crds, obj).iter_errors(obj))
    assert errors and any(fragment in e.message or fragment in str(list(e.path)) for e in errors), \
        [e.message for e in errors]


def check_structural(crd: dict):
    """The rules apiextensions.k8s.io/v1 enforces on a schema (a subset): every node typed unless
    it preserves unknown fields or is int-or-string; metadata restricted; no nullable-less tricks."""
    def walk(node, path, root=False):
        assert isinstance(node, dict), path
        if not (node.get("x-kubernetes-int-or-string") or node.get("x-kubernetes-preserve-unknown-fields")
                and "type" not in node):
            assert "type" in node, f"untyped schema node at {path}"
        for k, v in node.get("properties", {}).items():
            walk(v, f"{path}.{k}")
        if "items" in node:
            walk(node["items"], f"{path}[]")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{path}{{}}")
        for k in ("required",):
            if k in node:
                props = node.get("properties", {})
                assert all(r in props for r in node[k]) or node.get("x-kubernetes-preserve-unknown-fields"), \
                    f"{path}: required {node[k]} not among properties"
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    spec = crd["spec"]
    assert crd["metadata"]["name"] == f"{spec['names']['plural']}.{spec['group']}"
    assert sum(1 for v in spec["versions"] if v["storage"]) == 1
    for v in spec["versions"]:
        schema = v["schema"]["openAPIV3Schema"]
        assert schema["type"] == "object"
        assert schema["properties"]["metadata"] == {"type": "object"}
        walk(schema, v["name"], root=True)


def assert_k8s_valid(obj: dict):
    """Built-in kinds must validate (strictly: no unknown fields) against Kubernetes 1.36's schemas."""
    import kubernetes_validate
    try:
        kubernetes_validate.validate(obj, "1.36", strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        raise AssertionError(f"{obj['apiVersion']} {obj['kind']} is not a Kubernetes 1.36 built-in") from None
    except kubernetes_validate.ValidationError as e:
        raise AssertionError(f"{obj['kind']}/{obj['metadata'].get('name')}: {str(e).splitlines()[0]}") from None


BUILTIN_GROUPS = {"v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1", "apiextensions.k8s.io/v1",
                  "policy/v1", "scheduling.k8s.io/v1", "admissionregistration.k8s.io/v1", "networking.k8s.io/v1",
                  "coordination.k8s.io/v1", "storage.k8s.io/v1"}


# --------------------------------------------------------------------------------------------
# Package layout
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PACKAGES)
def test_package_layout(pkg):
    root = REGISTRY / pkg
    if not root.exists():
        pytest.skip(f"{pkg} not written yet")
    parts = yaml.load((root / "parts.yaml").read_text(), Loader=yaml.CSafeLoader)
    assert parts["apiVersion"] == "0.0.1" and parts["kind"] == "ksonnet.io/parts" and parts["name"] == pkg
    reg = yaml.load((REGISTRY / "registry.yaml").read_text(), Loader=yaml.CSafeLoader)
    assert pkg in reg["libraries"]
    readme = (root / "README.md").read_text()
    protos = sorted((root / "prototypes").glob("*.jsonnet"))
    assert protos
    for p in protos:
        meta = parse_prototype(p)
        short = meta["name"].removeprefix("io.ksonnet.pkg.")
        assert meta["name"].startswith("io.ksonnet.pkg.") and short == p.stem
        assert meta.get("description") and meta.get("shortDescription") and meta.get("apiVersion") == "0.1"
        assert "name" in meta["params"]
        for pname, (typ, _d) in meta["params"].items():
            assert typ in {"string", "number", "numberOrString", "object", "array"}, (p, pname)
            # every param is explained in the package README
            assert f"`{pname}`" in readme, f"{pkg} README misses param {pname} of {short}"
        assert f"`{short}`" in readme
        # every param the body reads is declared in the header
        used = set(re.findall(r"params\.(\w+)", meta["body"]))
        assert used <= set(meta["params"]), (p, used - set(meta["params"]))


# --------------------------------------------------------------------------------------------
# sagemaker
# --------------------------------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/my-role"
MONITORS_DEFAULT = "10.0.0.1:6789"
XGB = dict(roleArn="SAGEMAKER_EXECUTION_ROLE_ARN", region="us-east-1",
           trainingImage="811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest",
           s3Bucket="BUCKET_NAME", s3Prefix="xgboost-mnist")
XGB_HP = {"max_depth": "5", "eta": "0.2", "gamma": "4", "min_child_weight": "6", "silent": "0",
          "objective": "multi:softmax", "num_class": "10", "num_round": "10"}


@functools.cache
def sagemaker_crds() -> list[dict]:
    return by_kind(render("sagemaker-operator", "sagemaker-operator", roleArn=ROLE), "CustomResourceDefinition")


def test_sagemaker_operator_installs_crds_namespace_rbac_and_annotated_sa():
    objs = render("sagemaker-operator", "sagemaker-operator", roleArn=ROLE)
    crds = by_kind(objs, "CustomResourceDefinition")
    assert sorted(c["spec"]["names"]["kind"] for c in crds) == sorted(
        ["TrainingJob", "HyperparameterTuningJob", "HostingDeployment", "BatchTransformJob", "Model", "EndpointConfig"])
    for c in crds:
        assert c["spec"]["group"] == "sagemaker.aws.amazon.com"
        assert [v["name"] for v in c["spec"]["versions"]] == ["v1"]
        check_structural(c)
    ns = "sagemaker-k8s-operator-system"
    assert one(objs, "Namespace")["metadata"]["name"] == ns
    sa = one(objs, "ServiceAccount", "sagemaker-k8s-operator-default")
    assert sa["metadata"]["namespace"] == ns
    assert sa["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE}
    dep = one(objs, "Deployment")
    assert dep["metadata"]["namespace"] == ns
    assert dep["spec"]["template"]["spec"]["serviceAccountName"] == "sagemaker-k8s-operator-default"
    assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    crb = one(objs, "ClusterRoleBinding")
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": "sagemaker-k8s-operator-default", "namespace": ns}]
    role = one(objs, "ClusterRole", crb["roleRef"]["name"])
    granted = {r for rule in role["rules"] for r in rule["resources"]}
    assert {c["spec"]["names"]["plural"] for c in crds} <= granted


@pytest.mark.parametrize("role", ["", "null", "   "])
def test_sagemaker_operator_without_role_is_an_error(role):
    # one clear message, whether kfctl's required-param check or the package catches it
    with pytest.raises(RenderFailed, match="roleArn"):
        render_unchecked("sagemaker-operator", "op", roleArn=role)


@pytest.mark.parametrize("role", ["null", "   "])
def test_sagemaker_operator_package_refuses_unset_role(role):
    # values kfctl's required-param check lets through: the package itself must refuse them
    with pytest.raises(RenderFailed, match="param roleArn is required"):
        render_unchecked("sagemaker-operator", "op", roleArn=role)


def test_sagemaker_training_job_matches_scenario():
    objs = render("sagemaker-training-job", "xgboost-mnist", **XGB, hyperParameters=XGB_HP)
    assert len(objs) == 1
    got = strip_kfctl(objs[0])
    want = scenario_yaml("sagemaker-training.md", "TrainingJob")
    assert objs[0]["metadata"]["labels"] == {"ksonnet.io/component": "xgboost-mnist"}
    got_hp = sorted((h["name"], h["value"]) for h in got["spec"].pop("hyperParameters"))
    want_hp = sorted((h["name"], h["value"]) for h in want["spec"].pop("hyperParameters"))
    assert got_hp == want_hp
    # kfctl emits them sorted by name (SageMaker treats them as a map)
    assert [h["name"] for h in objs[0]["spec"]["hyperParameters"]] == sorted(XGB_HP)
    assert got == want
    assert_valid_against(sagemaker_crds(), objs[0])


def test_sagemaker_training_job_values_are_stringified_and_params_typed():
    objs = render("sagemaker-training-job", "tj", **{**XGB, "s3Prefix": "/a/b/"}, namespace="ml",
                  hyperParameters={"eta": 0.2, "num_round": 10, "verbose": True},
                  instanceCount="3", volumeSizeInGB=50, channels="train")
    tj = objs[0]
    assert tj["metadata"]["namespace"] == "ml"
    assert tj["spec"]["hyperParameters"] == [{"name": "eta", "value": "0.2"},
                                             {"name": "num_round", "value": "10"},
                                             {"name": "verbose", "value": "true"}]
    assert tj["spec"]["resourceConfig"]["instanceCount"] == 3
    assert tj["spec"]["resourceConfig"]["volumeSizeInGB"] == 50
    assert [c["channelName"] for c in tj["spec"]["inputDataConfig"]] == ["train"]
    assert tj["spec"]["inputDataConfig"][0]["dataSource"]["s3DataSource"]["s3Uri"] == "s3://BUCKET_NAME/a/b/train/"
    assert_valid_against(sagemaker_crds(), tj)


def test_sagemaker_training_job_defaults_have_no_namespace_and_no_hyperparameters():
    tj = render("sagemaker-training-job", "tj", **XGB)[0]
    assert "namespace" not in tj["metadata"]
    assert "hyperParameters" not in tj["spec"]
    assert tj["spec"]["resourceConfig"] == {"instanceCount": 1, "instanceType": "ml.m4.xlarge", "volumeSizeInGB": 5}


@pytest.mark.parametrize("field,value,msg", [
    ("roleArn", "", "roleArn"),
    ("roleArn", "null", "roleArn"),
    ("instanceCount", 1.5, "instanceCount must be an integer"),
    ("instanceCount", 0, "instanceCount must be at least 1"),
])
def test_sagemaker_training_job_bad_input(field, value, msg):
    with pytest.raises(RenderFailed, match=msg):
        render_unchecked("sagemaker-training-job", "tj", **{**XGB, field: value})


def test_sagemaker_training_job_count_set_to_a_word():
    # kfctl param set stores a word as a string; the package refuses it with one message
    with pytest.raises(RenderFailed, match="instanceCount must be an integer"):
        render("sagemaker-training-job", "tj", param_set={"instanceCount": "two"}, **XGB)
    # a numeric string (ks 0.9-style quoting) is accepted
    tj = render("sagemaker-training-job", "tj", param_set={"instanceCount": "3"}, **XGB)[0]
    assert tj["spec"]["resourceConfig"]["instanceCount"] == 3


def test_sagemaker_crd_schema_rejects_malformed_jobs():
    crds = sagemaker_crds()
    tj = render("sagemaker-training-job", "tj", **XGB)[0]
    bad = json.loads(json.dumps(tj))
    del bad["spec"]["roleArn"]
    assert_invalid_against(crds, bad, "roleArn")
    bad = json.loads(json.dumps(tj))
    bad["spec"]["resourceConfig"]["instanceCount"] = "many"
    assert_invalid_against(crds, bad, "instanceCount")


def test_sagemaker_tuning_job():
    ranges = {"eta": {"type": "continuous", "min": 0.1, "max": 0.5},
              "num_round": {"type": "integer", "min": 10, "max": 20, "scaling": "Linear"},
              "objective": {"type": "categorical", "values": ["multi:softmax", "multi:softprob"]}}
    objs = render("sagemaker-hyperparameter-tuning-job", "hpo", **XGB, parameterRanges=ranges,
                  staticHyperParameters={"num_class": 10})
    hpo = objs[0]
    assert hpo["kind"] == "HyperparameterTuningJob"
    cfg = hpo["spec"]["hyperParameterTuningJobConfig"]
    assert cfg["parameterRanges"] == {
        "continuousParameterRanges": [{"name": "eta", "minValue": "0.1", "maxValue": "0.5", "scalingType": "Auto"}],
        "integerParameterRanges": [{"name": "num_round", "minValue": "10", "maxValue": "20", "scalingType": "Linear"}],
        "categoricalParameterRanges": [{"name": "objective", "values": ["multi:softmax", "multi:softprob"]}],
    }
    assert cfg["resourceLimits"] == {"maxNumberOfTrainingJobs": 10, "maxParallelTrainingJobs": 2}
    tdef = hpo["spec"]["trainingJobDefinition"]
    assert tdef["roleArn"] == XGB["roleArn"]
    assert tdef["staticHyperParameters"] == [{"name": "num_class", "value": "10"}]
    assert tdef["outputDataConfig"]["s3OutputPath"] == "s3://BUCKET_NAME/xgboost-mnist/models/"
    assert_valid_against(sagemaker_crds(), hpo)
    with pytest.raises(RenderFailed, match="parameterRanges.eta.type must be one of"):
        render("sagemaker-hyperparameter-tuning-job", "hpo", **XGB, parameterRanges={"eta": {"type": "float"}})
    with pytest.raises(RenderFailed, match="at least one hyperparameter"):
        render_unchecked("sagemaker-hyperparameter-tuning-job", "hpo", **XGB, parameterRanges={})


def test_sagemaker_hosting_and_batch_transform():
    hd = render("sagemaker-hosting-deployment", "xgb-host", roleArn=ROLE, region="us-east-2",
                image="123.dkr.ecr.us-east-2.amazonaws.com/xgboost:1", modelDataUrl="s3://b/m/model.tar.gz",
                initialInstanceCount=2)[0]
    assert hd["kind"] == "HostingDeployment"
    assert hd["spec"]["models"][0]["name"] == "xgb-host"
    assert hd["spec"]["models"][0]["containers"][0]["modelDataUrl"] == "s3://b/m/model.tar.gz"
    assert hd["spec"]["productionVariants"] == [{"variantName": "AllTraffic", "modelName": "xgb-host",
                                                 "instanceType": "ml.t2.medium", "initialInstanceCount": 2,
                                                 "initialVariantWeight": 1}]
    crds = sagemaker_crds()
    assert_valid_against(crds, hd)
    bt = render("sagemaker-batch-transform-job", "xgb-batch", region="us-east-1", modelName="xgb-model",
                inputS3Uri="s3://b/in/", outputS3Uri="s3://b/out/")[0]
    assert bt["kind"] == "BatchTransformJob"
    assert bt["spec"]["transformInput"]["dataSource"]["s3DataSource"] == {"s3DataType": "S3Prefix", "s3Uri": "s3://b/in/"}
    assert bt["spec"]["transformResources"] == {"instanceCount": 1, "instanceType": "ml.m4.xlarge"}
    assert_valid_against(crds, bt)


# --------------------------------------------------------------------------------------------
# Every prototype, rendered with its defaults (required params only), gives objects a real API
# server accepts: built-in kinds validate strictly against Kubernetes 1.36's schemas, custom
# kinds against the CRDs this registry installs.
# --------------------------------------------------------------------------------------------

REQUIRED = {
    "sagemaker-operator": dict(roleArn=ROLE),
    "sagemaker-training-job": XGB,
    "sagemaker-hyperparameter-tuning-job": {**XGB, "parameterRanges": {"eta": {"type": "continuous", "min": 0, "max": 1}}},
    "sagemaker-hosting-deployment": dict(roleArn=ROLE, region="us-east-1", image="img", modelDataUrl="s3://b/m.tar.gz"),
    "sagemaker-batch-transform-job": dict(region="us-east-1", modelName="m", inputS3Uri="s3://b/i", outputS3Uri="s3://b/o"),
    "mpi-operator": {},
    "mpi-job": {},
    "volcano": {},
    "volcano-queue": {},
    "storage": dict(monitors=MONITORS_DEFAULT),
    "notebook": dict(user="alice"),
    "katib": {},
    "katib-experiment": dict(parameters=[{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.1"}}],
                             trialParams={"command": "python,/train.py"}),
}

# installer prototype whose CRDs serve a package's custom kinds
INSTALLERS = {
    "sagemaker": ("sagemaker-operator", dict(roleArn=ROLE)),
    "mpi-job": ("mpi-operator", {}),
    "volcano": ("volcano", {}),
    "katib": ("katib", {}),
}


def all_prototypes() -> list[tuple[str, str]]:
    out = []
    for pkg in PACKAGES:
        for p in sorted((REGISTRY / pkg).glob("prototypes/*.jsonnet")):
            out.append((pkg, p.stem))
    return out


@functools.cache
def installed_crds() -> list[dict]:
    crds = [ISTIO_VIRTUALSERVICE_CRD]
    for pkg, (proto, values) in INSTALLERS.items():
        if (REGISTRY / pkg).exists():
            crds += by_kind(render(proto, proto, **values), "CustomResourceDefinition")
    return crds


@pytest.mark.parametrize("pkg,proto", all_prototypes())
def test_prototype_defaults_render_valid_objects(pkg, proto):
    assert proto in REQUIRED, f"add the required params of {proto} to REQUIRED"
    objs = render(proto, "c1", **REQUIRED[proto])
    assert objs
    crds = installed_crds()
    for o in objs:
        assert o["metadata"].get("name"), o
        if o["apiVersion"] in BUILTIN_GROUPS:
            assert_k8s_valid(o)
            if o["kind"] == "CustomResourceDefinition":
                check_structural(o)
        else:
            assert_valid_against(crds, o)


# --------------------------------------------------------------------------------------------
# mpi-job
# --------------------------------------------------------------------------------------------

@functools.cache
def mpi_crds() -> list[dict]:
    return by_kind(render("mpi-operator", "mpi-operator"), "CustomResourceDefinition")


def pod_spec(job: dict, replica: str) -> dict:
    return job["spec"]["mpiReplicaSpecs"][replica]["template"]["spec"]


def node_terms(spec: dict, kind: str) -> list:
    na = spec.get("affinity", {}).get("nodeAffinity", {})
    if kind == "required":
        return [e for t in na.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
                for e in t["matchExpressions"]]
    return [e for t in na.get("preferredDuringSchedulingIgnoredDuringExecution", [])
            for e in t["preference"]["matchExpressions"]]


def mounts(spec: dict) -> dict:
    """{mountPath: claimName} of the platform storage mounted into every container of a pod."""
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in spec.get("volumes", [])
              if "persistentVolumeClaim" in v}
    per_container = [{m["mountPath"]: claims[m["name"]] for m in c.get("volumeMounts", []) if m["name"] in claims}
                     for c in spec["containers"] + spec.get("initContainers", [])]
    assert all(pc == per_container[0] for pc in per_container), per_container
    return per_container[0]


PLATFORM_MOUNTS = {"/mnt/user": "user-alice", "/mnt/group": "group-recsys", "/mnt/global": "global"}


def test_mpi_operator_install():
    objs = render("mpi-operator", "mpi-operator", env_namespace="kubeflow", gangScheduler="volcano")
    crd = one(objs, "CustomResourceDefinition", "mpijobs.kubeflow.org")
    assert [v["name"] for v in crd["spec"]["versions"]] == ["v2beta1"]
    check_structural(crd)
    dep = one(objs, "Deployment", "mpi-operator")
    assert dep["metadata"]["namespace"] == "kubeflow"
    args = dep["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--gang-scheduling=volcano" in args and "--lock-namespace=kubeflow" in args
    sa = one(objs, "ServiceAccount", dep["spec"]["template"]["spec"]["serviceAccountName"])
    crb = one(objs, "ClusterRoleBinding", "mpi-operator")
    assert crb["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": "kubeflow"}]
    rules = one(objs, "ClusterRole", "mpi-operator")["rules"]
    # the operator creates the PodGroups of gang-scheduled jobs itself
    assert any("scheduling.volcano.sh" in r["apiGroups"] and "podgroups" in r["resources"] for r in rules)
    assert any("kubeflow.org" in r["apiGroups"] and "mpijobs/status" in r["resources"] for r in rules)
    plain = render("mpi-operator", "mpi-operator")
    assert not any(a.startswith("--gang-scheduling") for a in
                   one(plain, "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"])
    with pytest.raises(RenderFailed, match="gangScheduler: expected volcano"):
        render("mpi-operator", "mpi-operator", gangScheduler="kube-batch")


def test_mpi_job_platform_placement_storage_and_gang():
    job = one(render("mpi-job", "hvd", env_namespace="team", image="horovod/horovod:0.28.1", workers=4,
                     slotsPerWorker=2, gpusPerWorker=2, group="recsys", user="alice",
                     scheduler="volcano", queue="recsys", command="python,/mnt/user/train.py"), "MPIJob")
    assert job["apiVersion"] == "kubeflow.org/v2beta1" and job["metadata"]["namespace"] == "team"
    spec = job["spec"]
    assert spec["slotsPerWorker"] == 2
    assert spec["mpiReplicaSpecs"]["Worker"]["replicas"] == 4
    assert spec["mpiReplicaSpecs"]["Launcher"]["replicas"] == 1
    launcher, worker = pod_spec(job, "Launcher"), pod_spec(job, "Worker")

    # launcher: CPU only, prefers non-GPU nodes (falls back), pinned to its group
    lc = launcher["containers"][0]
    assert "nvidia.com/gpu" not in json.dumps(lc["resources"])
    assert {"key": "nvidia.com/gpu.present", "operator": "NotIn", "values": ["true"]} in node_terms(launcher, "preferred")
    assert node_terms(launcher, "required") == [{"key": "platform/group", "operator": "In", "values": ["recsys"]}]
    assert lc["command"][:4] == ["mpirun", "--allow-run-as-root", "-np", "8"]
    assert lc["command"][-2:] == ["python", "/mnt/user/train.py"]

    # workers: GPUs, required GPU nodes of the group, tolerate the GPU taint, packed together
    wc = worker["containers"][0]
    assert wc["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]} in node_terms(worker, "required")
    assert {"key": "platform/group", "operator": "In", "values": ["recsys"]} in node_terms(worker, "required")
    assert any(t["key"] == "nvidia.com/gpu" for t in worker["tolerations"])
    pack = worker["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]
    assert pack["topologyKey"] == "kubernetes.io/hostname"
    wlabels = job["spec"]["mpiReplicaSpecs"]["Worker"]["template"]["metadata"]["labels"]
    assert pack["labelSelector"]["matchLabels"].items() <= wlabels.items()
    assert "podAffinity" not in launcher.get("affinity", {})

    # storage of user, group and global in both pods
    assert mounts(launcher) == PLATFORM_MOUNTS and mounts(worker) == PLATFORM_MOUNTS

    # gang scheduling through the operator: policy in runPolicy, no PodGroup emitted
    assert spec["runPolicy"]["schedulingPolicy"] == {"minAvailable": 5, "queue": "recsys"}
    assert launcher["schedulerName"] == worker["schedulerName"] == "volcano"
    assert_valid_against(mpi_crds(), job)


def test_mpi_job_defaults_and_cpu_only():
    objs = render("mpi-job", "bench")
    assert [o["kind"] for o in objs] == ["MPIJob"]
    job = objs[0]
    assert "schedulingPolicy" not in job["spec"]["runPolicy"]
    launcher, worker = pod_spec(job, "Launcher"), pod_spec(job, "Worker")
    assert "schedulerName" not in launcher and "volumes" not in worker
    cpu = render("mpi-job", "cpu", gpusPerWorker=0, minAvailable=2, scheduler="volcano")[0]
    w = pod_spec(cpu, "Worker")
    assert "nvidia.com/gpu" not in json.dumps(w["containers"][0]["resources"])
    assert {"key": "nvidia.com/gpu.present", "operator": "NotIn", "values": ["true"]} in node_terms(w, "preferred")
    assert "podAffinity" not in w.get("affinity", {})
    assert cpu["spec"]["runPolicy"]["schedulingPolicy"] == {"minAvailable": 2}
    assert_valid_against(mpi_crds(), cpu)


@pytest.mark.parametrize("values,msg", [
    ({"gpusPerWorker": -1}, "gpusPerWorker: GPU count must be a non-negative integer"),
    ({"gpusPerWorker": 1.5}, "gpusPerWorker: GPU count must be a non-negative integer"),
    ({"group": ""}, "group: must not be empty"),
    ({"group": "Bad_Group"}, "group:"),
    ({"minAvailable": 9}, "minAvailable"),
    ({"command": ""}, "command"),
])
def test_mpi_job_bad_input(values, msg):
    with pytest.raises(RenderFailed, match=msg):
        render("mpi-job", "bad", **({"scheduler": "volcano"} | values))


def test_mpi_job_gpus_set_to_a_word():
    with pytest.raises(RenderFailed, match="gpusPerWorker: GPU count must be a non-negative integer"):
        render("mpi-job", "bad", param_set={"gpusPerWorker": "two"})


def test_mpi_crd_rejects_malformed_job():
    job = render("mpi-job", "j")[0]
    bad = json.loads(json.dumps(job))
    bad["spec"]["slotsPerWorker"] = "two"
    assert_invalid_against(mpi_crds(), bad, "slotsPerWorker")
    bad = json.loads(json.dumps(job))
    del bad["spec"]["mpiReplicaSpecs"]["Launcher"]
    assert_invalid_against(mpi_crds(), bad, "Launcher")


# --------------------------------------------------------------------------------------------
# volcano
# --------------------------------------------------------------------------------------------

def test_volcano_install():
    objs = render("volcano", "volcano")
    ns = "volcano-system"
    assert one(objs, "Namespace")["metadata"]["name"] == ns
    crds = {c["metadata"]["name"]: c for c in by_kind(objs, "CustomResourceDefinition")}
    assert {"queues.scheduling.volcano.sh", "podgroups.scheduling.volcano.sh", "jobs.batch.volcano.sh"} <= set(crds)
    assert crds["queues.scheduling.volcano.sh"]["spec"]["scope"] == "Cluster"
    assert [v["name"] for v in crds["queues.scheduling.volcano.sh"]["spec"]["versions"]] == ["v1beta1"]
    assert [v["name"] for v in crds["podgroups.scheduling.volcano.sh"]["spec"]["versions"]] == ["v1beta1"]
    assert [v["name"] for v in crds["jobs.batch.volcano.sh"]["spec"]["versions"]] == ["v1alpha1"]
    for c in crds.values():
        check_structural(c)
    sched = one(objs, "Deployment", "volcano-scheduler")
    pod = sched["spec"]["template"]["spec"]
    conf_arg = next(a for a in pod["containers"][0]["args"] if a.startswith("--scheduler-conf="))
    mount = pod["containers"][0]["volumeMounts"][0]
    assert conf_arg.startswith(f"--scheduler-conf={mount['mountPath']}/")
    cm_name = next(v["configMap"]["name"] for v in pod["volumes"] if v["name"] == mount["name"])
    conf = yaml.load(one(objs, "ConfigMap", cm_name)["data"][conf_arg.rsplit("/", 1)[1]], Loader=yaml.CSafeLoader)
    assert [a.strip() for a in conf["actions"].split(",")] == ["enqueue", "allocate", "backfill"]
    plugins = [pl["name"] for tier in conf["tiers"] for pl in tier["plugins"]]
    assert "gang" in plugins and "binpack" in plugins and "proportion" in plugins
    for dep in by_kind(objs, "Deployment"):
        sa = dep["spec"]["template"]["spec"]["serviceAccountName"]
        one(objs, "ServiceAccount", sa)
        crb = next(b for b in by_kind(objs, "ClusterRoleBinding") if b["subjects"][0]["name"] == sa)
        one(objs, "ClusterRole", crb["roleRef"]["name"])
        assert dep["metadata"]["namespace"] == ns
    ctl_args = one(objs, "Deployment", "volcano-controllers")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--controllers=+gc-controller,+job-controller,+pg-controller,+queue-controller" in ctl_args
    # scheduler may bind pods and update podgroups
    rules = one(objs, "ClusterRole", "volcano-scheduler")["rules"]
    assert any("pods/binding" in r["resources"] for r in rules)
    assert any("podgroups" in r["resources"] and "update" in r["verbs"] for r in rules)
    # no admission webhooks (they would need generated TLS certs) but CEL admission policies
    assert not [o for o in objs if "Webhook" in o["kind"]]
    policies = {p["metadata"]["name"]: p for p in by_kind(objs, "ValidatingAdmissionPolicy")}
    bindings = by_kind(objs, "ValidatingAdmissionPolicyBinding")
    assert sorted(b["spec"]["policyName"] for b in bindings) == sorted(policies)
    assert all(b["spec"]["validationActions"] == ["Deny"] for b in bindings)
    job_rules = policies["volcano-jobs.kfctl.io"]["spec"]["matchConstraints"]["resourceRules"]
    assert job_rules[0]["apiGroups"] == ["batch.volcano.sh"] and job_rules[0]["resources"] == ["jobs"]
    assert not by_kind(render("volcano", "v", admissionPolicies="false"), "ValidatingAdmissionPolicy")
    assert one(objs, "Queue", "default")["spec"] == {"weight": 1, "reclaimable": True}

    custom = render("volcano", "v", binpack="false", actions="enqueue,allocate,preempt,backfill", defaultQueue=False)
    conf = yaml.load(one(custom, "ConfigMap")["data"]["volcano-scheduler.conf"], Loader=yaml.CSafeLoader)
    assert "binpack" not in [pl["name"] for tier in conf["tiers"] for pl in tier["plugins"]]
    assert "preempt" in conf["actions"]
    assert not by_kind(custom, "Queue")
    with pytest.raises(RenderFailed, match='controllers: unknown controller "jobflow-controller"'):
        render("volcano", "v", controllers="job-controller,jobflow-controller")


@functools.cache
def volcano_crds() -> list[dict]:
    return by_kind(render("volcano", "volcano"), "CustomResourceDefinition")


def test_volcano_queue():
    q = one(render("volcano-queue", "recsys", weight=4, cpu="64", memory="256Gi", gpus=8, reclaimable="false"), "Queue")
    assert q["apiVersion"] == "scheduling.volcano.sh/v1beta1"
    assert "namespace" not in q["metadata"]  # cluster scoped
    assert q["spec"] == {"weight": 4, "reclaimable": False,
                         "capability": {"cpu": "64", "memory": "256Gi", "nvidia.com/gpu": 8}}
    assert_valid_against(volcano_crds(), q)
    plain = one(render("volcano-queue", "batch"), "Queue")
    assert plain["spec"] == {"weight": 1, "reclaimable": True}
    cpu_only = one(render("volcano-queue", "cpu-only", gpus="0"), "Queue")
    assert cpu_only["spec"]["capability"] == {"nvidia.com/gpu": 0}
    for bad, msg in [({"gpus": "1.5"}, "gpus: GPU count must be a non-negative integer"),
                     ({"gpus": -2}, "gpus: GPU count"),
                     ({"weight": 0}, "weight: must be a positive integer"),
                     ({"reclaimable": "maybe"}, "reclaimable: expected true or false")]:
        with pytest.raises(RenderFailed, match=msg):
            render("volcano-queue", "q", **bad)
    with pytest.raises(RenderFailed, match="not a valid name"):
        render("volcano-queue", "Team_A")


def test_volcano_podgroup_of_common_helper_matches_crd():
    """PodGroups other packages build with kubeflow/common validate against the CRD installed here."""
    pod_group = json.loads(_gojsonnet.evaluate_snippet(
        "pg", "local p = import 'kubeflow/common/platform.libsonnet';"
              "p.volcano.podGroup('nb-alice', 'team', 3, 'recsys', {cpu: '4', 'nvidia.com/gpu': 1})",
        jpathdir=[vendor_dir()]))
    assert pod_group["spec"]["minMember"] == 3
    assert_valid_against(volcano_crds(), pod_group)
    bad = json.loads(json.dumps(pod_group))
    bad["spec"]["minMember"] = "three"
    assert_invalid_against(volcano_crds(), bad, "minMember")


# --------------------------------------------------------------------------------------------
# storage
# --------------------------------------------------------------------------------------------

MONITORS = "10.0.0.1:6789,10.0.0.2:6789"


def test_storage_user_group_global_cephfs_volumes_bound_to_claims():
    objs = render("storage", "platform-storage", env_namespace="team-a", monitors=MONITORS,
                  users="alice,bob", groups="recsys")
    pvs, pvcs = by_kind(objs, "PersistentVolume"), by_kind(objs, "PersistentVolumeClaim")
    assert sorted(c["metadata"]["name"] for c in pvcs) == ["global", "group-recsys", "user-alice", "user-bob"]
    assert len(pvs) == 4
    paths = {}
    for pvc in pvcs:
        assert pvc["metadata"]["namespace"] == "team-a"
        pv = one(pvs, "PersistentVolume", pvc["spec"]["volumeName"])
        assert "namespace" not in pv["metadata"]
        assert pv["spec"]["claimRef"] == {"kind": "PersistentVolumeClaim", "apiVersion": "v1",
                                          "namespace": "team-a", "name": pvc["metadata"]["name"]}
        assert pv["spec"]["storageClassName"] == pvc["spec"]["storageClassName"] == ""
        assert pv["spec"]["accessModes"] == pvc["spec"]["accessModes"] == ["ReadWriteMany"]
        assert pvc["spec"]["resources"]["requests"]["storage"] == pv["spec"]["capacity"]["storage"]
        ceph = pv["spec"]["cephfs"]
        assert ceph["monitors"] == MONITORS.split(",")
        assert ceph["secretRef"] == {"name": "ceph-secret", "namespace": "team-a"} and ceph["user"] == "admin"
        paths[pvc["metadata"]["name"]] = ceph["path"]
    assert paths == {"user-alice": "/platform/user/alice", "user-bob": "/platform/user/bob",
                     "group-recsys": "/platform/group/recsys", "global": "/platform/global"}
    assert one(pvcs, "PersistentVolumeClaim", "group-recsys")["spec"]["resources"]["requests"]["storage"] == "1Ti"


def test_storage_claims_are_the_ones_jobs_mount():
    storage = render("storage", "s", env_namespace="team", monitors=MONITORS, users="alice", groups="recsys")
    claims = {c["metadata"]["name"] for c in by_kind(storage, "PersistentVolumeClaim")}
    job = render("mpi-job", "j", env_namespace="team", user="alice", group="recsys")[0]
    for replica in ("Launcher", "Worker"):
        mounted = mounts(pod_spec(job, replica))
        assert mounted == PLATFORM_MOUNTS
        assert set(mounted.values()) <= claims
    # a platform team that renames the claims does it in the settings both packages read
    storage = render("storage", "s", monitors=MONITORS, users="alice", param_set={"userClaimPrefix": "home-"})
    job = render("mpi-job", "j", user="alice", param_set={"userClaimPrefix": "home-"})[0]
    assert mounts(pod_spec(job, "Worker"))["/mnt/user"] == "home-alice"
    assert "home-alice" in {c["metadata"]["name"] for c in by_kind(storage, "PersistentVolumeClaim")}


def test_storage_csi_and_options():
    objs = render("storage", "s", driver="csi", clusterID="ceph-prod", users="alice",
                  globalReadOnly="true", storageClassName="cephfs-static", rootPath="/")
    pv = one(objs, "PersistentVolume", "default-global")
    assert pv["spec"]["csi"]["driver"] == "cephfs.csi.ceph.com"
    assert pv["spec"]["csi"]["volumeAttributes"] == {"clusterID": "ceph-prod", "fsName": "cephfs",
                                                     "staticVolume": "true", "rootPath": "/global"}
    assert pv["spec"]["accessModes"] == ["ReadOnlyMany"] and pv["spec"]["csi"]["readOnly"] is True
    assert pv["spec"]["storageClassName"] == "cephfs-static"
    assert one(objs, "PersistentVolume", "default-user-alice")["spec"]["csi"]["volumeAttributes"]["rootPath"] == "/user/alice"
    only_group = render("storage", "s", monitors=MONITORS, groups="ads", **{"global": "false"})
    assert [o["metadata"]["name"] for o in by_kind(only_group, "PersistentVolumeClaim")] == ["group-ads"]


@pytest.mark.parametrize("values,msg", [
    ({}, "monitors: the Ceph monitors"),
    ({"monitors": MONITORS, "groups": "Bad_Group"}, "groups:"),
    ({"monitors": MONITORS, "users": "Alice"}, "users:"),
    ({"monitors": MONITORS, "global": "false"}, "nothing to create"),
    ({"driver": "csi"}, "clusterID"),
    ({"driver": "nfs"}, 'driver: expected cephfs or csi'),
    ({"monitors": MONITORS, "rootPath": "platform"}, "rootPath: must be an absolute path"),
])
def test_storage_bad_input(values, msg):
    with pytest.raises(RenderFailed, match=msg):
        render("storage", "s", **values)


# --------------------------------------------------------------------------------------------
# notebook
# --------------------------------------------------------------------------------------------

# Istio is not installed by this registry; a bare API server needs its VirtualService CRD for the
# notebook's route. This test-only CRD types the fields the notebook emits.
ISTIO_VIRTUALSERVICE_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "virtualservices.networking.istio.io"},
    "spec": {
        "group": "networking.istio.io",
        "names": {"kind": "VirtualService", "listKind": "VirtualServiceList", "plural": "virtualservices",
                  "singular": "virtualservice", "shortNames": ["vs"]},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1beta1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {
                    "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
                    "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
                        "hosts": {"type": "array", "items": {"type": "string"}},
                        "gateways": {"type": "array", "items": {"type": "string"}},
                        "http": {"type": "array", "items": {
                            "type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {
                                "match": {"type": "array", "items": {
                                    "type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                                "route": {"type": "array", "items": {"type": "object", "properties": {
                                    "destination": {"type": "object", "required": ["host"], "properties": {
                                        "host": {"type": "string"},
                                        "port": {"type": "object", "properties": {
                                            "number": {"type": "integer", "minimum": 1, "maximum": 65535}}},
                                        "subset": {"type": "string"}}},
                                    "weight": {"type": "integer"}}}},
                                "timeout": {"type": "string"},
                            }}},
                    }},
                    "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                },
            }},
        }],
    },
}


def test_notebook_route_service_statefulset_storage_and_placement():
    objs = render("notebook", "lab", env_namespace="team-a", user="alice", group="recsys", gpus=1,
                  cpu="4", memory="16Gi", disk="50Gi", image="kubeflownotebookswg/jupyter-pytorch-cuda:v1.9.0")
    sts, svc, vs = one(objs, "StatefulSet", "lab"), one(objs, "Service", "lab"), one(objs, "VirtualService")
    assert vs["apiVersion"] == "networking.istio.io/v1beta1"
    route = vs["spec"]["http"][0]
    assert route["match"] == [{"uri": {"prefix": "/notebook/alice/lab/"}}]
    assert vs["spec"]["gateways"] == ["kubeflow/kubeflow-gateway"] and vs["spec"]["hosts"] == ["*"]
    dest = route["route"][0]["destination"]
    assert dest["host"] == "lab.team-a.svc.cluster.local"
    port = next(p for p in svc["spec"]["ports"] if p["port"] == dest["port"]["number"])
    pod = sts["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert port["targetPort"] in [cp["containerPort"] for cp in c["ports"]]
    assert svc["spec"]["selector"].items() <= sts["spec"]["template"]["metadata"]["labels"].items()
    # Jupyter serves under the routed prefix
    env = {e["name"]: e["value"] for e in c["env"]}
    assert "--ServerApp.base_url=/notebook/alice/lab/" in env["NOTEBOOK_ARGS"]
    assert env["NB_PREFIX"] == "/notebook/alice/lab"
    assert c["readinessProbe"]["httpGet"]["path"].startswith("/notebook/alice/lab/")
    assert c["resources"] == {"requests": {"cpu": "4", "memory": "16Gi"},
                              "limits": {"memory": "16Gi", "nvidia.com/gpu": 1}}
    assert {"key": "nvidia.com/gpu.present", "operator": "In", "values": ["true"]} in node_terms(pod, "required")
    assert {"key": "platform/group", "operator": "In", "values": ["recsys"]} in node_terms(pod, "required")
    assert mounts(pod) == {"/mnt/user": "user-alice", "/mnt/group": "group-recsys", "/mnt/global": "global"}
    ws = sts["spec"]["volumeClaimTemplates"][0]
    assert ws["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert {"name": ws["metadata"]["name"], "mountPath": "/home/jovyan"} in c["volumeMounts"]
    assert_valid_against([ISTIO_VIRTUALSERVICE_CRD], vs)


def test_notebook_defaults_and_options():
    objs = render("notebook", "nb", user="bob")
    pod = one(objs, "StatefulSet")["spec"]["template"]["spec"]
    assert {"key": "nvidia.com/gpu.present", "operator": "NotIn", "values": ["true"]} in node_terms(pod, "preferred")
    assert "nvidia.com/gpu" not in json.dumps(pod["containers"][0]["resources"])
    assert mounts(pod) == {"/mnt/user": "user-bob", "/mnt/global": "global"}
    objs = render("notebook", "nb", user="bob", virtualService="false", disk="null", gateway="istio-system/office",
                  host="ml.example.com")
    assert sorted(o["kind"] for o in objs) == ["Service", "StatefulSet"]
    assert "volumeClaimTemplates" not in one(objs, "StatefulSet")["spec"]
    vs = one(render("notebook", "nb", user="bob", gateway="istio-system/office", host="ml.example.com"), "VirtualService")
    assert vs["spec"]["gateways"] == ["istio-system/office"] and vs["spec"]["hosts"] == ["ml.example.com"]


@pytest.mark.parametrize("values,msg", [
    ({"user": "bob", "gpus": -1}, "gpus: GPU count must be a non-negative integer"),
    ({"user": "bob", "gpus": "0.5"}, "gpus: GPU count must be a non-negative integer"),
    ({"user": "bob", "group": ""}, "group: must not be empty"),
    ({"user": "Bob"}, "user:"),
    ({"user": "null"}, "user: the notebook owner is required"),
])
def test_notebook_bad_input(values, msg):
    with pytest.raises(RenderFailed, match=msg):
        render_unchecked("notebook", "nb", **values)


# --------------------------------------------------------------------------------------------
# katib
# --------------------------------------------------------------------------------------------

SEARCH = [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": 0.001, "max": 0.1}},
          {"name": "batch", "parameterType": "int", "feasibleSpace": {"min": "16", "max": "128", "step": 16}},
          {"name": "optimizer", "parameterType": "categorical", "feasibleSpace": {"list": ["sgd", "adam"]}}]


@functools.cache
def katib_crds() -> list[dict]:
    return by_kind(render("katib", "katib"), "CustomResourceDefinition")


def katib_substitute(template: dict, values: dict, trial_name: str) -> dict:
    """What Katib does for one trial: replace the trial parameters and name the job."""
    text = json.dumps(template["trialSpec"])
    for tp in template["trialParameters"]:
        value = trial_name if tp["reference"] == "${trialSpec.Name}" else values[tp["reference"]]
        text = text.replace("${trialParameters.%s}" % tp["name"], value)
    assert "${" not in text, text
    job = json.loads(text)
    job["metadata"] = {"name": trial_name, "namespace": "team"}
    return job


def test_katib_install():
    objs = render("katib", "katib", env_namespace="kubeflow")
    crds = {c["spec"]["names"]["kind"]: c for c in by_kind(objs, "CustomResourceDefinition")}
    assert set(crds) == {"Experiment", "Trial", "Suggestion"}
    for c in crds.values():
        assert c["spec"]["group"] == "kubeflow.org" and [v["name"] for v in c["spec"]["versions"]] == ["v1beta1"]
        check_structural(c)
    dep = one(objs, "Deployment", "katib-controller")
    pod = dep["spec"]["template"]["spec"]
    conf_mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "katib-config")
    cm = one(objs, "ConfigMap", next(v for v in pod["volumes"] if v["name"] == "katib-config")["configMap"]["name"])
    conf = yaml.load(cm["data"][conf_mount["subPath"]], Loader=yaml.CSafeLoader)
    assert conf["init"]["certGenerator"]["enable"] is True
    assert "MPIJob.v2beta1.kubeflow.org" in conf["init"]["controller"]["trialResources"]
    assert {"random", "grid", "bayesianoptimization", "tpe"} <= {s["algorithmName"] for s in conf["runtime"]["suggestions"]}
    assert "StdOut" in {m["kind"] for m in conf["runtime"]["metricsCollectors"]}
    # the webhook certificate: an empty secret the controller fills, webhooks pointing at its Service
    cert = next(v for v in pod["volumes"] if v["name"] == "cert")["secret"]["secretName"]
    one(objs, "Secret", cert)
    svc = one(objs, "Service", "katib-controller")
    for kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        for hook in one(objs, kind, "katib.kubeflow.org")["webhooks"]:
            ref = hook["clientConfig"]["service"]
            assert (ref["name"], ref["namespace"]) == ("katib-controller", "kubeflow")
            assert ref["port"] in [p["port"] for p in svc["spec"]["ports"]]
            assert "caBundle" not in hook["clientConfig"]  # patched in by the controller
    # db-manager reaches MySQL with the password from the Secret
    dbm = one(objs, "Deployment", "katib-db-manager")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in dbm["env"]}
    one(objs, "Service", env["KATIB_MYSQL_DB_HOST"]["value"])
    one(objs, "Secret", env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"])
    no_hooks = render("katib", "katib", webhooks="false")
    assert not by_kind(no_hooks, "MutatingWebhookConfiguration")


def test_katib_experiment_with_mpi_trials():
    objs = render("katib-experiment", "resnet-hp", env_namespace="team", parameters=SEARCH, objectiveMetric="accuracy",
                  goal="0.95", algorithm="bayesianoptimization", maxTrialCount=20, parallelTrialCount=4,
                  user="alice", group="recsys", scheduler="volcano", queue="recsys",
                  trialParams={"image": "registry.example.com/hvd:1", "command": ["python", "/mnt/user/train.py"],
                               "workers": 2, "gpusPerWorker": 1})
    exp = one(objs, "Experiment", "resnet-hp")
    spec = exp["spec"]
    assert spec["objective"] == {"type": "maximize", "goal": 0.95, "objectiveMetricName": "accuracy"}
    assert spec["algorithm"] == {"algorithmName": "bayesianoptimization"}
    assert (spec["parallelTrialCount"], spec["maxTrialCount"], spec["maxFailedTrialCount"]) == (4, 20, 3)
    assert spec["parameters"][0] == {"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}}
    assert spec["parameters"][1]["feasibleSpace"] == {"min": "16", "max": "128", "step": "16"}
    tt = spec["trialTemplate"]
    assert tt["trialSpec"]["apiVersion"] == "kubeflow.org/v2beta1" and tt["trialSpec"]["kind"] == "MPIJob"
    assert "metadata" not in tt["trialSpec"]
    assert tt["primaryContainerName"] == "mpi-launcher"
    assert tt["primaryPodLabels"] == {"training.kubeflow.org/job-role": "launcher"}
    assert "Succeeded" in tt["successCondition"] and "Failed" in tt["failureCondition"]
    # every search parameter is a trial parameter referenced in the job's command
    launcher = tt["trialSpec"]["spec"]["mpiReplicaSpecs"]["Launcher"]["template"]["spec"]["containers"][0]
    assert launcher["command"][-5:] == ["python", "/mnt/user/train.py", "--lr=${trialParameters.lr}",
                                        "--batch=${trialParameters.batch}", "--optimizer=${trialParameters.optimizer}"]
    refs = {tp["name"]: tp["reference"] for tp in tt["trialParameters"]}
    assert refs == {"lr": "lr", "batch": "batch", "optimizer": "optimizer", "trialName": "${trialSpec.Name}"}
    assert_valid_against(katib_crds(), exp)
    # after Katib's substitution a trial is a valid MPIJob with the platform's placement/storage/gang
    job = katib_substitute(tt, {"lr": "0.01", "batch": "32", "optimizer": "adam"}, "resnet-hp-abc123")
    assert_valid_against(mpi_crds(), job)
    worker = pod_spec(job, "Worker")
    assert mounts(worker) == PLATFORM_MOUNTS
    assert worker["affinity"]["podAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0][
        "podAffinityTerm"]["labelSelector"]["matchLabels"]["platform/job-name"] == "resnet-hp-abc123"
    assert job["spec"]["runPolicy"]["schedulingPolicy"] == {"minAvailable": 3, "queue": "recsys"}
    assert pod_spec(job, "Launcher")["containers"][0]["command"][-3:] == ["--lr=0.01", "--batch=32", "--optimizer=adam"]


@pytest.mark.parametrize("kind,api,container,replica_key", [
    ("tf-job", "TFJob", "tensorflow", "tfReplicaSpecs"),
    ("pytorch-job", "PyTorchJob", "pytorch", "pytorchReplicaSpecs"),
])
def test_katib_experiment_with_training_operator_trials(kind, api, container, replica_key):
    if not (REGISTRY / "tf-job" / "training-job.libsonnet").exists():
        pytest.skip("tf-job package not present")
    exp = one(render("katib-experiment", "hp", parameters=SEARCH[:1], trialKind=kind,
                     trialParams={"args": "--epochs=3", "num_gpus": 1}), "Experiment")
    tt = exp["spec"]["trialTemplate"]
    assert tt["trialSpec"]["kind"] == api and tt["primaryContainerName"] == container
    assert tt["primaryPodLabels"] == {"training.kubeflow.org/job-role": "master"}
    replicas = tt["trialSpec"]["spec"][replica_key]
    for r in replicas.values():
        c = r["template"]["spec"]["containers"][0]
        assert c["name"] == container and c["args"] == ["--epochs=3", "--lr=${trialParameters.lr}"]
    gpu_replica = replicas["Worker" if kind == "tf-job" else "Master"]
    assert gpu_replica["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert_valid_against(katib_crds(), exp)
    operator = {"tf-job": "tf-job-operator", "pytorch-job": "pytorch-operator"}[kind]
    crds = by_kind(render(operator, operator), "CustomResourceDefinition")
    assert_valid_against(crds, katib_substitute(tt, {"lr": "0.1"}, "hp-x1"))


@pytest.mark.parametrize("values,msg", [
    ({"trialKind": "xgboost-job"}, 'trialKind: unknown job package "xgboost-job"; known job packages: mpi-job, pytorch-job, tf-job'),
    ({"parameters": []}, "parameters: give at least one search parameter"),
    ({"parameters": [{"name": "lr", "parameterType": "float", "feasibleSpace": {}}]}, "parameterType must be one of"),
    ({"parameters": [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.1"}}]}, "needs feasibleSpace.min and feasibleSpace.max"),
    ({"parameters": [{"name": "o", "parameterType": "categorical", "feasibleSpace": {}}]}, "non-empty feasibleSpace.list"),
    ({"objectiveType": "best"}, "objectiveType: expected maximize or minimize"),
    ({"parallelTrialCount": 20}, "parallelTrialCount: 20 is more than maxTrialCount 12"),
    ({"trialParams": {"gpusPerWorker": -1, "command": "python,t.py"}}, "gpusPerWorker: GPU count must be a non-negative integer"),
    ({"group": ""}, "group: must not be empty"),
    ({"trialParams": {}}, "trialParams.command: the training program"),
])
def test_katib_experiment_bad_input(values, msg):
    base = {"parameters": SEARCH, "trialParams": {"command": "python,/mnt/user/train.py"}}
    with pytest.raises(RenderFailed, match=re.escape(msg)):
        render("katib-experiment", "hp", **(base | values))


# --------------------------------------------------------------------------------------------
# A real Kubernetes 1.36 API server accepts every object (cluster tests)
# --------------------------------------------------------------------------------------------

class Discovery:
    """kind -> (plural, namespaced) per apiVersion, from the server's discovery (refreshed when a
    kind is not found, e.g. right after its CRD was established)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.cache: dict[str, dict] = {}

    def _load(self, api_version: str) -> dict:
        base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        res = self.cluster.get(base)
        return {r["kind"]: (r["name"], r["namespaced"]) for r in res["resources"] if "/" not in r["name"]}

    def path(self, obj: dict) -> str:
        api = obj["apiVersion"]
        kinds = self.cache.get(api)
        if kinds is None or obj["kind"] not in kinds:
            kinds = self.cache[api] = self._load(api)
        plural, namespaced = kinds[obj["kind"]]
        base = "/api/v1" if api == "v1" else f"/apis/{api}"
        ns = f"/namespaces/{obj['metadata']['namespace']}" if namespaced else ""
        return f"{base}{ns}/{plural}/{obj['metadata']['name']}"


def assert_contains(stored, rendered, where: str) -> None:
    """Every field of `rendered` is in `stored` with the same value (extra stored fields allowed)."""
    if isinstance(rendered, dict):
        assert isinstance(stored, dict), where
        for k, v in rendered.items():
            assert k in stored, f"{where}.{k} was pruned by the server"
            assert_contains(stored[k], v, f"{where}.{k}")
    elif isinstance(rendered, list):
        assert isinstance(stored, list) and len(stored) == len(rendered), where
        for i, (a, b) in enumerate(zip(stored, rendered)):
            assert_contains(a, b, f"{where}[{i}]")
    else:
        assert stored == rendered, f"{where}: {stored!r} != {rendered!r}"


def _denied(cluster, obj: dict, path: str):
    """The admission error for applying obj, or None while it is still accepted (policies take a
    moment to be in force after they are created)."""
    try:
        cluster.apply(obj, path)
    except cluster.Error as e:
        return e
    cluster.request("DELETE", path, ok=(200, 202, 404))
    return None


@pytest.mark.cluster
def test_platform_objects_accepted_by_api_server(kube_cluster, kube_namespace):
    ns = kube_namespace
    disco = Discovery(kube_cluster)
    installers = (
        render("sagemaker-operator", "sagemaker-operator", roleArn=ROLE, namespace=ns, createNamespace="false")
        + render("mpi-operator", "mpi-operator", env_namespace=ns, gangScheduler="volcano")
        + render("volcano", "volcano", namespace=ns, createNamespace="false", defaultQueue="false")
        + render("katib", "katib", env_namespace=ns)
    )
    crds = by_kind(installers, "CustomResourceDefinition") + [ISTIO_VIRTUALSERVICE_CRD]
    workloads = (
        render("sagemaker-training-job", "xgboost-mnist", **XGB, hyperParameters=XGB_HP, namespace=ns)
        + render("sagemaker-hyperparameter-tuning-job", "hpo", namespace=ns,
                 **REQUIRED["sagemaker-hyperparameter-tuning-job"])
        + render("sagemaker-hosting-deployment", "host", namespace=ns, **REQUIRED["sagemaker-hosting-deployment"])
        + render("sagemaker-batch-transform-job", "batch", namespace=ns, **REQUIRED["sagemaker-batch-transform-job"])
        + render("mpi-job", "hvd", env_namespace=ns, user="alice", group="recsys", scheduler="volcano", queue="recsys")
        + render("volcano-queue", f"q-{ns}", weight=2, cpu="8", gpus=4)
        + render("storage", "storage", env_namespace=ns, monitors=MONITORS, users="alice", groups="recsys")
        + render("notebook", "lab", env_namespace=ns, user="alice", group="recsys", gpus=1)
        + render("katib-experiment", "hp", env_namespace=ns, parameters=SEARCH, user="alice",
                 trialParams={"command": ["python", "/mnt/user/train.py"]})
    )
    cluster_scoped: list[str] = []

    def apply(obj: dict) -> dict:
        path = kube_cluster.wait_for(lambda: disco.path(obj), 30, f"discovery of {obj['kind']}")
        if "/namespaces/" not in path:
            cluster_scoped.append(path)
        return kube_cluster.apply(obj, path)

    try:
        for crd in crds:
            apply(crd)
        for crd in crds:
            path = disco.path(crd)

            def established(path=path) -> bool:
                conds = kube_cluster.get(path).get("status", {}).get("conditions", [])
                return any(c["type"] == "Established" and c["status"] == "True" for c in conds)

            kube_cluster.wait_for(established, 60, f"CRD {crd['metadata']['name']} established")
        for obj in installers + workloads:
            if obj["kind"] == "CustomResourceDefinition":
                continue
            got = kube_cluster.wait_for(lambda obj=obj: apply(obj), 30, f"apply {obj['kind']}/{obj['metadata']['name']}")
            assert got["metadata"]["name"] == obj["metadata"]["name"]
        # what the server stored contains everything kfctl rendered: no CRD schema prunes a field
        # a prototype emits (server-side defaults may add fields)
        for obj in workloads + [o for o in installers if o["apiVersion"] not in BUILTIN_GROUPS]:
            if obj["apiVersion"] in BUILTIN_GROUPS:
                continue
            stored = kube_cluster.get(disco.path(obj))
            for key in obj:
                if key not in ("apiVersion", "kind", "metadata"):
                    assert_contains(stored[key], obj[key], f"{obj['kind']}/{obj['metadata']['name']}.{key}")
        # and the CRD schemas reject malformed jobs (create: 422 Invalid, naming the field)
        def rejected(obj: dict, field: str) -> None:
            collection = disco.path(obj).rsplit("/", 1)[0]
            with pytest.raises(kube_cluster.Error) as err:
                kube_cluster.request("POST", collection, obj)
            assert err.value.status == 422 and field in str(err.value), err.value

        bad = json.loads(json.dumps(one(workloads, "TrainingJob")))
        del bad["spec"]["roleArn"]
        bad["metadata"]["name"] = "no-role"
        rejected(bad, "roleArn")
        bad = json.loads(json.dumps(one(workloads, "TrainingJob")))
        bad["spec"]["resourceConfig"]["instanceCount"] = "many"
        bad["metadata"]["name"] = "bad-count"
        rejected(bad, "instanceCount")
        bad = json.loads(json.dumps(one(workloads, "MPIJob")))
        bad["spec"]["slotsPerWorker"] = "two"
        bad["metadata"]["name"] = "bad-slots"
        rejected(bad, "slotsPerWorker")
        bad = json.loads(json.dumps(one(workloads, "Queue")))
        bad["spec"]["weight"] = "heavy"
        bad["metadata"]["name"] = f"bad-q-{ns}"
        rejected(bad, "weight")

        # Volcano's admission checks without webhook certificates: CEL policies in the API server
        def vcjob(name: str, min_available: int, tasks: list[tuple[str, int]]) -> dict:
            return {"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job",
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"schedulerName": "volcano", "minAvailable": min_available, "queue": "default",
                             "tasks": [{"name": t, "replicas": r, "template": {"spec": {"containers": [
                                 {"name": "c", "image": "registry.invalid/x:1"}]}}} for t, r in tasks]}}

        def policy_denies(obj: dict, message: str) -> None:
            path = disco.path(obj)
            err = kube_cluster.wait_for(lambda: _denied(kube_cluster, obj, path), 30, "admission policy in force")
            assert message in str(err), err

        good = vcjob("ok", 2, [("ps", 1), ("worker", 1)])
        kube_cluster.wait_for(lambda: apply(good), 30, "apply a valid Volcano job")
        policy_denies(vcjob("too-many", 5, [("ps", 1), ("worker", 2)]),
                      "minAvailable of a Volcano job must not exceed the sum of its task replicas")
        policy_denies(vcjob("dup", 1, [("worker", 1), ("worker", 1)]), "task names of a Volcano job must be unique")
        queue = render("volcano-queue", "default")[0]
        apply(queue)
        with pytest.raises(kube_cluster.Error) as err:
            kube_cluster.request("DELETE", disco.path(queue))
        assert "the default queue cannot be deleted" in str(err.value)
    finally:
        # cluster-scoped leftovers (namespaced ones go with the test namespace): admission
        # policies first (one protects the default queue), CRDs last
        def order(path: str) -> int:
            return 0 if "validatingadmissionpolic" in path else 2 if "customresourcedefinitions" in path else 1

        def delete(path: str) -> bool:
            status, _ = kube_cluster.request("DELETE", path, ok=())
            return status in (200, 202, 404)

        for path in sorted(set(cluster_scoped), key=order):
            # a deleted policy stops being enforced after a moment
            kube_cluster.wait_for(lambda path=path: delete(path), 30, f"delete {path}")


def test_sagemaker_scenario_as_typed_by_the_user():
    """The scenario's exact commands: flags at generate, the hyperparameters with `param set`."""
    app = _APP
    app.check("generate", "sagemaker-operator", "sagemaker-operator", "--roleArn=arn:aws:iam::123456789012:role/my-role")
    app.check("generate", "sagemaker-training-job", "xgboost-mnist",
              "--roleArn=SAGEMAKER_EXECUTION_ROLE_ARN", "--region=us-east-1",
              "--trainingImage=811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest",
              "--s3Bucket=BUCKET_NAME", "--s3Prefix=xgboost-mnist")
    try:
        app.check("param", "set", "xgboost-mnist", "hyperParameters",
                  '{"max_depth":"5","eta":"0.2","gamma":"4","min_child_weight":"6","silent":"0",'
                  '"objective":"multi:softmax","num_class":"10","num_round":"10"}')
        docs = [d for d in yaml.load_all(app.check("show", "default", "-c", "xgboost-mnist"), Loader=yaml.CSafeLoader) if d]
        assert len(docs) == 1
        got = strip_kfctl(docs[0])
        want = scenario_yaml("sagemaker-training.md", "TrainingJob")
        assert sorted(map(json.dumps, got["spec"].pop("hyperParameters"))) == \
            sorted(map(json.dumps, want["spec"].pop("hyperParameters")))
        assert got == want
        op = [d for d in yaml.load_all(app.check("show", "default", "-c", "sagemaker-operator"), Loader=yaml.CSafeLoader) if d]
        sa = one(op, "ServiceAccount", "sagemaker-k8s-operator-default")
        assert sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == "arn:aws:iam::123456789012:role/my-role"
    finally:
        app.check("component", "rm", "xgboost-mnist")
        app.check("component", "rm", "sagemaker-operator")


def test_kfctl_validate_uses_the_installed_crd_schemas(tmp_path):
    """A hand-written TrainingJob without roleArn and with a word for instanceCount passes
    rendering (it is a plain YAML component) but `kfctl validate` rejects it with the CRD schema
    that the sagemaker-operator component carries."""
    app = _APP
    tj = strip_kfctl(render("sagemaker-training-job", "tj", **XGB)[0])
    del tj["spec"]["roleArn"]
    tj["spec"]["resourceConfig"]["instanceCount"] = "many"
    tj["metadata"]["name"] = "hand-written"
    manifest = tmp_path / "hand-written.yaml"
    manifest.write_text(yaml.dump(tj))
    app.check("generate", "sagemaker-operator", "smo", f"--roleArn={ROLE}")
    app.check("import", "-f", str(manifest))
    try:
        code, out, err = app.run("validate", "default")
        assert code != 0
        report = out + err
        assert "hand-written" in report and "roleArn" in report and "instanceCount" in report
        app.check("validate", "default", "-c", "smo")
    finally:
        app.check("component", "rm", "hand-written")
        app.check("component", "rm", "smo")
