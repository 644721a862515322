"""The built wheel works on its own: installed (not editable) in a fresh venv, it ships the built-in
`kubeflow` registry as package data and renders kubeflow-core from it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _run(cmd, cwd, env=None, timeout=900):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    return proc


def _clean_env(venv: Path, tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "KFCTL_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["KFCTL_CACHE_DIR"] = str(tmp / "cache")
    env["KUBECONFIG"] = str(tmp / "no-kubeconfig")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    try:
        import hatchling  # noqa: F401

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, str(REPO), "-w", dist], cwd=tmp)
    wheels = sorted(dist.glob("kfctl-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp)
    env = _clean_env(venv, tmp)
    _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", wheels[0]],
         cwd=tmp, env=env)
    return wheels[0], venv, tmp, env


def test_wheel_carries_the_builtin_registry(installed):
    wheel, _, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kfctl/_registry/registry.yaml" in names
    libs = yaml.safe_load((REPO / "registry" / "registry.yaml").read_text())["libraries"]
    for pkg in libs:
        assert f"kfctl/_registry/{pkg}/parts.yaml" in names, pkg
    assert "kfctl/_registry/core/prototypes/all.jsonnet" in names
    assert any(n.startswith("kfctl/ksonnet_lib/") for n in names)


def test_installed_wheel_renders_kubeflow_core(installed):
    _, venv, tmp, env = installed
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    kfctl = venv / "bin" / "kfctl"
    where = _run([venv / "bin" / "python", "-c",
                  "import kfctl, kfctl.registry as r; print(kfctl.__file__); print(r.builtin_root())"],
                 cwd=work, env=env).stdout.split()
    assert str(venv) in where[0], "kfctl was imported from the checkout, not the installed wheel"
    assert where[1].endswith(os.path.join("kfctl", "_registry")) and str(venv) in where[1]
    _run([kfctl, "init", "app"], cwd=work, env=env)
    app = work / "app"
    _run([kfctl, "pkg", "install", "kubeflow/core"], cwd=app, env=env)
    _run([kfctl, "generate", "core", "kubeflow-core"], cwd=app, env=env)
    out = _run([kfctl, "show", "default"], cwd=app, env=env).stdout
    docs = [d for d in yaml.safe_load_all(out) if d]
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Service", "tf-hub-lb") in names and ("StatefulSet", "tf-hub") in names
    assert ("CustomResourceDefinition", "tfjobs.kubeflow.org") in names
    assert all(d["metadata"]["labels"]["ksonnet.io/component"] == "kubeflow-core" for d in docs)
