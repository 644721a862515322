"""Property-based fuzzing of the command line (hypothesis), through the real click entry point.

Four campaigns, each on a fresh copy of a small app in its own workspace folder:

* random arguments (adversarial strings: non-UTF-8 bytes, '..', names too long for the file system,
  trailing newlines, option-like tokens, JSON fragments, huge numbers) in every command's argument slots;
* corrupted app files (truncated, random bytes, NUL, Latin-1, emptied) followed by a command;
* random sequences of edits (param set/unset at module and environment level, env add/rm), checked
  against a model of the values after every step through ``show -o json``;
* raw byte arguments through a real ``python -m kfctl`` process (the console entry point, as argv).

Invariants: no exit 70 and no traceback; a failed command changes no file; nothing is written outside
the app (and the export folder ``out``); every value set comes back exactly (numbers by value) from
``show -o json``.

Bounded for CI (fixed example counts, derandomized: about a minute in all). Set KFCTL_FUZZ_EXAMPLES to
multiply the counts for a longer local campaign (e.g. KFCTL_FUZZ_EXAMPLES=20), and
KFCTL_FUZZ_RANDOM=1 to draw new examples instead of the fixed ones.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.conftest import _run_inprocess, tree_digest  # noqa: E402

SCALE = max(1, int(os.environ.get("KFCTL_FUZZ_EXAMPLES", "1") or 1))
RANDOM = bool(os.environ.get("KFCTL_FUZZ_RANDOM"))


def fuzz_settings(examples: int):
    return settings(max_examples=examples * SCALE, derandomize=not RANDOM, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


CM = textwrap.dedent("""\
    local params = std.extVar("__ksonnet/params").components.cm;
    {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm", namespace: params.ns},
     data: {params: std.manifestJsonEx(params, "")}}
    """)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A small app: component cm with params, environments default and prod."""
    base = tmp_path_factory.mktemp("fuzz-template")
    assert _run_inprocess(["init", "app"], base).code == 0
    app = base / "app"
    (app / "components" / "cm.jsonnet").write_text(CM, encoding="utf-8")
    for key, value in (("ns", "team"), ("replicas", "2"), ("image", "nginx:1.25")):
        res = _run_inprocess(["param", "set", "cm", key, value, "--new"], app)
        assert res.code == 0, res
    assert _run_inprocess(["env", "add", "prod", "--namespace", "prod"], app).code == 0
    return app


class Workspace:
    """A folder holding a fresh copy of the app (``app``) and room for an export (``out``)."""

    def __init__(self, root: Path, template: Path):
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        self.root = root
        self.app = root / "app"
        shutil.copytree(template, self.app, symlinks=True)

    def run(self, args, allow_out: bool = False):
        before = tree_digest(self.root)
        res = _run_inprocess(args, self.app)
        shown = f"kfctl {' '.join(repr(a) for a in args)}\n{res}"
        assert res.code != 70, shown
        assert "Traceback" not in res.err and "Traceback" not in res.out, shown
        assert "internal error" not in res.err, shown
        after = tree_digest(self.root)
        if res.code != 0:
            assert after == before, f"a failed command changed files: {_changes(before, after)}\n{shown}"
        else:
            outside = [p for p in _changes(before, after)
                       if not p.startswith("app/") and not (allow_out and p.startswith("out/"))]
            assert not outside, f"written outside the app: {outside}\n{shown}"
        return res


