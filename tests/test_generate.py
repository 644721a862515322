"""Prototypes and `kfctl generate`: header parsing, name lookup, param typing and escaping, params
written before the component, and clean failures that change nothing. Also `kfctl import`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import assert_clean_failure, tree_digest


def show(kfctl, root, *args):
    res = kfctl("show", "default", *args, cwd=root)
    assert res.code == 0, res
    return [d for d in yaml.safe_load_all(res.out) if d]


@pytest.fixture
def app(new_app, kfctl):
    root = new_app()
    for pkg in ("tf-job", "pytorch-job"):
        assert kfctl("pkg", "install", f"kubeflow/{pkg}", cwd=root).code == 0
    return root


def params_of(root: Path, name: str, module: str = "") -> dict:
    from kfctl.app import App
    from kfctl.params import resolve

    return resolve(App.load(root), None)[f"{module}.{name}" if module else name]


# ----------------------------------------------------------------------------------- parsing


def test_header_parsing_rules():
    from kfctl.prototype import parse

    p = parse("// @apiVersion 0.1\n"
              "// @name io.ksonnet.pkg.x\n"
              "// @description First line\n"
              "//   continued here.\n"
              "// @shortDescription Short.\n"
              "// @param name string The name\n"
              "// @optionalParam ns string null Namespace; null means env's\n"
              "// @optionalParam port number 80 The port\n"
              "//\n"
              "// a body comment\n"
              "local a = import 'param://name';\n{}\n")
    assert p.name == "io.ksonnet.pkg.x" and p.short_name == "x"
    assert p.description == "First line continued here."
    assert [(q.name, q.type, q.default, q.required) for q in p.params] == [
        ("name", "string", None, True), ("ns", "string", "null", False), ("port", "number", "80", False)]
    assert p.params[1].description == "Namespace; null means env's"
    assert "// a body comment" in p.body and "@name" not in p.body


@pytest.mark.parametrize("text, message", [
    ("// @name io.ksonnet.pkg.x\n// @bogus y\n{}", "unknown directive @bogus"),
    ("// @name io.ksonnet.pkg.x\n// @param a boolean desc\n{}", "unknown type 'boolean'"),
    ("// @name io.ksonnet.pkg.x\n// @param module string desc\n{}", "reserved"),
    ("// @description no name\n{}", "no @name"),
    ("// @name io.ksonnet.pkg.x\n// @optionalParam a string\n{}", "@optionalParam needs"),
])
def test_header_errors(text, message):
    from kfctl.errors import PrototypeError
    from kfctl.prototype import parse

    with pytest.raises(PrototypeError, match=message):
        parse(text, "p.jsonnet")


def test_param_and_env_imports_are_rewritten():
    from kfctl.prototype import component_text, parse

    p = parse("// @name io.ksonnet.pkg.x\n// @param name string n\n"
              "{a: import 'param://name', b: import \"param://name\", c: import 'env://namespace'}\n")
    text = component_text(p, "my-comp")
    assert text.splitlines()[:2] == ['local env = std.extVar("__ksonnet/environments");',
                                     'local params = std.extVar("__ksonnet/params").components["my-comp"];']
    assert "{a: params.name, b: params.name, c: env.namespace}" in text


# ----------------------------------------------------------------------------------- lookup


def test_suffix_lookup_and_describe(app, kfctl):
    res = kfctl("prototype", "describe", "tf-job", cwd=app)
    assert res.code == 0, res
    assert "io.ksonnet.pkg.tf-job\n" in res.out
    assert "REQUIRED PARAMETERS:" in res.out and "OPTIONAL PARAMETERS:" in res.out
    assert "[default: " in res.out and "type: " in res.out
    res = kfctl("prototype", "describe", "job", cwd=app)  # a plain suffix matching several
    assert_clean_failure(res, contains="ambiguous")
    assert "io.ksonnet.pkg.tf-job" in res.err and "io.ksonnet.pkg.pytorch-job" in res.err


def test_unknown_prototype_lists_candidates(app, kfctl):
    before = tree_digest(app)
    res = kfctl("generate", "tf-jo", "x", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="io.ksonnet.pkg.tf-job")
    res = kfctl("generate", "zzz", "x", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="io.ksonnet.pkg.configMap")


def test_list_and_search(app, kfctl):
    res = kfctl("prototype", "list", cwd=app)
    assert res.code == 0, res
    names = [line.split()[0] for line in res.out.splitlines()[2:]]
    assert names == sorted(names)
    for n in ("io.ksonnet.pkg.tf-job", "io.ksonnet.pkg.pytorch-job", "io.ksonnet.pkg.configMap",
              "io.ksonnet.pkg.deployed-service", "io.ksonnet.pkg.namespace",
              "io.ksonnet.pkg.single-port-deployment", "io.ksonnet.pkg.single-port-service"):
        assert n in names
    seldon = next(line for line in res.out.splitlines() if line.startswith("io.ksonnet.pkg.seldon "))
    assert "kfctl pkg install kubeflow/seldon" in seldon  # not installed: listed with the way to get it
    tfjob = next(line for line in res.out.splitlines() if line.startswith("io.ksonnet.pkg.tf-job "))
    assert "pkg install" not in tfjob
    res = kfctl("prototype", "search", "pytorch", "-o", "json", cwd=app)
    assert {d["name"] for d in json.loads(res.out)["data"]} == {"io.ksonnet.pkg.pytorch-job",
                                                               "io.ksonnet.pkg.pytorch-operator"}


# ----------------------------------------------------------------------------------- generate


def test_every_param_written_with_defaults_and_name(app, kfctl):
    from kfctl.prototype import catalog, find
    from kfctl.app import App

    res = kfctl("generate", "deployed-service", "web", "--image=nginx:1", cwd=app)
    assert res.code == 0, res
    proto = find(catalog(App.load(app)).prototypes, "deployed-service")
    got = params_of(app, "web")
    assert set(got) == {p.name for p in proto.params}
    assert got == {"name": "web", "image": "nginx:1", "servicePort": 80, "containerPort": 80, "replicas": 1,
                   "type": "ClusterIP"}
    docs = show(kfctl, app)
    assert {(d["kind"], d["metadata"]["name"]) for d in docs} == {("Service", "web"), ("Deployment", "web")}


def test_string_values_are_escaped_and_null_default_is_a_string(app, kfctl):
    tricky = 'say "hi", \\back\\slash, --flag, {brace}'
    res = kfctl("generate", "configMap", "cm", cwd=app)
    assert res.code == 0, res
    res = kfctl("generate", "single-port-deployment", "dep", f"--image={tricky}", cwd=app)
    assert res.code == 0, res
    docs = show(kfctl, app, "-c", "dep")
    assert docs[0]["spec"]["template"]["spec"]["containers"][0]["image"] == tricky
    assert kfctl("pkg", "install", "kubeflow/core", cwd=app).code == 0
    assert kfctl("generate", "core", "kubeflow-core", cwd=app).code == 0
    assert params_of(app, "kubeflow-core")["namespace"] == "null"  # ks: string default null -> "null"


def test_values_with_dashes_space_separated(app, kfctl):
    res = kfctl("generate", "single-port-deployment", "dep", "--image", "--weird", "--replicas", "2", cwd=app)
    assert res.code == 0, res
    assert params_of(app, "dep")["image"] == "--weird" and params_of(app, "dep")["replicas"] == 2


def test_number_and_object_params(app, kfctl):
    before = tree_digest(app)
    res = kfctl("generate", "deployed-service", "web", "--image=x", "--replicas=abc", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="'replicas' is a number")
    res = kfctl("generate", "configMap", "cm", "--data=not jsonnet {", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="'data' must be an object")
    res = kfctl("generate", "configMap", "cm", "--data=[1]", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="'data' must be an object")
    res = kfctl("generate", "configMap", "cm", '--data={a: "1", b: std.toString(2)}', cwd=app)
    assert res.code == 0, res
    assert show(kfctl, app, "-c", "cm")[0]["data"] == {"a": "1", "b": "2"}
    res = kfctl("generate", "deployed-service", "web", "--image=x", "--replicas=3", "--servicePort=8.5e1", cwd=app)
    assert res.code == 0, res
    assert params_of(app, "web")["replicas"] == 3 and params_of(app, "web")["servicePort"] == 85


def test_undeclared_and_missing_params(app, kfctl):
    before = tree_digest(app)
    res = kfctl("generate", "deployed-service", "web", "--image=x", "--imagee=y", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="no parameter 'imagee'")
    assert "--image" in res.err and "--replicas" in res.err
    res = kfctl("generate", "single-port-service", "svc", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="--targetLabelSelector")
    res = kfctl("generate", "deployed-service", "web", "--image=", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="--image")


def test_existing_component_is_refused(app, kfctl):
    assert kfctl("generate", "namespace", "ns", cwd=app).code == 0
    before = tree_digest(app)
    res = kfctl("generate", "configMap", "ns", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="already exists")
    assert len([ln for ln in res.err.splitlines() if ln.strip()]) == 1
    (app / "components" / "y.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: y}\n")
    before = tree_digest(app)
    assert_clean_failure(kfctl("generate", "namespace", "y", cwd=app), before=before, root=app,
                         contains="already exists")


def test_values_file_wins_over_flags(app, kfctl, tmp_path):
    vf = tmp_path / "values.jsonnet"
    vf.write_text('{ image: "from-file:" + std.toString(1 + 1), replicas: 4 }\n')
    res = kfctl("generate", "deployed-service", "web", "--image=flag", "--values-file", str(vf), cwd=app)
    assert res.code == 0, res
    got = params_of(app, "web")
    assert got["image"] == "from-file:2" and got["replicas"] == 4
    vf.write_text('{ unknown: 1 }')
    before = tree_digest(app)
    res = kfctl("generate", "namespace", "ns", "--values-file", str(vf), cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="'unknown'")


def test_module_qualified_component(app, kfctl):
    res = kfctl("generate", "namespace", "team.ns", cwd=app)
    assert res.code == 0, res
    assert (app / "components" / "team" / "ns.jsonnet").is_file()
    assert "ns:" in (app / "components" / "team" / "params.libsonnet").read_text()
    assert params_of(app, "ns", "team") == {"name": "ns"}
    docs = show(kfctl, app, "-c", "team.ns")
    assert docs[0]["metadata"] == {"name": "ns", "labels": {"ksonnet.io/component": "team.ns"}}
    res = kfctl("generate", "namespace", "other", "--module", "team", cwd=app)
    assert res.code == 0, res
    assert (app / "components" / "team" / "other.jsonnet").is_file()


def test_name_param_can_differ_from_component(app, kfctl):
    res = kfctl("generate", "tf-job", "myjob", "--name=trainer", cwd=app)
    assert res.code == 0, res
    docs = show(kfctl, app, "-c", "myjob")
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "TFJob"} == {"trainer"}


def test_preview_writes_nothing(app, kfctl):
    before = tree_digest(app)
    res = kfctl("prototype", "preview", "namespace", "--name=zz", cwd=app)
    assert res.code == 0, res
    assert 'local params = std.extVar("__ksonnet/params").components.zz;' in res.out
    assert 'name: "zz"' in res.out
    assert tree_digest(app) == before


def test_params_written_before_component(app, kfctl, monkeypatch):
    """A crash between the two writes leaves the params block but no component: the app still renders."""
    import kfctl.files as files
    from kfctl.app import App
    from kfctl.prototype import catalog, find, plan_generate, write_plan

    a = App.load(app)
    plan = plan_generate(a, find(catalog(a).prototypes, "namespace"), "ns", [])
    real = files.atomic_write

    def crash_on_component(path, data):
        if str(path).endswith("ns.jsonnet"):
            raise OSError("disk full")
        return real(path, data)

    monkeypatch.setattr(files, "atomic_write", crash_on_component)
    with pytest.raises(OSError):
        write_plan(a, plan)
    monkeypatch.setattr(files, "atomic_write", real)
    assert "ns:" in (app / "components" / "params.libsonnet").read_text()
    assert not (app / "components" / "ns.jsonnet").exists()
    assert show(kfctl, app) == []


def test_system_prototypes_render(app, kfctl):
    cmds = [("configMap", "cm", '--data={k: "v"}'), ("deployed-service", "ds", "--image=a"),
            ("namespace", "ns"), ("single-port-deployment", "spd", "--image=b"),
            ("single-port-service", "sps", '--targetLabelSelector={app: "spd"}')]
    for proto, name, *flags in cmds:
        res = kfctl("generate", proto, name, *flags, cwd=app)
        assert res.code == 0, res
        assert "does not render" not in res.err, res
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in show(kfctl, app))
    assert kinds == sorted([("ConfigMap", "cm"), ("Service", "ds"), ("Deployment", "ds"), ("Namespace", "ns"),
                            ("Deployment", "spd"), ("Service", "sps")])
    sps = next(d for d in show(kfctl, app, "-c", "sps"))
    assert sps["spec"]["selector"] == {"app": "spd"}


# ----------------------------------------------------------------------------------- import


def test_import_files_and_folders(app, kfctl, tmp_path):
    src = tmp_path / "manifests"
    src.mkdir()
    (src / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: imported\n")
    (src / "cm.json").write_text(json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}))
    (src / "two.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
                                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    (src / "notes.txt").write_text("ignored")
    res = kfctl("import", "-f", str(src), cwd=app)
    assert res.code == 0, res
    single = tmp_path / "j.jsonnet"
    single.write_text('{apiVersion: "v1", kind: "Secret", metadata: {name: "s"}}\n')
    assert kfctl("import", "-f", str(single), "--module", "extra", cwd=app).code == 0
    got = {(d["kind"], d["metadata"]["name"], d["metadata"]["labels"]["ksonnet.io/component"]) for d in show(kfctl, app)}
    assert got == {("Namespace", "imported", "ns"), ("ConfigMap", "c", "cm"), ("ConfigMap", "a", "two"),
                   ("ConfigMap", "b", "two"), ("Secret", "s", "extra.j")}
    before = tree_digest(app)
    assert_clean_failure(kfctl("import", "-f", str(src / "ns.yaml"), cwd=app), before=before, root=app,
                         contains="already exists")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n")
    (bad / "zbroken.yaml").write_text("kind: [\n")
    assert_clean_failure(kfctl("import", "-f", str(bad), cwd=app), before=before, root=app, contains="invalid YAML")
    (bad / "zbroken.yaml").write_text("just: data\n")
    assert_clean_failure(kfctl("import", "-f", str(bad), cwd=app), before=before, root=app,
                         contains="not a Kubernetes object")


@pytest.mark.parametrize("type_, raw, expected", [
    ("string", 'a"b\\c', '"a\\"b\\\\c"'),
    ("string", "null", '"null"'),
    ("number", "80", "80"),
    ("number", "007", "7"),
    ("number", "-1.5e3", "-1.5e3"),
    ("numberOrString", "8080", "8080"),
    ("numberOrString", "http", '"http"'),
    ("object", "{}", "{}"),
    ("array", '["a", 1]', '["a", 1]'),
    ("object", "null", "null"),
])
def test_literal_by_type(type_, raw, expected):
    from kfctl.prototype import Param, literal

    assert literal(Param("p", type_, "", "x"), raw) == expected


@pytest.mark.parametrize("type_, raw", [("number", "abc"), ("number", "nan"), ("number", "1e999"),
                                        ("object", "[]"), ("array", "{}"), ("object", "{} // comment")])
def test_literal_rejects(type_, raw):
    from kfctl.errors import ParamError
    from kfctl.prototype import Param, literal

    with pytest.raises(ParamError):
        literal(Param("p", type_, "", "x"), raw)


def test_prototype_use_and_template_type(app, kfctl):
    res = kfctl("prototype", "use", "io.ksonnet.pkg.namespace", "ns", "jsonnet", cwd=app)
    assert res.code == 0, res
    assert show(kfctl, app)[0]["kind"] == "Namespace"
    before = tree_digest(app)
    res = kfctl("generate", "namespace", "ns2", "yaml", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="unexpected argument")


def test_package_qualified_prototype_name(app, kfctl):
    res = kfctl("generate", "kubeflow/tf-job/tf-job", "j", "--image=x", cwd=app)
    assert res.code == 0, res
    before = tree_digest(app)
    res = kfctl("generate", "other/pkg/tf-job", "k", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="no installed package 'other/pkg'")
