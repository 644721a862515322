"""The 2018 Kubeflow user guide with kfctl in place of ks (/work/shared/scenarios/user-guide.md).

Every command of the guide runs through the CLI as written, offline, against the built-in `kubeflow`
registry. After each step the scenario's expectations are checked on `kfctl show` output. The guide runs
twice: on the built-in registry's v0.1.2 set (`pkg install kubeflow/core@v0.1.2`, as the guide writes it)
and on the current set (`pkg install kubeflow/core`); the later `pkg install kubeflow/<pkg>` commands of the
guide install the version of the app's other kubeflow packages either way.

The cluster steps (apply / diff / delete) go through `cluster_*` functions below. They only record the
command for now; the cluster engineer fills them in (each docstring says what to assert there).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import assert_clean_failure, tree_digest

import yaml

REPO = Path(__file__).resolve().parents[1]
CURRENT = yaml.safe_load((REPO / "registry" / "registry.yaml").read_text())["version"]
VERSIONS = ["v0.1.2", CURRENT]
GUIDE_REF = "v0.1.2"  # the GitHub registry ref the 2018 guide adds
KF_ENV = "cloud"
NAMESPACE = "kubeflow"


@dataclass
class Guide:
    kfctl: object
    root: Path
    version: str = "v0.1.2"
    usage_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cluster_steps: list[tuple[str, ...]] = field(default_factory=list)
    kube: object = None  # a KubeCluster: the cluster steps then really run (test_user_guide_on_cluster)

    def run(self, *args, ok: bool = True):
        res = self.kfctl(*args, cwd=self.root)
        if ok:
            assert res.code == 0, f"kfctl {' '.join(args)}\n{res}"
        return res

    def show(self, env: str, *components: str) -> list[dict]:
        args = ["show", env, "-o", "json"]
        for c in components:
            args += ["-c", c]
        return json.loads(self.run(*args).out)["items"]


def by_key(objs: list[dict]) -> dict[tuple, dict]:
    return {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objs}


def find(objs: list[dict], kind: str, name: str) -> dict | None:
    return next((o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name), None)


def pod_spec(obj: dict) -> dict:
    return obj["spec"]["template"]["spec"]


def declared_params(path: Path) -> list[str]:
    """Param names straight from a prototype's header (independent of kfctl's parser)."""
    return re.findall(r"^//\s+@(?:param|optionalParam)\s+(\S+)", path.read_text(), flags=re.M)


def operator(g: Guide) -> str:
    """The training operator's Deployment: v0.1.2 named it after TFJob; the current one serves both job
    kinds under upstream's name (README of kubeflow/tf-job)."""
    return "tf-job-operator" if g.version == "v0.1.2" else "training-operator"


def vendored(g: Guide, pkg: str, *parts: str) -> Path:
    """A file of package ``pkg`` as vendored at the guide's version."""
    return g.root.joinpath("vendor", "kubeflow", f"{pkg}@{g.version}", *parts)


def hub_config(objs: list[dict]) -> str:
    cm = find(objs, "ConfigMap", "jupyterhub-config")
    assert cm is not None
    return "\n".join(cm["data"].values())


# ----------------------------------------------------------------------------------- cluster hooks


def cluster(g: Guide, *args: str, code: int = 0):
    """Record a cluster command of the guide (apply/diff/delete); with ``g.kube`` also run it and check
    its exit code (KUBECONFIG points at that cluster for the whole test)."""
    g.cluster_steps.append(args)
    if g.kube is None:
        return None
    res = g.kfctl(*args, cwd=g.root)
    assert res.code == code, f"kfctl {' '.join(args)}\n{res}"
    return res


