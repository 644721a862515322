"""Shared test helpers: run kfctl in-process (click's runner) or as a real subprocess, make apps,
and check that a failing command failed cleanly (one error line, no traceback, files untouched)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.kube_fixture"] if (Path(__file__).parent / "kube_fixture.py").is_file() else []


@pytest.fixture(autouse=True, scope="session")
def _private_render_cache(tmp_path_factory):
    """Tests never read or fill the user's caches (render, git registries). The test control plane's
    binary cache is separate (tests/controlplane/build.sh) and stays shared."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:  # shown by pytest on assertion failures
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def _run_inprocess(args, cwd, env=None, input=None) -> Result:
    from kfctl.cli import cli

    runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = runner.invoke(cli, [str(a) for a in args], env=env, input=input, catch_exceptions=True)
    finally:
        os.chdir(old)
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Result(res.exit_code, res.stdout, res.stderr)


@pytest.fixture
def kfctl(tmp_path):
    """kfctl(*args, cwd=...) -> Result, in process. cwd defaults to the test's tmp_path."""

    def run(*args, cwd=None, env=None, input=None):
        return _run_inprocess(args, cwd or tmp_path, env=env, input=input)

    return run


@pytest.fixture
def kfctl_proc(tmp_path):
    """kfctl_proc(*args, cwd=..., env=...) -> Result, as a real subprocess of this interpreter."""

    def run(*args, cwd=None, env=None, timeout=300):
        full_env = dict(os.environ)
        full_env.update(env or {})
        proc = subprocess.run([sys.executable, "-m", "kfctl", *map(str, args)], cwd=cwd or tmp_path,
                              env=full_env, capture_output=True, text=True, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def new_app(tmp_path, kfctl):
    """new_app(name="app", *init_args) -> Path of a fresh app made with `kfctl init`."""

    def make(name="app", *args):
        res = kfctl("init", name, *args, cwd=tmp_path)
        assert res.code == 0, res
        return tmp_path / name

    return make


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root with its content hash (to prove a failed command changed nothing)."""
    out = {}
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def assert_clean_failure(res: Result, *, before: dict | None = None, root: Path | None = None,
                         code: int | None = None, contains: str | None = None) -> None:
    assert res.code != 0, res
    assert res.code != 70, res  # 70 is an internal error: a bug, never a clean failure
    if code is not None:
        assert res.code == code, res
    assert "Traceback" not in res.err and "Traceback" not in res.out, res
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert lines, res
    assert lines[0].startswith(("kfctl: error:", "Error:", "Usage:")), res
    if contains is not None:
        assert contains in res.err, res
    if before is not None:
        assert tree_digest(root) == before, "a failed command changed files"


@pytest.fixture
def copy_tree():
    def copy(src: Path, dst: Path) -> Path:
        shutil.copytree(src, dst, symlinks=True)
        return dst

    return copy


def run_on_terminal(args, cwd, env_extra=None, answer: str | None = None, timeout: float = 120):
    """Run kfctl as a subprocess with a terminal on stdin/stdout/stderr, answering its "Proceed?" question
    with ``answer``. Returns (exit code, everything it printed). NO_COLOR and KFCTL_YES are not inherited."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "KFCTL_YES")}
    env.update(env_extra or {})
    proc = subprocess.Popen([sys.executable, "-m", "kfctl", *map(str, args)], cwd=cwd, stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    answered = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                chunk = b""
            if not chunk and proc.poll() is not None:
                break
            out += chunk
            if answer is not None and not answered and b"Proceed?" in out:
                os.write(master, answer.encode() + b"\n")
                answered = True
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, out.decode("utf-8", "replace")
