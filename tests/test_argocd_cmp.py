"""kfctl inside Argo CD's real argocd-cmp-server, driven the way argocd-repo-server drives it.

tests/argocd/build.sh builds Argo CD's own ``argocd-cmp-server`` (Argo CD v3.2.12, pinned in
tests/argocd/go.mod) and ``cmpclient``, a small client made of Argo CD's repo-server code: plugin discovery
over the sockets folder (MatchRepository), the repository streamed as a tar.gz, the generated gRPC client,
the plugin environment built from an Application (ARGOCD_APP_*, ARGOCD_ENV_*, ARGOCD_APP_PARAMETERS) and
the split of the returned manifests. The server runs with deploy/argocd/plugin.yaml as its configuration
and finds ``kfctl`` on its PATH, as the sidecar image has it.

The binaries are built once (cached under ~/.cache/kfctl-test/argocd, rebuilt when tests/argocd changes);
scripts/test builds them before pytest and passes their folder in KFCTL_ARGOCD_DIR. Without Go the tests
skip locally; with CI=true they fail instead (a CI run never skips them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.kube_fixture import _tail, _unavailable, run_build_script
from tests.test_gitops import _git, argo_repo, by_name  # noqa: F401  (argo_repo is a fixture)

BUILD_SCRIPT = REPO / "tests" / "argocd" / "build.sh"
CONFIG_DIR = REPO / "deploy" / "argocd"  # holds plugin.yaml: the server reads <dir>/plugin.yaml
REPO_URL = "https://git.example.com/ml.git"
WAVE = "argocd.argoproj.io/sync-wave"


# --------------------------------------------------------------------------- binaries and server


def _build() -> Path:
    explicit = os.environ.get("KFCTL_ARGOCD_DIR")
    if explicit:
        folder = Path(explicit)
        if not all(os.access(folder / b, os.X_OK) for b in ("argocd-cmp-server", "cmpclient")):
            _unavailable(f"KFCTL_ARGOCD_DIR={explicit} does not hold argocd-cmp-server and cmpclient")
        return folder
    if shutil.which("go") is None:
        _unavailable("Go toolchain not found on PATH: cannot build Argo CD's argocd-cmp-server (tests/argocd)")
    proc, log = run_build_script(BUILD_SCRIPT, "argocd-build", 45 * 60)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        _unavailable(f"tests/argocd/build.sh failed (exit {proc.returncode}); log tail ({log}):\n{_tail(log)}")
    return Path(lines[-1])


@pytest.fixture(scope="session")
def argocd_bin() -> Path:
    return _build()


class CmpServer:
    """A running argocd-cmp-server with deploy/argocd/plugin.yaml, in the sidecar's environment."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        # Unix socket paths are limited to ~107 bytes: keep the folder short.
        self.dir = Path(tempfile.mkdtemp(prefix="kfcmp-", dir="/tmp"))
        self.sockets = self.dir / "plugins"
        self.sockets.mkdir()
        self.log_path = self.dir / "server.log"
        self.cache = self.dir / "sidecar-tmp" / "cache"
        env = {
            # kfctl on the PATH, as in the sidecar image; nothing else of the test process leaks in.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "HOME": str(self.dir / "home"),
            "XDG_CACHE_HOME": str(self.cache),
            "LANG": "C.UTF-8",
            "ARGOCD_PLUGINSOCKFILEPATH": str(self.sockets),
            "ARGOCD_CMP_WORKDIR": str(self.dir / "work"),
            "ARGOCD_CMP_SERVER_LOGFORMAT": "text",
        }
        if "PYTHONPATH" in os.environ:
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        (self.dir / "home").mkdir()
        (self.dir / "work").mkdir()
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(bin_dir / "argocd-cmp-server"), "--config-dir-path", str(CONFIG_DIR)],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        name = yaml.safe_load((CONFIG_DIR / "plugin.yaml").read_text())["metadata"]["name"]
        self.socket = self.sockets / f"{name}.sock"
        deadline = time.monotonic() + 60
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                pytest.fail(f"argocd-cmp-server did not start; log:\n{_tail(self.log_path)}", pytrace=False)
            time.sleep(0.05)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def call(self, op: str, **request) -> dict:
        """One request through cmpclient (Argo CD's repo-server code); the JSON response."""
        req = {"op": op, "socketDir": str(self.sockets), **request}
        proc = subprocess.run([str(self.bin_dir / "cmpclient")], input=json.dumps(req), capture_output=True,
                              text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HOME": str(self.dir / "home"),
                                                           "TMPDIR": str(self.dir)})
        assert proc.returncode == 0, f"cmpclient exit {proc.returncode}: {proc.stderr}"
        return json.loads(proc.stdout)