def _changes(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


@pytest.fixture
def workspace(tmp_path, template):
    counter = iter(range(10 ** 9))
    return lambda: Workspace(tmp_path / f"ws{next(counter)}", template)


# ----------------------------------------------------------------------------- 1. random arguments

NASTY = [
    "", " ", "..", ".", "../x", "sub/../x", "/", "/tmp", "a" * 300, "x\n", "5\n", "-3\n", "abc\n",
    os.fsdecode(b"a\xffb"), os.fsdecode(b"\xc3"), "base.libsonnet", "default", "prod", "cm", "nope", "-o",
    "--", "--x=1", "-", "{", "[1,", "{}", "[]", '{"a": [1, {"b": null}]}', "1e400", "9" * 30, "2.0", "5.",
    "1e5", "0755", "-0", "true", "null", "Bad_Name", "a/b", "a//b", "a.b", "kubeflow", "kubeflow/common",
    "kubeflow/nope", "configMap", "é", "😀", "a b", "a\tb", "$x", "%s", "'", '"', "\\", "version:banana",
    "version:1.2.3", "file:/nope", "gitt", ".kfctl", "components", "environments/default", "\x00", "a\x00b",
]
token = st.one_of(st.sampled_from(NASTY), st.text(max_size=12),
                  st.binary(min_size=1, max_size=6).map(os.fsdecode))

COMMANDS = [
    ("show", 1), ("show", 0, "-c"), ("show", 1, "-o", "json", "-V"), ("show", 1, "-J"),
    ("env", "add", 1), ("env", "add", 1, "--namespace"), ("env", "add", 1, "--api-spec"), ("env", "add", 1, "--server"),
    ("env", "set", 1, "--name"), ("env", "set", 1, "--namespace"), ("env", "rm", 1), ("env", "describe", 1),
    ("env", "current", "--set"), ("env", "targets", 1, "--module"), ("env", "list", "-o"),
    ("param", "set", 3), ("param", "set", 3, "--env"), ("param", "set", 2, "--global"), ("param", "set", 3, "--new"),
    ("param", "set", 3, "--as-string"), ("param", "unset", 2), ("param", "unset", 2, "--env"), ("param", "list", 1),
    ("param", "list", "--env"), ("param", "diff", 2), ("component", "rm", 1), ("component", "list", "-o"),
    ("generate", 2), ("generate", "configMap", 1, "--data"), ("import", "-f"), ("registry", "add", 2),
    ("registry", "set", 1, "--uri"), ("registry", "rm", 1), ("registry", "describe", 1), ("pkg", "install", 1),
    ("pkg", "remove", 1), ("pkg", "describe", 1), ("prototype", "describe", 1), ("prototype", "search", 1),
    ("prototype", "preview", 2), ("init", 1), ("validate", 1), ("export", 1, "out"), ("export", "prod", "out", "--merge"),
    ("help", 1), ("upgrade", "--dry-run"),
]


@st.composite
def command_lines(draw):
    shape = draw(st.sampled_from(COMMANDS))
    args = []
    for part in shape:
        if isinstance(part, int):
            args += [draw(token) for _ in range(part)]
        else:
            args.append(part)
            if part.startswith("-") and part not in ("--new", "--as-string", "--global", "--merge", "--dry-run"):
                args.append(draw(token))
    return args


@fuzz_settings(900)
@given(args=command_lines())
def test_random_arguments_never_crash_or_change_files_on_failure(workspace, args):
    ws = workspace()
    ws.run(args, allow_out=args[0] == "export")


# ----------------------------------------------------------------------------- 2. corrupted app files

FILES = ["app.yaml", "components/params.libsonnet", "environments/default/params.libsonnet",
         "environments/default/main.jsonnet", "environments/default/globals.libsonnet", "components/cm.jsonnet",
         "environments/base.libsonnet", ".ks_environment", "app.override.yaml"]

corruption = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from([b"\xff", b"\x00", b"\xe9", b"{", b"}", b":",
                                                                   b"\n  cm: 3,\n", b"'", b"|||", b"\t"])),
    st.tuples(st.just("replace"), st.sampled_from([b"", b"{}", b"[]", b"null", b"3", b"x: [", b"\xff\xfe",
                                                   b"components: {cm: 'x'}", b"{components: {cm: [1]}}",
                                                   b"{global: 3, components: {}}", b"apiVersion: 0.3.0\n"])),
)
AFTER = [["show", "default"], ["show", "default", "--no-cache", "-o", "json"], ["param", "list"],
         ["param", "list", "--env", "default"], ["param", "diff", "default", "prod"],
         ["param", "set", "cm", "replicas", "3"], ["param", "set", "cm", "replicas", "4", "--env", "default"],
         ["param", "unset", "cm", "image"], ["param", "set", "--global", "g", "1"], ["env", "list"],
         ["env", "add", "stage"], ["env", "set", "default", "--name", "dev"], ["env", "rm", "prod"],
         ["component", "list"], ["component", "rm", "cm"], ["validate", "default"], ["export", "default", "out"],
         ["generate", "configMap", "cm2", "--data", '{"a": "b"}'], ["prototype", "list"], ["upgrade"]]


def _corrupt(path: Path, how) -> None:
    raw = path.read_bytes() if path.is_file() else b""
    if how[0] == "truncate":
        raw = raw[:int(len(raw) * how[1])]
    elif how[0] == "insert":
        at = int(len(raw) * how[1])
        raw = raw[:at] + how[2] + raw[at:]
    else:
        raw = how[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)


@fuzz_settings(600)
@given(target=st.sampled_from(FILES), how=corruption, args=st.sampled_from(AFTER))
def test_corrupted_app_files_give_clean_errors(workspace, target, how, args):
    ws = workspace()
    _corrupt(ws.app / target, how)
    ws.run(args, allow_out=args[0] == "export")


def test_stray_non_utf8_names_in_the_app(workspace):
    ws = workspace()
    (ws.app / "components" / os.fsdecode(b"x\xff.jsonnet")).write_bytes(b"{}")
    (ws.app / "vendor" / os.fsdecode(b"d\xfe")).mkdir()
    for args in AFTER:
        ws.run(args, allow_out=args[0] == "export")


