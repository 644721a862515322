"""The conventions a command-line user expects: version, help, bare kfctl, `-o`, completion, NO_COLOR,
help lines, plurals, messages naming the real cause, prototypes of packages not installed, scripts/kfctl
working on the folder the user stands in."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
import yaml

from tests.conftest import REPO, assert_clean_failure


def _walk(cmd, ctx, path):
    yield path, cmd, ctx
    if isinstance(cmd, click.Group):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx), path + [name])


def _all_commands():
    from kfctl.cli import cli

    return list(_walk(cli, click.Context(cli, info_name="kfctl"), ["kfctl"]))


def test_version_help_and_bare_kfctl(kfctl_proc, tmp_path):
    from kfctl import __version__

    res = kfctl_proc("--version")
    assert res.code == 0 and res.out.strip() == f"kfctl version: {__version__}", res
    bare = kfctl_proc()
    assert bare.code == 0 and "Usage: kfctl" in bare.out and "Commands:" in bare.out, bare
    top = kfctl_proc("help")
    assert top.code == 0 and top.out == bare.out
    sub = kfctl_proc("help", "param", "set")
    assert sub.code == 0 and sub.out.startswith("Usage: kfctl param set"), sub
    assert sub.out == kfctl_proc("param", "set", "--help").out
    assert_clean_failure(kfctl_proc("help", "parm"), code=2, contains="no command 'parm'")


def test_every_option_has_a_help_line_and_o_is_only_the_output_format():
    for path, cmd, _ in _all_commands():
        assert cmd.help or cmd.short_help, f"{' '.join(path)} has no help"
        for param in cmd.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            assert param.help, f"{' '.join(path)} {param.opts} has no help line"
            if "-o" in param.opts:
                assert param.name == "output", f"{' '.join(path)}: -o is {param.opts}"
                choices = set(param.type.choices)
                assert choices in ({"table", "json", "yaml"}, {"yaml", "json"}, {"text", "json"}), (path, choices)


@pytest.mark.parametrize("args,kind", [
    (("env", "list"), "EnvironmentList"), (("component", "list"), "ComponentList"),
    (("param", "list"), "ParamList"), (("registry", "list"), "RegistryList"),
    (("prototype", "list"), "PrototypeList"), (("env", "describe", "default"), "Environment"),
    (("registry", "describe", "kubeflow"), "Registry"), (("pkg", "describe", "kubeflow/common"), "Package"),
    (("prototype", "describe", "configMap"), "Prototype"),
])
def test_lists_and_describes_take_o_table_json_yaml(new_app, kfctl, args, kind):
    app = new_app("app")
    as_json = kfctl(*args, "-o", "json", cwd=app)
    as_yaml = kfctl(*args, "-o", "yaml", cwd=app)
    assert as_json.code == 0 and as_yaml.code == 0, (as_json, as_yaml)
    assert json.loads(as_json.out)["kind"] == kind
    assert yaml.safe_load(as_yaml.out) == json.loads(as_json.out)
    assert kfctl(*args, "-o", "table", cwd=app).code == 0
    assert_clean_failure(kfctl(*args, "-o", "xml", cwd=app), code=2)


def test_override_is_long_only(new_app, kfctl):
    app = new_app("app")
    assert_clean_failure(kfctl("env", "add", "x", "-o", cwd=app), code=2)
    assert kfctl("env", "add", "x", "--override", cwd=app).code == 0
    assert (app / "app.override.yaml").is_file()


def _complete(app, line, env=None):
    words = line.split(" ")
    proc = subprocess.run([sys.executable, "-m", "kfctl"], cwd=app, capture_output=True, text=True,
                          env={**os.environ, "_KFCTL_COMPLETE": "bash_complete", "COMP_WORDS": line,
                               "COMP_CWORD": str(len(words) - 1), **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return [ln.split(",", 1)[1] for ln in proc.stdout.splitlines() if ln.startswith("plain,")]


def test_shell_completion_completes_app_names(new_app, kfctl):
    app = new_app("app")
    assert kfctl("env", "add", "prod", cwd=app).code == 0
    assert kfctl("generate", "configMap", "settings", "--data", '{"a": "b"}', cwd=app).code == 0
    assert kfctl("pkg", "install", "kubeflow/common", cwd=app).code == 0
    assert _complete(app, "kfctl env rm ") == ["default", "prod"]
    assert _complete(app, "kfctl show p") == ["prod"]
    assert _complete(app, "kfctl param set --env ") == ["default", "prod"]
    for line in ("kfctl apply ", "kfctl apply -e ", "kfctl diff ", "kfctl diff --env ", "kfctl delete ",
                 "kfctl validate ", "kfctl export ", "kfctl argocd app ", "kfctl argocd appset "):
        assert _complete(app, line) == ["default", "prod"], line
    assert _complete(app, "kfctl component rm s") == ["settings"]
    assert _complete(app, "kfctl show default -c ") == ["settings"]
    assert "kubeflow/tf-job" in _complete(app, "kfctl pkg install kubeflow/t")
    assert "kubeflow/common" in _complete(app, "kfctl pkg remove kubeflow/c")
    assert _complete(app, "kfctl registry describe ") == ["kubeflow"]
    assert "configMap" in _complete(app, "kfctl generate conf")
    # Outside an app: nothing to complete, and no error.
    assert _complete(app.parent, "kfctl env rm ") == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_exist_for_each_shell(shell):
    proc = subprocess.run([sys.executable, "-m", "kfctl"], capture_output=True, text=True,
                          env={**os.environ, "_KFCTL_COMPLETE": f"{shell}_source"})
    assert proc.returncode == 0 and "_KFCTL_COMPLETE" in proc.stdout, proc


@pytest.mark.parametrize("env,coloured", [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)])
def test_no_color_and_term_dumb_strip_colour(kfctl, monkeypatch, env, coloured):
    from click.testing import CliRunner

    from kfctl.cli import KfctlGroup, cli

    @click.command()
    def paint():
        """Print something coloured."""
        click.echo(click.style("red", fg="red"))

    original = KfctlGroup.get_command
    monkeypatch.setattr(KfctlGroup, "get_command",
                        lambda self, ctx, name: paint if name == "paint" else original(self, ctx, name))
    for key in ("NO_COLOR", "TERM"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    res = CliRunner().invoke(cli, ["paint"], color=True)
    assert res.exit_code == 0, res.output
    assert ("\x1b[" in res.output) is coloured, repr(res.output)


def test_validate_says_problem_and_problems_correctly(new_app, kfctl):
    app = new_app("app")
    comp = app / "components" / "bad.yaml"
    comp.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 'x'}]}\n")
    res = kfctl("validate", "default", cwd=app)
    assert res.code == 1
    assert "(1 problem," in res.err, res
    comp.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 'x'}, {port: 'y'}]}\n")
    res = kfctl("validate", "default", cwd=app)
    assert res.code == 1 and "(2 problems," in res.err, res


def test_broken_kubeconfig_yaml_is_named(new_app, kfctl, tmp_path):
    broken = tmp_path / "kubeconfig"
    broken.write_text("apiVersion: v1\nclusters: [\n  - name: x\n  bad: : :\n")
    res = kfctl("init", "app2", cwd=tmp_path, env={"KUBECONFIG": str(broken)})
    assert res.code == 0, res
    assert f"{broken}:3:3: the kubeconfig is not valid YAML" in res.err, res
    res = kfctl("apply", "default", cwd=tmp_path / "app2", env={"KUBECONFIG": str(broken)})
    assert_clean_failure(res, code=1, contains=f"{broken}:3:3: the kubeconfig is not valid YAML")


def test_prototypes_of_packages_not_installed_are_listed_marked(new_app, kfctl):
    app = new_app("app")
    rows = json.loads(kfctl("prototype", "list", "-o", "json", cwd=app).out)["data"]
    tfjob = next(r for r in rows if r["name"] == "io.ksonnet.pkg.tf-job")
    assert tfjob == {"name": "io.ksonnet.pkg.tf-job", "package": "kubeflow/tf-job", "installed": False,
                     "install": "kfctl pkg install kubeflow/tf-job", "description": tfjob["description"]}
    system = next(r for r in rows if r["name"] == "io.ksonnet.pkg.configMap")
    assert system["installed"] is True and system["install"] is None
    found = json.loads(kfctl("prototype", "search", "tf-job", "-o", "json", cwd=app).out)["data"]
    assert "io.ksonnet.pkg.tf-job" in [r["name"] for r in found]
    assert all("tf-job" in r["name"] for r in found)
    desc = kfctl("prototype", "describe", "tf-job", cwd=app)
    assert desc.code == 0 and "kfctl pkg install kubeflow/tf-job" in desc.out, desc
    before = sorted(p.name for p in (app / "components").iterdir())
    assert_clean_failure(kfctl("generate", "tf-job", "job", cwd=app), code=1,
                         contains="run 'kfctl pkg install kubeflow/tf-job' first")
    assert sorted(p.name for p in (app / "components").iterdir()) == before
    assert kfctl("pkg", "install", "kubeflow/tf-job", cwd=app).code == 0
    rows = json.loads(kfctl("prototype", "list", "-o", "json", cwd=app).out)["data"]
    assert next(r for r in rows if r["name"] == "io.ksonnet.pkg.tf-job")["installed"] is True


def test_prototype_list_outside_an_app_lists_the_builtin_registry(kfctl, tmp_path):
    res = kfctl("prototype", "list", "-o", "json", cwd=tmp_path)
    assert res.code == 0, res
    packages = {r["package"] for r in json.loads(res.out)["data"]}
    assert {"kubeflow/tf-job", "kubeflow/core", "system"} <= packages


def test_scripts_kfctl_works_on_the_current_folder(new_app, kfctl, tmp_path):
    app = new_app("app")
    assert kfctl("env", "add", "mine", cwd=app).code == 0
    proc = subprocess.run([str(REPO / "scripts" / "kfctl"), "env", "list", "-o", "json"], cwd=app,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert [e["name"] for e in json.loads(proc.stdout)["data"]] == ["default", "mine"]
    # And from a folder that is no app, it says so rather than editing the checkout's app.
    proc = subprocess.run([str(REPO / "scripts" / "kfctl"), "env", "list"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1 and "no app.yaml" in proc.stderr, proc.stderr
    # Through a link on PATH, as the README suggests (ln -s "$PWD/scripts/kfctl" ~/.local/bin/kfctl).
    link = tmp_path / "bin" / "kfctl"
    link.parent.mkdir()
    link.symlink_to(REPO / "scripts" / "kfctl")
    proc = subprocess.run([str(link), "env", "list", "-o", "json"], cwd=app, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert [e["name"] for e in json.loads(proc.stdout)["data"]] == ["default", "mine"]