@pytest.fixture(scope="session")
def cmp_server(argocd_bin):
    server = CmpServer(argocd_bin)
    try:
        yield server
    finally:
        server.close()


# --------------------------------------------------------------------------- helpers


def head(checkout: Path) -> str:
    return _git("rev-parse", "HEAD", cwd=checkout).stdout.strip()


def application(kfctl, app_dir: Path, env_name: str = "default", *, parameters=None, plugin_name=True) -> dict:
    """The Application `kfctl argocd app` prints, with optional plugin parameters (as the UI sets them)."""
    res = kfctl("argocd", "app", env_name, "--repo", REPO_URL, "--revision", "main", cwd=app_dir)
    assert res.code == 0, res
    manifest = yaml.safe_load(res.out)
    plugin = manifest["spec"]["source"]["plugin"]
    if parameters is not None:
        plugin["parameters"] = parameters
    if not plugin_name:
        del plugin["name"]
    return manifest


def generate(server: CmpServer, checkout: Path, app: dict) -> dict:
    return server.call("generate", repoPath=str(checkout), revision=head(checkout), application=app,
                       kubeVersion="1.34", apiVersions=["v1", "apps/v1", "rbac.authorization.k8s.io/v1",
                                                        "apiextensions.k8s.io/v1"])


def show(kfctl, app_dir: Path, env_name: str = "default") -> dict:
    res = kfctl("show", env_name, "-o", "json", cwd=app_dir)
    assert res.code == 0, res
    return by_name(json.loads(res.out)["items"])


def argo_view(obj: dict) -> dict:
    """An object Argo CD got, minus what the plugin adds on top of `kfctl show` (the sync wave, and the
    namespace of namespaced objects), for comparing with show's object."""
    obj = json.loads(json.dumps(obj))
    meta = obj["metadata"]
    annotations = meta.get("annotations") or {}
    annotations.pop(WAVE, None)
    if not annotations:
        meta.pop("annotations", None)
    meta.pop("namespace", None)
    return obj


def assert_same_objects(argo: dict, shown: dict, namespace: str) -> None:
    assert set(argo) == set(shown)
    for key, obj in argo.items():
        assert argo_view(obj) == argo_view(shown[key]), key
        assert WAVE in obj["metadata"]["annotations"], key
        if key[0] in ("ConfigMap", "Service", "Deployment", "Widget"):
            assert obj["metadata"]["namespace"] == namespace, key
        else:
            assert "namespace" not in obj["metadata"], key


# --------------------------------------------------------------------------- tests


def test_discovery_matches_kfctl_apps_only(cmp_server, argo_repo, kfctl):
    checkout = argo_repo(namespace="kubeflow")
    app = application(kfctl, checkout / "apps" / "ml", plugin_name=False)
    got = cmp_server.call("match", repoPath=str(checkout), revision=head(checkout), application=app)
    assert "error" not in got, got
    assert got["discoveryConfigured"] and got["supported"] and got["detected"], got
    # Another folder of the same repository that is not a kfctl app: not matched, not detected.
    other = checkout / "apps" / "helmish"
    other.mkdir()
    (other / "app.yaml").write_text("kind: SomethingElse\nname: x\n")
    app["spec"]["source"]["path"] = "apps/helmish"
    got = cmp_server.call("match", repoPath=str(checkout), revision=head(checkout), application=app)
    assert got.get("discoveryConfigured") and not got.get("supported") and not got.get("detected"), got
    # With the plugin named, the repo-server still asks discovery: generating there is refused.
    app["spec"]["source"]["plugin"]["name"] = "kfctl"
    res = generate(cmp_server, checkout, app)
    assert res["error"] == 'could not find cmp-server plugin with name "kfctl" supporting the given repository'


def test_generate_gives_show_objects_and_the_same_bytes_twice(cmp_server, argo_repo, kfctl):
    checkout = argo_repo(namespace="kubeflow")
    app_dir = checkout / "apps" / "ml"
    app = application(kfctl, app_dir)
    first = generate(cmp_server, checkout, app)
    assert "error" not in first, first["error"]
    assert "ARGOCD_ENV_KFCTL_ENV=default" in first["env"]
    argo = by_name(first["objects"])
    assert_same_objects(argo, show(kfctl, app_dir), "kubeflow")
    waves = {k: int(o["metadata"]["annotations"][WAVE]) for k, o in argo.items()}
    assert waves[("CustomResourceDefinition", "widgets.example.com")] < waves[("Widget", "w1")]
    # A second generation (a fresh checkout streamed again, a warm render cache) gives the same bytes.
    second = generate(cmp_server, checkout, app)
    assert second["manifests"] == first["manifests"]
    # The sidecar's cache is on its own /tmp; the checkout is untouched.
    assert any(cmp_server.cache.rglob("*.json"))
    assert _git("status", "--porcelain", "--ignored", cwd=checkout).stdout == ""