def live(g: Guide, obj: dict) -> dict | None:
    """The live copy of ``obj`` (resource found through the server's own discovery, not kfctl's)."""
    api = obj["apiVersion"]
    base = f"/apis/{api}" if "/" in api else f"/api/{api}"
    status, doc = g.kube.request("GET", base, ok=())
    if status != 200:
        return None
    res = next(r for r in doc["resources"] if r["kind"] == obj["kind"] and "/" not in r["name"])
    ns = obj["metadata"].get("namespace")
    path = f"{base}/namespaces/{ns}/{res['name']}" if res["namespaced"] else f"{base}/{res['name']}"
    status, body = g.kube.request("GET", f"{path}/{obj['metadata']['name']}", ok=())
    return body if status == 200 else None


def cluster_deploy(g: Guide) -> None:
    """`kfctl apply cloud -c kubeflow-core`: assert the namespace `kubeflow` is created when missing and
    every object of `show cloud -c kubeflow-core` exists in the cluster."""
    if g.kube is not None:
        assert g.kube.request("GET", f"/api/v1/namespaces/{NAMESPACE}", ok=())[0] == 404
        if g.version != "v0.1.2":
            # The test control plane runs no pods, so the v1.9 operator's webhook never answers there.
            g.run("param", "set", "kubeflow-core", "webhookFailurePolicy", "Ignore")
    cluster(g, "apply", KF_ENV, "-c", "kubeflow-core")
    if g.kube is not None:
        assert g.kube.request("GET", f"/api/v1/namespaces/{NAMESPACE}", ok=())[0] == 200
        missing = [(o["kind"], o["metadata"]["name"]) for o in g.show(KF_ENV, "kubeflow-core") if live(g, o) is None]
        assert not missing, missing