# ----------------------------------------------------------------------------- 3. sequences and round trips

KEYS = ["alpha", "beta", "gamma_1", "with-dash", "replicas"]

# (raw text typed, the value it must mean, extra flags)
typed_value = st.one_of(
    st.integers(-(2 ** 53), 2 ** 53).map(lambda n: (str(n), n, [])),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not math.isinf(f))
    .map(lambda f: (repr(f), f, [])),
    st.booleans().map(lambda b: ("true" if b else "false", b, [])),
    st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s).map(lambda s: (s, s, ["--as-string"])),
    st.text(alphabet="abcxyz-_/:. ", min_size=1, max_size=12)
    .filter(lambda s: s.strip() == s and s.lower() not in ("true", "false") and not s[0].isdigit()
            and not s.startswith(("-", ".")))
    .map(lambda s: (s, s, [])),
    st.sampled_from(["5\n", "-3\n", " 7", "1e5\n", "2.0 "]).map(lambda s: (s, s, [])),
    st.recursive(st.one_of(st.integers(-1000, 1000), st.text(max_size=5), st.booleans(), st.none()),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                 max_leaves=6).filter(lambda v: isinstance(v, (list, dict)))
    .map(lambda v: (json.dumps(v), v, [])),
)

operation = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(KEYS), typed_value, st.sampled_from([None, "default", "prod"])),
    st.tuples(st.just("unset"), st.sampled_from(KEYS), st.sampled_from([None, "default", "prod"])),
    st.tuples(st.just("env"), st.sampled_from(["add", "rm"]), st.sampled_from(["stage", "qa"])),
)


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)  # Jsonnet numbers are doubles: JSON "27021597764222950" is 2.702159776422295e16
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _shown_params(ws: Workspace, env: str) -> dict:
    res = ws.run(["show", env, "-o", "json"])
    assert res.code == 0, res
    items = [o for o in json.loads(res.out)["items"] if o["metadata"]["name"] == "cm"]
    return json.loads(items[0]["data"]["params"])


@fuzz_settings(100)
@given(ops=st.lists(operation, min_size=1, max_size=8))
def test_random_edit_sequences_round_trip_through_show(workspace, ops):
    ws = workspace()
    module = {"ns": "team", "replicas": 2, "image": "nginx:1.25"}
    overrides: dict[str, dict] = {"default": {}, "prod": {}}
    envs = {"default", "prod"}
    for op in ops:
        if op[0] == "set":
            _, key, (raw, meant, flags), env = op
            args = ["param", "set", "cm", key, raw, "--new", *flags] + (["--env", env] if env else [])
            res = ws.run(args)
            assert res.code == 0, res
            (overrides[env] if env else module)[key] = meant
        elif op[0] == "unset":
            _, key, env = op
            holder = overrides[env] if env else module
            res = ws.run(["param", "unset", "cm", key] + (["--env", env] if env else []))
            assert (res.code == 0) == (key in holder), res
            holder.pop(key, None)
        else:
            _, verb, name = op
            res = ws.run(["env", verb, name])
            assert (res.code == 0) == ((name not in envs) if verb == "add" else (name in envs)), res
            envs = envs | {name} if verb == "add" else envs - {name}
            if verb == "add":
                overrides[name] = {}
            else:
                overrides.pop(name, None)
        for env in ("default", "prod"):
            expected = {**module, **overrides[env]}
            shown = _shown_params(ws, env)
            assert _same(shown, expected), (env, shown, expected)


# ----------------------------------------------------------------------------- 4. real processes


@fuzz_settings(40)
@given(shape=st.sampled_from([("param", "set", "cm"), ("env", "add"), ("show",), ("init",), ("registry", "add"),
                              ("generate", "configMap")]),
       raw=st.lists(st.binary(min_size=1, max_size=8).filter(lambda b: b"\x00" not in b), min_size=1, max_size=3))
def test_raw_bytes_arguments_in_a_real_process(workspace, shape, raw):
    """argv as the operating system hands it over (any bytes but NUL), through the console entry point."""
    import subprocess
    import sys

    ws = workspace()
    before = tree_digest(ws.root)
    proc = subprocess.run([sys.executable, "-m", "kfctl", *shape, *raw], cwd=ws.app, capture_output=True,
                          timeout=120)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode != 70 and "Traceback" not in err, (shape, raw, err)
    if proc.returncode != 0:
        assert tree_digest(ws.root) == before, (shape, raw, err)
        assert err.startswith(("kfctl: error:", "Usage:", "Error:")), (shape, raw, err)