def test_destination_namespace_arrives_when_the_environment_has_none(cmp_server, argo_repo, kfctl):
    checkout = argo_repo()  # the environment's namespace is "default"
    app = application(kfctl, checkout / "apps" / "ml")
    app["spec"]["destination"]["namespace"] = "team-a"
    res = generate(cmp_server, checkout, app)
    assert "ARGOCD_APP_NAMESPACE=team-a" in res["env"]
    got = by_name(res["objects"])
    assert got[("Deployment", "core")]["metadata"]["namespace"] == "team-a"
    assert got[("ConfigMap", "core-config")]["data"]["ns"] == "team-a"


def test_parameter_overrides_arrive_as_kfctl_param_set_would_render_them(cmp_server, argo_repo, kfctl, tmp_path):
    checkout = argo_repo(namespace="kubeflow")
    app_dir = checkout / "apps" / "ml"
    params = [{"name": "kubeflow-core", "map": {"image": "example/core:2.0", "replicas": "3"}},
              {"name": "widget", "map": {"size": "7", "color": "blue"}}]
    res = generate(cmp_server, checkout, application(kfctl, app_dir, parameters=params))
    assert "error" not in res, res["error"]
    # Argo CD sends them as ARGOCD_APP_PARAMETERS (and mangled PARAM_* variables kfctl ignores).
    sent = next(e for e in res["env"] if e.startswith("ARGOCD_APP_PARAMETERS="))
    assert json.loads(sent.partition("=")[2]) == params
    # The same values set with `kfctl param set` in a copy of the app render the same objects.
    copy = shutil.copytree(app_dir, tmp_path / "copy" / "ml")
    for comp, key, value in (("kubeflow-core", "image", "example/core:2.0"), ("kubeflow-core", "replicas", "3"),
                             ("widget", "size", "7"), ("widget", "color", "blue")):
        assert kfctl("param", "set", comp, key, value, cwd=copy).code == 0
    argo = by_name(res["objects"])
    assert_same_objects(argo, show(kfctl, copy), "kubeflow")
    assert argo[("Deployment", "core")]["spec"]["replicas"] == 3
    assert argo[("Widget", "w1")]["spec"] == {"size": 7, "color": "blue"}


def test_parameters_announcement_round_trips(cmp_server, argo_repo, kfctl):
    checkout = argo_repo(namespace="kubeflow")
    app_dir = checkout / "apps" / "ml"
    app = application(kfctl, app_dir)
    got = cmp_server.call("parameters", repoPath=str(checkout), application=app)
    assert "error" not in got, got
    by = {p["name"]: p for p in got["announcements"]}
    assert set(by) == {"kubeflow-core", "widget"}
    assert by["widget"]["collectionType"] == "map"
    assert by["widget"]["map"] == {"size": "3", "color": "red"}
    assert by["kubeflow-core"]["map"]["replicas"] == "1"
    # The UI sends the announced values back once one is edited: unchanged values change nothing.
    echoed = [{"name": p["name"], "map": p["map"]} for p in got["announcements"]]
    plain = generate(cmp_server, checkout, app)
    again = generate(cmp_server, checkout, application(kfctl, app_dir, parameters=echoed))
    assert plain["manifests"] == again["manifests"]


@pytest.mark.parametrize("case", ["jsonnet error", "unknown environment", "unknown param"])
def test_a_render_error_reaches_argo_cd_as_one_readable_line(cmp_server, argo_repo, kfctl, case):
    checkout = argo_repo(namespace="kubeflow")
    app_dir = checkout / "apps" / "ml"
    app = application(kfctl, app_dir)
    if case == "jsonnet error":
        widget = app_dir / "components" / "widget.jsonnet"
        widget.write_text(widget.read_text().replace("params.size", "params.siz"))
        needle = "kfctl: error: components/widget.jsonnet:"
    elif case == "unknown environment":
        app["spec"]["source"]["plugin"]["env"] = [{"name": "KFCTL_ENV", "value": "prod"}]
        needle = "kfctl: error: ARGOCD_ENV_KFCTL_ENV: unknown environment 'prod' (known: default)"
    else:
        app["spec"]["source"]["plugin"]["parameters"] = [{"name": "widget", "map": {"sise": "1"}}]
        needle = "kfctl: error: parameter 'widget': component has no param 'sise' (known: color, size)"
    res = generate(cmp_server, checkout, app)
    message = res.get("error")
    assert message and "manifests" not in res, res
    # The Application's ComparisonError: Argo CD's prefix, then kfctl's own line, and nothing else.
    assert message.startswith("error generating manifests in cmp: rpc error: "), message
    assert "\n" not in message, message
    assert message.endswith(needle) if case != "jsonnet error" else needle in message, message
    assert "Traceback" not in message