def cluster_jupyter_service_type(g: Guide) -> None:
    """`kfctl apply cloud` with NodePort, then `kfctl diff cloud` after LoadBalancer: assert diff exits 10
    and shows exactly tf-hub-lb's spec.type change."""
    if g.kube is None:
        cluster(g, "apply", KF_ENV)
        cluster(g, "diff", KF_ENV)
        return
    g.run("param", "set", "kubeflow-core", "jupyterHubServiceType", "NodePort")
    cluster(g, "apply", KF_ENV)
    svc = next(o for o in g.show(KF_ENV) if o["kind"] == "Service" and o["metadata"]["name"] == "tf-hub-lb")
    assert live(g, svc)["spec"]["type"] == "NodePort"
    g.run("param", "set", "kubeflow-core", "jupyterHubServiceType", "LoadBalancer")
    res = cluster(g, "diff", KF_ENV, code=10)
    changed = [ln for ln in res.out.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == ["-  type: NodePort", "+  type: LoadBalancer"], res.out
    headers = [ln for ln in res.out.splitlines() if ln.startswith("+++")]
    assert len(headers) == 1 and headers[0].endswith(f"Service {NAMESPACE}/tf-hub-lb"), res.out
    doc = json.loads(cluster(g, "diff", KF_ENV, "-o", "json", code=10).out)
    assert [(o["op"], o["kind"], o["name"], o["paths"]) for o in doc["objects"] if o["op"] != "unchanged"] == \
        [("update", "Service", "tf-hub-lb", ["spec.type"])]


def cluster_serving(g: Guide) -> None:
    """`kfctl apply cloud -c serveInception`: assert Deployment and Service `inception` exist."""
    cluster(g, "apply", KF_ENV, "-c", "serveInception")
    if g.kube is not None:
        for kind in ("Deployment", "Service"):
            obj = next(o for o in g.show(KF_ENV, "serveInception") if o["kind"] == kind)
            assert obj["metadata"]["name"] == "inception" and live(g, obj) is not None, kind


def cluster_tfjob(g: Guide) -> None:
    """`kfctl apply cloud -c myjob` then `kfctl delete cloud -c myjob`: assert TFJob myjob appears, then is gone."""
    cluster(g, "apply", KF_ENV, "-c", "myjob")
    job = find(g.show(KF_ENV, "myjob"), "TFJob", "myjob") if g.kube is not None else None
    if job is not None:
        assert live(g, job) is not None
    cluster(g, "delete", KF_ENV, "-c", "myjob", *(["--wait"] if g.kube is not None else []))
    if job is not None:
        assert live(g, job) is None
        svc = find(g.show(KF_ENV, "kubeflow-core"), "Service", "tf-hub-lb")
        assert live(g, svc) is not None  # the rest of the environment stays


def cluster_usage_prune(g: Guide) -> None:
    """`kfctl apply cloud --prune` after reportUsage false: assert the spartakus objects are removed from the
    cluster and nothing else is."""
    if g.kube is None:
        cluster(g, "apply", KF_ENV, "--prune")
        return
    # kubeflow-core's training operator serves PyTorchJob too, so the guide's PyTorchJob applies as written.
    g.run("param", "set", "kubeflow-core", "reportUsage", "true")
    cluster(g, "apply", KF_ENV)  # everything the guide generated so far, usage reporting still on
    before = g.show(KF_ENV)
    g.run("param", "set", "kubeflow-core", "reportUsage", "false")
    after = g.show(KF_ENV)
    cluster(g, "apply", KF_ENV, "--prune")
    gone = [o for o in before if live(g, o) is None]
    assert gone and all("spartakus" in o["metadata"]["name"] for o in gone), gone
    assert {o["kind"] for o in gone} >= {"Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"}
    assert all(live(g, o) is not None for o in after)
    assert len(gone) == len(before) - len(after)


# ----------------------------------------------------------------------------------- sections


def deploy(g: Guide) -> None:
    app = g.root
    assert "kubeflow" in g.run("registry", "list").out
    # `registry add kubeflow github.com/...`: the name exists with another source -> one line, nothing changed.
    before = tree_digest(app)
    res = g.run("registry", "add", "kubeflow", f"github.com/kubeflow/kubeflow/tree/{GUIDE_REF}/kubeflow", ok=False)
    assert_clean_failure(res, before=before, root=app, contains="already exists")
    assert len([ln for ln in res.err.splitlines() if ln.strip()]) == 1
    assert "registry rm kubeflow" in res.err
    # The same GitHub location under a new name while offline: one line, nothing changed.
    res = g.run("registry", "add", "kf-github", f"github.com/kubeflow/kubeflow/tree/{GUIDE_REF}/kubeflow", ok=False)
    assert_clean_failure(res, before=before, root=app, contains="cannot reach")
    assert len([ln for ln in res.err.splitlines() if ln.strip()]) == 1
    # Same name, same source: a no-op.
    assert "nothing to do" in g.run("registry", "add", "kubeflow", "kfctl:builtin").err
    assert tree_digest(app) == before

    at = "" if g.version == CURRENT else f"@{g.version}"
    res = g.run("pkg", "install", f"kubeflow/core{at}")
    assert f"installed kubeflow/core version {g.version} in vendor/kubeflow/core@{g.version}" in res.err, res
    g.run("pkg", "install", f"kubeflow/tf-serving{at}")
    g.run("pkg", "install", f"kubeflow/tf-job{at}")
    for pkg in ("core", "tf-serving", "tf-job"):
        assert vendored(g, pkg, "prototypes").is_dir()

    res = g.run("generate", "core", "kubeflow-core", "--name=kubeflow-core")
    assert "io.ksonnet.pkg.kubeflow-core" in res.err
    params_text = (app / "components" / "params.libsonnet").read_text()
    declared = declared_params(vendored(g, "core", "prototypes", "all.jsonnet"))
    assert declared
    listed = json.loads(g.run("param", "list", "kubeflow-core", "-o", "json").out)["data"]
    assert sorted(d["param"] for d in listed) == sorted(declared)
    assert '"kubeflow-core": {' in params_text

    g.run("param", "set", "kubeflow-core", "reportUsage", "true")
    g.run("param", "set", "kubeflow-core", "usageId", g.usage_id)
    g.run("env", "add", "nocloud")
    g.run("env", "add", "cloud")
    envs = {d["name"] for d in json.loads(g.run("env", "list", "-o", "json").out)["data"]}
    assert {"nocloud", "cloud"} <= envs

    nocloud_before = g.show("nocloud")
    g.run("param", "set", "kubeflow-core", "cloud", "gke", "--env=cloud")
    assert g.show("nocloud") == nocloud_before  # only the cloud environment changed
    for cloud in ("aks", "acsengine"):
        g.run("param", "set", "kubeflow-core", "cloud", cloud, "--env=cloud")
        op = find(g.show("cloud", "kubeflow-core"), "Deployment", operator(g))
        host_paths = [v["hostPath"]["path"] for v in pod_spec(op).get("volumes", []) if "hostPath" in v]
        assert any("nvidia" in p for p in host_paths), (cloud, host_paths)
    op = find(g.show("nocloud", "kubeflow-core"), "Deployment", operator(g))
    assert not any("hostPath" in v for v in pod_spec(op).get("volumes", []))
    g.run("param", "set", "kubeflow-core", "cloud", "gke", "--env=cloud")

    assert "/home/jovyan/work" not in hub_config(g.show(KF_ENV, "kubeflow-core"))
    g.run("param", "set", "kubeflow-core", "jupyterNotebookPVCMount", "/home/jovyan/work")
    config = hub_config(g.show(KF_ENV, "kubeflow-core"))
    assert re.search(r'"mountPath":\s*"/home/jovyan/work"', config), config
    assert re.search(r"pvc", config, flags=re.I)

    g.run("env", "set", KF_ENV, "--namespace", NAMESPACE)
    objs = g.show(KF_ENV, "kubeflow-core")
    namespaced = [o for o in objs if o["kind"] not in ("CustomResourceDefinition", "ClusterRole",
                                                       "ClusterRoleBinding", "Namespace", "StorageClass",
                                                       "ValidatingWebhookConfiguration")]
    assert namespaced and all(o["metadata"].get("namespace") == NAMESPACE for o in namespaced)
    assert all(o["metadata"].get("namespace") in (None, "default") for o in g.show("nocloud"))

    volunteer = find(objs, "Deployment", "spartakus-volunteer")
    assert volunteer is not None
    args = [a for c in pod_spec(volunteer)["containers"] for a in c.get("args", [])]
    assert f"--cluster-id={g.usage_id}" in args
    cluster_deploy(g)


def jupyter_service_type(g: Guide) -> None:
    g.run("param", "set", "kubeflow-core", "jupyterHubServiceType", "NodePort")
    first = g.show(KF_ENV)
    assert find(first, "Service", "tf-hub-lb")["spec"]["type"] == "NodePort"
    g.run("param", "set", "kubeflow-core", "jupyterHubServiceType", "LoadBalancer")
    second = g.show(KF_ENV)
    assert find(second, "Service", "tf-hub-lb")["spec"]["type"] == "LoadBalancer"
    a, b = by_key(first), by_key(second)
    assert a.keys() == b.keys()
    changed = [k for k in a if a[k] != b[k]]
    assert changed == [("Service", NAMESPACE, "tf-hub-lb")]
    patched = json.loads(json.dumps(a[changed[0]]))
    patched["spec"]["type"] = "LoadBalancer"
    assert patched == b[changed[0]]  # exactly the type changed
    cluster_jupyter_service_type(g)


def serving(g: Guide) -> None:
    g.run("generate", "tf-serving", "serveInception", "--name=inception")
    g.run("param", "set", "serveInception", "modelPath", "gs://kubeflow-models/inception")
    g.run("generate", "tf-serving", "serveInceptionNFS", "--name=inception-nfs")
    g.run("param", "set", "serveInceptionNFS", "modelPath", "/mnt/var/nfs/general/inception")
    g.run("param", "set", "serveInceptionNFS", "modelStorageType", "nfs")
    g.run("param", "set", "serveInceptionNFS", "nfsPVC", "nfs")
    objs = g.show(KF_ENV, "serveInception")
    assert find(objs, "Service", "inception") is not None
    dep = find(objs, "Deployment", "inception")
    args = [a for c in pod_spec(dep)["containers"] for a in c.get("args", [])]
    assert "--model_base_path=gs://kubeflow-models/inception" in args
    nfs = find(g.show(KF_ENV, "serveInceptionNFS"), "Deployment", "inception-nfs")
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod_spec(nfs).get("volumes", [])
              if "persistentVolumeClaim" in v}
    assert "nfs" in claims.values()
    vol = next(name for name, claim in claims.items() if claim == "nfs")
    server = next(c for c in pod_spec(nfs)["containers"]
                  if any("--model_base_path=" in a for a in c.get("args", [])))
    mounts = [m["mountPath"] for m in server.get("volumeMounts", []) if m["name"] == vol]
    model_path = "/mnt/var/nfs/general/inception"
    assert any(model_path == m or model_path.startswith(m.rstrip("/") + "/") for m in mounts), mounts
    cluster_serving(g)


