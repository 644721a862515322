"""Edits of one app serialise: concurrent writers never lose a write; a held lock is waited for, with a
message, and a wait that is too long ends in a clean error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

from kfctl.files import app_lock
from tests.conftest import assert_clean_failure, tree_digest

CM = textwrap.dedent("""\
    local params = std.extVar("__ksonnet/params").components.cm;
    {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm"}, data: {[k]: std.toString(params[k])
     for k in std.objectFields(params)}}
    """)


def _spawn(app, *args, env=None):
    return subprocess.Popen([sys.executable, "-m", "kfctl", *args], cwd=app, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def test_concurrent_param_set_processes_keep_every_write(new_app, kfctl):
    app = new_app("app")
    (app / "components" / "cm.jsonnet").write_text(CM, encoding="utf-8")
    assert kfctl("param", "set", "cm", "k0", "start", cwd=app).code == 0
    n = 8
    procs = []
    for i in range(n):
        procs.append(_spawn(app, "param", "set", "cm", f"key{i}", f"value{i}", "--new"))
        procs.append(_spawn(app, "param", "set", "cm", f"envkey{i}", str(i), "--new", "--env", "default"))
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "Traceback" not in err
    rows = json.loads(kfctl("param", "list", "cm", "--env", "default", "-o", "json", cwd=app).out)["data"]
    values = {r["param"]: r["value"] for r in rows}
    for i in range(n):
        assert values[f"key{i}"] == f"value{i}", values
        assert values[f"envkey{i}"] == i, values


def test_a_held_lock_is_waited_for_then_times_out_cleanly(new_app, kfctl):
    app = new_app("app")
    (app / "components" / "cm.jsonnet").write_text(CM, encoding="utf-8")
    before = tree_digest(app)
    with app_lock(app):
        start = time.monotonic()
        proc = _spawn(app, "env", "add", "prod", env={"KFCTL_LOCK_TIMEOUT": "1"})
        out, err = proc.communicate(timeout=120)
        waited = time.monotonic() - start
        # A read-only command does not wait for the lock.
        assert kfctl("param", "list", cwd=app).code == 0
    assert waited >= 1
    assert "another kfctl command is changing this app; waiting" in err, err
    res_lines = [ln for ln in err.splitlines() if ln.startswith("kfctl: error:")]
    assert len(res_lines) == 1 and "held the app's lock" in res_lines[0], err
    assert proc.returncode == 1 and "Traceback" not in err
    assert tree_digest(app) == before
    # Once the lock is free the same command goes through at once.
    assert kfctl("env", "add", "prod", cwd=app).code == 0


def test_a_lock_released_while_waiting_lets_the_command_finish(new_app, kfctl):
    app = new_app("app")
    with app_lock(app):
        proc = _spawn(app, "env", "add", "prod", env={"KFCTL_LOCK_TIMEOUT": "60"})
        time.sleep(1.0)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "waiting" in err
    assert (app / "environments" / "prod" / "main.jsonnet").is_file()


def test_bad_lock_timeout_setting_is_a_clean_error(new_app, kfctl):
    app = new_app("app")
    assert_clean_failure(kfctl("env", "add", "prod", cwd=app, env={"KFCTL_LOCK_TIMEOUT": "soon"}), code=1,
                         contains="KFCTL_LOCK_TIMEOUT")
