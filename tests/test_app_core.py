"""The app core through the CLI: init, env, param, component, show, upgrade, and their bad inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import assert_clean_failure, tree_digest

CM = textwrap.dedent("""\
    local env = std.extVar("__ksonnet/environments");
    local params = std.extVar("__ksonnet/params").components.%s;
    {apiVersion: "v1", kind: "ConfigMap", metadata: {name: params.name},
     data: {value: std.toString(params.value), ns: env.namespace}}
    """)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


@pytest.fixture
def app(new_app, kfctl):
    root = new_app("app")
    write(root / "components" / "cm.jsonnet", CM % "cm")
    assert kfctl("param", "set", "cm", "name", "my-cm", cwd=root).code == 0
    assert kfctl("param", "set", "cm", "value", "one", "--new", cwd=root).code == 0
    return root


# ----------------------------------------------------------------------------- init


def test_init_writes_the_ks_tree_without_a_cluster(new_app, tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    root = new_app("fresh")
    for rel in ("app.yaml", "components/params.libsonnet", "environments/base.libsonnet",
                "environments/default/main.jsonnet", "environments/default/params.libsonnet",
                "environments/default/globals.libsonnet"):
        assert (root / rel).is_file(), rel
    assert (root / "lib").is_dir() and (root / "vendor").is_dir()
    spec = yaml.safe_load((root / "app.yaml").read_text())
    assert spec["apiVersion"] == "0.3.0" and spec["kind"] == "ksonnet.io/app"
    assert len(spec["id"]) >= 8
    assert spec["environments"]["default"]["destination"] == {"server": "", "namespace": "default"}
    assert "kubeflow" in spec["registries"]


def test_init_takes_server_from_kubeconfig(tmp_path, kfctl):
    kc = write(tmp_path / "kc", yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "dev",
        "clusters": [{"name": "c1", "cluster": {"server": "https://10.0.0.1:6443"}}],
        "contexts": [{"name": "dev", "context": {"cluster": "c1", "namespace": "team"}}],
        "users": []}))
    res = kfctl("init", "k", env={"KUBECONFIG": str(kc)})
    assert res.code == 0, res
    spec = yaml.safe_load((tmp_path / "k" / "app.yaml").read_text())
    assert spec["environments"]["default"]["destination"] == {"server": "https://10.0.0.1:6443",
                                                              "namespace": "team"}


def test_init_refuses_an_existing_app(app, kfctl, tmp_path):
    before = tree_digest(app)
    assert_clean_failure(kfctl("init", "app", cwd=tmp_path), before=before, root=app)


# ----------------------------------------------------------------------------- env


def test_env_lifecycle(app, kfctl):
    assert kfctl("env", "add", "us-west/dev", "--server", "https://1.2.3.4", "-n", "dev", cwd=app).code == 0
    assert (app / "environments/us-west/dev/main.jsonnet").is_file()
    out = kfctl("show", "us-west/dev", cwd=app).out
    assert docs(out)[0]["data"]["ns"] == "dev"  # nested env renders (relative base import is right)
    res = kfctl("env", "list", "-o", "json", cwd=app)
    names = [e["name"] for e in json.loads(res.out)["data"]]
    assert names == ["default", "us-west/dev"]
    assert kfctl("env", "set", "us-west/dev", "--name", "prod", "--namespace", "p", cwd=app).code == 0
    assert not (app / "environments/us-west").exists()
    assert (app / "environments/prod/params.libsonnet").is_file()
    desc = yaml.safe_load(kfctl("env", "describe", "prod", "-o", "yaml", cwd=app).out)["data"]
    assert desc["destination"] == {"server": "https://1.2.3.4", "namespace": "p"}
    assert kfctl("env", "current", "--set", "prod", cwd=app).code == 0
    assert kfctl("env", "current", cwd=app).out.strip() == "prod"
    # ENV may be omitted where ks allowed it: the current environment.
    assert docs(kfctl("show", cwd=app).out)[0]["data"]["ns"] == "p"
    assert kfctl("env", "rm", "prod", cwd=app).code == 0
    assert not (app / "environments/prod").exists()
    assert kfctl("env", "current", cwd=app).out.strip() == ""


@pytest.mark.parametrize("bad", ["a b", "x:y", "/lead", "trail/", "q'", "a$"])
def test_env_names_ks_would_refuse(app, kfctl, bad):
    before = tree_digest(app)
    assert_clean_failure(kfctl("env", "add", bad, cwd=app), before=before, root=app, contains="environment name")


def test_show_without_env_and_no_current_env(app, kfctl):
    assert_clean_failure(kfctl("show", cwd=app), contains="environment is not set")


# ----------------------------------------------------------------------------- params


def test_param_typing_and_exact_round_trip(app, kfctl):
    values = {"int": ("42", 42), "float": ("1.5", 1.5), "small": ("0.5", 0.5), "bool": ("TRUE", True),
              "arr": ('[1,"a"]', [1, "a"]), "obj": ('{"a": {"b": null}}', {"a": {"b": None}}),
              "dashes": ("--lr=0.1", "--lr=0.1"), "quotes": ('say "hi", \\ then', 'say "hi", \\ then'),
              "newline": ("a\nb", "a\nb"), "unicode": ("ünï 😀", "ünï 😀"), "text": ("abc", "abc")}
    for key, (raw, _) in values.items():
        res = kfctl("param", "set", "cm", key, raw, "--new", cwd=app)
        assert res.code == 0, res
    listed = {row["param"]: row["value"] for row in json.loads(kfctl("param", "list", "cm", "-o", "json",
                                                                       cwd=app).out)["data"]}
    for key, (_, expected) in values.items():
        assert listed[key] == expected, key
    assert kfctl("param", "set", "cm", "str", "42", "--as-string", "--new", cwd=app).code == 0
    assert kfctl("param", "list", "cm", "-o", "json", cwd=app).out.count('"42"') == 1


def test_dash_values_before_or_after_options(app, kfctl):
    # Options may stand anywhere; an unknown --token is a value; `--` ends option parsing.
    assert kfctl("param", "set", "--env", "default", "cm", "value", "--x=1", cwd=app).code == 0
    assert docs(kfctl("show", "default", cwd=app).out)[0]["data"]["value"] == "--x=1"
    assert kfctl("param", "set", "cm", "value", "--", "--env", cwd=app).code == 0
    assert kfctl("param", "list", "cm", "-o", "json", cwd=app).out.count('"--env"') == 1


def test_param_edits_keep_comments_and_shape(app, kfctl):
    path = app / "components" / "params.libsonnet"
    text = path.read_text()
    text = text.replace("  components: {", "  // my note about components\n  components: {")
    text = text.replace('name: "my-cm",', 'name: "my-cm",  // keep this comment')
    path.write_text(text)
    assert kfctl("param", "set", "cm", "value", "two", cwd=app).code == 0
    new = path.read_text()
    assert "// my note about components" in new and "// keep this comment" in new
    assert new.replace('"two"', '"one"') == text


def test_env_override_changes_only_that_env(app, kfctl):
    assert kfctl("env", "add", "cloud", cwd=app).code == 0
    assert kfctl("param", "set", "cm", "value", "gke", "--env=cloud", cwd=app).code == 0
    assert docs(kfctl("show", "cloud", cwd=app).out)[0]["data"]["value"] == "gke"
    assert docs(kfctl("show", "default", cwd=app).out)[0]["data"]["value"] == "one"
    diff = kfctl("param", "diff", "default", "cloud", cwd=app).out
    assert "value" in diff and '"gke"' in diff
    assert kfctl("param", "unset", "cm", "value", "--env", "cloud", cwd=app).code == 0
    assert docs(kfctl("show", "cloud", cwd=app).out)[0]["data"]["value"] == "one"


def test_globals_module_and_env(app, kfctl):
    # Module globals are merged into every component and win over component values (ks >= 0.10).
    assert kfctl("param", "set", "--global", "value", "glob", cwd=app).code == 0
    assert docs(kfctl("show", "default", cwd=app).out)[0]["data"]["value"] == "glob"
    assert kfctl("env", "add", "e2", cwd=app).code == 0
    assert kfctl("param", "set", "value", "envglob", "--env", "e2", cwd=app).code == 0
    assert "value" in (app / "environments/e2/globals.libsonnet").read_text()
    assert docs(kfctl("show", "e2", cwd=app).out)[0]["data"]["value"] == "envglob"
    assert kfctl("param", "unset", "--global", "value", cwd=app).code == 0
    assert docs(kfctl("show", "default", cwd=app).out)[0]["data"]["value"] == "one"


def test_param_set_creates_entry_for_component_without_params(app, kfctl):
    write(app / "components" / "other.jsonnet", CM % "other")
    assert kfctl("param", "set", "other", "name", "o", cwd=app).code == 0
    assert kfctl("param", "set", "other", "value", 3, "--new", cwd=app).code == 0
    objs = docs(kfctl("show", "default", "-c", "other", cwd=app).out)
    assert [o["metadata"]["name"] for o in objs] == ["o"]


def test_param_bad_inputs_change_nothing(app, kfctl):
    before = tree_digest(app)
    assert_clean_failure(kfctl("param", "set", "nope", "k", "v", cwd=app), before=before, root=app,
                         contains="unknown component 'nope'")
    assert_clean_failure(kfctl("param", "set", "cm", "k", "[1,", cwd=app), before=before, root=app,
                         contains="not valid JSON")
    assert_clean_failure(kfctl("param", "set", "cm", "k", cwd=app), before=before, root=app)
    assert_clean_failure(kfctl("param", "set", "cm", "k", "v", "--env", "nope", cwd=app), before=before,
                         root=app, contains="unknown environment")


def test_param_set_refuses_a_file_that_does_not_evaluate(app, kfctl):
    path = app / "components" / "params.libsonnet"
    path.write_text(path.read_text().replace('name: "my-cm",', 'name: "my-cm" +,'))
    before = tree_digest(app)
    assert_clean_failure(kfctl("param", "set", "cm", "value", "x", cwd=app), before=before, root=app,
                         contains="params.libsonnet")


# ----------------------------------------------------------------------------- components and show


def test_component_list_and_rm(app, kfctl):
    assert kfctl("env", "add", "cloud", cwd=app).code == 0
    assert kfctl("param", "set", "cm", "value", "x", "--env", "cloud", cwd=app).code == 0
    rows = json.loads(kfctl("component", "list", "-o", "json", cwd=app).out)["data"]
    assert [r["component"] for r in rows] == ["cm"]
    assert kfctl("component", "rm", "cm", cwd=app).code == 0
    assert not (app / "components/cm.jsonnet").exists()
    assert "my-cm" not in (app / "components/params.libsonnet").read_text()
    assert "cm" not in (app / "environments/cloud/params.libsonnet").read_text().split("components +:")[1]
    assert kfctl("show", "cloud", cwd=app).out == ""


def test_show_flattens_lists_drops_nulls_labels_and_sorts(app, kfctl):
    write(app / "components" / "many.jsonnet", textwrap.dedent("""\
        [
          {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "d"}, spec: {}},
          null,
          {apiVersion: "v1", kind: "List", items: [
            {apiVersion: "v1", kind: "Service", metadata: {name: "s"}},
            {apiVersion: "v1", kind: "Namespace", metadata: {name: "ns"}},
          ]},
        ]
        """))
    objs = docs(kfctl("show", "default", cwd=app).out)
    assert [(o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("Namespace", "ns"), ("ConfigMap", "my-cm"), ("Service", "s"), ("Deployment", "d")]
    assert {o["metadata"]["labels"]["ksonnet.io/component"] for o in objs} == {"many", "cm"}
    assert all("namespace" not in o["metadata"] for o in objs)  # show never sets a namespace
    js = json.loads(kfctl("show", "default", "-o", "json", cwd=app).out)
    assert js["kind"] == "List" and len(js["items"]) == 4


def test_show_output_is_deterministic_and_sorted_keys(app, kfctl):
    a = kfctl("show", "default", cwd=app).out
    b = kfctl("show", "default", cwd=app).out
    assert a == b and a.startswith("---\napiVersion: v1\ndata:\n")


def test_show_c_evaluates_only_the_named_component(app, kfctl):
    write(app / "components" / "broken.jsonnet", 'error "never evaluated"\n')
    objs = docs(kfctl("show", "default", "-c", "cm", cwd=app).out)
    assert [o["metadata"]["name"] for o in objs] == ["my-cm"]
    assert_clean_failure(kfctl("show", "default", "-c", "missing", cwd=app), contains="known: broken, cm")
    res = kfctl("show", "default", cwd=app)
    assert_clean_failure(res, contains="components/broken.jsonnet:1:1")


def test_show_duplicate_objects_name_both_components(app, kfctl):
    write(app / "components" / "dup.jsonnet",
          '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "my-cm"}}\n')
    res = kfctl("show", "default", cwd=app)
    assert res.code == 0 and "'cm' and 'dup'" in res.err and "warning" in res.err, res  # ks: the later wins
    assert_clean_failure(kfctl("show", "default", "--strict", cwd=app), contains="'cm' and 'dup'")


def test_show_yaml_and_json_components_take_params(app, kfctl):
    write(app / "components" / "plain.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: plain\n"
          "spec:\n  type: ClusterIP\n")
    write(app / "components" / "pj.json", '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pj"}}')
    assert kfctl("param", "set", "plain", "spec", '{"type": "NodePort"}', cwd=app).code == 0
    objs = {o["metadata"]["name"]: o for o in docs(kfctl("show", "default", cwd=app).out)}
    assert objs["plain"]["spec"]["type"] == "NodePort"
    assert objs["pj"]["kind"] == "Secret"


def test_show_jsonnet_flags(app, kfctl, tmp_path):
    write(app / "components" / "flags.jsonnet", textwrap.dedent("""\
        local lib = import "extra.libsonnet";
        {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "flags"},
         data: {s: std.extVar("s"), c: std.toString(std.extVar("c")), f: std.extVar("f"), lib: lib}}
        """))
    write(tmp_path / "jp" / "extra.libsonnet", '"from -J"')
    write(tmp_path / "f.txt", "file text")
    res = kfctl("show", "default", "-c", "flags", "-J", tmp_path / "jp", "-V", "s=str", "--ext-code", "c={a: 1}",
                "--ext-str-file", f"f={tmp_path / 'f.txt'}", cwd=app)
    assert res.code == 0, res
    data = docs(res.out)[0]["data"]
    assert data == {"s": "str", "c": '{"a": 1}', "f": "file text", "lib": "from -J"}
    assert_clean_failure(kfctl("show", "default", "--ext-str", "novalue_x9", cwd=app))


def test_show_tla_with_function_main(app, kfctl):
    main = app / "environments/default/main.jsonnet"
    main.write_text('local base = import "../base.libsonnet";\nfunction(suffix="") base + '
                    '{cm+: {metadata+: {name+: suffix}}}\n')
    objs = docs(kfctl("show", "default", "-A", "suffix=-x", cwd=app).out)
    assert objs[0]["metadata"]["name"] == "my-cm-x"


@pytest.mark.parametrize("body,expect", [
    ('{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "x"}, data: {a: 1 +}}\n', "bad.jsonnet:1:"),
    ('"just a string"\n', "is a string"),
    ('{apiVersion: "v1", metadata: {name: "x"}}\n', "without 'kind'"),
    ('[1]\n', "yields a number"),
    ('{apiVersion: "v1", kind: "ConfigMap", metadata: {}}\n', "no metadata.name"),
])
def test_show_bad_components(app, kfctl, body, expect):
    write(app / "components" / "bad.jsonnet", body)
    before = tree_digest(app)
    assert_clean_failure(kfctl("show", "default", cwd=app), before=before, root=app, contains=expect)


def test_not_an_app_and_corrupt_app_yaml(tmp_path, kfctl, app):
    assert_clean_failure(kfctl("show", "default", cwd=tmp_path), contains="no app.yaml")
    (app / "app.yaml").write_text("apiVersion: 0.3.0\nkind: ksonnet.io/app\nname: [unclosed\n")
    res = kfctl("show", "default", cwd=app)
    assert_clean_failure(res, contains="app.yaml:")
    (app / "app.yaml").write_text("apiVersion: 9.9.9\nkind: ksonnet.io/app\nname: x\n")
    assert_clean_failure(kfctl("env", "list", cwd=app), contains="unsupported apiVersion")


# ----------------------------------------------------------------------------- modules and app versions


def test_modules_render_with_qualified_names(app, kfctl):
    write(app / "components" / "team" / "params.libsonnet", '{global: {}, components: {svc: {name: "team-cm", '
          'value: "t"}}}\n')
    write(app / "components" / "team" / "svc.jsonnet", CM % "svc")
    objs = {o["metadata"]["name"]: o for o in docs(kfctl("show", "default", cwd=app).out)}
    assert objs["team-cm"]["metadata"]["labels"]["ksonnet.io/component"] == "team.svc"
    assert kfctl("param", "set", "team.svc", "value", "v2", cwd=app).code == 0
    assert kfctl("param", "set", "team.svc", "value", "env", "--env", "default", cwd=app).code == 0
    objs = {o["metadata"]["name"]: o for o in docs(kfctl("show", "default", "-c", "team.svc", cwd=app).out)}
    assert objs["team-cm"]["data"]["value"] == "env"


KS09_ENV_PARAMS = textwrap.dedent("""\
    local params = import "../../components/params.libsonnet";
    params + {
      components +: {
        cm +: { value: "from-env" },
      },
    }
    """)


def test_ks09_app_model(tmp_path, kfctl):
    """A ks 0.9 app (spec 0.1.0, env params importing the component params by relative path):
    the whole params object, `global` included, is visible; objects nested in maps are found."""
    root = tmp_path / "old"
    write(root / "app.yaml", "apiVersion: 0.1.0\nkind: ksonnet.io/app\nname: old\nversion: 0.0.1\n"
          "environments:\n  default:\n    destination:\n      namespace: ns1\n      server: https://x\n"
          "    k8sVersion: v1.7.0\n    path: default\n"
          "libraries:\n  core:\n    name: core\n    registry: kubeflow\n"
          "    gitVersion:\n      refSpec: v0.1.2\n      commitSha: abc123\n")
    write(root / "components/params.libsonnet", '{global: {tag: "g"}, components: {cm: {name: "c", value: 1}}}\n')
    write(root / "components/cm.jsonnet", textwrap.dedent("""\
        local params = std.extVar("__ksonnet/params").components.cm;
        local all = std.extVar("__ksonnet/params");
        {
          first: {apiVersion: "v1", kind: "ConfigMap", metadata: {name: params.name},
                  data: {v: params.value, tag: all.global.tag}},
          nested: {deeper: [{apiVersion: "v1", kind: "Service", metadata: {name: "svc"}}]},
        }
        """))
    write(root / "environments/base.libsonnet",
          'local components = std.extVar("__ksonnet/components");\ncomponents + {}\n')
    write(root / "environments/default/main.jsonnet", 'local base = import "../base.libsonnet";\nbase + {}\n')
    write(root / "environments/default/params.libsonnet", KS09_ENV_PARAMS)
    res = kfctl("show", "default", cwd=root)
    assert res.code == 0, res
    objs = {o["kind"]: o for o in docs(res.out)}
    assert objs["ConfigMap"]["data"] == {"v": "from-env", "tag": "g"}
    assert objs["Service"]["metadata"]["labels"]["ksonnet.io/component"] == "cm"
    # Editing keeps the app's spec version; upgrade migrates explicitly.
    assert kfctl("env", "add", "two", cwd=root).code == 0
    assert yaml.safe_load((root / "app.yaml").read_text())["apiVersion"] == "0.1.0"
    assert kfctl("upgrade", cwd=root).code == 0
    spec = yaml.safe_load((root / "app.yaml").read_text())
    assert spec["apiVersion"] == "0.3.0"
    assert spec["libraries"] == {"kubeflow/core": {"name": "core", "registry": "kubeflow", "version": "abc123"}}


def test_ks010_model_globals_merged_no_global_key(app, kfctl):
    write(app / "components" / "peek.jsonnet", textwrap.dedent("""\
        local all = std.extVar("__ksonnet/params");
        {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "peek"},
         data: {keys: std.join(",", std.objectFields(all))}}
        """))
    objs = {o["metadata"]["name"]: o for o in docs(kfctl("show", "default", "-c", "peek", cwd=app).out)}
    assert objs["peek"]["data"]["keys"] == "components"


def test_app_override_yaml_wins(app, kfctl):
    write(app / "app.override.yaml", "apiVersion: 0.3.0\nkind: ksonnet.io/app-override\nenvironments:\n"
          "  default:\n    destination:\n      namespace: overridden\n      server: ''\n    path: default\n")
    assert docs(kfctl("show", "default", cwd=app).out)[0]["data"]["ns"] == "overridden"
    rows = json.loads(kfctl("env", "list", "-o", "json", cwd=app).out)["data"]
    assert rows[0]["override"] is True


# ----------------------------------------------------------------------------- process-level checks


def test_show_never_imports_kubernetes(app):
    code = ("import sys; from kfctl.cli import main\n"
            "try:\n    main(['show', 'default'])\nexcept SystemExit:\n    pass\n"
            "print('KUBE' if any(m == 'kubernetes' or m.startswith('kubernetes.') for m in sys.modules) else 'CLEAN',"
            " file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=app, capture_output=True, text=True)
    assert proc.stderr.strip().endswith("CLEAN"), proc.stderr
    assert "my-cm" in proc.stdout


def test_subprocess_exit_codes_and_no_traceback(app, kfctl_proc):
    ok = kfctl_proc("show", "default", cwd=app)
    assert ok.code == 0 and "my-cm" in ok.out
    bad = kfctl_proc("show", "nope", cwd=app)
    assert bad.code == 1 and bad.err.startswith("kfctl: error: unknown environment 'nope'")
    assert "Traceback" not in bad.err
    usage = kfctl_proc("show", "--no-such-flag", cwd=app)
    assert usage.code == 2


def test_version(kfctl):
    res = kfctl("version")
    assert res.code == 0 and "kfctl version: 0.1.0" in res.out and "gojsonnet" in res.out


def test_writes_are_atomic_when_rename_fails(app, monkeypatch):
    from kfctl import files

    target = app / "components" / "params.libsonnet"
    before = target.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        files.atomic_write(target, "half")
    assert target.read_bytes() == before
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_versioned_vendor_folders_resolve_unversioned_imports(app, kfctl):
    """ks 0.12+ vendored packages as vendor/<reg>/<pkg>@<version>; imports name <reg>/<pkg>/…"""
    write(app / "vendor/acme/tools@1.2.3/names.libsonnet", '{prefix: "acme-"}\n')
    write(app / "components/user.jsonnet", 'local n = import "acme/tools/names.libsonnet";\n'
          '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: n.prefix + "cm"}}\n')
    objs = docs(kfctl("show", "default", "-c", "user", cwd=app).out)
    assert objs[0]["metadata"]["name"] == "acme-cm"


# ----------------------------------------------------------------------------- review findings (safety)


def test_env_path_outside_environments_is_refused(app, kfctl, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    spec = yaml.safe_load((app / "app.yaml").read_text())
    spec["environments"]["evil"] = {"path": "../../victim", "destination": {"namespace": "x", "server": ""}}
    (app / "app.yaml").write_text(yaml.safe_dump(spec))
    assert_clean_failure(kfctl("env", "rm", "evil", cwd=app), contains="leaves environments/")
    assert (victim / "keep.txt").read_text() == "precious"


def test_env_folders_never_hold_one_another(app, kfctl):
    assert kfctl("env", "add", "prod", cwd=app).code == 0
    before = tree_digest(app)
    assert_clean_failure(kfctl("env", "add", "prod/x", cwd=app), before=before, root=app, contains="share a folder")
    assert_clean_failure(kfctl("env", "set", "prod", "--name", "prod/x", cwd=app), before=before, root=app)
    assert_clean_failure(kfctl("env", "set", "default", "--name", "prod/y", cwd=app), before=before, root=app)


def test_removing_the_last_override_env_updates_the_override_file(app, kfctl):
    assert kfctl("env", "add", "local", "--override", cwd=app).code == 0
    assert "local" in (app / "app.override.yaml").read_text()
    assert kfctl("env", "rm", "local", cwd=app).code == 0
    rows = json.loads(kfctl("env", "list", "-o", "json", cwd=app).out)["data"]
    assert [r["name"] for r in rows] == ["default"]


@pytest.mark.parametrize("bad", ["environments: {default: 5}",
                                 "environments: {default: {destination: 5}}",
                                 "registries: {r: 5}", "libraries: {x: 5}",
                                 "environments: {default: {destination: {namespace: [1]}}}"])
def test_malformed_app_yaml_shapes_are_clean_errors(app, kfctl, bad):
    (app / "app.yaml").write_text(f"apiVersion: 0.3.0\nkind: ksonnet.io/app\nname: x\n{bad}\n")
    for args in (("show", "default"), ("env", "list"), ("registry", "list"), ("pkg", "list")):
        assert_clean_failure(kfctl(*args, cwd=app), contains="app.yaml")


@pytest.mark.parametrize("meta", ['{name: 5}', '{name: "x", namespace: ["a"]}', '{name: "x", labels: "oops"}'])
def test_non_string_metadata_is_a_clean_error(app, kfctl, meta):
    write(app / "components" / "bad.jsonnet", '{apiVersion: "v1", kind: "ConfigMap", metadata: %s}\n' % meta)
    assert_clean_failure(kfctl("show", "default", cwd=app), contains="component 'bad'")


def test_dot_files_are_not_components(app, kfctl):
    write(app / "components" / ".kfctl-export.json", "{}")
    rows = json.loads(kfctl("component", "list", "-o", "json", cwd=app).out)["data"]
    assert [r["component"] for r in rows] == ["cm"]


def test_ks09_in_memory_overrides_patch_single_params(tmp_path, kfctl):
    """Argo CD-style overrides on a ks 0.9 app change the named param and keep the others."""
    from kfctl.app import App
    from kfctl.render import render

    root = tmp_path / "old09"
    write(root / "app.yaml", "apiVersion: 0.1.0\nkind: ksonnet.io/app\nname: old\nenvironments:\n  default:\n"
          "    destination: {namespace: ns1, server: ''}\n    path: default\n")
    write(root / "components/params.libsonnet", '{global: {}, components: {cm: {name: "c", value: 1}}}\n')
    write(root / "components/cm.jsonnet", 'local p = std.extVar("__ksonnet/params").components.cm;\n'
          '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: p.name}, data: {v: std.toString(p.value)}}\n')
    write(root / "environments/base.libsonnet", 'std.extVar("__ksonnet/components")\n')
    write(root / "environments/default/main.jsonnet", 'import "../base.libsonnet"\n')
    write(root / "environments/default/params.libsonnet", KS09_ENV_PARAMS.replace("cm +: { value: \"from-env\" },", ""))
    out = render(App.load(root), "default", param_overrides={"cm": {"value": 2}}, cache=False)
    assert out.model == "0.9"
    assert out.objects[0]["metadata"]["name"] == "c" and out.objects[0]["data"] == {"v": "2"}


def test_invalid_namespace_is_refused(app, kfctl):
    before = tree_digest(app)
    assert_clean_failure(kfctl("env", "add", "x", "--namespace", "bad ns", cwd=app), before=before, root=app,
                         contains="not a valid Kubernetes namespace")
    assert_clean_failure(kfctl("env", "set", "default", "--namespace", "Upper", cwd=app), before=before, root=app)


def test_env_targets_limit_rendered_modules(app, kfctl):
    write(app / "components" / "team" / "params.libsonnet", '{global: {}, components: {svc: {name: "team-cm", '
          'value: "t"}}}\n')
    write(app / "components" / "team" / "svc.jsonnet", CM % "svc")
    assert kfctl("env", "targets", "default", "--module", "team", cwd=app).code == 0
    names = [o["metadata"]["name"] for o in docs(kfctl("show", "default", cwd=app).out)]
    assert names == ["team-cm"]
    assert_clean_failure(kfctl("env", "targets", "default", "--module", "nope", cwd=app), contains="unknown module")
    assert kfctl("env", "targets", "default", cwd=app).code == 0
    names = sorted(o["metadata"]["name"] for o in docs(kfctl("show", "default", cwd=app).out))
    assert names == ["my-cm", "team-cm"]