def describe_lists_every_param(g: Guide, proto: str, path: Path) -> None:
    out = g.run("prototype", "describe", proto).out
    declared = declared_params(path)
    assert declared
    for name in declared:
        line = next((ln for ln in out.splitlines() if ln.strip().startswith(f"--{name}=")), None)
        assert line is not None, (name, out)
        assert "type: " in line
    header = path.read_text()
    for name, type_, default in re.findall(r"^//\s+@optionalParam\s+(\S+)\s+(\S+)\s+(\S+)", header, flags=re.M):
        line = next(ln for ln in out.splitlines() if ln.strip().startswith(f"--{name}="))
        assert f"default: {default}" in line and f"type: {type_}" in line, line


def seldon_tfjob_pytorch(g: Guide) -> None:
    app = g.root
    g.run("pkg", "install", "kubeflow/seldon")
    g.run("generate", "seldon", "seldon")
    assert g.show(KF_ENV, "seldon")
    g.run("generate", "tf-job", "myjob", "--name=myjob")
    describe_lists_every_param(g, "tf-job", vendored(g, "tf-job", "prototypes", "tf-job.jsonnet"))
    image = "gcr.io/tf-on-k8s-dogfood/tf_sample:d4ef871-dirty-991dde4"
    g.run("param", "set", "myjob", "image", image)
    job = find(g.show(KF_ENV, "myjob"), "TFJob", "myjob")
    assert image in json.dumps(job)
    cluster_tfjob(g)
    g.run("generate", "tf-cnn", "mycnnjob", "--name=mycnnjob")
    describe_lists_every_param(g, "tf-cnn", vendored(g, "tf-job", "prototypes", "tf-cnn.jsonnet"))
    assert find(g.show(KF_ENV, "mycnnjob"), "TFJob", "mycnnjob") is not None
    g.run("pkg", "install", "kubeflow/pytorch-job")
    before = tree_digest(app)
    res = g.run("generate", "pytorch-job", "myjob", "--name=myjob", ok=False)
    assert_clean_failure(res, before=before, root=app, contains="already exists")
    assert len([ln for ln in res.err.splitlines() if ln.strip()]) == 1
    g.run("generate", "pytorch-job", "mypytorchjob", "--name=mypytorchjob")
    g.run("param", "set", "mypytorchjob", "image", "pytorch/pytorch:latest")
    assert "pytorch/pytorch:latest" in json.dumps(g.show(KF_ENV, "mypytorchjob"))

    # Values that look like flags (ksonnet #235), quotes, commas, spaces and backslashes round-trip.
    def images():
        job = find(g.show(KF_ENV, "mypytorchjob"), "PyTorchJob", "mypytorchjob")
        return {c["image"] for spec in job["spec"]["pytorchReplicaSpecs"].values()
                for c in spec["template"]["spec"]["containers"]}

    for args, value in ((["--registry=x/y:1"], "--registry=x/y:1"),
                        (["--", "--flag"], "--flag"),
                        (['say "hi", a\\b  c'], 'say "hi", a\\b  c')):
        g.run("param", "set", "mypytorchjob", "image", *args)
        assert images() == {value}, (args, images())
    g.run("param", "set", "mypytorchjob", "image", "pytorch/pytorch:latest")


