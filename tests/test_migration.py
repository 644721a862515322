"""ksonnet apps and 2018 registries migrate without surprises: packages found by folder, empty Lists,
two components rendering one object, unary plus on strings (issue 11)."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import REPO

PARTIAL = REPO / "tests" / "data" / "registry-2018-partial"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(tmp_path / "cache"))


def docs_of(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.fixture
def partial_app(new_app, kfctl):
    """An app whose `kubeflow` registry is the 2018-shaped fixture listing only `core` in registry.yaml."""
    root = new_app()
    assert kfctl("registry", "rm", "kubeflow", cwd=root).code == 0
    res = kfctl("registry", "add", "kubeflow", str(PARTIAL), cwd=root)
    assert res.code == 0, res
    return root


# ----------------------------------------------------------------------------- packages by folder


def test_unlisted_package_folders_are_listed(partial_app, kfctl):
    res = kfctl("pkg", "list", cwd=partial_app)
    assert res.code == 0, res
    names = {line.split()[1] for line in res.out.splitlines()[2:] if line.strip()}
    # registry.yaml lists only core; folders with a parts.yaml are packages; docs/ (no parts.yaml) is not.
    assert names == {"core", "examples", "credentials-pod-preset"}
    res = kfctl("registry", "describe", "kubeflow", cwd=partial_app)
    assert res.code == 0 and "examples" in res.out and "credentials-pod-preset" in res.out, res


def test_unlisted_package_installs_like_ks_did(partial_app, kfctl):
    res = kfctl("pkg", "install", "kubeflow/examples", cwd=partial_app)
    assert res.code == 0, res
    libs = yaml.safe_load((partial_app / "app.yaml").read_text())["libraries"]
    # examples imports kubeflow/core/util.libsonnet: core comes along, as for listed packages.
    assert set(libs) == {"kubeflow/examples", "kubeflow/core"}
    assert (partial_app / "vendor" / "kubeflow" / "examples" / "prototypes" / "optional-service.jsonnet").is_file()
    # Without the registry prefix too (ks looked the name up in every registry).
    res = kfctl("pkg", "install", "credentials-pod-preset", cwd=partial_app)
    assert res.code == 0, res
    res = kfctl("prototype", "list", cwd=partial_app)
    assert res.code == 0, res
    assert "io.ksonnet.pkg.optional-service" in res.out and "io.ksonnet.pkg.credentials-pod-preset" in res.out
    res = kfctl("prototype", "search", "credentials", cwd=partial_app)
    assert res.code == 0 and "io.ksonnet.pkg.credentials-pod-preset" in res.out, res
    res = kfctl("generate", "credentials-pod-preset", "creds", "--secret=gcp", cwd=partial_app)
    assert res.code == 0, res
    res = kfctl("show", "default", cwd=partial_app)
    assert res.code == 0, res
    assert [(d["kind"], d["metadata"]["name"]) for d in docs_of(res.out)] == [("PodPreset", "creds")]


def test_unknown_package_is_still_an_error(partial_app, kfctl):
    res = kfctl("pkg", "install", "kubeflow/docs", cwd=partial_app)
    assert res.code == 1, res
    assert "docs" in res.err and "examples" in res.err, res


# ----------------------------------------------------------------------------- empty List


def test_empty_list_renders_zero_objects(partial_app, kfctl):
    assert kfctl("pkg", "install", "kubeflow/examples", cwd=partial_app).code == 0
    assert kfctl("pkg", "install", "kubeflow/core", cwd=partial_app).code == 0
    assert kfctl("generate", "optional-service", "maybe", cwd=partial_app).code == 0
    assert kfctl("generate", "core-config", "settings", cwd=partial_app).code == 0
    res = kfctl("show", "default", cwd=partial_app)
    assert res.code == 0, res
    assert [(d["kind"], d["metadata"]["name"]) for d in docs_of(res.out)] == [("ConfigMap", "settings")]
    res = kfctl("show", "default", "-c", "maybe", "-o", "json", cwd=partial_app)
    assert res.code == 0, res
    assert yaml.safe_load(res.out)["items"] == []
    assert kfctl("param", "set", "maybe", "enabled", "true", "--as-string", cwd=partial_app).code == 0
    res = kfctl("show", "default", "-c", "maybe", cwd=partial_app)
    assert res.code == 0, res
    assert [(d["kind"], d["metadata"]["name"]) for d in docs_of(res.out)] == [("Service", "maybe")]


def test_empty_list_inside_an_array_and_a_named_list_still_checked(new_app, kfctl):
    root = new_app()
    (root / "components" / "parts.jsonnet").write_text(
        "[{apiVersion: 'v1', kind: 'List'}, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'a'}}]\n")
    res = kfctl("show", "default", cwd=root)
    assert res.code == 0, res
    assert [d["metadata"]["name"] for d in docs_of(res.out)] == ["a"]
    # A ConfigMap without a name is still an error: only an empty v1 List means "nothing".
    (root / "components" / "parts.jsonnet").write_text("{apiVersion: 'v1', kind: 'ConfigMap'}\n")
    res = kfctl("show", "default", cwd=root)
    assert res.code == 1 and "no metadata.name" in res.err, res


# ----------------------------------------------------------------------------- two components, one object


def cm(name: str, value: str, namespace: str | None = None) -> str:
    ns = f", namespace: '{namespace}'" if namespace else ""
    return f"{{apiVersion: 'v1', kind: 'ConfigMap', metadata: {{name: '{name}'{ns}}}, data: {{v: '{value}'}}}}\n"


@pytest.fixture
def dup_app(new_app):
    root = new_app()
    (root / "components" / "alpha.jsonnet").write_text(cm("shared", "from-alpha"))
    # The same object, once with the environment's namespace spelled out: apply would put both there.
    (root / "components" / "beta.jsonnet").write_text(
        "[" + cm("shared", "from-beta", "default").strip() + ", " + cm("own", "b").strip() + "]\n")
    return root


def test_same_object_from_two_components_warns_and_the_later_wins(dup_app, kfctl):
    for attempt in ("fresh", "cached"):
        res = kfctl("show", "default", cwd=dup_app)
        assert res.code == 0, (attempt, res)
        docs = docs_of(res.out)
        assert [(d["metadata"]["name"], d["data"]["v"]) for d in docs] == [("own", "b"), ("shared", "from-beta")]
        warnings = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: warning:")]
        assert len(warnings) == 1, (attempt, res)
        assert "ConfigMap default/shared" in warnings[0] and "'alpha' and 'beta'" in warnings[0], res
        assert "'beta') wins" in warnings[0] and "--strict" in warnings[0], res


@pytest.mark.parametrize("how", ["flag", "app.yaml"])
def test_strict_makes_the_same_object_an_error(dup_app, kfctl, how):
    args = ["show", "default"]
    if how == "flag":
        args.append("--strict")
    else:
        data = yaml.safe_load((dup_app / "app.yaml").read_text())
        data["kfctl"] = {"duplicateObjects": "error"}
        (dup_app / "app.yaml").write_text(yaml.safe_dump(data))
    # Warm the cache first: a cached render must not bypass --strict.
    assert kfctl("show", "default", "--no-cache", cwd=dup_app).code in (0, 1)
    assert kfctl("show", "default", cwd=dup_app).code in (0, 1)
    for _ in range(2):
        res = kfctl(*args, cwd=dup_app)
        assert res.code == 1, res
        assert res.err.startswith("kfctl: error:") and len(res.err.strip().splitlines()) == 1, res
        assert "ConfigMap default/shared" in res.err and "'alpha' and 'beta'" in res.err, res
    assert res.out == ""


def test_bad_duplicate_setting_names_app_yaml(dup_app, kfctl):
    data = yaml.safe_load((dup_app / "app.yaml").read_text())
    data["kfctl"] = {"duplicateObjects": "maybe"}
    (dup_app / "app.yaml").write_text(yaml.safe_dump(data))
    res = kfctl("show", "default", cwd=dup_app)
    assert res.code == 1 and "app.yaml" in res.err and "duplicateObjects" in res.err, res


def test_argo_cd_and_validate_follow_the_same_rule(dup_app, kfctl):
    env = {"ARGOCD_ENV_KFCTL_ENV": "default", "ARGOCD_APP_NAMESPACE": "default", "ARGOCD_APP_NAME": "dup"}
    res = kfctl("argocd", "generate", cwd=dup_app, env=env)
    assert res.code == 0, res
    docs = docs_of(res.out)
    assert [d["data"]["v"] for d in docs if d["metadata"]["name"] == "shared"] == ["from-beta"]
    assert "'alpha' and 'beta'" in res.err, res
    res = kfctl("validate", "default", "--strict", cwd=dup_app)
    assert res.code == 1 and "'alpha' and 'beta'" in res.err, res


# ----------------------------------------------------------------------------- unary plus (ks's go-jsonnet)


@pytest.mark.parametrize("engine", ["gojsonnet", "rjsonnet"])
def test_unary_plus_on_non_numbers_renders_as_ks_did_with_warnings(new_app, kfctl, engine):
    root = new_app()
    (root / "lib" / "steps.libsonnet").write_text(
        "{\n  step(t):: { name: + t.name, spec: + { a: 1 } },\n}\n")
    (root / "components" / "wf.jsonnet").write_text(
        "local steps = import 'steps.libsonnet';\n"
        "local template = { name: 'train' };\n"
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wf' },\n"
        "  data: { step_name: + template.name, n: std.toString(+3 + 1), s: std.toString(steps.step(template)) } }\n")
    env = {"KFCTL_ENGINE": engine}
    for attempt in ("fresh", "cached"):
        res = kfctl("show", "default", cwd=root, env=env)
        assert res.code == 0, (attempt, res)
        (doc,) = docs_of(res.out)
        assert doc["data"]["step_name"] == "train" and doc["data"]["n"] == "4"
        assert doc["data"]["s"] == '{"name": "train", "spec": {"a": 1}}'
        warnings = sorted(ln for ln in res.err.splitlines() if "unary '+'" in ln)
        # One warning per '+' on a non-number, each at its file:line:col; '+3' is valid and not reported.
        assert [w.split(": ")[2] for w in warnings] == [
            "components/wf.jsonnet:4:22", "lib/steps.libsonnet:2:21", "lib/steps.libsonnet:2:37"], res
        assert all(w.startswith("kfctl: warning: ") and "remove the '+'" in w for w in warnings), res
        assert "unary '+' on a object" not in res.err and "unary '+' on an object" in res.err
    # Nothing was written: the rewrite happens in what the engine reads.
    assert "name: + t.name" in (root / "lib" / "steps.libsonnet").read_text()


def test_binary_type_errors_are_still_errors(new_app, kfctl):
    root = new_app()
    (root / "components" / "bad.jsonnet").write_text("{ a: -'x' }\n")
    res = kfctl("show", "default", cwd=root)
    assert res.code == 1 and "components/bad.jsonnet:1:6" in res.err, res


# ----------------------------------------------------------------------------- error locations


def test_syntax_error_in_a_component_is_located_in_its_file(new_app, kfctl):
    root = new_app()
    (root / "components" / "syn.jsonnet").write_text("{apiVersion: 'v1', kind:\n  'ConfigMap' metadata: {}}\n")
    for engine in ("gojsonnet", "rjsonnet"):
        res = kfctl("show", "default", cwd=root, env={"KFCTL_ENGINE": engine})
        assert res.code == 1, res
        assert res.err.startswith("kfctl: error: components/syn.jsonnet:2:15: "), res
        assert str(root) not in res.err and "<extvar" not in res.err, res


def test_missing_ext_var_names_the_component(new_app, kfctl):
    root = new_app()
    (root / "lib" / "cfg.libsonnet").write_text("{ bucket:: std.extVar('bucket') }\n")
    (root / "components" / "store.jsonnet").write_text(
        "local cfg = import 'cfg.libsonnet';\n"
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 's'}, data: {b: cfg.bucket}}\n")
    (root / "components" / "other.jsonnet").write_text(
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'o'}}\n")
    res = kfctl("show", "default", cwd=root)
    assert res.code == 1, res
    assert res.err.strip() == ("kfctl: error: lib/cfg.libsonnet:1:12: Undefined external variable: bucket "
                               "(in component 'store')"), res
    res = kfctl("show", "default", "--ext-str", "bucket=gs://b", cwd=root)
    assert res.code == 0 and "gs://b" in res.out, res
