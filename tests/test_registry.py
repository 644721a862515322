"""Registries and packages: the built-in `kubeflow` registry, fs and git registries (local git repos,
no network), vendoring with dependencies, and clean failures that leave the app as it was."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, assert_clean_failure, tree_digest

LEGACY = REPO / "tests" / "data" / "legacy-registry-2018"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own git cache and git config (no user config, no network)."""
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(tmp_path / "cache"))
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = t\n\temail = t@example.invalid\n[init]\n\tdefaultBranch = main\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("KFCTL_OFFLINE", raising=False)


def app_yaml(root: Path) -> dict:
    return yaml.safe_load((root / "app.yaml").read_text())


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_registry(root: Path, packages: dict[str, dict[str, str]], *, parts: dict[str, dict] | None = None,
                  libraries: dict | None = None) -> Path:
    """A ksonnet registry folder: packages = {pkg: {relative file: text}}."""
    root.mkdir(parents=True, exist_ok=True)
    libs = libraries if libraries is not None else {p: {"path": p, "version": "1.0.0"} for p in packages}
    (root / "registry.yaml").write_text(yaml.safe_dump(
        {"apiVersion": "0.2.0", "kind": "ksonnet.io/registry", "libraries": libs}))
    for pkg, files in packages.items():
        (root / pkg).mkdir(parents=True, exist_ok=True)
        part = {"apiVersion": "0.0.1", "kind": "ksonnet.io/parts", "name": pkg, "description": f"the {pkg} package"}
        part.update((parts or {}).get(pkg, {}))
        (root / pkg / "parts.yaml").write_text(yaml.safe_dump(part))
        for rel, text in files.items():
            (root / pkg / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / pkg / rel).write_text(text)
    return root


def cm_prototype(name: str, lib: str | None = None) -> str:
    """A prototype emitting a ConfigMap, optionally using a library of another package."""
    body = (f'local lib = import "{lib}";\n{{apiVersion: "v1", kind: "ConfigMap", metadata: {{name: params.name}}, '
            f'data: {{v: lib.value}}}}\n') if lib else (
        '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: params.name}, data: {v: import \'param://value\'}}\n')
    return (f"// @apiVersion 0.1\n// @name io.ksonnet.pkg.{name}\n// @description A ConfigMap.\n"
            f"// @shortDescription A ConfigMap.\n// @param name string Name\n"
            f"// @optionalParam value string hello Its value\n{body}")


SIMPLE = {
    "base": {"base.libsonnet": "{ value: 'from-base' }\n", "prototypes/base.jsonnet": cm_prototype("base")},
    "app": {"prototypes/app.jsonnet": cm_prototype("app-cm", "myreg/base/base.libsonnet")},
}


def git_repo(path: Path, registry_subdir: str = "reg", packages=None) -> Path:
    make_registry(path / registry_subdir, packages or SIMPLE)
    git(path, "init", "-q")
    git(path, "add", ".")
    git(path, "commit", "-qm", "one")
    git(path, "tag", "v1")
    return path


# ----------------------------------------------------------------------------------- built-in


def test_new_app_knows_the_builtin_registry(new_app, kfctl):
    root = new_app()
    assert app_yaml(root)["registries"] == {"kubeflow": {"protocol": "builtin", "uri": "kfctl:builtin"}}
    res = kfctl("registry", "list", cwd=root)
    assert res.code == 0, res
    assert "kubeflow" in res.out and "builtin" in res.out
    res = kfctl("registry", "describe", "kubeflow", cwd=root)
    assert res.code == 0, res
    assert "core" in res.out and "tf-job" in res.out


