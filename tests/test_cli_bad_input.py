"""Bad input never crashes kfctl (no exit 70, no traceback) and a failed command changes no file.

One test per case of the command-line robustness issue: non-UTF-8 arguments, names too long for the
file system, names that collide with app files, params files that are not UTF-8 / hold NUL / have the
wrong shape, stray non-UTF-8 file names, failed env add/rename, export outside DIR, init through `..`,
and values that must mean what was typed.
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from tests.conftest import assert_clean_failure, tree_digest
from tests.test_app_core import app, write  # noqa: F401 - the same small app: component cm with params

BAD = os.fsdecode(b"a\xffb")  # how Python hands over an argument holding the byte 0xFF


# ----------------------------------------------------------------------------- crashes on bad input


@pytest.mark.parametrize("args", [
    ("env", "add", BAD),
    ("env", "add", "x", "--server", BAD),
    ("param", "set", "cm", "value", BAD),
    ("param", "set", BAD, "k", "v"),
    ("show", "default", "-V", f"a={BAD}"),
    ("show", "default", "-c", BAD),
    ("registry", "add", "r", BAD),
    ("pkg", "install", BAD),
    ("generate", BAD, "x"),
    ("init", BAD),
])
def test_non_utf8_arguments_are_usage_errors(app, kfctl, args):
    before = tree_digest(app)
    res = kfctl(*args, cwd=app)
    assert_clean_failure(res, before=before, root=app, code=2, contains="not valid UTF-8")
    assert "\\xff" in res.err


def test_non_utf8_argument_in_a_real_process(app, kfctl_proc):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "kfctl", "param", "set", "cm", "value", b"x\xff"],
                          cwd=app, capture_output=True)
    assert proc.returncode == 2, proc
    assert proc.stderr.decode().startswith("kfctl: error: command line: argument 5"), proc
    assert b"Traceback" not in proc.stderr


LONG = "n" * 300


@pytest.mark.parametrize("args", [
    ("env", "add", LONG),
    ("env", "set", "default", "--name", LONG),
    ("generate", "configMap", LONG, "--data", '{"a": "b"}'),
    ("import", "-f", "/tmp/" + LONG + ".yaml"),
    ("registry", "add", LONG, "/tmp"),
    ("registry", "set", "kubeflow", "--uri", "/tmp/" + LONG),
    ("show", "default", "-J", "/tmp/" + LONG, "--no-cache"),
    ("init", LONG),
])
def test_names_too_long_for_the_file_system(app, kfctl, args):
    before = tree_digest(app)
    res = kfctl(*args, cwd=app)
    if args[0] == "show":  # a -J folder that cannot exist is simply not searched
        assert res.code == 0 and tree_digest(app) == before, res
        return
    assert_clean_failure(res, before=before, root=app)
    assert res.code in (1, 2), res


def test_env_add_named_like_an_app_file(app, kfctl):
    before = tree_digest(app)
    res = kfctl("env", "add", "base.libsonnet", cwd=app)
    assert_clean_failure(res, before=before, root=app, code=1, contains="environments/base.libsonnet")


@pytest.mark.parametrize("where", ["components/params.libsonnet", "environments/default/params.libsonnet"])
@pytest.mark.parametrize("bad", [b"\xe9t\xe9", b"\x00"])
@pytest.mark.parametrize("args", [
    ("show", "default", "--no-cache"),
    ("show", "default"),
    ("validate", "default"),
    ("param", "set", "cm", "value", "two"),
    ("param", "set", "cm", "value", "two", "--env", "default"),
    ("param", "unset", "cm", "value"),
    ("param", "list"),
    ("param", "list", "--env", "default"),
    ("param", "diff", "default", "default"),
    ("component", "rm", "cm"),
])
def test_params_file_not_utf8_or_with_nul_names_the_file(app, kfctl, tmp_path, where, bad, args):
    path = app / where
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"{", b"{ // " + bad + b"\n", 1))
    before = tree_digest(app)
    res = kfctl(*args, cwd=app)
    if res.code == 0:
        # Only commands that never read the damaged file may succeed (module params for the env file...).
        assert where.startswith("environments") and "--env" not in args and args[0] == "param", res
        return
    assert_clean_failure(res, before=before, root=app, code=1)
    assert where in res.err, res


@pytest.mark.parametrize("shape", ['"x"', "3", "[1]"])
@pytest.mark.parametrize("args", [("param", "list"), ("param", "diff", "default", "default"),
                                  ("show", "default")])
def test_params_of_the_wrong_shape_get_a_located_error(app, kfctl, shape, args):
    path = app / "components" / "params.libsonnet"
    text = path.read_text(encoding="utf-8")
    start = text.index("cm:")
    end = text.index("}", start) + 1
    path.write_text(text[:start] + f"cm: {shape}" + text[end:], encoding="utf-8")
    res = kfctl(*args, cwd=app)
    assert_clean_failure(res, code=1, contains="components/params.libsonnet")
    if args[0] == "param":
        assert "components.cm must be an object" in res.err and "params.libsonnet:" in res.err, res


def test_stray_non_utf8_file_name_does_not_break_the_cached_show(app, kfctl):
    (app / "components" / os.fsdecode(b"notes-\xff.txt")).write_text("x", encoding="utf-8")
    os.mkdir(app / "vendor" / os.fsdecode(b"dir-\xfe"))
    first = kfctl("show", "default", cwd=app)
    assert first.code == 0, first
    again = kfctl("show", "default", cwd=app)
    assert again.code == 0 and again.out == first.out, again


# ----------------------------------------------------------------------------- failed commands change nothing


@pytest.mark.parametrize("name", ["prod", "team/prod"])
def test_failed_env_add_leaves_no_folder(app, kfctl, monkeypatch, name):
    from kfctl import app as app_mod

    def broken_save(self):
        raise OSError(28, "No space left on device", str(self.root / "app.yaml"))

    monkeypatch.setattr(app_mod.App, "save", broken_save)  # fails after the folder was made
    before = tree_digest(app)
    res = kfctl("env", "add", name, cwd=app)
    assert_clean_failure(res, before=before, root=app, code=1, contains="app.yaml: No space left on device")
    assert sorted(p.name for p in (app / "environments").iterdir()) == ["base.libsonnet", "default"]
    monkeypatch.undo()
    assert kfctl("show", "default", cwd=app).code == 0


def test_failed_env_add_by_bad_input_leaves_no_folder(app, kfctl):
    before = tree_digest(app)
    for args in (("env", "add", "prod", "--namespace", "Bad_NS"),
                 ("env", "add", "prod", "--api-spec", "version:banana"),
                 ("env", "add", "base.libsonnet/x")):
        assert_clean_failure(kfctl(*args, cwd=app), before=before, root=app, code=1)
        assert sorted(p.name for p in (app / "environments").iterdir()) == ["base.libsonnet", "default"]
    assert kfctl("show", "default", cwd=app).code == 0


def test_failed_env_rename_leaves_no_folder(app, kfctl, monkeypatch):
    from kfctl import app as app_mod

    def broken_save(self):
        raise OSError(28, "No space left on device", str(self.root / "app.yaml"))

    monkeypatch.setattr(app_mod.App, "save", broken_save)
    before = tree_digest(app)
    res = kfctl("env", "set", "default", "--name", "prod", cwd=app)
    assert_clean_failure(res, before=before, root=app, code=1, contains="No space left on device")
    assert not (app / "environments" / "prod").exists()
    monkeypatch.undo()
    assert kfctl("show", "default", cwd=app).code == 0


@pytest.mark.parametrize("merge", [False, True])
def test_export_never_writes_outside_dir(app, kfctl, tmp_path, merge):
    assert kfctl("param", "set", "cm", "ns", "..", "--new", cwd=app).code == 0
    comp = app / "components" / "cm.jsonnet"
    comp.write_text(comp.read_text().replace("metadata: {name: params.name}",
                                             "metadata: {name: params.name, namespace: params.ns}"))
    out = tmp_path / "deploy" / "out"
    if merge:
        out.mkdir(parents=True)
        (out / "keep.txt").write_text("mine")
    before_parent = sorted(p.name for p in out.parent.iterdir()) if out.parent.exists() else []
    res = kfctl("export", "default", out, *(["--merge"] if merge else []), cwd=app)
    assert res.code in (0, 1) and "Traceback" not in res.err, res
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(set(before_parent) | {"out"})
    for path in out.rglob("*"):
        assert out.resolve() in path.resolve().parents
    if res.code == 0:
        assert any(p.parent.name == "_.." for p in out.rglob("*.yaml")), list(out.rglob("*"))


def test_init_through_dotdot_leaves_nothing_on_the_way(kfctl, tmp_path):
    res = kfctl("init", "sub/../myapp", cwd=tmp_path)
    assert res.code == 0, res
    assert sorted(p.name for p in tmp_path.iterdir()) == ["myapp"]
    assert (tmp_path / "myapp" / "app.yaml").is_file()


def test_init_with_empty_name_and_missing_dir(kfctl, tmp_path):
    assert_clean_failure(kfctl("init", "", cwd=tmp_path), code=2, contains="folder name is empty")
    res = kfctl("--dir", tmp_path / "nope", "env", "list", cwd=tmp_path)
    assert_clean_failure(res, code=2, contains="does not exist")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- values mean what was typed


def _value(kfctl, app, key="value"):
    rows = json.loads(kfctl("param", "list", "cm", "-o", "json", cwd=app).out)["data"]
    return next(r["value"] for r in rows if r["param"] == key)


@pytest.mark.parametrize("raw", ["5\n", "-3\n", " 5", "5 ", "1e5\n", "true\n"])
def test_only_an_exact_number_token_is_a_number(app, kfctl, raw):
    assert kfctl("param", "set", "cm", "value", raw, cwd=app).code == 0
    assert _value(kfctl, app) == raw


@pytest.mark.parametrize("raw,expected", [("2.0", 2), ("5.", 5), ("1e5", 100000), ("0.0", 0), ("1e300", 1e300),
                                          ("-0.5", -0.5), ("9007199254740992", 9007199254740992)])
def test_decimals_and_exponents_are_numbers(app, kfctl, raw, expected):
    res = kfctl("param", "set", "cm", "value", raw, cwd=app)
    assert res.code == 0, res
    assert _value(kfctl, app) == expected
    objs = json.loads(kfctl("show", "default", "-o", "json", cwd=app).out)["items"]
    assert objs[0]["data"]["value"] == json.dumps(expected) or float(objs[0]["data"]["value"]) == expected


@pytest.mark.parametrize("raw,why", [("9007199254740993", "2^53"), ("1e400", "range")])
def test_numbers_a_double_cannot_hold_are_refused_with_the_reason(app, kfctl, raw, why):
    before = tree_digest(app)
    assert_clean_failure(kfctl("param", "set", "cm", "value", raw, cwd=app), before=before, root=app,
                         contains=why)
    assert kfctl("param", "set", "cm", "value", raw, "--as-string", cwd=app).code == 0
    assert _value(kfctl, app) == raw


@pytest.mark.parametrize("args", [("env", "add", "prod", "--namespace", "abc\n"),
                                  ("env", "set", "default", "--namespace", "abc\n"),
                                  ("registry", "add", "reg\n", "/tmp")])
def test_names_with_a_trailing_newline_are_refused(app, kfctl, args):
    before = tree_digest(app)
    assert_clean_failure(kfctl(*args, cwd=app), before=before, root=app, code=1)


def test_param_set_of_an_unknown_param_suggests_and_new_adds(app, kfctl):
    before = tree_digest(app)
    for extra in ((), ("--env", "default")):
        res = kfctl("param", "set", "cm", "valeu", "x", *extra, cwd=app)
        assert_clean_failure(res, before=before, root=app, code=1, contains="did you mean 'value'")
        assert "--new" in res.err
    assert kfctl("param", "set", "cm", "valeu", "x", "--new", cwd=app).code == 0
    assert _value(kfctl, app, "valeu") == "x"
    # Known now: no --new needed any more, at module or env level.
    assert kfctl("param", "set", "cm", "valeu", "y", "--env", "default", cwd=app).code == 0


def test_api_spec_version_must_be_a_version(app, kfctl):
    before = tree_digest(app)
    for args in (("env", "add", "x", "--api-spec=version:banana"), ("env", "set", "default", "--api-spec=version:1.2"),
                 ("init", "other", "--api-spec=version:v1.x.0")):
        assert_clean_failure(kfctl(*args, cwd=app), before=before, root=app, code=1,
                             contains="is not a Kubernetes version")
    assert kfctl("env", "add", "x", "--api-spec=version:1.30.2", cwd=app).code == 0
    assert yaml.safe_load((app / "app.yaml").read_text())["environments"]["x"]["k8sVersion"] == "v1.30.2"


def test_unknown_registry_protocol_in_app_yaml_is_refused_naming_app_yaml(app, kfctl):
    data = yaml.safe_load((app / "app.yaml").read_text())
    data["registries"]["kubeflow"]["protocol"] = "gitt"
    (app / "app.yaml").write_text(yaml.safe_dump(data))
    for args in (("registry", "list"), ("show", "default"), ("pkg", "list")):
        assert_clean_failure(kfctl(*args, cwd=app), code=1, contains="app.yaml: registries.kubeflow: unknown "
                                                                       "protocol 'gitt'")


def test_pkg_remove_of_a_package_a_component_imports_is_refused(app, kfctl):
    assert kfctl("pkg", "install", "kubeflow/common", cwd=app).code == 0
    # built-in packages are vendored as vendor/kubeflow/PKG@VERSION and imported as "kubeflow/PKG/FILE"
    vendored = sorted(p.name for p in (app / "vendor" / "kubeflow").glob("common*/*.libsonnet"))
    assert vendored
    write(app / "components" / "user.jsonnet",
          f'local lib = import "kubeflow/common/{vendored[0]}";\n{{}}\n')
    before = tree_digest(app)
    res = kfctl("pkg", "remove", "kubeflow/common", cwd=app)
    assert_clean_failure(res, before=before, root=app, code=1, contains="imported by component user")
    assert kfctl("pkg", "remove", "kubeflow/common", "--force", cwd=app).code == 0


# ----------------------------------------------------------------------------- generate checks before writing


@pytest.mark.parametrize("args,contains", [
    (("configMap", "Bad_Name", "--data", '{"a": "b"}'), "would be named 'Bad_Name'"),
    (("tf-job", "job", "--user=Bob"), '"Bob" is not a valid name'),
    (("tf-job", "job", "--num_masters=1.5"), "expected an integer, got 1.5"),
])
def test_generate_refuses_a_component_that_would_not_render(app, kfctl, args, contains):
    assert kfctl("pkg", "install", "kubeflow/tf-job", cwd=app).code == 0
    before = tree_digest(app)
    res = kfctl("generate", *args, cwd=app)
    assert_clean_failure(res, before=before, root=app, code=1, contains=contains)
    assert "nothing was written" in res.err


def test_one_bad_component_does_not_hide_the_others_errors(app, kfctl):
    write(app / "components" / "a1.jsonnet", 'error "first broken"\n')
    write(app / "components" / "z9.jsonnet", '{a: std.parseInt("x")}\n')
    for extra in ((), ("--no-cache",)):
        res = kfctl("show", "default", *extra, cwd=app)
        assert_clean_failure(res, code=1, contains="components/a1.jsonnet:1:1: first broken")
        assert "1 more: components/z9.jsonnet:1:5:" in res.err, res


def test_flag_files_that_are_not_utf8_are_usage_errors(app, kfctl, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"caf\xe9")
    for flag in ("--ext-str-file", "--tla-str-file", "--ext-code-file"):
        res = kfctl("show", "default", flag, f"x={bad}", cwd=app)
        assert_clean_failure(res, code=2, contains="is not valid UTF-8 text")


def test_setting_minus_zero_over_zero_is_the_same_number(app, kfctl):
    assert kfctl("param", "set", "cm", "value", "0", cwd=app).code == 0
    res = kfctl("param", "set", "cm", "value", "-0.0", cwd=app)
    assert res.code == 0, res
    assert _value(kfctl, app) == 0


def test_init_dot_creates_the_app_in_the_current_folder_and_keeps_it(kfctl, tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    inode = here.stat().st_ino
    res = kfctl("init", ".", cwd=here)
    assert res.code == 0, res
    assert here.stat().st_ino == inode  # the user's shell stays in a folder that exists
    assert (here / "app.yaml").is_file()
    assert kfctl("env", "list", cwd=here).code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]  # no staging folder left
    assert_clean_failure(kfctl("init", "/", cwd=tmp_path), code=2, contains="names no folder")
