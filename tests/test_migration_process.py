"""The engine as a process concern (issue 11): Ctrl-C during evaluation exits 130 at once, and an engine
crash (deep recursion, deep nesting) ends as one line naming the component, exit 1. Subprocess tests: a
crash must not take the test run with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

ENGINES = ["gojsonnet", "rjsonnet"]


@pytest.fixture
def app(new_app, tmp_path, monkeypatch):
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(tmp_path / "cache"))
    root = new_app()
    (root / "components" / "small.jsonnet").write_text(
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'small'}}\n")
    return root


@pytest.mark.parametrize("engine", ENGINES)
def test_ctrl_c_during_evaluation_exits_130_at_once(app, engine):
    # Tens of seconds of evaluation in either engine.
    (app / "components" / "slow.jsonnet").write_text(
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'slow'},\n"
        " data: {n: std.toString(std.length([std.md5(std.toString(i)) for i in std.range(1, 20000000)]))}}\n")
    env = {**os.environ, "KFCTL_ENGINE": engine, "KFCTL_NO_CACHE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kfctl", "show", "default"], cwd=app, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # well into the evaluation
    assert proc.poll() is None, proc.communicate()
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    waited = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert waited < 1.5, f"exited {waited:.1f}s after Ctrl-C"
    assert out == "" and "Traceback" not in err, err


@pytest.mark.parametrize("engine", ENGINES)
def test_deep_recursion_is_one_line_naming_the_component(app, kfctl_proc, engine):
    (app / "components" / "deep.jsonnet").write_text(
        "local f(n) = if n == 0 then [] else [f(n - 1)];\n"
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'deep'}, data: {x: std.toString(f(100000))}}\n")
    res = kfctl_proc("show", "default", cwd=app, env={"KFCTL_ENGINE": engine, "KFCTL_NO_CACHE": "1"})
    assert res.code == 1, res
    lines = res.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kfctl: error: components/deep.jsonnet"), res
    if engine == "rjsonnet":
        assert "component 'deep'" in lines[0] and "crashed" in lines[0], res
    # The other component alone still renders.
    res = kfctl_proc("show", "default", "-c", "small", cwd=app, env={"KFCTL_ENGINE": engine, "KFCTL_NO_CACHE": "1"})
    assert res.code == 0 and "small" in res.out, res


@pytest.mark.parametrize("engine", ENGINES)
def test_nesting_too_deep_for_the_parser_is_located(app, kfctl_proc, engine):
    lib = app / "lib" / "generated.libsonnet"
    lib.write_text("{\n  data: " + "[" * 40000 + "]" * 40000 + ",\n}\n")
    (app / "components" / "gen.jsonnet").write_text(
        "local g = import 'generated.libsonnet';\n"
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'gen'}, data: {n: std.toString(g.data)}}\n")
    res = kfctl_proc("show", "default", cwd=app, env={"KFCTL_ENGINE": engine, "KFCTL_NO_CACHE": "1"})
    assert res.code == 1, res
    assert res.err.strip() == ("kfctl: error: lib/generated.libsonnet:2:10008: brackets nest more than 10000 levels "
                               "deep here (component 'gen'); the jsonnet engine cannot evaluate that"), res
    # A component that does not import it renders.
    res = kfctl_proc("show", "default", "-c", "small", cwd=app, env={"KFCTL_ENGINE": engine, "KFCTL_NO_CACHE": "1"})
    assert res.code == 0 and "small" in res.out, res


def test_ctrl_c_to_the_whole_process_group_exits_130(app):
    """A terminal sends Ctrl-C to every process of the group: rjsonnet's evaluation child dies of it too."""
    (app / "components" / "slow.jsonnet").write_text(
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'slow'},\n"
        " data: {n: std.toString(std.length([std.md5(std.toString(i)) for i in std.range(1, 20000000)]))}}\n")
    env = {**os.environ, "KFCTL_ENGINE": "rjsonnet", "KFCTL_NO_CACHE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "kfctl", "show", "default"], cwd=app, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(3)
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "crashed" not in err and "Traceback" not in err, err