def test_install_builtin_core_at_a_version_vendors_that_version_and_its_dependencies(new_app, kfctl):
    root = new_app()
    res = kfctl("pkg", "install", "kubeflow/core@v0.1.2", cwd=root)
    assert res.code == 0, res
    assert "note:" not in res.err, res
    libs = app_yaml(root)["libraries"]
    # core imports kubeflow/common and kubeflow/tf-job: they are vendored and recorded too, same version.
    for pkg in ("core", "common", "tf-job"):
        assert libs[f"kubeflow/{pkg}"] == {"name": pkg, "registry": "kubeflow", "version": "v0.1.2"}
        assert (root / "vendor" / "kubeflow" / f"{pkg}@v0.1.2" / "parts.yaml").is_file()
    assert not (root / ".kfctl").exists(), "staging folder left behind"
    # Same version again: nothing to do.
    before = tree_digest(root)
    res = kfctl("pkg", "install", "kubeflow/core@v0.1.2", cwd=root)
    assert res.code == 0 and "already installed" in res.err, res
    assert tree_digest(root) == before


def test_installed_package_works_offline_without_its_registry(new_app, kfctl):
    root = new_app()
    assert kfctl("pkg", "install", "kubeflow/core", cwd=root).code == 0
    assert kfctl("registry", "rm", "kubeflow", cwd=root).code == 0
    res = kfctl("generate", "core", "kubeflow-core", cwd=root)
    assert res.code == 0, res
    res = kfctl("show", "default", cwd=root)
    assert res.code == 0, res
    docs = [d for d in yaml.safe_load_all(res.out) if d]
    assert any(d["kind"] == "Service" and d["metadata"]["name"] == "tf-hub-lb" for d in docs)


def test_pkg_list_and_describe(new_app, kfctl):
    root = new_app()
    assert kfctl("pkg", "install", "kubeflow/tf-job", cwd=root).code == 0
    res = kfctl("pkg", "list", cwd=root)
    assert res.code == 0, res
    rows = {tuple(line.split()[:2]): line for line in res.out.splitlines()[2:]}
    assert "*" in rows[("kubeflow", "tf-job")]
    assert "*" not in rows[("kubeflow", "seldon")]
    res = kfctl("pkg", "list", "--installed", "-o", "json", cwd=root)
    names = {d["name"] for d in yaml.safe_load(res.out)["data"]}
    assert "tf-job" in names and "seldon" not in names
    res = kfctl("pkg", "describe", "kubeflow/tf-job", cwd=root)
    assert res.code == 0, res
    assert "io.ksonnet.pkg.tf-job" in res.out and "io.ksonnet.pkg.tf-cnn" in res.out
    assert "kubeflow/common" in res.out  # a dependency it imports


def test_pkg_remove_refuses_while_needed(new_app, kfctl):
    root = new_app()
    assert kfctl("pkg", "install", "kubeflow/core", cwd=root).code == 0
    before = tree_digest(root)
    res = kfctl("pkg", "remove", "kubeflow/common", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="kubeflow/core")
    res = kfctl("pkg", "remove", "kubeflow/core", cwd=root)
    assert res.code == 0, res
    assert not list((root / "vendor" / "kubeflow").glob("core*"))
    assert "kubeflow/core" not in app_yaml(root)["libraries"]
    assert list((root / "vendor" / "kubeflow").glob("common@*"))
    res = kfctl("pkg", "remove", "kubeflow/core", cwd=root)
    assert_clean_failure(res, contains="not installed")


# ----------------------------------------------------------------------------------- registry add rules


def test_add_same_name_other_source_fails_naming_both(new_app, kfctl, tmp_path):
    root = new_app()
    reg = make_registry(tmp_path / "other", SIMPLE)
    before = tree_digest(root)
    res = kfctl("registry", "add", "kubeflow", str(reg), cwd=root)
    assert_clean_failure(res, before=before, root=root)
    line = res.err.splitlines()[0]
    assert "kfctl:builtin" in line and str(reg) in line
    assert "registry rm kubeflow" in line and "registry set kubeflow --uri" in line