def shared_disks(g: Guide) -> None:
    g.run("param", "set", "--env=cloud", "kubeflow-core", "disks", "disk1,disk2")
    objs = g.show(KF_ENV)
    # Flags after the positional arguments give the same result.
    g.run("param", "set", "kubeflow-core", "disks", "disk1,disk2", "--env=cloud")
    assert g.show(KF_ENV) == objs
    config = hub_config(objs)
    for disk in ("disk1", "disk2"):
        mine = [o for o in objs if disk in o["metadata"]["name"]]
        kinds = {o["kind"] for o in mine}
        assert {"Deployment", "Service", "StorageClass", "PersistentVolumeClaim"} <= kinds, (disk, kinds)
        pvc = next(o for o in mine if o["kind"] == "PersistentVolumeClaim")
        assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
        assert f"/mnt/{disk}" in config
    assert not [o for o in g.show("nocloud") if "disk1" in o["metadata"]["name"]]


def usage_reporting(g: Guide) -> None:
    before = by_key(g.show(KF_ENV))
    g.run("param", "set", "kubeflow-core", "reportUsage", "false")
    after = by_key(g.show(KF_ENV))
    removed = set(before) - set(after)
    assert removed and all("spartakus" in name for _, _, name in removed), removed
    assert ("Deployment", NAMESPACE, "spartakus-volunteer") in removed
    assert set(after) <= set(before)
    assert all(after[k] == before[k] for k in after)  # nothing else changed
    cluster_usage_prune(g)