def test_kfctl_application_and_appset_decode_as_argo_cd_types(cmp_server, new_app, kfctl):
    from tests.test_gitops import write_app

    app_dir = write_app(new_app("ml"), namespace="kubeflow")
    assert kfctl("env", "add", "prod", "--server", "https://prod.example.com:6443", "--namespace", "kf-prod",
                 cwd=app_dir).code == 0
    one = kfctl("argocd", "app", "prod", "--repo", REPO_URL, cwd=app_dir)
    listed = kfctl("argocd", "appset", "--repo", REPO_URL, "--path", "apps/ml", "--auto-sync", cwd=app_dir)
    assert one.code == 0 and listed.code == 0, (one, listed)
    got = cmp_server.call("decode", yaml=one.out + "---\n" + listed.out)
    assert "error" not in got, got
    assert [(d["kind"], d["name"]) for d in got["decoded"]] == [("Application", "ml-prod"), ("ApplicationSet", "ml")]
    apps = {a["metadata"]["name"]: a for a in got["decoded"][1]["applications"]}
    assert set(apps) == {"ml-default", "ml-prod"}
    prod = apps["ml-prod"]
    assert prod["spec"]["destination"] == {"server": "https://prod.example.com:6443", "namespace": "kf-prod"}
    assert prod["spec"]["source"]["plugin"] == {"name": "kfctl", "env": [{"name": "KFCTL_ENV", "value": "prod"}]}
    assert prod["spec"]["source"]["path"] == "apps/ml"
    assert prod["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert prod["metadata"]["labels"]["kfctl.dev/environment"] == "prod"
    # The Application from the ApplicationSet equals the one `kfctl argocd app` prints (up to what the
    # set adds: labels, the resources finalizer, auto-sync).
    single = yaml.safe_load(one.out)
    assert prod["spec"]["destination"] == single["spec"]["destination"]
    assert prod["spec"]["source"]["plugin"] == single["spec"]["source"]["plugin"]

    # Cluster generator: clusters registered in Argo CD, labelled with the environment they run.
    clustered = kfctl("argocd", "appset", "prod", "default", "--repo", REPO_URL, "--path", "apps/ml",
                      "--clusters", "kfctl.dev/environment", cwd=app_dir)
    assert clustered.code == 0, clustered
    clusters = [
        {"name": "east", "server": "https://east:6443", "labels": {"kfctl.dev/environment": "prod"}},
        {"name": "West_2", "server": "https://west:6443", "labels": {"kfctl.dev/environment": "prod", "x": "y"}},
        {"name": "lab", "server": "https://lab:6443", "labels": {"kfctl.dev/environment": "default"}},
        {"name": "unlabelled", "server": "https://other:6443", "labels": {}},
    ]
    got = cmp_server.call("decode", yaml=clustered.out, clusters=clusters)
    assert "error" not in got, got
    apps = {a["metadata"]["name"]: a for a in got["decoded"][0]["applications"]}
    assert set(apps) == {"ml-prod-east", "ml-prod-west-2", "ml-default-lab"}
    assert apps["ml-prod-west-2"]["spec"]["destination"] == {"server": "https://west:6443", "namespace": "kf-prod"}
    assert apps["ml-default-lab"]["spec"]["destination"] == {"server": "https://lab:6443", "namespace": "kubeflow"}
    assert apps["ml-default-lab"]["spec"]["source"]["plugin"]["env"] == [{"name": "KFCTL_ENV", "value": "default"}]


def test_an_application_from_the_appset_renders_through_the_server(cmp_server, argo_repo, kfctl):
    """ApplicationSet -> Application (Argo CD's renderer) -> argocd-cmp-server -> the environment's objects."""
    checkout = argo_repo(namespace="kubeflow")
    app_dir = checkout / "apps" / "ml"
    assert kfctl("env", "add", "prod", "--server", "https://prod.example.com:6443", "--namespace", "kf-prod",
                 cwd=app_dir).code == 0
    _git("add", ".", cwd=checkout)
    _git("commit", "-q", "-m", "prod", cwd=checkout)
    appset = kfctl("argocd", "appset", "--repo", REPO_URL, cwd=app_dir)
    decoded = cmp_server.call("decode", yaml=appset.out)
    apps = {a["metadata"]["name"]: a for a in decoded["decoded"][0]["applications"]}
    res = generate(cmp_server, checkout, apps["ml-prod"])
    assert "error" not in res, res["error"]
    assert_same_objects(by_name(res["objects"]), show(kfctl, app_dir, "prod"), "kf-prod")
