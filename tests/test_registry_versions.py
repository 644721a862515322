"""The built-in registry's two versions: v0.1.2 (the 2018 user guide's packages, frozen) and the current
set (installed when no version is given).

Everything goes through the CLI as a user runs it: `pkg install kubeflow/PKG@VERSION`, `generate`,
`show`, `validate`, `pkg list`, `--upgrade`. Every prototype of both versions is rendered with its
defaults (plus sample values for required parameters) and with the documented variants of the current
packages, passes `validate`, and (cluster tests) is accepted by the test control plane's API server.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from kfctl.prerequisites import missing_prerequisites
from kfctl.prototype import parse_file
from tests.conftest import _run_inprocess

REPO = Path(__file__).resolve().parents[1]
REGISTRY = REPO / "registry"
CURRENT = yaml.safe_load((REGISTRY / "registry.yaml").read_text())["version"]
OLD = "v0.1.2"
ROOTS = {OLD: REGISTRY / "versions" / OLD, CURRENT: REGISTRY}
# One namespace per version: objects the other version left behind (a PersistentVolume held by its
# protection finalizer) never meet this version's objects of the same name.
ENV_NS = {OLD: "regtest-old", CURRENT: "regtest"}

# Values for required parameters, by name (every prototype's required params are covered).
SAMPLES = {
    "image": "example.com/model:1",
    "inputS3Uri": "s3://bucket/in/",
    "outputS3Uri": "s3://bucket/out/",
    "modelDataUrl": "s3://bucket/model.tar.gz",
    "modelName": "my-model",
    "parameterRanges": {"lr": {"type": "continuous", "min": "0.001", "max": "0.1"}},
    "parameters": [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}}],
    "region": "us-east-1",
    "roleArn": "arn:aws:iam::123456789012:role/example",
    "s3Bucket": "bucket",
    "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
    "trainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
    "user": "alice",
}

# Values a prototype's defaults need beyond its required params (its README says so).
DEFAULT_EXTRA = {("katib", "katib-experiment"): {"trialParams": {"command": "python,/train.py"}},
                 # monitors for v0.1.2's in-tree cephfs default, clusterID for the current set's ceph-csi
                 ("storage", "storage"): {"monitors": "10.0.0.1:6789,10.0.0.2:6789", "clusterID": "ceph-1"}}

# Documented variants of the current packages (their READMEs list them).
VARIANTS = [
    ("core", "all", {"gateway": "none"}),
    ("core", "all", {"gateway": "istio", "gatewayHosts": "kubeflow.example.com"}),
    ("core", "all", {"jupyterHubAuthenticator": "iap", "jupyterHubAdminUsers": "ada,lin"}),
    ("core", "all", {"jupyterHubAuthenticator": "dummy", "gatewayHosts": "kf.example.com,localhost"}),
    ("core", "all", {"disks": "disk1,disk2", "cloud": "aks", "reportUsage": "true", "usageId": "u-1",
                     "jupyterNotebookPVCMount": "/home/jovyan/work", "jupyterHubServiceType": "NodePort",
                     "gatewayServiceType": "LoadBalancer", "webhookFailurePolicy": "Ignore"}),
    ("tf-job", "tf-job", {"command": "python,/opt/train.py", "args": "--epochs=1", "num_ps": 1,
                          "num_workers": 2, "num_gpus": 1}),
    ("tf-job", "tf-job-operator", {"gangScheduler": "volcano", "cloud": "aks"}),
    ("pytorch-job", "pytorch-job", {"command": "torchrun,/opt/train.py", "num_workers": 2, "num_gpus": 1}),
    ("tf-serving", "tf-serving-all-features", {"modelPath": "gs://kubeflow-models/inception", "cloud": "gcp",
                                               "gcpCredentialSecretName": "user-gcp-sa"}),
    ("tf-serving", "tf-serving-all-features", {"modelPath": "s3://models/inception", "s3Enable": "true",
                                               "s3SecretName": "s3-creds", "numGpus": 1}),
    ("tf-serving", "tf-serving-all-features", {"modelPath": "/mnt/inception", "modelStorageType": "nfs",
                                               "nfsPVC": "nfs"}),
    ("volcano", "volcano-job", {"tasks": [{"name": "ps", "replicas": 1}, {"name": "worker", "replicas": 3, "gpus": 1,
                                                                         "image": "example.com/train:1",
                                                                         "command": ["python", "/train.py"]}],
                                "queue": "team-a", "minAvailable": 2, "priorityClass": "high"}),
    ("volcano", "volcano-job", {"command": "python,/train.py", "replicas": 4, "gpus": 2}),
    ("sagemaker", "ack-training-job", {"s3Prefix": "xgboost-mnist", "hyperParameters": {"max_depth": 5, "eta": 0.2},
                                       "channels": "train", "instanceCount": 2}),
    ("sagemaker", "ack-endpoint", {"environment": {"SAGEMAKER_PROGRAM": "inference.py"}, "initialInstanceCount": 2}),
    ("kserve", "kserve", {"ingressClassName": "nginx", "ingressDomain": "models.example.com", "runtimes": "false"}),
    ("kserve", "inference-service", {"modelFormat": "tensorflow", "storageUri": "gs://kfserving-examples/models/tensorflow/flowers"}),
    ("kserve", "inference-service", {"modelFormat": "pytorch", "storageUri": "gs://kfserving-examples/models/torchserve/image_classifier/v1", "protocolVersion": "v2"}),
    ("kserve", "inference-service", {"modelFormat": "xgboost", "storageUri": "s3://models/xgb", "numGpus": 1,
                                     "maxReplicas": 3, "serviceAccountName": "s3-reader"}),
    ("storage", "storage", {"driver": "cephfs", "monitors": "10.0.0.1:6789", "users": "alice,bob", "groups": "recsys",
                            "global": "false"}),
    ("notebook", "notebook", {"auth": "gateway", "virtualService": "true", "host": "kf.example.com",
                              "userId": "alice@example.com"}),
    ("notebook", "notebook", {"virtualService": "true", "host": "kf.example.com,localhost", "tokenSecret": "lab-token"}),
    ("seldon", "core", {"clusterwide": "true", "kafkaBootstrap": "seldon-kafka-bootstrap.kafka:9092",
                        "serviceType": "LoadBalancer", "serverReplicas": 2}),
    ("seldon", "core", {"runtime": "false", "server": "false"}),
    ("seldon", "serve-simple", {"image": "seldonio/mlserver:1.7.1-sklearn", "requirements": "sklearn, python",
                                "memory": "100Ki", "replicas": 2}),
]

# Seldon Core 2's documented examples (its docs' Model, Pipeline, Experiment, custom-image Server and
# SeldonRuntime samples, written out here): the CRDs of the current seldon package must accept them.
SELDON_EXAMPLES = [
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "metadata": {"name": "iris"},
     "spec": {"storageUri": "gs://seldon-models/scv2/samples/mlserver_1.5.0/iris-sklearn", "requirements": ["sklearn"],
              "memory": "100Ki"}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "metadata": {"name": "tfsimple1"},
     "spec": {"storageUri": "gs://seldon-models/triton/simple", "requirements": ["tensorflow"], "memory": "100Ki"}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Model", "metadata": {"name": "income-explainer"},
     "spec": {"storageUri": "gs://seldon-models/scv2/samples/mlserver_1.5.0/income-sklearn/anchor-explainer",
              "explainer": {"type": "anchor_tabular", "modelRef": "income"}}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Pipeline", "metadata": {"name": "tfsimples"},
     "spec": {"steps": [{"name": "tfsimple1"},
                        {"name": "tfsimple2", "inputs": ["tfsimple1"],
                         "tensorMap": {"tfsimple1.outputs.OUTPUT0": "INPUT0", "tfsimple1.outputs.OUTPUT1": "INPUT1"}}],
              "output": {"steps": ["tfsimple2"]}}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Experiment", "metadata": {"name": "experiment-sample"},
     "spec": {"default": "iris", "candidates": [{"name": "iris", "weight": 50}, {"name": "iris2", "weight": 50}]}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Experiment", "metadata": {"name": "sklearn-mirror"},
     "spec": {"default": "iris", "candidates": [{"name": "iris", "weight": 100}],
              "mirror": {"name": "iris2", "percent": 100}}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "Server", "metadata": {"name": "mlserver-custom"},
     "spec": {"serverConfig": "mlserver",
              "podSpec": {"containers": [{"name": "mlserver", "image": "seldonio/mlserver:1.3.5-sklearn"}]}}},
    {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": "SeldonRuntime", "metadata": {"name": "seldon-example"},
     "spec": {"seldonConfig": "default",
              "config": {"agentConfig": {"rclone": {"config_secrets": ["seldon-rclone-gs-public"]}}},
              "overrides": [{"name": "hodometer", "disable": True},
                            {"name": "seldon-envoy", "replicas": 2, "serviceType": "ClusterIP"}]}},
]


def run(cwd: Path, *args, ok: bool = True):
    res = _run_inprocess(args, cwd)
    if ok:
        assert res.code == 0, f"kfctl {' '.join(map(str, args))}\n{res}"
    return res


def prototypes(version: str) -> list[tuple[str, str]]:
    root = ROOTS[version]
    return [(pkg.name, p.stem) for pkg in sorted(root.iterdir()) if (pkg / "prototypes").is_dir()
            for p in sorted((pkg / "prototypes").glob("*.jsonnet"))]


@lru_cache(maxsize=None)
def version_app(version: str, workdir: str) -> Path:
    """An app with every package of ``version`` installed (`pkg install kubeflow/PKG@VERSION`)."""
    base = Path(workdir)
    run(base, "init", f"app-{version}")
    app = base / f"app-{version}"
    for pkg in sorted(p.name for p in ROOTS[version].iterdir() if (p / "parts.yaml").is_file()):
        run(app, "pkg", "install", f"kubeflow/{pkg}@{version}")
    run(app, "env", "set", "default", "--namespace", ENV_NS[version])
    return app


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("versions"))


_COUNT = [0]


def generate(app: Path, version: str, pkg: str, proto: str, values: dict) -> str:
    """Generate a component from prototype ``pkg/proto`` with ``values`` (plus samples for required params)."""
    meta = parse_file(ROOTS[version] / pkg / "prototypes" / f"{proto}.jsonnet")
    _COUNT[0] += 1
    comp = f"c{_COUNT[0]}"
    values = dict(values)
    for p in meta.params:
        if p.required and p.name != "name":
            values.setdefault(p.name, SAMPLES[p.name])
    flags = [f"--name={comp}"] + [f"--{k}={v if isinstance(v, (str, int)) else json.dumps(v)}"
                                  for k, v in values.items()]
    run(app, "generate", meta.name, comp, *flags)
    return comp


def show(app: Path, comp: str) -> list[dict]:
    return json.loads(run(app, "show", "default", "-c", comp, "-o", "json").out)["items"]


def validate(app: Path, comp: str) -> dict:
    return json.loads(run(app, "validate", "default", "-c", comp, "-o", "json").out)


@lru_cache(maxsize=None)
def rendered(version: str, workdir: str) -> tuple[tuple[str, str, str, str], ...]:
    """(pkg, proto, values, objects JSON) of every prototype with defaults, and of every variant."""
    app = version_app(version, workdir)
    cases = [(pkg, proto, DEFAULT_EXTRA.get((pkg, proto), {})) for pkg, proto in prototypes(version)]
    if version == CURRENT:
        cases += VARIANTS
    # Every component first: `validate -c` checks custom resources against the CRDs the whole environment
    # renders (the operator prototypes' CRDs), as in an app that deploys the operator beside its jobs.
    comps = [generate(app, version, pkg, proto, values) for pkg, proto, values in cases]
    out = []
    for (pkg, proto, values), comp in zip(cases, comps):
        report = validate(app, comp)
        # Only the kinds of documented prerequisites (Istio, cert-manager, ACK) may go unvalidated.
        problems = [p for p in report["problems"] if not (
            p["severity"] == "warning" and "its CRD is not in this environment" in p["reason"]
            and p["object"].split(" ")[0].partition(".")[2] in PREREQUISITE_GROUPS)]
        assert problems == [], (pkg, proto, values, report)
        out.append((pkg, proto, json.dumps(values), json.dumps(show(app, comp))))
    return tuple(out)


# ------------------------------------------------------------------------------------------ layout


def test_every_kubeflow_package_has_both_versions():
    old = yaml.safe_load((ROOTS[OLD] / "registry.yaml").read_text())
    cur = yaml.safe_load((REGISTRY / "registry.yaml").read_text())
    assert old["version"] == OLD and cur["version"] == CURRENT != OLD
    assert set(old["libraries"]) <= set(cur["libraries"])
    assert set(cur["libraries"]) - set(old["libraries"]) == {"kserve"}  # new in the current set
    for version, data in ((OLD, old), (CURRENT, cur)):
        for pkg, lib in data["libraries"].items():
            parts = yaml.safe_load((ROOTS[version] / lib["path"] / "parts.yaml").read_text())
            assert lib["version"] == parts["version"] == version, (version, pkg)
    # The current packages keep every prototype name of v0.1.2 (the guide's commands work on both).
    assert {p for _, p in prototypes(OLD)} <= {p for _, p in prototypes(CURRENT)}


def test_package_readmes_name_upstream_release_and_date():
    for pkg in sorted(p for p in REGISTRY.iterdir() if (p / "parts.yaml").is_file()):
        readme = (pkg / "README.md").read_text()
        assert "checked 2026-12-06" in readme or "Unchanged from v0.1.2" in readme, pkg.name
        if "Unchanged from v0.1.2" not in readme and pkg.name != "common":
            assert "Renamed or dropped parameters" in readme, pkg.name
    for path in sorted(REGISTRY.glob("*/prototypes/*.jsonnet")):
        meta = parse_file(path)
        readme = (path.parents[1] / "README.md").read_text()
        assert meta.short_name in readme, f"{path.parents[1].name} README does not mention {meta.short_name}"


def test_install_at_a_version_is_exact_and_upgrade_moves_the_whole_set(tmp_path):
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", f"kubeflow/core@{OLD}")
    run(app, "generate", "kubeflow-core", "kubeflow-core")
    # A later install without a version stays on the app's set.
    res = run(app, "pkg", "install", "kubeflow/tf-serving")
    assert f"installs kubeflow/tf-serving@{OLD}" in res.err
    listed = {d["name"]: d for d in json.loads(run(app, "pkg", "list", "-o", "json").out)["data"]}
    assert {n: d["version"] for n, d in listed.items() if d["installed"]} == \
        {"common": OLD, "core": OLD, "pytorch-job": OLD, "tf-job": OLD, "tf-serving": OLD}
    assert listed["kserve"]["version"] == CURRENT and not listed["kserve"]["installed"]
    assert sorted(p.name for p in (app / "vendor" / "kubeflow").iterdir()) == \
        [f"{p}@{OLD}" for p in ("common", "core", "pytorch-job", "tf-job", "tf-serving")]
    before = {(o["kind"], o["metadata"]["name"]): o for o in json.loads(run(app, "show", "default", "-o", "json").out)["items"]}
    assert ("Deployment", "ambassador") in before

    res = run(app, "pkg", "install", f"kubeflow/core@{CURRENT}", "--upgrade")
    libs = yaml.safe_load((app / "app.yaml").read_text())["libraries"]
    assert {lib["version"] for lib in libs.values()} == {CURRENT}, libs
    assert sorted(p.name for p in (app / "vendor" / "kubeflow").iterdir()) == \
        [f"{p}@{CURRENT}" for p in ("common", "core", "pytorch-job", "tf-job", "tf-serving")]
    after = {(o["kind"], o["metadata"]["name"]): o for o in json.loads(run(app, "show", "default", "-o", "json").out)["items"]}
    # What the move changes, as show (and diff against a cluster) reports it.
    assert ("Deployment", "ambassador") not in after and ("Deployment", "gateway") in after
    assert ("Deployment", "tf-job-operator") in before and ("Deployment", "training-operator") in after
    hub = after[("StatefulSet", "tf-hub")]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert hub.startswith("quay.io/jupyterhub/k8s-hub:")
    # And back: the same command with the old version.
    run(app, "pkg", "install", f"kubeflow/core@{OLD}", "--upgrade")
    again = {(o["kind"], o["metadata"]["name"]): o for o in json.loads(run(app, "show", "default", "-o", "json").out)["items"]}
    assert again == before


def test_unknown_version_is_one_line_and_changes_nothing(tmp_path):
    from tests.conftest import assert_clean_failure, tree_digest

    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    before = tree_digest(app)
    res = run(app, "pkg", "install", "kubeflow/core@v0.9.9", ok=False)
    assert_clean_failure(res, before=before, root=app, contains="no version 'v0.9.9'")
    assert CURRENT in res.err and OLD in res.err


def test_registry_describe_lists_the_versions(tmp_path):
    run(tmp_path, "init", "app")
    out = run(tmp_path / "app", "registry", "describe", "kubeflow").out
    assert f"VERSIONS:\n  {CURRENT} (current)\n  {OLD}\n" in out


# ------------------------------------------------------------------------------------------ rendering


PREREQUISITE_GROUPS = {"cert-manager.io", "networking.istio.io", "security.istio.io", "sagemaker.services.k8s.aws"}


@pytest.mark.parametrize("version", [OLD, CURRENT])
def test_every_prototype_renders_and_validates(version, workdir):
    """`validate` passes every object (built-in kinds against Kubernetes 1.36); every custom resource is
    checked against the CRD this version's operator prototypes install (structural schemas), except
    the kinds of documented prerequisites (cert-manager, Istio)."""
    import jsonschema

    from tests.test_builtin_registry import _jsonschema, structural

    cases = rendered(version, workdir)
    assert len(cases) >= len(prototypes(version))
    crds = {}
    for _pkg, _proto, _values, objs in cases:
        for o in json.loads(objs):
            if o["kind"] == "CustomResourceDefinition":
                structural(o)
                for v in o["spec"]["versions"]:
                    crds[(o["spec"]["group"], v["name"], o["spec"]["names"]["kind"])] = v["schema"]["openAPIV3Schema"]
    checked = 0
    for pkg, proto, values, objs in cases:
        objs = json.loads(objs)
        assert objs, (pkg, proto, values)
        for o in objs:
            ns = o["metadata"].get("namespace")
            # The environment's, none (cluster-scoped), or the operator namespace a README documents.
            assert ns in (None, ENV_NS[version]) or ns.endswith("-system"), (pkg, proto, o["kind"], ns)
            group, _, ver = o["apiVersion"].rpartition("/")
            if "." not in group or group.endswith("k8s.io") or group in PREREQUISITE_GROUPS:
                continue
            schema = crds.get((group, ver, o["kind"]))
            assert schema is not None, f"{pkg}/{proto}: no CRD of {version} serves {o['apiVersion']} {o['kind']}"
            errors = [f"{list(e.path)}: {e.message}"
                      for e in jsonschema.Draft7Validator(_jsonschema(schema)).iter_errors(o)]
            assert not errors, (pkg, proto, values, o["kind"], errors)
            checked += 1
    assert checked > 10


def test_current_notebooks_need_sign_in_and_the_gateway_has_no_catch_all(workdir):
    objs = [json.loads(o) for pkg, proto, values, o in rendered(CURRENT, workdir)
            if (pkg, proto, values) == ("core", "all", "{}")][0]
    config = next(o for o in objs if o["metadata"]["name"] == "jupyterhub-config")["data"]["jupyterhub_config.py"]
    assert "nativeauthenticator.NativeAuthenticator" in config and "open_signup = False" in config
    assert "dummy" not in config.lower() and "allow_all = True" not in config
    envoy = yaml.safe_load(next(o for o in objs if o["metadata"]["name"] == "gateway-config")["data"]["envoy.yaml"])
    hosts = [d for l in envoy["static_resources"]["listeners"] for fc in l["filter_chains"] for f in fc["filters"]
             for vh in f["typed_config"]["route_config"]["virtual_hosts"] for d in vh["domains"]]
    assert hosts and "*" not in hosts and all(h.startswith(("gateway", "localhost", "127.")) for h in hosts)
    svc = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    assert svc["gateway"]["spec"]["type"] == svc["tf-hub-lb"]["spec"]["type"] == "ClusterIP"


def test_current_notebook_package_is_never_open(workdir):
    """The notebook package: Jupyter asks for a token from a Secret by default, or the mesh admits only
    the owner; no route and no catch-all host unless asked for; a pinned image."""
    cases = {(pkg, proto, values): json.loads(o) for pkg, proto, values, o in rendered(CURRENT, workdir)
             if pkg == "notebook"}
    default = cases[("notebook", "notebook", "{}")]
    assert {o["kind"] for o in default} == {"StatefulSet", "Service"}  # no route by default
    [sts] = [o for o in default if o["kind"] == "StatefulSet"]
    c = sts["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "quay.io/jupyter/scipy-notebook:2026-10-05"
    env = {e["name"]: e for e in c["env"]}
    assert env["JUPYTER_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": f"{sts['metadata']['name']}-token", "key": "token"}
    assert "token=''" not in env["NOTEBOOK_ARGS"]["value"] and "allow_origin" not in env["NOTEBOOK_ARGS"]["value"]
    routed = cases[("notebook", "notebook", json.dumps({"virtualService": "true", "host": "kf.example.com,localhost",
                                                        "tokenSecret": "lab-token"}))]
    vs = next(o for o in routed if o["kind"] == "VirtualService")
    assert vs["spec"]["hosts"] == ["kf.example.com", "localhost"]
    c = next(o for o in routed if o["kind"] == "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert {e["name"]: e for e in c["env"]}["JUPYTER_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "lab-token"
    gw = cases[("notebook", "notebook", json.dumps({"auth": "gateway", "virtualService": "true", "host": "kf.example.com",
                                                    "userId": "alice@example.com"}))]
    policy = next(o for o in gw if o["kind"] == "AuthorizationPolicy")
    sts = next(o for o in gw if o["kind"] == "StatefulSet")
    assert policy["spec"]["action"] == "ALLOW"
    assert policy["spec"]["selector"]["matchLabels"].items() <= sts["spec"]["template"]["metadata"]["labels"].items()
    [rule] = policy["spec"]["rules"]
    assert rule["when"] == [{"key": "request.headers[kubeflow-userid]", "values": ["alice@example.com"]}]
    assert rule["from"][0]["source"]["principals"] == ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"]
    assert "JUPYTER_TOKEN" not in {e["name"] for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]}


def test_notebook_refuses_an_open_or_unrouted_setup(tmp_path):
    from tests.conftest import assert_clean_failure, tree_digest

    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", "kubeflow/notebook")
    for flags, msg in ((["--virtualService=true"], "host: give the host name(s)"),
                       (["--auth=gateway"], "auth: gateway sign-in needs the route"),
                       (["--auth=none"], 'auth: expected token or gateway, got "none"')):
        # generate renders the new component first: it refuses, naming the problem, and writes nothing
        before = tree_digest(app)
        res = run(app, "generate", "notebook", "nb", "--name=nb", "--user=alice", *flags, ok=False)
        assert_clean_failure(res, before=before, root=app, contains=msg)


def test_current_serving_and_jobs_follow_upstream(workdir):
    cases = {(pkg, proto, values): json.loads(o) for pkg, proto, values, o in rendered(CURRENT, workdir)}

    def containers(objs, kind):
        obj = next(o for o in objs if o["kind"] == kind)
        spec = obj["spec"]["template"]["spec"]
        return spec.get("initContainers", []), spec["containers"]

    _, [server] = containers(cases[("tf-serving", "tf-serving-all-features", "{}")], "Deployment")
    assert server["image"] == "tensorflow/serving:2.19.1"
    assert "--port=8500" in server["args"] and "--rest_api_port=8501" in server["args"]
    s3 = json.dumps({"modelPath": "s3://models/inception", "s3Enable": "true", "s3SecretName": "s3-creds", "numGpus": 1})
    [fetch], [server] = containers(cases[("tf-serving", "tf-serving-all-features", s3)], "Deployment")
    assert server["image"].endswith("-gpu") and server["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert fetch["command"][:4] == ["aws", "s3", "sync", "s3://models/inception"]
    assert "--model_base_path=/models/" + "c" in " ".join(server["args"]) or any(
        a.startswith("--model_base_path=/models/") for a in server["args"])
    cmd = json.dumps({"command": "python,/opt/train.py", "args": "--epochs=1", "num_ps": 1, "num_workers": 2, "num_gpus": 1})
    job = next(o for o in cases[("tf-job", "tf-job", cmd)] if o["kind"] == "TFJob")
    for spec in job["spec"]["tfReplicaSpecs"].values():
        c = spec["template"]["spec"]["containers"][0]
        assert c["command"] == ["python", "/opt/train.py"] and c["args"] == ["--epochs=1"]
    op = cases[("tf-job", "tf-job-operator", "{}")]
    dep = next(o for o in op if o["kind"] == "Deployment")
    assert dep["metadata"]["name"] == "training-operator"
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "kubeflow/training-operator:v1.9.3"
    rules = next(o for o in op if o["kind"] == "ClusterRole")["rules"]
    granted = {(g, r) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]}
    for need in [("", "secrets"), ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
                 ("", "pods/exec"), ("rbac.authorization.k8s.io", "roles"), ("kubeflow.org", "tfjobs/finalizers")]:
        assert need in granted, need
    assert {o["kind"] for o in op} >= {"ValidatingWebhookConfiguration", "Secret", "Service"}
    for fmt in ("sklearn", "tensorflow", "pytorch", "xgboost"):
        isvc = [o for (pkg, proto, v), objs in cases.items() if proto == "inference-service"
                and json.loads(v).get("modelFormat", "sklearn") == fmt for o in objs]
        assert isvc and isvc[0]["spec"]["predictor"]["model"]["modelFormat"] == {"name": fmt}


def test_current_seldon_is_core2_with_safe_defaults(workdir):
    """`seldon` deploys Seldon Core 2: its CRDs and controller with the release's RBAC, a runtime that
    serves models without Kafka and keeps the inference endpoint inside the cluster; serve-simple is a Model."""
    cases = {(pkg, proto, values): json.loads(o) for pkg, proto, values, o in rendered(CURRENT, workdir)}
    core = cases[("seldon", "core", "{}")]
    kinds = {(o["kind"], o["metadata"]["name"]) for o in core}
    crds = {o["metadata"]["name"] for o in core if o["kind"] == "CustomResourceDefinition"}
    assert crds == {f"{p}.mlops.seldon.io" for p in ("models", "servers", "serverconfigs", "pipelines", "experiments",
                                                     "seldonruntimes", "seldonconfigs")}
    assert {("Deployment", "seldon-v2-controller-manager"), ("Role", "seldon-v2-manager-role"),
            ("RoleBinding", "seldon-v2-manager-rolebinding"), ("SeldonConfig", "default"),
            ("ServerConfig", "mlserver"), ("SeldonRuntime", "seldon"), ("Server", "mlserver")} <= kinds
    assert not any(o["apiVersion"].startswith("machinelearning.seldon.io") for o in core)
    dep = next(o for o in core if o["kind"] == "Deployment")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/seldonio/seldonv2-controller:2.10.0"
    rules = next(o for o in core if o["kind"] == "Role" and o["metadata"]["name"] == "seldon-v2-manager-role")["rules"]
    granted = {(g, r, v) for rule in rules for g in rule["apiGroups"] for r in rule["resources"] for v in rule["verbs"]}
    for need in [("mlops.seldon.io", "models", "watch"), ("mlops.seldon.io", "servers/status", "update"),
                 ("mlops.seldon.io", "seldonruntimes/finalizers", "update"), ("apps", "statefulsets", "create"),
                 ("apps", "deployments", "delete"), ("", "serviceaccounts", "create"), ("", "secrets", "get"),
                 ("rbac.authorization.k8s.io", "rolebindings", "create"), ("discovery.k8s.io", "endpointslices", "watch")]:
        assert need in granted, need
    # Safe defaults: no Kafka -> the Kafka components are off; the endpoint is ClusterIP; no usage reporting.
    runtime = next(o for o in core if o["kind"] == "SeldonRuntime")["spec"]
    assert {o["name"] for o in runtime["overrides"] if o["disable"]} == \
        {"seldon-modelgateway", "seldon-pipelinegateway", "seldon-dataflow-engine"}
    assert runtime["config"]["serviceConfig"]["serviceType"] == "ClusterIP"
    config = next(o for o in core if o["kind"] == "SeldonConfig")["spec"]
    assert "hodometer" not in {c["name"] for c in config["components"]}
    wide = cases[("seldon", "core", json.dumps({"clusterwide": "true", "kafkaBootstrap": "seldon-kafka-bootstrap.kafka:9092",
                                                "serviceType": "LoadBalancer", "serverReplicas": 2}))]
    assert ("ClusterRole", "seldon-v2-manager-role") in {(o["kind"], o["metadata"]["name"]) for o in wide}
    assert "Role" not in {o["kind"] for o in wide if o["metadata"]["name"] == "seldon-v2-manager-role"}
    wide_runtime = next(o for o in wide if o["kind"] == "SeldonRuntime")["spec"]
    assert "overrides" not in wide_runtime and wide_runtime["config"]["serviceConfig"]["serviceType"] == "LoadBalancer"
    assert next(o for o in wide if o["kind"] == "SeldonConfig")["spec"]["config"]["kafkaConfig"]["bootstrap.servers"] == \
        "seldon-kafka-bootstrap.kafka:9092"
    bare = cases[("seldon", "core", json.dumps({"runtime": "false", "server": "false"}))]
    assert not {"SeldonRuntime", "Server"} & {o["kind"] for o in bare}

    [model] = cases[("seldon", "serve-simple", "{}")]
    assert model["kind"] == "Model" and model["spec"] == {"storageUri": SAMPLES["storageUri"], "requirements": ["sklearn"],
                                                          "replicas": 1}
    own = cases[("seldon", "serve-simple", json.dumps({"image": "seldonio/mlserver:1.7.1-sklearn",
                                                       "requirements": "sklearn, python", "memory": "100Ki", "replicas": 2}))]
    server, model = (next(o for o in own if o["kind"] == k) for k in ("Server", "Model"))
    assert len(own) == 2
    assert server["spec"]["serverConfig"] == "mlserver" and server["spec"]["replicas"] == 2
    assert server["spec"]["podSpec"]["containers"] == [{"name": "mlserver", "image": "seldonio/mlserver:1.7.1-sklearn"}]
    assert model["spec"]["server"] == server["metadata"]["name"] == model["metadata"]["name"]
    assert model["spec"]["requirements"] == ["sklearn", "python"] and model["spec"]["memory"] == "100Ki"


def test_seldon_crds_accept_the_documented_examples(workdir):
    import jsonschema

    from tests.test_builtin_registry import _jsonschema

    core = next(json.loads(o) for pkg, proto, values, o in rendered(CURRENT, workdir) if (pkg, proto, values) == ("seldon", "core", "{}"))
    schemas = {o["spec"]["names"]["kind"]: o["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
               for o in core if o["kind"] == "CustomResourceDefinition"}
    for example in SELDON_EXAMPLES:
        errors = [e.message for e in jsonschema.Draft7Validator(_jsonschema(schemas[example["kind"]])).iter_errors(example)]
        assert not errors, (example["metadata"]["name"], errors)
    # And the schemas are not vacuous: a Model without storageUri, an Experiment without candidates are refused.
    for kind, spec in (("Model", {"requirements": ["sklearn"]}), ("Experiment", {"default": "iris"}),
                       ("Pipeline", {"steps": [{"inputs": ["a"]}]}), ("Server", {"replicas": "two", "serverConfig": "m"})):
        bad = {"apiVersion": "mlops.seldon.io/v1alpha1", "kind": kind, "metadata": {"name": "bad"}, "spec": spec}
        assert list(jsonschema.Draft7Validator(_jsonschema(schemas[kind])).iter_errors(bad)), kind


def test_prototype_describe_names_prerequisites(tmp_path):
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", "kubeflow/kserve")
    out = run(app, "prototype", "describe", "kserve").out
    assert "REQUIRES (installed in the cluster first):\n  cert-manager" in out
    assert "REQUIRES" in run(app, "prototype", "describe", "inference-service").out


def test_missing_prerequisites_from_objects_and_discovery(workdir):
    class Served:
        """The built-in kinds only (no operator installed)."""

        def resource(self, api_version, kind):
            return object() if "." not in api_version.split("/")[0] or api_version.split("/")[0].endswith("k8s.io") \
                else None

    objs = {(pkg, proto, values): json.loads(o) for pkg, proto, values, o in rendered(CURRENT, workdir)}
    missing = missing_prerequisites(objs[("kserve", "kserve", "{}")], Served())
    assert [m.provider for m in missing] == ["cert-manager"]
    assert sorted(missing[0].objects) == ["Certificate serving-cert", "Issuer selfsigned-issuer"]
    # An InferenceService alone needs KServe; with the kserve CRDs rendered beside it, only cert-manager.
    isvc = objs[("kserve", "inference-service", "{}")]
    assert [m.provider for m in missing_prerequisites(isvc, Served())] == ["KServe (prototype kserve)"]
    both = objs[("kserve", "kserve", "{}")] + isvc
    assert [m.provider for m in missing_prerequisites(both, Served())] == ["cert-manager"]
    istio = json.dumps({"gateway": "istio", "gatewayHosts": "kubeflow.example.com"})
    assert [m.provider for m in missing_prerequisites(objs[("core", "all", istio)], Served())] == ["Istio"]
    assert missing_prerequisites(objs[("core", "all", "{}")], Served()) == []


# ------------------------------------------------------------------------------------------ cluster


class _Discovery:
    """What the test control plane serves, read with plain requests (not kfctl's client)."""

    def __init__(self, kube):
        self.kube = kube

    def resource(self, api_version, kind):
        base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        status, doc = self.kube.request("GET", base, ok=())
        if status != 200:
            return None
        return next((r for r in doc.get("resources", []) if r["kind"] == kind and "/" not in r["name"]), None)


def _dropped(sent, got, where="spec") -> list[str]:
    """Fields of ``sent`` that ``got`` lacks or changed (fields the server added, its defaults, are fine)."""
    if isinstance(sent, dict) and isinstance(got, dict):
        return [p for k, v in sent.items() for p in
                ([f"{where}.{k}"] if k not in got else _dropped(v, got[k], f"{where}.{k}"))]
    if isinstance(sent, list) and isinstance(got, list) and len(sent) == len(got):
        return [p for i, (a, b) in enumerate(zip(sent, got)) for p in _dropped(a, b, f"{where}[{i}]")]
    return [] if sent == got else [where]


def _path(kube, obj: dict, plural_of, env_ns: str = ENV_NS[CURRENT]) -> str:
    api = obj["apiVersion"]
    base = f"/apis/{api}" if "/" in api else f"/api/{api}"
    res = plural_of(api, obj["kind"])
    if res["namespaced"]:
        obj["metadata"].setdefault("namespace", env_ns)  # as apply fills in the environment's namespace
    ns = f"/namespaces/{obj['metadata']['namespace']}" if res["namespaced"] else ""
    return f"{base}{ns}/{res['name']}/{obj['metadata']['name']}"


@pytest.mark.cluster
@pytest.mark.parametrize("version", [OLD, CURRENT])
def test_real_api_server_accepts_every_object(version, workdir, kube_cluster):
    kube = kube_cluster
    if kube.request("GET", f"/api/v1/namespaces/{ENV_NS[version]}", ok=())[0] == 404:
        kube.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                   "metadata": {"name": ENV_NS[version]}})
        kube.track_namespace(ENV_NS[version])
    objs: dict[tuple, dict] = {}
    for _pkg, _proto, _values, rendered_objs in rendered(version, workdir):
        for o in json.loads(rendered_objs):
            objs[(o["apiVersion"], o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])] = o
    every = list(objs.values())
    if version == CURRENT:  # the documented Seldon Core 2 examples, against the package's CRDs
        every += json.loads(json.dumps(SELDON_EXAMPLES))
    disc = _Discovery(kube)
    crds = [o for o in every if o["kind"] == "CustomResourceDefinition"]
    created: list[str] = []
    try:
        for crd in crds:
            path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}"
            # A CRD an earlier test deleted may still be terminating: wait until it is gone.
            kube.wait_for(lambda path=path: not kube.exists(path) or
                          "deletionTimestamp" not in kube.get(path)["metadata"], 120, f"{path} deleted")
            kube.apply(crd, path, field_manager="kfctl-versions-test")
            created.append(path)
        for crd in crds:
            path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}"
            kube.wait_for(lambda path=path: any(c["type"] == "Established" and c["status"] == "True"
                                                for c in kube.get(path).get("status", {}).get("conditions", [])),
                          60, f"{path} established")
        # What neither the cluster nor these packages provide is exactly the documented prerequisites.
        missing = kube.wait_for(lambda: missing_prerequisites(every, disc) or [], 30, "discovery")
        skipped = {m.provider for m in missing}
        documented = {"cert-manager", "Istio", "the ACK SageMaker controller"}
        assert skipped <= documented, skipped
        if version == CURRENT:
            assert skipped == documented

        def plural_of(api, kind):
            res = kube.wait_for(lambda: disc.resource(api, kind), 30, f"{api} {kind} served")
            return res

        rest = [o for o in every if o["kind"] != "CustomResourceDefinition"
                and o["apiVersion"].rpartition("/")[0] not in PREREQUISITE_GROUPS]
        custom = [o for o in rest if "." in o["apiVersion"].split("/")[0]
                  and not o["apiVersion"].split("/")[0].endswith("k8s.io")]
        # Custom resources before the webhook configurations that would call absent webhook servers.
        for o in custom + [o for o in rest if o not in custom]:
            path = _path(kube, o, plural_of, ENV_NS[version])
            if o["kind"] == "Namespace":  # the other version's may still be terminating: let it go first
                kube.wait_for(lambda path=path: not kube.exists(path) or
                              "deletionTimestamp" not in kube.get(path)["metadata"], 120, f"{path} deleted")
            got = kube.wait_for(lambda o=o, path=path: kube.apply(o, path, field_manager="kfctl-versions-test"),
                                30, f"apply {path}")
            if "namespaces/" not in path or o["kind"] == "Namespace":
                created.append(path)
            if o in custom and "spec" in o:
                lost = _dropped(o["spec"], got["spec"])
                assert not lost, f"the API server changed or pruned {lost} of {path}"
    finally:
        # A CRD deleted while the API server still initialises its storage stays Terminating for minutes
        # ("InstanceDeletionFailed: storage is (re)initializing", retried with back-off): delete the CRDs
        # only once their custom resources can be listed from the watch cache (resourceVersion=0).
        for crd in crds:
            spec = crd["spec"]
            for v in spec["versions"]:
                kube.wait_for(lambda v=v: kube.request("GET", f"/apis/{spec['group']}/{v['name']}/{spec['names']['plural']}",
                                                       query={"resourceVersion": "0"}, ok=())[0] == 200,
                              60, f"{spec['names']['plural']}.{spec['group']} listable")
        for path in reversed(created):
            _delete(kube, path)