def walk_through(tmp_path, kfctl, monkeypatch, version: str, kube=None) -> Guide:
    """The whole guide, offline (kube None: cluster steps recorded only) or against ``kube``."""
    monkeypatch.setenv("KFCTL_OFFLINE", "1")
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KUBECONFIG", kube.kubeconfig if kube is not None else str(tmp_path / "no-kubeconfig"))
    res = kfctl("init", "my-kubeflow", cwd=tmp_path)
    assert res.code == 0, res
    g = Guide(kfctl, tmp_path / "my-kubeflow", kube=kube, version=version)
    deploy(g)
    jupyter_service_type(g)
    serving(g)
    seldon_tfjob_pytorch(g)
    shared_disks(g)
    usage_reporting(g)
    return g


@pytest.mark.parametrize("version", VERSIONS)
def test_user_guide(tmp_path, kfctl, monkeypatch, version):
    g = walk_through(tmp_path, kfctl, monkeypatch, version)
    assert [s[0] for s in g.cluster_steps] == ["apply", "apply", "diff", "apply", "apply", "delete", "apply"]
    libs = yaml.safe_load((g.root / "app.yaml").read_text())["libraries"]
    assert {lib["version"] for lib in libs.values()} == {version}, libs  # one Kubeflow set, never mixed


@pytest.mark.cluster
@pytest.mark.parametrize("version", VERSIONS)
def test_user_guide_on_cluster(tmp_path, kfctl, monkeypatch, kube_cluster_factory, version):
    """The same walk-through with its apply/diff/delete steps run against a control plane of its own
    (apiserver, controller manager and one node, as the shared one), so each version starts clean."""
    g = walk_through(tmp_path, kfctl, monkeypatch, version, kube=kube_cluster_factory(with_kcm=True, nodes=1))
    libs = yaml.safe_load((g.root / "app.yaml").read_text())["libraries"]
    assert {lib["version"] for lib in libs.values()} == {version}, libs
