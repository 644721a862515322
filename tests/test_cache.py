"""The render cache: hits skip evaluation, any input change misses, bad cache folders and entries are survivable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kfctl import cache
from kfctl.app import App
from kfctl.objects import dump_yaml
from kfctl.render import JsonnetOptions, render
from tests.test_gitops import write_app


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache-root"
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(root))
    monkeypatch.delenv("KFCTL_NO_CACHE", raising=False)
    return root


def entries(root: Path) -> list[Path]:
    folder = root / "render"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


@pytest.fixture
def no_engine(monkeypatch):
    """Make any jsonnet evaluation fail: a render that succeeds came from the cache."""
    from kfctl import engine

    def refuse(self, req, *, base=None):
        raise AssertionError("the engine ran; expected a cache hit")

    def arm():
        monkeypatch.setattr(engine.GoJsonnet, "evaluate", refuse)

    return arm


def show(app: Path, **kw) -> str:
    return dump_yaml(render(App.load(app), "default", **kw).objects)


def test_a_hit_skips_evaluation_and_gives_the_same_objects(new_app, cache_root, no_engine):
    app = write_app(new_app("ml"))
    first = show(app)
    assert len(entries(cache_root)) == 1
    no_engine()
    assert show(app) == first
    # Content-addressed: the same app checked out elsewhere (as Argo CD does each time) hits too.
    elsewhere = app.parent / "checkout-2"
    shutil.copytree(app, elsewhere)
    assert show(elsewhere) == first
    with pytest.raises(AssertionError, match="the engine ran"):
        show(app, cache=False)


MUTATIONS = {
    "component": lambda app: _edit(app / "components" / "widget.jsonnet", '"w1"', '"w2"'),
    "module params": lambda app: _edit(app / "components" / "params.libsonnet", "size: 3", "size: 4"),
    "env params": lambda app: _edit(app / "environments" / "default" / "params.libsonnet",
                                    "components +: {", 'components +: { widget +: {color: "blue"},'),
    "env main": lambda app: _edit(app / "environments" / "default" / "main.jsonnet",
                                  "base + {", 'base + { widget+: [{apiVersion: "v1", kind: "ConfigMap", '
                                              'metadata: {name: "extra"}}],'),
    "app.yaml namespace": lambda app: _edit(app / "app.yaml", "namespace: default", "namespace: other"),
    "lib file": lambda app: _edit(app / "lib" / "shared.libsonnet", "red", "blue"),
    "vendored package": lambda app: _edit(app / "vendor" / "acme" / "pkg" / "colors.libsonnet", "ml", "gpu"),
    "file outside the app": lambda app: _edit(app.parent / "shared" / "outside.libsonnet", "1.0", "9.9"),
    "new component": lambda app: (app / "components" / "more.jsonnet").write_text(
        '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "more"}}\n'),
}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _app_with_imports(new_app) -> Path:
    app = write_app(new_app("ml"))
    (app / "lib" / "shared.libsonnet").write_text('{color: "red"}\n')
    (app / "vendor" / "acme" / "pkg").mkdir(parents=True)
    (app / "vendor" / "acme" / "pkg" / "colors.libsonnet").write_text('{tier: "ml"}\n')
    (app.parent / "shared").mkdir(exist_ok=True)
    (app.parent / "shared" / "outside.libsonnet").write_text('{version: "1.0"}\n')
    comp = app / "components" / "kubeflow-core.jsonnet"
    comp.write_text(comp.read_text().replace(
        "local labels = {app: \"core\"} + params.labels;",
        "local labels = {app: \"core\", color: (import \"shared.libsonnet\").color,"
        " pkg: (import \"acme/pkg/colors.libsonnet\").tier,"
        " v: (import \"../../shared/outside.libsonnet\").version} + params.labels;"))
    return app


@pytest.mark.parametrize("what", sorted(MUTATIONS))
def test_any_input_change_is_a_miss_never_stale(new_app, cache_root, what):
    app = _app_with_imports(new_app)
    before = show(app)
    assert show(app) == before  # warm
    MUTATIONS[what](app)
    after = show(app)
    assert after != before, f"a change to the {what} did not change the render"
    assert after == show(app, cache=False)


def test_render_options_and_overrides_are_part_of_the_key(new_app, cache_root, tmp_path):
    app = write_app(new_app("ml"))
    (app / "components" / "opt.jsonnet").write_text(
        '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "opt"}, '
        'data: {v: std.extVar("flavour"), lib: (import "extra.libsonnet").x}}\n')
    jdir = tmp_path / "jdir"
    jdir.mkdir()
    (jdir / "extra.libsonnet").write_text('{x: "one"}\n')

    def cm(**kw):
        objs = render(App.load(app), "default", **kw).objects
        return next(o for o in objs if o["metadata"]["name"] == "opt")["data"], \
            next(o for o in objs if o["kind"] == "Widget")["spec"]["size"]

    opts = lambda flavour: JsonnetOptions(jpaths=[str(jdir)], ext_vars={"flavour": flavour})  # noqa: E731
    assert cm(options=opts("a")) == ({"v": "a", "lib": "one"}, 3)
    assert cm(options=opts("b")) == ({"v": "b", "lib": "one"}, 3)
    (jdir / "extra.libsonnet").write_text('{x: "two"}\n')
    assert cm(options=opts("b")) == ({"v": "b", "lib": "two"}, 3)
    assert cm(options=opts("b"), param_overrides={"widget": {"size": 9}}) == ({"v": "b", "lib": "two"}, 9)
    assert cm(options=opts("b")) == ({"v": "b", "lib": "two"}, 3)


def test_a_corrupt_entry_is_ignored_warned_once_and_rewritten(kfctl, new_app, cache_root):
    app = write_app(new_app("ml"))
    good = kfctl("show", "default", cwd=app)
    assert good.code == 0 and good.err == ""
    [entry] = entries(cache_root)
    raw = entry.read_bytes()
    entry.write_bytes(raw[:20])  # truncated, as after a crash of a non-atomic writer
    res = kfctl("show", "default", cwd=app)
    assert res.code == 0 and res.out == good.out
    assert res.err.count("warning: render cache: ignoring corrupt entry") == 1
    assert entry.read_bytes() == raw  # rewritten whole
    # A flipped byte that keeps the JSON valid is caught by the checksum.
    entry.write_bytes(raw.replace(b"core-config", b"core-confiG"))
    res = kfctl("show", "default", cwd=app)
    assert res.out == good.out and "checksum mismatch" in res.err


def test_an_unusable_cache_folder_is_skipped_with_one_warning(kfctl, new_app, tmp_path, monkeypatch):
    app = write_app(new_app("ml"))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    env = {"KFCTL_CACHE_DIR": str(blocker / "cache")}
    expected = kfctl("show", "default", "--no-cache", cwd=app, env=env).out
    res = kfctl("show", "default", cwd=app, env=env)
    assert res.code == 0 and res.out == expected
    warnings = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("kfctl: warning: render cache disabled: cannot write")
    # Once per process: the same problem is not repeated by a second render in this process.
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(blocker / "cache"))
    assert render(App.load(app), "default").warnings == []


def test_a_cache_folder_inside_the_app_is_refused(kfctl, new_app):
    app = write_app(new_app("ml"))
    res = kfctl("show", "default", cwd=app, env={"KFCTL_CACHE_DIR": str(app / ".cache")})
    assert res.code == 0
    assert "render cache disabled: its folder" in res.err and "is inside" in res.err
    assert not (app / ".cache").exists()


def test_no_cache_neither_reads_nor_writes(kfctl, new_app, cache_root):
    app = write_app(new_app("ml"))
    assert kfctl("show", "default", "--no-cache", cwd=app).code == 0
    assert entries(cache_root) == []
    assert kfctl("show", "default", cwd=app, env={"KFCTL_NO_CACHE": "1"}).code == 0
    assert entries(cache_root) == []


def test_concurrent_renders_share_one_complete_entry(new_app, tmp_path):
    app = write_app(new_app("ml"))
    env = {**os.environ, "KFCTL_CACHE_DIR": str(tmp_path / "shared-cache")}
    env.pop("KFCTL_NO_CACHE", None)
    procs = [subprocess.Popen([sys.executable, "-m", "kfctl", "show", "default"], cwd=app, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert len({o[0] for o in outs}) == 1 and all(o[1] == b"" for o in outs)
    folder = tmp_path / "shared-cache" / "render"
    assert [p.name for p in folder.iterdir() if not p.name.endswith(".json")] == []  # no temp files left
    [entry] = list(folder.iterdir())
    cache._decode(entry.read_bytes())  # complete and checksummed


def test_old_entries_are_pruned(tmp_path):
    folder = tmp_path / "render"
    folder.mkdir()
    for i in range(10):
        p = folder / f"{i:064x}.json"
        p.write_text("x")
        os.utime(p, ns=(i * 10**9, i * 10**9))
    (folder / "keep-me.txt").write_text("not an entry")
    cache._prune(folder, keep=4)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{i:064x}.json" for i in range(6, 10)] + ["keep-me.txt"])


def test_a_warm_show_imports_no_engine_and_no_render_code_it_does_not_run(new_app, cache_root, tmp_path):
    """A cache hit reads bytes: neither jsonnet engine, the params code nor the kubernetes client is loaded."""
    app = new_app()
    (app / "components" / "cm.jsonnet").write_text(
        '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm"}, data: {a: "1\\n2\\n"}}\n')
    env = {**os.environ, "KFCTL_CACHE_DIR": str(cache_root)}
    env.pop("KFCTL_NO_CACHE", None)
    env.pop("KFCTL_ENGINE", None)
    argv = [sys.executable, "-X", "importtime", "-m", "kfctl", "show", "default"]
    cold = subprocess.run(argv, cwd=app, env=env, capture_output=True, text=True, timeout=120)
    assert cold.returncode == 0, cold.stderr
    assert "_gojsonnet" in cold.stderr  # the cold render did evaluate
    warm = subprocess.run(argv, cwd=app, env=env, capture_output=True, text=True, timeout=120)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout and "  a: |\n    1\n    2\n" in warm.stdout
    imported = {line.split("|")[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time:")}
    for module in ("_gojsonnet", "rjsonnet", "kfctl.params", "kfctl.jsonnet_text", "kubernetes"):
        assert module not in imported, f"a warm show imported {module}"


def test_the_engine_build_is_part_of_the_key(new_app, cache_root, monkeypatch):
    app = App.load(new_app())
    env = app.environment("default")
    go = cache.render_key(app, env, None, JsonnetOptions(), None, "gojsonnet")
    assert go == cache.render_key(app, env, None, JsonnetOptions(), None, "gojsonnet")
    assert go != cache.render_key(app, env, None, JsonnetOptions(), None, "rjsonnet")
    real_stat = os.stat

    def newer_build(path, *a, **kw):
        st = real_stat(path, *a, **kw)
        if "_gojsonnet" in str(path):
            return os.stat_result(tuple(st), {"st_mtime_ns": st.st_mtime_ns + 1})  # reinstalled, same size
        return st

    monkeypatch.setattr(cache.os, "stat", newer_build)
    assert go != cache.render_key(app, env, None, JsonnetOptions(), None, "gojsonnet")


def test_a_cluster_command_render_leaves_yaml_to_show(new_app, kfctl, tmp_path, monkeypatch):
    """diff/apply never print YAML, so their render does not pay for it; a later show on the same entry
    prints the same bytes as a cold show and adds the text to the entry."""
    root = new_app()
    (root / "components" / "cm.jsonnet").write_text(
        "{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cm'}, data: {script: 'a\\nb\\n'}}\n")
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(tmp_path / "c"))
    cold = kfctl("show", "default", "--no-cache", cwd=root)
    render(App.load(root), "default", keep_yaml=False)
    [entry] = list(cache.cache_dir().glob("*.json"))
    assert cache._decode(entry.read_bytes())["yaml"] is None
    warm = kfctl("show", "default", cwd=root)
    assert warm.code == cold.code == 0 and warm.out == cold.out and "script: |" in warm.out, warm
    assert cache._decode(entry.read_bytes())["yaml"] == warm.out