def _delete(kube, path: str) -> None:
    """Delete by UID, as kfctl delete does (Volcano's policy lets such a delete remove the default Queue)."""
    status, live = kube.request("GET", path, ok=())
    if status == 200:
        kube.request("DELETE", path, {"kind": "DeleteOptions", "apiVersion": "v1",
                                      "preconditions": {"uid": live["metadata"]["uid"]}}, ok=(200, 202, 404, 409))


@pytest.mark.cluster
@pytest.mark.parametrize("version", [OLD, CURRENT])
def test_delete_of_an_environment_with_volcano_succeeds(version, tmp_path, kube_cluster, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", kube_cluster.kubeconfig)
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", f"kubeflow/volcano@{version}")
    ns = f"volcano-del-{version.replace('.', '-')}"
    run(app, "env", "set", "default", "--namespace", ns)
    kube_cluster.track_namespace(ns)
    run(app, "generate", "volcano", "volcano", f"--namespace={ns}")
    run(app, "apply", "default")
    queue = "/apis/scheduling.volcano.sh/v1beta1/queues/default"
    assert kube_cluster.exists(queue)
    # A plain delete of the default queue is refused by the package's admission policy ...
    # (dry runs, polled: a new admission policy takes a moment to be enforced)
    def refused():
        status, body = kube_cluster.request("DELETE", queue, query={"dryRun": "All"}, ok=())
        return (status, body) if status in (403, 422) else None
    status, body = kube_cluster.wait_for(refused, 30, "the default-queue policy in force")
    assert "default queue cannot be deleted" in json.dumps(body), (status, body)
    # ... and kfctl delete of the environment removes everything.
    res = run(app, "delete", "default", "--wait", ok=False)
    assert res.code == 0, res
    assert not kube_cluster.exists(queue)
    gone = [o for o in json.loads(run(app, "show", "default", "-o", "json").out)["items"]
            if _Discovery(kube_cluster).resource(o["apiVersion"], o["kind"]) is not None
            and kube_cluster.exists(_path(kube_cluster, o, _Discovery(kube_cluster).resource))]
    assert gone == [], [(o["kind"], o["metadata"]["name"]) for o in gone]


# ------------------------------------------------------------------------------------------ reference apps


def kinds_names(objs):
    return {(o["kind"], o["metadata"]["name"]) for o in objs}


def test_reference_app_deploys_the_current_stack_and_the_example_the_2018_one(tmp_path):
    import shutil

    current = json.loads(run(REPO, "show", "nocloud", "-o", "json").out)["items"]
    libs = yaml.safe_load((REPO / "app.yaml").read_text())["libraries"]
    assert {lib["version"] for lib in libs.values()} == {CURRENT}
    assert {("Deployment", "gateway"), ("Deployment", "training-operator"), ("StatefulSet", "tf-hub")} <= \
        kinds_names(current)
    example = REPO / "examples" / "kubeflow-v0.1.2"
    libs = yaml.safe_load((example / "app.yaml").read_text())["libraries"]
    assert {lib["version"] for lib in libs.values()} == {OLD}
    old = json.loads(run(example, "show", "nocloud", "-o", "json").out)["items"]
    assert {("Deployment", "ambassador"), ("Deployment", "tf-job-operator"), ("Deployment", "tf-job-dashboard")} <= \
        kinds_names(old)
    hub = next(o for o in old if o["kind"] == "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert hub["image"] == "gcr.io/kubeflow/jupyterhub-k8s:1.0.1"
    # The documented move: a copy of the example, upgraded, renders the current stack.
    copy = tmp_path / "example"
    shutil.copytree(example, copy, symlinks=False)
    run(copy, "pkg", "install", f"kubeflow/core@{CURRENT}", "--upgrade")
    moved = json.loads(run(copy, "show", "nocloud", "-o", "json").out)["items"]
    assert ("Deployment", "ambassador") not in kinds_names(moved)
    assert kinds_names(moved) >= {("Deployment", "gateway"), ("Deployment", "training-operator")}
    hub = next(o for o in moved if o["kind"] == "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert hub["image"] == "quay.io/jupyterhub/k8s-hub:4.4.2"


def test_upgrade_keeps_what_the_user_set_and_edited_components(tmp_path):
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", f"kubeflow/core@{OLD}")
    run(app, "generate", "kubeflow-core", "kubeflow-core")
    run(app, "generate", "tf-job", "edited", "--name=edited")
    run(app, "param", "set", "kubeflow-core", "jupyterHubServiceType", "NodePort")
    run(app, "param", "set", "kubeflow-core", "jupyterHubImage", "example.com/hub:7")
    edited = app / "components" / "edited.jsonnet"
    edited.write_text(edited.read_text() + "// my change\n")
    before_edited = edited.read_text()
    res = run(app, "pkg", "install", f"kubeflow/core@{CURRENT}", "--upgrade")
    assert "kept your values of jupyterHubImage" in res.err, res
    assert "component edited" not in res.err  # an edited file is not a prototype's any more: untouched
    assert "left components/edited.jsonnet as it is: it was edited since generate" in res.err, res  # and said so
    assert edited.read_text() == before_edited
    params = json.loads(run(app, "param", "list", "kubeflow-core", "-o", "json").out)["data"]
    values = {d["param"]: d["value"] for d in params}
    assert values["jupyterHubServiceType"] == "NodePort"  # same default in both versions: the user's value
    assert values["jupyterHubImage"] == "example.com/hub:7"  # set by the user: kept
    assert values["jupyterHubAuthenticator"] == "native"  # was at v0.1.2's default: moved
    assert "AmbassadorImage" not in values  # dropped by the current version, was at its default


def test_a_failed_upgrade_changes_no_file(tmp_path):
    """A move along that fails half-way (here: a params entry kfctl cannot edit in place) puts back the
    vendored packages, app.yaml and every component file, as the install promises."""
    from tests.conftest import assert_clean_failure, tree_digest

    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", f"kubeflow/core@{OLD}")
    run(app, "generate", "kubeflow-core", "kubeflow-core")
    params = app / "components" / "params.libsonnet"
    text = params.read_text()
    assert text.count('"kubeflow-core": {') == 1, text
    params.write_text(text.replace('"kubeflow-core": {', '"kubeflow-core": {} + {'))
    before = tree_digest(app)
    res = run(app, "pkg", "install", f"kubeflow/core@{CURRENT}", "--upgrade", ok=False)
    assert_clean_failure(res, before=before, root=app)
    assert run(app, "show", "default").code == 0


def test_installing_another_version_without_upgrade_is_refused(tmp_path):
    """An app's kubeflow packages stay at one version: a package of the other version next to them (which
    then does not render with them) is refused, naming --upgrade, and nothing changes."""
    from tests.conftest import assert_clean_failure, tree_digest

    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", "kubeflow/core")
    before = tree_digest(app)
    for pkg in ("core", "tf-serving", "argo"):  # installed, needing installed ones, standing alone
        res = run(app, "pkg", "install", f"kubeflow/{pkg}@{OLD}", ok=False)
        assert_clean_failure(res, before=before, root=app, code=1,
                             contains=f"'kfctl pkg install kubeflow/{pkg}@{OLD} --upgrade'")
    # The app's own version, named or not, still installs.
    run(app, "pkg", "install", f"kubeflow/argo@{CURRENT}")
    run(app, "pkg", "install", "kubeflow/tf-serving")


def test_pkg_describe_at_the_installed_version_says_installed(tmp_path):
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", f"kubeflow/core@{OLD}")
    for desc in ("kubeflow/core", f"kubeflow/core@{OLD}"):
        out = run(app, "pkg", "describe", desc).out
        assert f"kubeflow (installed in vendor/kubeflow/core@{OLD})" in out, out
        assert json.loads(run(app, "pkg", "describe", desc, "-o", "json").out)["data"]["installed"] is True
    out = run(app, "pkg", "describe", f"kubeflow/core@{CURRENT}").out
    assert f"not installed; the app has version {OLD}" in out and f"VERSION:\n{CURRENT}\n" in out, out


def test_after_moving_back_packages_the_old_version_lacks_do_not_block_installs(tmp_path):
    """kserve exists only in the current set: it stays there when the app moves back to v0.1.2 (a note
    says so), and later installs without a version still follow the app's v0.1.2 set."""
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", "kubeflow/core")
    run(app, "pkg", "install", "kubeflow/kserve")
    res = run(app, "pkg", "install", f"kubeflow/core@{OLD}", "--upgrade")
    assert f"kubeflow/kserve stays at version {CURRENT}" in res.err, res
    res = run(app, "pkg", "install", "kubeflow/tf-serving")
    assert f"installs kubeflow/tf-serving@{OLD}" in res.err, res
    run(app, "pkg", "install", f"kubeflow/argo@{OLD}")
    listed = {d["name"]: d["version"] for d in json.loads(run(app, "pkg", "list", "-o", "json").out)["data"]
              if d["installed"]}
    assert listed == {"argo": OLD, "common": OLD, "core": OLD, "kserve": CURRENT, "pytorch-job": OLD,
                      "tf-job": OLD, "tf-serving": OLD}, listed


def test_upgrade_names_environment_overrides_of_dropped_parameters(tmp_path):
    """Environment overrides are left alone, but one of a parameter the new version dropped does nothing
    any more: the move says so instead of leaving it silently without effect."""
    run(tmp_path, "init", "app")
    app = tmp_path / "app"
    run(app, "pkg", "install", f"kubeflow/core@{OLD}")
    run(app, "generate", "kubeflow-core", "kubeflow-core")
    run(app, "env", "add", "cloud", "--namespace", "kubeflow")
    run(app, "param", "set", "kubeflow-core", "tfAmbassadorServiceType", "NodePort", "--env=cloud")
    run(app, "param", "set", "kubeflow-core", "jupyterHubAuthenticator", "iap", "--env=cloud")
    res = run(app, "pkg", "install", f"kubeflow/core@{CURRENT}", "--upgrade")
    assert "environment 'cloud' still sets tfAmbassadorServiceType, which this version does not read" in res.err, res
    assert "still sets jupyterHubAuthenticator" not in res.err  # the current version reads it: a live override
    assert "environment 'default'" not in res.err
