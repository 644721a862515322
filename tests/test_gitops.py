"""kfctl under Argo CD (the CMP v2 plugin, run exactly as the sidecar runs it) and `kfctl export`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kfctl import kinds
from tests.conftest import REPO, assert_clean_failure, tree_digest

PLUGIN = REPO / "deploy" / "argocd" / "plugin.yaml"

CORE = """\
local env = std.extVar("__ksonnet/environments");
local params = std.extVar("__ksonnet/params").components["kubeflow-core"];
local labels = {app: "core"} + params.labels;
[
  {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "core-config"},
   data: {debug: std.toString(params.debug), ns: env.namespace}},
  {apiVersion: "v1", kind: "Service", metadata: {name: "core"},
   spec: {selector: labels, ports: [{port: 80, targetPort: 8080}]}},
  {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "core", labels: labels},
   spec: {replicas: params.replicas, selector: {matchLabels: labels},
          template: {metadata: {labels: labels},
                     spec: {containers: [{name: "core", image: params.image, ports: [{containerPort: 8080}]}]}}}},
  {apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: {name: "core-reader"},
   rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]},
]
"""

CRDS = """\
local crd(kind, plural, scope, schema) = {
  apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
  metadata: {name: plural + ".example.com"},
  spec: {group: "example.com", scope: scope,
         names: {kind: kind, plural: plural, singular: std.asciiLower(kind), listKind: kind + "List"},
         versions: [{name: "v1", served: true, storage: true, schema: {openAPIV3Schema: schema}}]},
};
[
  crd("Widget", "widgets", "Namespaced", {type: "object", properties: {spec: {
    type: "object", required: ["size"],
    properties: {size: {type: "integer", minimum: 1}, color: {type: "string", enum: ["red", "blue"]},
                 port: {"x-kubernetes-int-or-string": true}}}}}),
  crd("Gadget", "gadgets", "Cluster", {type: "object", "x-kubernetes-preserve-unknown-fields": true}),
]
"""

WIDGET = """\
local params = std.extVar("__ksonnet/params").components.widget;
[
  {apiVersion: "example.com/v1", kind: "Widget", metadata: {name: "w1"},
   spec: {size: params.size, color: params.color}},
  {apiVersion: "example.com/v1", kind: "Gadget", metadata: {name: "g1"}, spec: {anything: true}},
]
"""

PARAMS = """\
{
  global: {},
  components: {
    "kubeflow-core": {
      image: "example/core:1.0",
      replicas: 1,
      debug: false,
      labels: {tier: "ml"},
    },
    widget: {
      size: 3,
      color: "red",
    },
    crds: {},
  },
}
"""


def write_app(root: Path, *, namespace: str | None = None) -> Path:
    """Fill a fresh `kfctl init` app with the components the GitOps tests use."""
    comps = root / "components"
    (comps / "kubeflow-core.jsonnet").write_text(CORE)
    (comps / "crds.jsonnet").write_text(CRDS)
    (comps / "widget.jsonnet").write_text(WIDGET)
    (comps / "params.libsonnet").write_text(PARAMS)
    if namespace:
        app = yaml.safe_load((root / "app.yaml").read_text())
        for spec in app["environments"].values():
            spec["destination"]["namespace"] = namespace
        (root / "app.yaml").write_text(yaml.safe_dump(app, sort_keys=False))
    return root


def _git(*args, cwd):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


@pytest.fixture
def argo_repo(tmp_path, new_app):
    """A git repository holding an app at apps/ml, and a fresh clone of it (as Argo CD checks out)."""

    def make(namespace: str | None = None):
        app = write_app(new_app("ml"), namespace=namespace)
        origin = tmp_path / "origin"
        (origin / "apps").mkdir(parents=True)
        shutil.move(str(app), origin / "apps" / "ml")
        _git("init", "-q", "-b", "main", cwd=origin)
        _git("add", ".", cwd=origin)
        _git("commit", "-q", "-m", "app", cwd=origin)
        checkout = tmp_path / "checkout"
        _git("clone", "-q", str(origin), str(checkout), cwd=tmp_path)
        return checkout

    return make


def plugin_argv(section: str) -> list[str]:
    spec = yaml.safe_load(PLUGIN.read_text())["spec"]
    node = spec[section]
    if section == "discover":
        node = node["find"]
    elif section == "parameters":
        node = node["dynamic"]
    return list(node["command"]) + list(node.get("args") or [])


def argo_env(tmp_path, **extra) -> dict:
    """The environment the CMP sidecar gives a plugin command: its own (PATH with kfctl, HOME, a cache on its
    /tmp) plus Argo CD's build variables."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "sidecar-tmp" / "cache"),
        "LANG": "C.UTF-8",
        "ARGOCD_APP_NAME": "ml-prod",
        "ARGOCD_APP_NAMESPACE": "team-a",
        "ARGOCD_APP_PROJECT_NAME": "default",
        "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
        "ARGOCD_APP_REVISION_SHORT": "0123456",
        "ARGOCD_APP_SOURCE_PATH": "apps/ml",
        "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/ml.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
        "ARGOCD_ENV_KFCTL_ENV": "default",
        "ARGOCD_APP_PARAMETERS": "",
        "KUBE_VERSION": "1.36.3",
        "KUBE_API_VERSIONS": "v1,apps/v1,batch/v1,rbac.authorization.k8s.io/v1,apiextensions.k8s.io/v1",
    }
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def run_plugin(section: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    argv = plugin_argv(section)
    exe = shutil.which(argv[0], path=env["PATH"])
    assert exe, f"{argv[0]} is not on the sidecar PATH"
    return subprocess.run([exe, *argv[1:]], cwd=cwd, env=env, capture_output=True, timeout=300)


def k8s_objects(stream: bytes) -> list[dict]:
    docs = [d for d in yaml.safe_load_all(stream.decode("utf-8")) if d is not None]
    for d in docs:
        assert isinstance(d, dict) and d.get("apiVersion") and d.get("kind"), d
        assert (d.get("metadata") or {}).get("name"), d
    return docs


def by_name(objs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objs}


def git_status(checkout: Path) -> str:
    return _git("status", "--porcelain", "--ignored", cwd=checkout).stdout


# --------------------------------------------------------------------------- the plugin, as Argo CD runs it


def test_generate_as_argo_cd_runs_it(argo_repo, tmp_path):
    checkout = argo_repo()
    app_dir = checkout / "apps" / "ml"
    before = tree_digest(checkout)
    env = argo_env(tmp_path)
    first = run_plugin("generate", app_dir, env)
    assert first.returncode == 0, first.stderr.decode()
    objs = k8s_objects(first.stdout)
    got = by_name(objs)
    assert set(got) == {("ConfigMap", "core-config"), ("Service", "core"), ("Deployment", "core"),
                        ("ClusterRole", "core-reader"), ("CustomResourceDefinition", "widgets.example.com"),
                        ("CustomResourceDefinition", "gadgets.example.com"), ("Widget", "w1"), ("Gadget", "g1")}
    # The env's namespace is "default" (kfctl init without a context), so the Application's namespace wins,
    # for namespaced objects only, and components see it too.
    assert got[("Deployment", "core")]["metadata"]["namespace"] == "team-a"
    assert got[("Widget", "w1")]["metadata"]["namespace"] == "team-a"
    assert got[("ConfigMap", "core-config")]["data"]["ns"] == "team-a"
    for cluster_scoped in (("ClusterRole", "core-reader"), ("Gadget", "g1"),
                           ("CustomResourceDefinition", "widgets.example.com")):
        assert "namespace" not in got[cluster_scoped]["metadata"]
    # Sync waves carry kfctl's apply order: CRDs before their resources, config before workloads.
    wave = {k: int(o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for k, o in got.items()}
    assert wave[("CustomResourceDefinition", "widgets.example.com")] < wave[("Widget", "w1")]
    assert wave[("ClusterRole", "core-reader")] < wave[("ConfigMap", "core-config")] < wave[("Service", "core")] \
        < wave[("Deployment", "core")]
    # Hermetic: nothing written into the checkout; the cache lives outside it.
    assert tree_digest(checkout) == before and git_status(checkout) == ""
    assert any((tmp_path / "sidecar-tmp" / "cache").rglob("*.json"))
    # Two runs (the second from the cache) and an uncached run give identical bytes.
    second = run_plugin("generate", app_dir, env)
    uncached = run_plugin("generate", app_dir, {**env, "KFCTL_NO_CACHE": "1"})
    assert second.returncode == 0 and uncached.returncode == 0
    assert first.stdout == second.stdout == uncached.stdout
    assert second.stderr == b""


def test_parameter_overrides_change_output_without_touching_files(argo_repo, tmp_path):
    checkout = argo_repo()
    app_dir = checkout / "apps" / "ml"
    params = [{"name": "kubeflow-core", "map": {"image": "example/core:2.0", "replicas": "3", "debug": "true",
                                                "labels": '{"tier": "gpu"}'}},
              {"name": "widget", "map": {"size": "7"}}]
    res = run_plugin("generate", app_dir, argo_env(tmp_path, ARGOCD_APP_PARAMETERS=json.dumps(params)))
    assert res.returncode == 0, res.stderr.decode()
    got = by_name(k8s_objects(res.stdout))
    dep = got[("Deployment", "core")]
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "example/core:2.0"
    assert dep["spec"]["replicas"] == 3  # typed back to a number
    assert dep["spec"]["selector"]["matchLabels"] == {"app": "core", "tier": "gpu"}  # objects replace
    assert got[("ConfigMap", "core-config")]["data"]["debug"] == "true"
    assert got[("Widget", "w1")]["spec"]["size"] == 7
    assert git_status(checkout) == ""
    assert "example/core:2.0" not in (app_dir / "components" / "params.libsonnet").read_text()
    # Without the parameters, the committed values come back (no state left behind).
    plain = by_name(k8s_objects(run_plugin("generate", app_dir, argo_env(tmp_path)).stdout))
    assert plain[("Deployment", "core")]["spec"]["replicas"] == 1


def test_no_parameters_as_argo_cd_sends_them(argo_repo, tmp_path):
    """An Application without parameters: Argo CD sends ARGOCD_APP_PARAMETERS=null."""
    checkout = argo_repo()
    app_dir = checkout / "apps" / "ml"
    none = run_plugin("generate", app_dir, argo_env(tmp_path, ARGOCD_APP_PARAMETERS="null"))
    assert none.returncode == 0, none.stderr.decode()
    assert none.stdout == run_plugin("generate", app_dir, argo_env(tmp_path)).stdout


def test_announcement_lists_components_with_current_values_and_round_trips(argo_repo, tmp_path):
    checkout = argo_repo()
    app_dir = checkout / "apps" / "ml"
    env = argo_env(tmp_path)
    res = run_plugin("parameters", app_dir, env)
    assert res.returncode == 0, res.stderr.decode()
    announced = json.loads(res.stdout)
    by = {p["name"]: p for p in announced}
    assert set(by) == {"kubeflow-core", "widget"}  # crds has no params
    core = by["kubeflow-core"]
    assert core["collectionType"] == "map"
    assert core["map"] == {"image": "example/core:1.0", "replicas": "1", "debug": "false",
                           "labels": '{"tier": "ml"}'}
    assert all(isinstance(v, str) for p in announced for v in p["map"].values())
    # Sending the announced values back (as the UI does once a value is edited) changes nothing.
    echoed = [{"name": p["name"], "map": p["map"]} for p in announced]
    a = run_plugin("generate", app_dir, env)
    b = run_plugin("generate", app_dir, {**env, "ARGOCD_APP_PARAMETERS": json.dumps(echoed)})
    assert a.returncode == b.returncode == 0 and a.stdout == b.stdout


def test_discovery_matches_only_kfctl_apps(argo_repo, tmp_path):
    checkout = argo_repo()
    env = argo_env(tmp_path)
    hit = run_plugin("discover", checkout / "apps" / "ml", env)
    assert hit.returncode == 0 and hit.stdout.strip() == b"app.yaml"
    other = tmp_path / "helmish"
    other.mkdir()
    (other / "app.yaml").write_text("kind: SomethingElse\nname: x\n")
    miss = run_plugin("discover", other, env)
    assert miss.returncode == 0 and miss.stdout.strip() == b""


@pytest.mark.parametrize("case,extra,needle", [
    ("unknown environment", {"ARGOCD_ENV_KFCTL_ENV": "prod"}, "ARGOCD_ENV_KFCTL_ENV: unknown environment 'prod'"),
    ("unknown component", {"ARGOCD_APP_PARAMETERS": '[{"name": "nope", "map": {"a": "1"}}]'},
     "no such component in environment 'default'"),
    ("unknown param", {"ARGOCD_APP_PARAMETERS": '[{"name": "widget", "map": {"sise": "1"}}]'},
     "component has no param 'sise' (known: color, size)"),
    ("badly typed value", {"ARGOCD_APP_PARAMETERS": '[{"name": "widget", "map": {"size": "big"}}]'},
     "parameter widget.size: 'big' is not a valid number"),
    ("parameters not JSON", {"ARGOCD_APP_PARAMETERS": "[{"}, "ARGOCD_APP_PARAMETERS is not valid JSON"),
])
def test_bad_input_fails_readably_with_nothing_on_stdout(argo_repo, tmp_path, case, extra, needle):
    checkout = argo_repo()
    res = run_plugin("generate", checkout / "apps" / "ml", argo_env(tmp_path, **extra))
    assert res.returncode not in (0, 70), case
    assert res.stdout == b""
    first = res.stderr.decode().splitlines()[0]
    assert first.startswith("kfctl: error: ") and needle in first, first
    assert git_status(checkout) == ""


def test_render_error_names_file_and_line_on_the_first_line(argo_repo, tmp_path):
    checkout = argo_repo()
    app_dir = checkout / "apps" / "ml"
    (app_dir / "components" / "widget.jsonnet").write_text(WIDGET.replace("params.size", "params.siz"))
    res = run_plugin("generate", app_dir, argo_env(tmp_path))
    assert res.returncode not in (0, 70) and res.stdout == b""
    first = res.stderr.decode().splitlines()[0]
    assert first.startswith("kfctl: error: components/widget.jsonnet:"), first
    assert "siz" in first


def test_environment_namespace_wins_unless_it_is_default(argo_repo, tmp_path):
    checkout = argo_repo(namespace="kubeflow")
    res = run_plugin("generate", checkout / "apps" / "ml", argo_env(tmp_path))
    got = by_name(k8s_objects(res.stdout))
    assert got[("Service", "core")]["metadata"]["namespace"] == "kubeflow"
    assert got[("ConfigMap", "core-config")]["data"]["ns"] == "kubeflow"


def test_sync_waves_can_be_turned_off_and_explicit_waves_are_kept(argo_repo, tmp_path):
    checkout = argo_repo()
    app_dir = checkout / "apps" / "ml"
    off = run_plugin("generate", app_dir, argo_env(tmp_path, ARGOCD_ENV_KFCTL_SYNC_WAVES="false"))
    assert all("argocd.argoproj.io/sync-wave" not in ((o["metadata"].get("annotations")) or {})
               for o in k8s_objects(off.stdout))
    comp = app_dir / "components" / "widget.jsonnet"
    comp.write_text(comp.read_text().replace('metadata: {name: "w1"}',
                                             'metadata: {name: "w1", annotations: {"argocd.argoproj.io/sync-wave": "9"}}'))
    on = by_name(k8s_objects(run_plugin("generate", app_dir, argo_env(tmp_path)).stdout))
    assert on[("Widget", "w1")]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "9"


def test_generate_can_validate_before_printing(argo_repo, tmp_path):
    checkout = argo_repo()
    params = [{"name": "widget", "map": {"size": "0"}}]
    res = run_plugin("generate", checkout / "apps" / "ml",
                     argo_env(tmp_path, ARGOCD_ENV_KFCTL_VALIDATE="true", ARGOCD_APP_PARAMETERS=json.dumps(params)))
    assert res.returncode not in (0, 70) and res.stdout == b""
    assert "Widget.example.com team-a/w1: spec.size: 0 is less than the minimum of 1" in res.stderr.decode()


def test_argocd_app_prints_an_application_for_the_plugin(kfctl, new_app, tmp_path):
    app = write_app(new_app("ml"), namespace="kubeflow")
    res = kfctl("argocd", "app", "default", "--repo", "https://git.example.com/ml.git", "--path", "apps/ml",
                "--revision", "v1.2", cwd=app)
    assert res.code == 0, res
    manifest = yaml.safe_load(res.out)
    assert manifest["kind"] == "Application" and manifest["apiVersion"] == "argoproj.io/v1alpha1"
    src = manifest["spec"]["source"]
    plugin_name = yaml.safe_load(PLUGIN.read_text())["metadata"]["name"]
    assert src == {"repoURL": "https://git.example.com/ml.git", "targetRevision": "v1.2", "path": "apps/ml",
                   "plugin": {"name": plugin_name, "env": [{"name": "KFCTL_ENV", "value": "default"}]}}
    assert manifest["spec"]["destination"]["namespace"] == "kubeflow"
    bad = kfctl("argocd", "app", "nope", "--repo", "x", cwd=app)
    assert_clean_failure(bad, contains="unknown environment 'nope'")


def test_argocd_app_path_defaults_to_the_app_folder_in_its_repository(argo_repo, kfctl):
    checkout = argo_repo()
    res = kfctl("argocd", "app", "default", "--repo", "u", cwd=checkout / "apps" / "ml")
    assert yaml.safe_load(res.out)["spec"]["source"]["path"] == "apps/ml"


def test_argocd_appset_has_one_application_per_environment(kfctl, new_app):
    app = write_app(new_app("ml"), namespace="kubeflow")
    assert kfctl("env", "add", "prod", "--server", "https://prod.example.com:6443", "--namespace", "kf-prod",
                 cwd=app).code == 0
    res = kfctl("argocd", "appset", "--repo", "https://git.example.com/ml.git", "--path", "apps/ml",
                "--revision", "v2", cwd=app)
    assert res.code == 0, res
    aset = yaml.safe_load(res.out)
    assert (aset["apiVersion"], aset["kind"], aset["metadata"]) == (
        "argoproj.io/v1alpha1", "ApplicationSet", {"name": "ml", "namespace": "argocd"})
    spec = aset["spec"]
    assert spec["goTemplate"] is True and spec["goTemplateOptions"] == ["missingkey=error"]
    (gen,) = spec["generators"]
    assert gen["list"]["elements"] == [
        {"env": "default", "envLabel": "default", "namespace": "kubeflow", "appName": "ml-default",
         "server": "https://kubernetes.default.svc"},
        {"env": "prod", "envLabel": "prod", "namespace": "kf-prod", "appName": "ml-prod",
         "server": "https://prod.example.com:6443"},
    ]
    tmpl = spec["template"]
    assert tmpl["metadata"]["name"] == "{{.appName}}"
    # The template is the Application `kfctl argocd app` prints, with the environment's values templated.
    single = yaml.safe_load(kfctl("argocd", "app", "prod", "--repo", "https://git.example.com/ml.git",
                                  "--path", "apps/ml", "--revision", "v2", cwd=app).out)
    source = json.loads(json.dumps(single["spec"]["source"]).replace('"prod"', '"{{.env}}"'))
    assert tmpl["spec"]["source"] == source
    assert tmpl["spec"]["destination"] == {"server": "{{.server}}", "namespace": "{{.namespace}}"}
    assert "syncPolicy" not in tmpl["spec"]
    # A subset, in the order given; output is deterministic.
    only = kfctl("argocd", "appset", "prod", "--repo", "u", "--path", "apps/ml", cwd=app)
    assert [e["env"] for e in yaml.safe_load(only.out)["spec"]["generators"][0]["list"]["elements"]] == ["prod"]
    assert kfctl("argocd", "appset", "prod", "--repo", "u", "--path", "apps/ml", cwd=app).out == only.out


def test_argocd_appset_with_a_cluster_generator(kfctl, new_app):
    app = write_app(new_app("ml"), namespace="kubeflow")
    res = kfctl("argocd", "appset", "--repo", "u", "--path", "apps/ml", "--clusters", "example.com/tier",
                "--auto-sync", cwd=app)
    assert res.code == 0, res
    spec = yaml.safe_load(res.out)["spec"]
    (gen,) = spec["generators"]
    listing, clusters = gen["matrix"]["generators"]
    # The clusters, not the environment, give the destination server.
    assert listing["list"]["elements"] == [{"env": "default", "envLabel": "default", "namespace": "kubeflow",
                                            "appName": "ml-default"}]
    assert clusters == {"clusters": {"selector": {"matchLabels": {"example.com/tier": "{{.envLabel}}"}}}}
    assert spec["template"]["metadata"]["name"] == "{{.appName}}-{{.nameNormalized}}"
    assert spec["template"]["spec"]["destination"]["server"] == "{{.server}}"
    assert spec["template"]["spec"]["syncPolicy"] == {"automated": {"prune": True, "selfHeal": True}}


def test_argocd_appset_refuses_unknown_or_repeated_environments(kfctl, new_app):
    app = write_app(new_app("ml"))
    empty = new_app("empty")
    assert kfctl("env", "rm", "default", cwd=empty).code == 0
    for label in ("bad label!", "a/b/c", "-x", "Example.com/tier", "kfctl.dev/"):  # Argo CD would refuse these
        assert_clean_failure(kfctl("argocd", "appset", "--repo", "u", "--clusters", label, cwd=app),
                             contains="not a Kubernetes label key")
    for label in ("tier", "kfctl.dev/environment", "example.com/x_y.z"):
        assert kfctl("argocd", "appset", "--repo", "u", "--clusters", label, cwd=app).code == 0
    for cmd in (["appset"], ["app", "default"]):  # names the API server would refuse
        for args, says in ((["--name", "Bad_Name"], "--name 'Bad_Name'"), (["--argocd-namespace", "Argo"], "'Argo'"),
                           (["--repo", " "], "--repo: empty")):
            assert_clean_failure(kfctl("argocd", *cmd, "--repo", "u", *args, cwd=app), contains=says)
    # An ApplicationSet that makes no Application is refused, as `apply --all` is.
    assert_clean_failure(kfctl("argocd", "appset", "--repo", "u", cwd=empty), contains="the app has no environments")
    before = tree_digest(app)
    assert_clean_failure(kfctl("argocd", "appset", "nope", "--repo", "u", cwd=app),
                         before=before, root=app, contains="unknown environment 'nope' (known: default)")
    assert_clean_failure(kfctl("argocd", "appset", "default", "default", "--repo", "u", cwd=app),
                         contains="environment 'default' is listed twice")
    assert kfctl("env", "add", "us/prod", "--server", "https://a:6443", "--namespace", "x", cwd=app).code == 0
    assert kfctl("env", "add", "us-prod", "--server", "https://b:6443", "--namespace", "x", cwd=app).code == 0
    assert_clean_failure(kfctl("argocd", "appset", "--repo", "u", "--clusters", "k", cwd=app),
                         contains="environments 'us-prod' and 'us/prod' make the same Application name 'ml-us-prod'")
    # An environment name that cannot be a label value gets the label value kfctl gives its objects.
    from kfctl.ownership import label_value

    res = kfctl("argocd", "appset", "us/prod", "--repo", "u", "--clusters", "k", cwd=app)
    (element,) = yaml.safe_load(res.out)["spec"]["generators"][0]["matrix"]["generators"][0]["list"]["elements"]
    assert element["envLabel"] == label_value("us/prod") != "us/prod"


# --------------------------------------------------------------------------- kinds


def test_kinds_scope_and_order():
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Gadget"}}}
    assert kinds.is_namespaced("v1", "ConfigMap") is True
    assert kinds.is_namespaced("rbac.authorization.k8s.io/v1", "ClusterRole") is False
    assert kinds.is_namespaced("example.com/v1", "Gadget", [crd]) is False
    assert kinds.is_namespaced("example.com/v1", "Widget", [crd]) is None
    order = [{"apiVersion": "example.com/v1", "kind": "Gadget"}, {"apiVersion": "apps/v1", "kind": "Deployment"},
             {"apiVersion": "v1", "kind": "Service"}, {"apiVersion": "v1", "kind": "Secret"},
             {"apiVersion": "v1", "kind": "ServiceAccount"}, crd, {"apiVersion": "v1", "kind": "Namespace"},
             {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress"}]
    groups = [kinds.apply_group(o, [crd]) for o in order]
    assert groups == [7, 5, 4, 3, 2, 1, 0, 6]
    # A CRD for a group that looks built-in still makes its kind a custom resource.
    gw = {**crd, "spec": {"group": "gateway.networking.k8s.io", "scope": "Namespaced", "names": {"kind": "Gateway"}}}
    assert kinds.apply_group({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway"}, [gw]) == 7


# --------------------------------------------------------------------------- export


def _export_tree(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_writes_one_file_per_object_with_stable_names(kfctl, new_app, tmp_path):
    app = write_app(new_app("ml"), namespace="kubeflow")
    out = tmp_path / "rendered"
    res = kfctl("export", "default", out, cwd=app)
    assert res.code == 0, res
    files = _export_tree(out)
    assert set(files) == {
        ".kfctl-export.json",
        "kubeflow/core-configmap-core-config.yaml", "kubeflow/core-service-core.yaml",
        "kubeflow/apps-deployment-core.yaml", "kubeflow/example.com-widget-w1.yaml",
        "_cluster/rbac.authorization.k8s.io-clusterrole-core-reader.yaml",
        "_cluster/apiextensions.k8s.io-customresourcedefinition-widgets.example.com.yaml",
        "_cluster/apiextensions.k8s.io-customresourcedefinition-gadgets.example.com.yaml",
        "_cluster/example.com-gadget-g1.yaml",
    }
    dep = yaml.safe_load(files["kubeflow/apps-deployment-core.yaml"])
    assert dep["metadata"]["namespace"] == "kubeflow" and dep["kind"] == "Deployment"
    # Deterministic: a second export elsewhere is byte-identical.
    again = tmp_path / "again"
    assert kfctl("export", "default", again, cwd=app).code == 0
    assert _export_tree(again) == files


def test_export_refuses_a_non_empty_folder_then_force_and_merge(kfctl, new_app, tmp_path):
    app = write_app(new_app("ml"), namespace="kubeflow")
    out = tmp_path / "rendered"
    out.mkdir()
    (out / "README.md").write_text("mine\n")
    before = tree_digest(out)
    res = kfctl("export", "default", out, cwd=app)
    assert_clean_failure(res, before=before, root=out, contains="is not empty")
    # --merge keeps foreign files and updates this environment's own.
    assert kfctl("export", "default", out, "--merge", cwd=app).code == 0
    assert (out / "README.md").read_text() == "mine\n"
    assert (out / "kubeflow" / "example.com-widget-w1.yaml").is_file()
    # A component removed from the app: its files go on the next --merge; the foreign file stays.
    (app / "components" / "widget.jsonnet").unlink()
    res = kfctl("export", "default", out, "--merge", cwd=app)
    assert res.code == 0, res
    assert not (out / "kubeflow" / "example.com-widget-w1.yaml").exists()
    assert not (out / "_cluster" / "example.com-gadget-g1.yaml").exists()
    assert (out / "README.md").is_file() and (out / "kubeflow" / "apps-deployment-core.yaml").is_file()
    # --merge never overwrites a file kfctl did not write (with different content).
    (out / "kubeflow" / "core-service-core.yaml").unlink()
    (out / "kubeflow" / "core-service-core.yaml").write_text("hand edited\n")
    index = json.loads((out / ".kfctl-export.json").read_text())
    index["environments"]["default"]["files"].remove("kubeflow/core-service-core.yaml")
    (out / ".kfctl-export.json").write_text(json.dumps(index))
    before = tree_digest(out)
    res = kfctl("export", "default", out, "--merge", cwd=app)
    assert_clean_failure(res, before=before, root=out, contains="refusing to overwrite kubeflow/core-service-core.yaml")
    # --force replaces everything.
    res = kfctl("export", "default", out, "--force", cwd=app)
    assert res.code == 0, res
    assert not (out / "README.md").exists()
    assert (out / "kubeflow" / "core-service-core.yaml").read_text().startswith("---\napiVersion: v1")


def test_export_refuses_the_app_folder_itself(kfctl, new_app):
    app = write_app(new_app("ml"))
    before = tree_digest(app)
    res = kfctl("export", "default", ".", "--force", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="holds the app itself")


def test_export_of_an_unknown_environment_writes_nothing(kfctl, new_app, tmp_path):
    app = write_app(new_app("ml"))
    res = kfctl("export", "prod", tmp_path / "out", cwd=app)
    assert_clean_failure(res, contains="unknown environment 'prod' (known: default)")
    assert not (tmp_path / "out").exists()


def test_export_force_refuses_the_apps_own_folders(new_app, kfctl):
    from tests.conftest import assert_clean_failure, tree_digest

    root = new_app("own")
    (root / "components" / "cm.jsonnet").write_text(
        '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm"}}\n')
    before = tree_digest(root)
    for target in ("components", "environments/default", "vendor"):
        assert_clean_failure(kfctl("export", "default", root / target, "--force", cwd=root),
                             before=before, root=root, contains="part of the app")
    assert kfctl("export", "default", root / "rendered", cwd=root).code == 0


def test_export_merge_refuses_a_partial_or_foreign_update(new_app, kfctl, tmp_path):
    from tests.conftest import assert_clean_failure, tree_digest

    out = tmp_path / "out"
    apps = []
    for name in ("one", "two"):
        root = new_app(name)
        for c in ("a", "b"):
            (root / "components" / f"{c}.jsonnet").write_text(
                '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "%s-%s"}}\n' % (name, c))
        apps.append(root)
    assert kfctl("export", "default", out, cwd=apps[0]).code == 0
    before = tree_digest(out)
    res = kfctl("export", "default", out, "--merge", "-c", "a", cwd=apps[0])
    assert res.code == 2 and tree_digest(out) == before
    assert_clean_failure(kfctl("export", "default", out, "--merge", cwd=apps[1]), before=before, root=out,
                         contains="exported by app 'one'")