def test_add_same_source_is_a_no_op(new_app, kfctl, tmp_path):
    root = new_app()
    reg = make_registry(tmp_path / "myreg", SIMPLE)
    assert kfctl("registry", "add", "myreg", str(reg), cwd=root).code == 0
    before = tree_digest(root)
    for uri in (str(reg), f"file://{reg}", "../myreg"):
        res = kfctl("registry", "add", "myreg", uri, cwd=root)
        assert res.code == 0 and "nothing to do" in res.err, res
    res = kfctl("registry", "add", "kubeflow", "kfctl:builtin", cwd=root)
    assert res.code == 0 and "nothing to do" in res.err, res
    assert tree_digest(root) == before


def test_replace_builtin_kubeflow_registry(new_app, kfctl, tmp_path):
    root = new_app()
    reg = make_registry(tmp_path / "kf", {"base": SIMPLE["base"]})
    assert kfctl("registry", "rm", "kubeflow", cwd=root).code == 0
    res = kfctl("registry", "add", "kubeflow", str(reg), cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["registries"]["kubeflow"] == {"protocol": "fs", "uri": str(reg)}
    res = kfctl("registry", "set", "kubeflow", "--uri", "kfctl:builtin", cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["registries"]["kubeflow"]["protocol"] == "builtin"


def test_fs_registry_install_records_no_version_and_resolves_imports(new_app, kfctl, tmp_path):
    root = new_app()
    reg = make_registry(tmp_path / "myreg", SIMPLE)
    assert kfctl("registry", "add", "myreg", str(reg), cwd=root).code == 0
    res = kfctl("pkg", "install", "myreg/app", cwd=root)
    assert res.code == 0, res
    libs = app_yaml(root)["libraries"]
    assert libs["myreg/app"] == {"name": "app", "registry": "myreg"}
    assert libs["myreg/base"] == {"name": "base", "registry": "myreg"}  # imported -> vendored
    assert kfctl("generate", "app-cm", "x", cwd=root).code == 0
    res = kfctl("show", "default", cwd=root)
    assert res.code == 0, res
    assert "v: from-base" in res.out


def test_parts_yaml_dependencies_are_installed(new_app, kfctl, tmp_path):
    root = new_app()
    pkgs = {"a": {"prototypes/a.jsonnet": cm_prototype("a")}, "b": {"x.libsonnet": "{}\n"}}
    reg = make_registry(tmp_path / "r", pkgs, parts={"a": {"dependencies": ["b"]}})
    assert kfctl("registry", "add", "r", str(reg), cwd=root).code == 0
    assert kfctl("pkg", "install", "r/a", cwd=root).code == 0
    assert (root / "vendor" / "r" / "b" / "x.libsonnet").is_file()


@pytest.mark.parametrize("case", ["escape-path", "corrupt-registry", "no-registry", "corrupt-parts",
                                  "bad-prototype", "missing-dependency", "symlink-out"])
def test_bad_registries_fail_cleanly(new_app, kfctl, tmp_path, case):
    root = new_app()
    reg = tmp_path / "bad"
    pkgs = {"p": {"prototypes/p.jsonnet": cm_prototype("p")}}
    if case == "escape-path":
        make_registry(reg, pkgs, libraries={"p": {"path": "../outside", "version": "1"}})
    elif case == "corrupt-registry":
        make_registry(reg, pkgs)
        (reg / "registry.yaml").write_text("libraries: [unclosed\n")
    elif case == "no-registry":
        reg.mkdir()
    elif case == "corrupt-parts":
        make_registry(reg, pkgs)
        (reg / "p" / "parts.yaml").write_text('{"name": "p", ')
    elif case == "bad-prototype":
        make_registry(reg, pkgs)
        (reg / "p" / "prototypes" / "p.jsonnet").write_text("// @name io.ksonnet.pkg.p\n// @bogus x\n{}\n")
    elif case == "missing-dependency":
        make_registry(reg, pkgs, parts={"p": {"dependencies": ["nope"]}})
    elif case == "symlink-out":
        make_registry(reg, pkgs)
        secret = tmp_path / "secret.txt"
        secret.write_text("do not copy")
        (reg / "p" / "leak.libsonnet").symlink_to(secret)
    before = tree_digest(root)
    res = kfctl("registry", "add", "bad", str(reg), cwd=root)
    if case in ("escape-path", "corrupt-registry", "no-registry"):
        assert_clean_failure(res, before=before, root=root)
        return
    assert res.code == 0, res
    before = tree_digest(root)
    res = kfctl("pkg", "install", "bad/p", cwd=root)
    assert_clean_failure(res, before=before, root=root)
    assert not (root / "vendor" / "bad").exists()
    assert not (root / ".kfctl").exists()


def test_unknown_registry_and_package(new_app, kfctl):
    root = new_app()
    before = tree_digest(root)
    assert_clean_failure(kfctl("pkg", "install", "nope/core", cwd=root), before=before, root=root,
                         contains="unknown registry")
    assert_clean_failure(kfctl("pkg", "install", "kubeflow/nope", cwd=root), before=before, root=root,
                         contains="no package 'nope'")


# ----------------------------------------------------------------------------------- git


def test_git_registry_pins_commit_and_installs_by_ref(new_app, kfctl, tmp_path):
    repo = git_repo(tmp_path / "repo")
    first = git(repo, "rev-parse", "HEAD")
    root = new_app()
    uri = f"git+file://{repo}/tree/main/reg"
    res = kfctl("registry", "add", "myreg", uri, cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["registries"]["myreg"] == {"protocol": "git", "uri": uri}
    pin = yaml.safe_load((root / ".ksonnet" / "registries" / "myreg" / "registry.yaml").read_text())
    assert pin["version"] == first
    # A new commit upstream does not move the app until `registry update`.
    (repo / "reg" / "base" / "base.libsonnet").write_text("{ value: 'second' }\n")
    git(repo, "commit", "-qam", "two")
    second = git(repo, "rev-parse", "HEAD")
    assert kfctl("pkg", "install", "myreg/app", cwd=root).code == 0
    libs = app_yaml(root)["libraries"]
    assert libs["myreg/app"]["version"] == first and libs["myreg/base"]["version"] == first
    assert "from-base" in (root / "vendor" / "myreg" / "base" / "base.libsonnet").read_text()
    res = kfctl("registry", "update", "myreg", cwd=root)
    assert res.code == 0 and second[:12] in res.err, res
    res = kfctl("pkg", "install", "myreg/base", "--force", cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["libraries"]["myreg/base"]["version"] == second
    assert "second" in (root / "vendor" / "myreg" / "base" / "base.libsonnet").read_text()
    # An explicit tag installs that commit.
    res = kfctl("pkg", "install", "myreg/base@v1", "--force", cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["libraries"]["myreg/base"]["version"] == first
    # The cache is laid out by commit under KFCTL_CACHE_DIR.
    trees = list((tmp_path / "cache" / "git" / "trees").glob(f"*/{first}-*"))
    assert trees and (trees[0] / "reg" / "registry.yaml").is_file()


def test_git_registry_is_usable_from_cache_offline(new_app, kfctl, tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    root = new_app()
    assert kfctl("registry", "add", "myreg", f"git+file://{repo}/tree/v1/reg", cwd=root).code == 0
    shutil.rmtree(repo)  # the remote is gone: the pinned commit comes from the cache
    res = kfctl("pkg", "install", "myreg/app", cwd=root)
    assert res.code == 0, res
    res = kfctl("registry", "update", "myreg", cwd=root)
    assert_clean_failure(res, contains="cannot reach")


def test_github_location_through_git(new_app, kfctl, tmp_path, monkeypatch):
    """github.com/ORG/REPO/tree/REF/PATH is fetched with git (redirected to a local repo here)."""
    git_repo(tmp_path / "mirror" / "kubeflow" / "kubeflow.git", registry_subdir="kubeflow")
    cfg = Path(str(tmp_path / "gitconfig"))
    cfg.write_text(cfg.read_text() + f'[url "file://{tmp_path}/mirror/"]\n\tinsteadOf = https://github.com/\n')
    root = new_app()
    res = kfctl("registry", "add", "gh", "github.com/kubeflow/kubeflow/tree/v1/kubeflow", cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["registries"]["gh"]["protocol"] == "github"
    assert kfctl("pkg", "install", "gh/base", cwd=root).code == 0


def test_github_offline_fails_in_one_line(new_app, kfctl, tmp_path, monkeypatch):
    cfg = tmp_path / "gitconfig"
    cfg.write_text(cfg.read_text() + '[url "http://127.0.0.1:9/"]\n\tinsteadOf = https://github.com/\n')
    root = new_app()
    before = tree_digest(root)
    res = kfctl("registry", "add", "gh", "github.com/kubeflow/kubeflow/tree/v0.1.2/kubeflow", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="cannot reach https://github.com/kubeflow/kubeflow")
    assert len([ln for ln in res.err.splitlines() if ln.strip()]) == 1
    monkeypatch.setenv("KFCTL_OFFLINE", "1")
    res = kfctl("registry", "add", "gh", "github.com/kubeflow/kubeflow/tree/v0.1.2/kubeflow", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="offline")


def test_git_bad_ref_and_unreachable_remote(new_app, kfctl, tmp_path):
    repo = git_repo(tmp_path / "repo")
    root = new_app()
    before = tree_digest(root)
    res = kfctl("registry", "add", "r", f"git+file://{repo}/tree/nope/reg", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="'nope' does not exist")
    res = kfctl("registry", "add", "r", f"git+file://{tmp_path}/missing.git/tree/main/reg", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="cannot reach")
    res = kfctl("registry", "add", "r", f"git+file://{repo}/tree/main/not-there", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="not-there")
    assert kfctl("registry", "add", "r", f"git+file://{repo}/tree/main/reg", cwd=root).code == 0
    before = tree_digest(root)
    res = kfctl("pkg", "install", "r/base@no-such-tag", cwd=root)
    assert_clean_failure(res, before=before, root=root, contains="'no-such-tag' does not exist")


def test_git_ref_with_slash_and_sha(new_app, kfctl, tmp_path):
    repo = git_repo(tmp_path / "repo")
    git(repo, "checkout", "-qb", "release/1.0")
    (repo / "reg" / "base" / "base.libsonnet").write_text("{ value: 'release' }\n")
    git(repo, "commit", "-qam", "rel")
    sha = git(repo, "rev-parse", "HEAD")
    root = new_app()
    assert kfctl("registry", "add", "r", f"git+file://{repo}/tree/release/1.0/reg", cwd=root).code == 0
    assert kfctl("pkg", "install", "r/base", cwd=root).code == 0
    assert app_yaml(root)["libraries"]["r/base"]["version"] == sha
    res = kfctl("pkg", "install", f"r/base@{sha[:10]}", "--force", cwd=root)
    assert res.code == 0, res
    assert app_yaml(root)["libraries"]["r/base"]["version"] == sha


def test_git_archive_paths_cannot_escape(tmp_path):
    import io
    import tarfile

    from kfctl.errors import UnsafePath
    from kfctl.registry import _extract_tar

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"x"
        info = tarfile.TarInfo("../evil.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(UnsafePath):
        _extract_tar(buf.getvalue(), tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_source_detection(tmp_path):
    from kfctl.registry import parse_source

    s = parse_source("github.com/kubeflow/kubeflow/tree/v0.1.2/kubeflow")
    assert (s.protocol, s.url, s.tree) == ("github", "https://github.com/kubeflow/kubeflow.git", "v0.1.2/kubeflow")
    s = parse_source("https://github.com/kubeflow/kubeflow")
    assert (s.protocol, s.tree) == ("github", None)
    s = parse_source("https://gitlab.example.com/a/b.git/tree/main/reg")
    assert (s.protocol, s.url, s.tree) == ("git", "https://gitlab.example.com/a/b.git", "main/reg")
    s = parse_source("git@host.example:a/b.git/tree/v1/x")
    assert (s.protocol, s.url, s.tree) == ("git", "git@host.example:a/b.git", "v1/x")
    s = parse_source("./reg", base=tmp_path)
    assert s.protocol == "fs" and s.local == (tmp_path / "reg").resolve()
    assert parse_source("kfctl:builtin").protocol == "builtin"


def test_cache_dir_defaults(monkeypatch, tmp_path):
    from kfctl.registry import cache_root

    monkeypatch.delenv("KFCTL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "kfctl"
    monkeypatch.setenv("KFCTL_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


# ----------------------------------------------------------------------------------- 2018 registry


@pytest.mark.skipif(not (LEGACY / "registry.yaml").is_file(), reason="legacy 2018 fixture not present")
def test_legacy_2018_registry_installs_and_renders(new_app, kfctl):
    root = new_app()
    assert kfctl("registry", "rm", "kubeflow", cwd=root).code == 0
    res = kfctl("registry", "add", "kubeflow", str(LEGACY), cwd=root)
    assert res.code == 0, res
    for pkg in ("core", "tf-job", "seldon"):
        res = kfctl("pkg", "install", f"kubeflow/{pkg}", cwd=root)
        assert res.code == 0, res
    assert kfctl("generate", "core", "kubeflow-core", cwd=root).code == 0
    params = (root / "components" / "params.libsonnet").read_text()
    assert 'namespace: "null"' in params and 'name: "kubeflow-core"' in params
    assert kfctl("param", "set", "kubeflow-core", "reportUsage", "true", cwd=root).code == 0
    assert kfctl("generate", "tf-job", "myjob", "--image=gcr.io/x/y:1", cwd=root).code == 0
    assert kfctl("generate", "io.ksonnet.pkg.seldon", "seldon", cwd=root).code == 0
    res = kfctl("show", "default", cwd=root)
    assert res.code == 0, res
    docs = [d for d in yaml.safe_load_all(res.out) if d]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("CustomResourceDefinition", "tfjobs.kubeflow.org") in kinds
    assert ("Deployment", "spartakus-volunteer") in kinds
    job = next(d for d in docs if d["metadata"]["name"] == "myjob")
    assert job["kind"] == "TFJob"
    assert "gcr.io/x/y:1" in yaml.safe_dump(job)
    labels = {d["metadata"]["labels"]["ksonnet.io/component"] for d in docs}
    assert labels == {"kubeflow-core", "myjob", "seldon"}


def test_every_builtin_package_installs_with_parseable_prototypes(new_app, kfctl):
    from kfctl.app import App
    from kfctl.prototype import catalog
    from kfctl.registry import imported_packages

    root = new_app()
    declared = yaml.safe_load((REPO / "registry" / "registry.yaml").read_text())["libraries"]
    for pkg in sorted(declared):
        res = kfctl("pkg", "install", f"kubeflow/{pkg}", cwd=root)
        assert res.code == 0, res
    installed = app_yaml(root)["libraries"]
    assert sorted(installed) == sorted(f"kubeflow/{p}" for p in declared)
    cat = catalog(App.load(root))
    assert cat.problems == []
    for pkg in declared:
        # Everything a package imports from the registry was vendored with it.
        version = declared[pkg]["version"]
        for dep in imported_packages(root / "vendor" / "kubeflow" / f"{pkg}@{version}", "kubeflow"):
            assert (root / "vendor" / "kubeflow" / f"{dep}@{version}").is_dir(), (pkg, dep)
    assert len([p for p in cat.prototypes if p.package]) >= len([p for p in declared if p != "common"])
