"""Registries and packages: where prototypes and libraries come from, and vendoring them into an app.

A registry is a folder in ksonnet's format: ``registry.yaml`` (``libraries: {pkg: {path, version}}``)
and one folder per package with ``parts.yaml``, ``prototypes/*.jsonnet`` and ``*.libsonnet`` files.
Its name in the app is the import prefix of its packages: a package ``core`` of registry ``kubeflow``
is vendored at ``vendor/kubeflow/core/`` and imported as ``"kubeflow/core/<file>"``.

Kinds (``protocol`` in app.yaml):

* ``builtin`` — the ``kubeflow`` registry shipped inside kfctl (``kfctl/_registry`` in a wheel, the
  repository's ``registry/`` in a checkout). Version recorded on install: the package's version in
  ``registry.yaml``.
* ``fs`` — a local folder (``/abs``, ``./rel`` against the app root, ``~/x``, ``file://...``). No version
  is recorded on install, as in ks: the folder's content is whatever it is today.
* ``github`` / ``git`` — a folder of a git repository at a ref: ``github.com/ORG/REPO[/tree/REF[/PATH]]``,
  or any git URL ending in ``.git`` (or prefixed ``git+``) followed by ``/tree/REF[/PATH]``. Fetched
  with the ``git`` program. The ref is resolved to a commit when the registry is added (or updated,
  ``kfctl registry update``) and pinned in ``.ksonnet/registries/<name>/registry.yaml`` (app-local,
  git-ignored); installs record the commit sha. ``pkg install REG/PKG@REF`` installs from any ref.

Git cache: ``$KFCTL_CACHE_DIR`` (default ``$XDG_CACHE_HOME/kfctl`` or ``~/.cache/kfctl``) holds
``git/repos/<key>`` (one bare repository per URL) and ``git/trees/<key>/<commit>-<pathkey>/`` (the
registry folder extracted at that commit, never changed once written). ``KFCTL_OFFLINE=1`` refuses
every remote fetch; ``GITHUB_TOKEN`` is sent to github.com (through git's environment, not argv).

Dependencies: installing a package also vendors the packages of the same registry it needs: those
listed in ``dependencies: [pkg, ...]`` of its ``parts.yaml`` and those its jsonnet files import as
``"<registry>/<pkg>/..."``. Dependencies already installed are kept as they are.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .app import APP_FILE, REGISTRY_PROTOCOLS, load_yaml_file
from .errors import PackageNotFound, RegistryError, UnsafePath
from .files import atomic_write, safe_join

BUILTIN_URI = "kfctl:builtin"
BUILTIN_NAME = "kubeflow"
BUILTIN_REGISTRY_ENTRY = {BUILTIN_NAME: {"protocol": "builtin", "uri": BUILTIN_URI}}

REGISTRY_FILE = "registry.yaml"
PARTS_FILE = "parts.yaml"
PIN_DIR = ".ksonnet/registries"
STAGING_DIR = ".kfctl"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DESCRIPTOR = re.compile(r"^(?:([A-Za-z0-9][A-Za-z0-9_-]*)/)?([^@/\s]+)(?:@([^@\s]+))?$")
_IMPORT = re.compile(r"""\bimport(?:str|bin)?\s*(['"])([^'"\n]+)\1""")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Source:
    """Where a registry lives, parsed from its URI."""

    protocol: str  # builtin | fs | github | git
    uri: str  # as recorded in app.yaml
    url: str | None = None  # git: the repository URL
    tree: str | None = None  # git: "REF[/PATH]" after /tree/ (split against the remote's refs later)
    local: Path | None = None  # fs: the folder

    def identity(self) -> tuple:
        if self.protocol == "fs":
            return ("fs", str(self.local))
        if self.protocol in ("git", "github"):
            return ("git", self.url, (self.tree or "").strip("/"))
        return (self.protocol, self.uri)

    def describe(self) -> str:
        return f"{self.uri} ({self.protocol})"


def _strip_git_suffix(url: str) -> str:
    return url[:-4] if url.endswith(".git") else url


def parse_source(uri: str, base: Path | None = None, protocol: str | None = None) -> Source:
    """Detect the registry kind from ``uri`` (``protocol`` from app.yaml wins when given)."""
    uri = str(uri).strip()
    if not uri:
        raise RegistryError("the registry URI is empty")
    if protocol == "builtin" or uri == BUILTIN_URI:
        return Source("builtin", BUILTIN_URI)
    if protocol == "helm":
        raise RegistryError(f"helm registries are not supported ({uri})")
    gh = re.match(r"^(?:https?://)?(?:www\.)?github\.com/([^/]+)/([^/]+?)(?:\.git)?(?:/(tree|blob)/(.+?))?/*$", uri)
    if gh and protocol in (None, "github", "git"):
        org, repo, kind, rest = gh.groups()
        if kind == "blob":
            rest = re.sub(r"/?registry\.yaml$", "", rest or "")
        return Source("github", uri, url=f"https://github.com/{org}/{repo}.git", tree=rest or None)
    forced_git = uri.startswith("git+")
    raw = uri[4:] if forced_git else uri
    m = re.match(r"^(.*?\.git)(?:/(?:-/)?tree/(.+?))?/*$", raw)
    local_repo = bool(m and m.group(2) and raw.startswith(("/", ".", "~")) and not Path(os.path.expanduser(raw)).is_dir())
    if (forced_git or protocol in ("git", "github") or local_repo
            or (m and re.match(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:", raw))):
        if "/tree/" in raw:
            url, _, rest = raw.partition("/tree/")
            url = url[:-2] if url.endswith("/-") else url
        elif m:
            url, rest = m.group(1), m.group(2)
        else:
            url, rest = raw, None
        return Source("git", uri, url=url, tree=(rest or "").strip("/") or None)
    if protocol not in (None, "fs"):
        raise RegistryError(f"unknown registry protocol {protocol!r} for {uri} "
                            f"(known: {', '.join(REGISTRY_PROTOCOLS)})")
    path = raw[len("file://"):] if raw.startswith("file://") else raw
    if re.match(r"^[a-z][a-z0-9+.-]*://", path):
        raise RegistryError(f"cannot tell what kind of registry {uri} is: use a folder, github.com/ORG/REPO/tree/REF/PATH, "
                            "or a git URL ending in .git (or starting with git+)")
    p = Path(os.path.expanduser(path))
    if not p.is_absolute():
        p = (base or Path.cwd()) / p
    return Source("fs", uri, local=Path(os.path.realpath(p)))


def builtin_root() -> Path:
    """The built-in registry folder: ``kfctl/_registry`` when installed, else the checkout's ``registry/``."""
    import kfctl

    pkg = Path(kfctl.__file__).resolve().parent
    for cand in (pkg / "_registry", pkg.parent / "registry"):
        if (cand / REGISTRY_FILE).is_file():
            return cand
    raise RegistryError("the built-in registry is missing from this kfctl installation "
                        f"(looked in {pkg / '_registry'} and {pkg.parent / 'registry'})")


# --------------------------------------------------------------------------- git


def cache_root() -> Path:
    if os.environ.get("KFCTL_CACHE_DIR"):
        return Path(os.environ["KFCTL_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "kfctl"


def _is_remote(url: str) -> bool:
    return not (url.startswith("file://") or url.startswith("/") or url.startswith("."))


class GitRepo:
    """A cached bare clone of one repository URL, used through the ``git`` program."""

    def __init__(self, url: str):
        self.url = url
        key = hashlib.sha256(url.encode()).hexdigest()[:16]
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", _strip_git_suffix(url).rstrip("/").rsplit("/", 1)[-1])[:40]
        self.key = f"{slug}-{key}"
        self.dir = cache_root() / "git" / "repos" / self.key
        self._refs: dict[str, str] | None = None

    def _env(self) -> dict:
        env = dict(os.environ)
        env["GIT_TERMINAL_PROMPT"] = "0"
        env.setdefault("GIT_ASKPASS", "true")
        token = os.environ.get("GITHUB_TOKEN")
        if token and "github.com" in self.url:
            n = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
            auth = base64.b64encode(f"x-access-token:{token}".encode()).decode()
            env[f"GIT_CONFIG_KEY_{n}"] = "http.https://github.com/.extraheader"
            env[f"GIT_CONFIG_VALUE_{n}"] = f"AUTHORIZATION: basic {auth}"
            env["GIT_CONFIG_COUNT"] = str(n + 1)
        return env

    def _git(self, *args: str, network: bool = False, binary: bool = False) -> subprocess.CompletedProcess:
        if shutil.which("git") is None:
            raise RegistryError("the 'git' program is needed for git registries and was not found on PATH")
        if network and os.environ.get("KFCTL_OFFLINE") and _is_remote(self.url):
            raise RegistryError(f"cannot reach {self.url}: offline (KFCTL_OFFLINE is set)")
        timeout = float(os.environ.get("KFCTL_GIT_TIMEOUT", "120"))
        try:
            return subprocess.run(["git", *args], capture_output=True, env=self._env(), timeout=timeout,
                                  text=not binary, check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise RegistryError(f"git {args[0]} of {self.url} timed out after {timeout:.0f}s") from None

    @staticmethod
    def _why(proc: subprocess.CompletedProcess) -> str:
        err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode("utf-8", "replace")
        lines = [ln.strip() for ln in err.splitlines() if ln.strip() and not ln.startswith("hint:")]
        fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        return (fatal or lines or [f"git exited with {proc.returncode}"])[0]

    def _init(self) -> None:
        if (self.dir / "HEAD").is_file():
            return
        self.dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.key}.", dir=self.dir.parent))
        proc = self._git("init", "-q", "--bare", str(tmp))
        if proc.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise RegistryError(f"cannot create the git cache in {self.dir}: {self._why(proc)}")
        try:
            os.replace(tmp, self.dir)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process made it first
            if not (self.dir / "HEAD").is_file():
                raise

    def remote_refs(self) -> dict[str, str]:
        """{"HEAD": sha, "refs/heads/main": sha, "refs/tags/v1": sha (peeled)} from the remote."""
        if self._refs is None:
            proc = self._git("ls-remote", self.url, network=True)
            if proc.returncode != 0:
                raise RegistryError(f"cannot reach {self.url}: {self._why(proc)}")
            refs: dict[str, str] = {}
            peeled: dict[str, str] = {}
            for line in proc.stdout.splitlines():
                sha, _, ref = line.partition("\t")
                if ref.endswith("^{}"):
                    peeled[ref[:-3]] = sha
                elif ref:
                    refs[ref] = sha
            refs.update(peeled)
            self._refs = refs
        return self._refs

    def split_tree(self, tree: str | None) -> tuple[str | None, str]:
        """``REF/PATH`` -> (ref, path), choosing the longest leading part that names a branch or tag."""
        if not tree:
            return None, ""
        segs = tree.strip("/").split("/")
        refs = self.remote_refs()
        for i in range(len(segs), 0, -1):
            cand = "/".join(segs[:i])
            if f"refs/heads/{cand}" in refs or f"refs/tags/{cand}" in refs:
                return cand, "/".join(segs[i:])
        return segs[0], "/".join(segs[1:])

    def has_commit(self, sha: str) -> bool:
        if not (self.dir / "HEAD").is_file():
            return False
        proc = self._git("--git-dir", str(self.dir), "cat-file", "-e", f"{sha}^{{commit}}")
        return proc.returncode == 0

    def resolve(self, ref: str | None) -> str:
        """Fetch ``ref`` (branch, tag, commit; None = the remote's HEAD) and return its commit sha."""
        if ref and re.fullmatch(r"[0-9a-f]{40}", ref) and self.has_commit(ref):
            return ref
        refs = self.remote_refs()
        self._init()
        if ref is None:
            sha = refs.get("HEAD")
            if sha is None:
                raise RegistryError(f"{self.url} has no default branch (HEAD); name a ref: .../tree/REF/PATH")
            wanted = "HEAD"
        else:
            wanted, sha = None, None
            for full in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref if ref.startswith("refs/") else None):
                if full and full in refs:
                    wanted, sha = full, refs[full]
                    break
        if wanted is None:
            if ref and _SHA.match(ref):
                return self._fetch_commit(ref)
            heads = sorted(r.split("/", 2)[2] for r in refs if r.startswith(("refs/heads/", "refs/tags/")))
            shown = ", ".join(heads[:12]) + (", ..." if len(heads) > 12 else "")
            raise RegistryError(f"git ref {ref!r} does not exist in {self.url} (branches and tags: {shown or 'none'})")
        if not self.has_commit(sha):
            proc = self._git("--git-dir", str(self.dir), "fetch", "-q", "--no-tags", "--depth=1", self.url,
                             f"+{wanted}:refs/kfctl/{sha}", network=True)
            if proc.returncode != 0 or not self.has_commit(sha):
                raise RegistryError(f"cannot fetch {ref or 'HEAD'} of {self.url}: {self._why(proc)}")
        return sha

    def _fetch_commit(self, sha: str) -> str:
        for args in (["--depth=1", self.url, f"+{sha}:refs/kfctl/fetched"],
                     [self.url, "+refs/heads/*:refs/kfctl/heads/*", "+refs/tags/*:refs/kfctl/tags/*"]):
            self._git("--git-dir", str(self.dir), "fetch", "-q", "--no-tags", *args, network=True)
            proc = self._git("--git-dir", str(self.dir), "rev-parse", "--verify", "-q", f"{sha}^{{commit}}")
            if proc.returncode == 0:
                full = proc.stdout.strip()
                self._git("--git-dir", str(self.dir), "update-ref", f"refs/kfctl/{full}", full)
                return full
        raise RegistryError(f"git ref {sha!r} does not exist in {self.url}")

    def tree(self, sha: str, path: str) -> Path:
        """The folder ``path`` of commit ``sha``, extracted once into the cache."""
        path = path.strip("/")
        if any(part in ("..", ".") for part in path.split("/") if part) or path.startswith("/"):
            raise UnsafePath(f"registry path {path!r} escapes the repository")
        pathkey = hashlib.sha256(path.encode()).hexdigest()[:8]
        dest = cache_root() / "git" / "trees" / self.key / f"{sha}-{pathkey}"
        if not dest.is_dir():
            proc = self._git("--git-dir", str(self.dir), "archive", "--format=tar", sha, *([path] if path else []),
                             binary=True)
            if proc.returncode != 0:
                why = self._why(proc)
                if "did not match" in why or "not a valid" in why or "pathspec" in why:
                    raise RegistryError(f"{self.url} has no folder {path!r} at commit {sha[:12]}")
                raise RegistryError(f"cannot read commit {sha[:12]} of {self.url}: {why}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}.", dir=dest.parent))
            try:
                _extract_tar(proc.stdout, tmp)
                try:
                    os.replace(tmp, dest)
                except OSError:
                    if not dest.is_dir():
                        raise
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        root = dest / path if path else dest
        if not root.is_dir():
            raise RegistryError(f"{self.url} has no folder {path!r} at commit {sha[:12]}")
        return root


def _extract_tar(data: bytes, dest: Path) -> None:
    """Extract regular files and folders only; refuse names that leave ``dest``. Links are skipped."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar.getmembers():
            name = member.name
            if name.startswith("/") or ".." in Path(name).parts:
                raise UnsafePath(f"the repository holds a file named {name!r} outside the registry")
            if member.isdir():
                safe_join(dest, name).mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                target = safe_join(dest, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                fh = tar.extractfile(member)
                target.write_bytes(fh.read() if fh else b"")
                if member.mode & 0o111:
                    target.chmod(0o755)


# --------------------------------------------------------------------------- registries


@dataclass
class Library:
    name: str
    path: str
    version: str | None


@dataclass
class Registry:
    name: str
    source: Source
    root: Path  # the folder holding registry.yaml
    version: str | None  # git: the commit; else registry.yaml's version
    libraries: dict[str, Library]
    commit: str | None = None
    repo_path: str = ""  # git: the registry's folder inside the repository

    def package_dir(self, pkg: str) -> Path:
        lib = self.libraries.get(pkg)
        if lib is None:
            known = ", ".join(sorted(self.libraries)) or "none"
            raise PackageNotFound(f"registry {self.name!r} has no package {pkg!r} (it has: {known})")
        where = f"{self.name}/{REGISTRY_FILE}"
        try:
            folder = safe_join(self.root, lib.path or pkg)
        except UnsafePath as exc:
            raise UnsafePath(f"package {pkg!r}: {exc}", where=where) from None
        if not folder.is_dir():
            raise RegistryError(f"package {pkg!r}: folder {lib.path or pkg!r} is missing from the registry",
                                where=where)
        return folder

    def package(self, pkg: str) -> "Package":
        return read_package(self.package_dir(pkg), pkg, self.name, self.libraries[pkg].version)

    def package_version(self, pkg: str) -> str | None:
        """What an install from this registry records: the commit for git, the declared version for
        builtin, nothing for fs (ks did not version fs packages)."""
        if self.source.protocol in ("git", "github"):
            return self.commit
        if self.source.protocol == "fs":
            return None
        return self.declared_version(pkg)

    def declared_version(self, pkg: str) -> str | None:
        lib = self.libraries.get(pkg)
        if lib and lib.version:
            return lib.version
        try:
            return self.package(pkg).version
        except RegistryError:
            return None


def _load_yaml(path: Path, display: str, what: str):
    return load_yaml_file(path, display, error=RegistryError, what=what)


def read_registry(name: str, source: Source, root: Path, commit: str | None = None) -> Registry:
    display = f"{source.uri}/{REGISTRY_FILE}" if source.protocol != "builtin" else f"<built-in>/{REGISTRY_FILE}"
    if not root.is_dir():
        raise RegistryError(f"registry folder {root} does not exist")
    data = _load_yaml(root / REGISTRY_FILE, display, REGISTRY_FILE)
    if not isinstance(data, dict):
        raise RegistryError("expected a mapping with apiVersion, kind and libraries", where=display)
    version = str(data.get("apiVersion", ""))
    if not re.match(r"^0\.(1|2)(\.\d+)?$", version):
        raise RegistryError(f"unsupported registry apiVersion {version!r} (supported: 0.1.x, 0.2.x)", where=display)
    if data.get("kind") not in (None, "ksonnet.io/registry"):
        raise RegistryError(f"kind is {data.get('kind')!r}, expected 'ksonnet.io/registry'", where=display)
    libs_raw = data.get("libraries") or {}
    if not isinstance(libs_raw, dict):
        raise RegistryError("'libraries' must be a mapping of package name to {path, version}", where=display)
    libs: dict[str, Library] = {}
    for pkg, spec in sorted(libs_raw.items()):
        pkg = str(pkg)
        if not _NAME.match(pkg):
            raise RegistryError(f"package name {pkg!r} is not valid", where=display)
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            raise RegistryError(f"library {pkg!r} must be a mapping with path and version", where=display)
        path = str(spec.get("path") or pkg)
        try:
            safe_join(root, path)
        except UnsafePath:
            raise UnsafePath(f"library {pkg!r} has path {path!r}, which leaves the registry folder",
                             where=display) from None
        ver = spec.get("version")
        libs[pkg] = Library(pkg, path, str(ver) if ver not in (None, "") else None)
    libs.update(unlisted_packages(root, libs))
    reg_version = commit or (str(data["version"]) if data.get("version") else None)
    return Registry(name=name, source=source, root=root, version=reg_version, libraries=libs, commit=commit)


def unlisted_packages(root: Path, listed: dict[str, Library]) -> dict[str, Library]:
    """Packages that are folders of the registry but not in registry.yaml's ``libraries``.

    ks resolved ``pkg install REG/PKG`` by the folder ``<root>/<PKG>/parts.yaml``; registry.yaml was only
    an index, and Kubeflow's 2018 trees left packages out of it (``seldon``, ``examples``,
    ``credentials-pod-preset``). Such folders are packages too, unversioned, listed like the others."""
    used = {os.path.normpath(lib.path) for lib in listed.values()}
    found: dict[str, Library] = {}
    for entry in sorted(os.listdir(root)):
        if entry in listed or entry in used or not _NAME.match(entry) or entry.startswith("."):
            continue
        try:
            folder = safe_join(root, entry)
        except UnsafePath:
            continue  # a symlink leaving the registry is not a package of it
        if folder.is_dir() and (folder / PARTS_FILE).is_file():
            found[entry] = Library(entry, entry, None)
    return found


def _pin_path(app, name: str) -> Path:
    return app.root / PIN_DIR / name / REGISTRY_FILE


def read_pin(app, name: str, source: Source) -> tuple[str, str] | None:
    """(commit, path in the repository) this app uses for git registry ``name``, if pinned."""
    path = _pin_path(app, name)
    if not path.is_file():
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or data.get("source") != source.uri:
        return None
    sha = str(data.get("version") or "")
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        return None
    return sha, str(data.get("path") or "")


def write_pin(app, reg: Registry) -> None:
    libs = {k: {"path": v.path, "version": reg.commit} for k, v in reg.libraries.items()}
    data = {"apiVersion": "0.2.0", "kind": "ksonnet.io/registry", "version": reg.commit,
            "source": reg.source.uri, "path": reg.repo_path, "libraries": libs}
    atomic_write(_pin_path(app, reg.name),
                 "# Written by kfctl: the commit this app uses for this git registry (kfctl registry update).\n"
                 + yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False))


BUILTIN_VERSIONS_DIR = "versions"


def builtin_versions() -> dict[str, Path]:
    """The built-in registry's package sets: {version: folder holding its registry.yaml}, current first.

    The current set is the registry root; older ones are ``versions/<version>/`` (registries of their own)."""
    root = builtin_root()
    current = read_registry(BUILTIN_NAME, Source("builtin", BUILTIN_URI), root).version or ""
    out = {current: root}
    older = root / BUILTIN_VERSIONS_DIR
    if older.is_dir():
        for folder in sorted(older.iterdir()):
            if (folder / REGISTRY_FILE).is_file():
                out[folder.name] = folder
    return out


def builtin_version_root(want: str | None) -> Path:
    """The folder of built-in version ``want`` (None: the current one); ``v1.2`` and ``1.2`` are the same."""
    versions = builtin_versions()
    if want is None:
        return next(iter(versions.values()))
    for version, folder in versions.items():
        if want in (version, f"v{version}") or want.lstrip("v") == version.lstrip("v"):
            return folder
    raise RegistryError(f"the built-in registry has no version {want!r} (it has: {', '.join(versions)})")


def open_source(name: str, source: Source, *, ref: str | None = None,
                pinned: tuple[str, str] | None = None) -> Registry:
    """Read the registry behind ``source`` (fetching a git one). ``ref`` overrides the URI's ref (for the
    built-in registry: one of its versions); ``pinned`` (commit, path) is used without network when the
    cache has that commit."""
    if source.protocol == "builtin":
        return read_registry(name, source, builtin_version_root(ref))
    if source.protocol == "fs":
        assert source.local is not None
        if not source.local.is_dir():
            raise RegistryError(f"registry folder {source.local} does not exist")
        if not (source.local / REGISTRY_FILE).is_file():
            raise RegistryError(f"{source.local} is not a registry: it has no {REGISTRY_FILE}")
        return read_registry(name, source, source.local)
    repo = GitRepo(source.url or "")
    if pinned and ref is None and repo.has_commit(pinned[0]):
        reg = read_registry(name, source, repo.tree(*pinned), commit=pinned[0])
        reg.repo_path = pinned[1]
        return reg
    uri_ref, path = repo.split_tree(source.tree)
    sha = repo.resolve(ref if ref is not None else uri_ref)
    reg = read_registry(name, source, repo.tree(sha, path), commit=sha)
    reg.repo_path = path
    return reg


def registry_source(app, name: str) -> Source:
    regs = app.registries()
    if name not in regs:
        known = ", ".join(regs) or "none"
        raise RegistryError(f"unknown registry {name!r} (known: {known}); add it with 'kfctl registry add NAME URI'")
    spec = regs[name]
    uri = spec.get("uri")
    if not uri:
        raise RegistryError(f"registry {name!r} has no uri in app.yaml")
    return parse_source(str(uri), app.root, spec.get("protocol"))


def open_registry(app, name: str, *, ref: str | None = None, refresh: bool = False) -> Registry:
    """The app's registry ``name``; a git one at its pinned commit (fetched and pinned when needed)."""
    source = registry_source(app, name)
    if source.protocol in ("git", "github"):
        pinned = None if refresh else read_pin(app, name, source)
        reg = open_source(name, source, ref=ref, pinned=pinned)
        if ref is None and (pinned is None or reg.commit != pinned[0]):
            write_pin(app, reg)
        return reg
    return open_source(name, source, ref=ref)


# --------------------------------------------------------------------------- registry edits


def check_registry_name(name: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}", name):
        raise RegistryError(f"registry name {name!r} is not valid: use letters, digits, '-' and '_'")


def protocol_entry(source: Source) -> dict:
    return {"protocol": source.protocol, "uri": source.uri}


@dataclass
class AddResult:
    registry: Registry | None
    changed: bool


def add_registry(app, name: str, uri: str, *, override: bool = False) -> AddResult:
    """Add registry ``name``; fetch and check it first. A same-source re-add changes nothing."""
    check_registry_name(name)
    source = parse_source(uri, app.root)
    regs = app.registries()
    if name in regs:
        existing = registry_source(app, name)
        if existing.identity() == source.identity():
            return AddResult(None, False)
        raise RegistryError(
            f"registry {name!r} already exists with source {existing.describe()}, so it cannot also point at "
            f"{source.describe()}; remove it first with 'kfctl registry rm {name}', or change its source with "
            f"'kfctl registry set {name} --uri {uri}'")
    reg = open_source(name, source)
    if source.protocol in ("git", "github"):
        write_pin(app, reg)
    _store(app, name, protocol_entry(source), override)
    return AddResult(reg, True)


def _store(app, name: str, entry: dict | None, override: bool) -> None:
    if override:
        if app.override is None:
            app.override = {"apiVersion": app.api_version, "kind": "ksonnet.io/app-override"}
        regs = app.override.setdefault("registries", {}) or {}
        app.override["registries"] = regs
        if entry is None:
            regs.pop(name, None)
        else:
            regs[name] = entry
        app.save_override()
        return
    regs = app.data.get("registries") or {}
    if entry is None:
        regs.pop(name, None)
    else:
        regs[name] = entry
    app.data["registries"] = dict(sorted(regs.items()))
    app.save()


def remove_registry(app, name: str) -> list[str]:
    """Remove registry ``name``; returns the installed packages that came from it (they stay vendored)."""
    regs = app.registries()
    if name not in regs:
        known = ", ".join(regs) or "none"
        raise RegistryError(f"unknown registry {name!r} (known: {known})")
    overridden = bool(regs[name].get("overridden"))
    _store(app, name, None, overridden)  # an overridden one: app.yaml's entry (if any) shows through again
    pin = _pin_path(app, name).parent
    if pin.is_dir():
        shutil.rmtree(pin, ignore_errors=True)
    return sorted(key for key, inst in installed_map(app).items() if inst.registry == name)


def set_registry(app, name: str, uri: str) -> Registry | None:
    """Point registry ``name`` at a new source (checked by fetching it first)."""
    old = registry_source(app, name)
    source = parse_source(uri, app.root)
    if old.identity() == source.identity():
        return None
    reg = open_source(name, source)
    if source.protocol in ("git", "github"):
        write_pin(app, reg)
    _store(app, name, protocol_entry(source), bool(app.registries()[name].get("overridden")))
    return reg


def update_registry(app, name: str) -> tuple[str | None, str | None]:
    """Re-resolve a git registry's ref; returns (old commit, new commit). Other kinds return (None, None)."""
    source = registry_source(app, name)
    if source.protocol not in ("git", "github"):
        return None, None
    old = read_pin(app, name, source)
    reg = open_registry(app, name, refresh=True)
    return (old[0] if old else None), reg.commit


# --------------------------------------------------------------------------- packages


@dataclass
class Package:
    name: str
    registry: str
    path: Path
    version: str | None
    description: str
    parts: dict
    dependencies: list[str] = field(default_factory=list)  # declared in parts.yaml


def read_package(folder: Path, name: str, registry: str, declared_version: str | None = None) -> Package:
    parts: dict = {}
    display = f"{registry}/{name}/{PARTS_FILE}"
    if (folder / PARTS_FILE).is_file():
        data = _load_yaml(folder / PARTS_FILE, display, PARTS_FILE)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise RegistryError("expected a mapping (name, description, ...)", where=display)
        if data.get("kind") not in (None, "ksonnet.io/parts"):
            raise RegistryError(f"kind is {data.get('kind')!r}, expected 'ksonnet.io/parts'", where=display)
        parts = data
    deps = parts.get("dependencies") or []
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise RegistryError("'dependencies' must be a list of package names", where=display)
    for d in deps:
        if not _NAME.match(d.split("/")[-1]):
            raise RegistryError(f"dependency {d!r} is not a package name", where=display)
    version = declared_version or (str(parts["version"]) if parts.get("version") else None)
    desc = parts.get("description") or ""
    return Package(name=name, registry=registry, path=folder, version=version, description=str(desc).strip(),
                   parts=parts, dependencies=[d.split("/")[-1] for d in deps])


def imported_packages(folder: Path, registry: str) -> list[str]:
    """Packages of ``registry`` imported by the jsonnet files of a package folder."""
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fname in sorted(filenames):
            if not fname.endswith((".jsonnet", ".libsonnet")):
                continue
            try:
                text = (Path(dirpath) / fname).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            text = _strip_comments(text)
            for m in _IMPORT.finditer(text):
                parts = m.group(2).split("/")
                if len(parts) >= 3 and parts[0] == registry:
                    found.add(parts[1])
    return sorted(found)


def components_importing(app, registry: str, name: str) -> list[str]:
    """The app's components whose jsonnet imports package ``registry/name`` (e.g. "kubeflow/core/x")."""
    users = []
    for comp in app.components():
        if comp.kind != "jsonnet":
            continue
        try:
            text = _strip_comments(comp.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if any(m.group(2).split("/")[:2] == [registry, name] for m in _IMPORT.finditer(text)):
            users.append(comp.name)
    return users


def _strip_comments(text: str) -> str:
    """Drop // and # line comments and /* */ blocks outside strings (good enough to scan imports)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("|||", i):
            j = text.find("|||", i + 3)
            j = n if j < 0 else j + 3
            out.append(" ")
            i = j
        elif c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


@dataclass
class Installed:
    registry: str
    name: str
    version: str | None
    path: Path | None  # the vendored folder; None when missing
    envs: tuple[str, ...] = ()  # environments recording it (empty: app-wide)

    @property
    def key(self) -> str:
        return f"{self.registry}/{self.name}"


def vendor_dir(app, registry: str, name: str, version: str | None = None) -> Path | None:
    base = app.root / "vendor" / registry
    plain = base / name
    if plain.is_dir():
        return plain
    if version and (base / f"{name}@{version}").is_dir():
        return base / f"{name}@{version}"
    if base.is_dir():
        versioned = sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith(f"{name}@"))
        if versioned:
            return versioned[-1]
    return None


def installed_map(app) -> dict[str, Installed]:
    """Installed packages keyed ``reg/name``: app-wide ones, plus every environment's."""
    out: dict[str, Installed] = {}
    for key, lib in app.libraries().items():
        out[key] = Installed(lib["registry"], lib["name"], lib.get("version"), None)
    for env in sorted((app.data.get("environments") or {})):
        for key, lib in app.libraries(env).items():
            if key in out:
                if out[key].envs:
                    out[key].envs = (*out[key].envs, env)
                continue
            out[key] = Installed(lib["registry"], lib["name"], lib.get("version"), None, (env,))
    for inst in out.values():
        inst.path = vendor_dir(app, inst.registry, inst.name, inst.version)
    return dict(sorted(out.items()))


def installed_packages(app) -> list[Installed]:
    return list(installed_map(app).values())


def parse_descriptor(text: str) -> tuple[str | None, str, str | None]:
    m = _DESCRIPTOR.match(text.strip())
    if not m:
        raise RegistryError(f"{text!r} is not a package: write REGISTRY/PACKAGE or REGISTRY/PACKAGE@VERSION")
    return m.group(1), m.group(2), m.group(3)


@dataclass
class InstallResult:
    installed: list[Installed] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # the requested package, already installed at that version
    present: list[str] = field(default_factory=list)  # dependencies already installed (left as they are)
    notes: list[str] = field(default_factory=list)
    moved: list = field(default_factory=list)  # pkg_upgrade.ComponentMove of each component moved along


def find_registry_for(app, pkg: str) -> str:
    hits = []
    problems = []
    for name in app.registries():
        try:
            reg = open_registry(app, name)
        except RegistryError as exc:
            problems.append(f"{name}: {exc}")
            continue
        if pkg in reg.libraries:
            hits.append(name)
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise RegistryError(f"package {pkg!r} is in several registries ({', '.join(hits)}); write REGISTRY/{pkg}")
    extra = f" ({'; '.join(problems)})" if problems else ""
    raise PackageNotFound(f"no registry of this app has a package {pkg!r}{extra}")


def app_builtin_version(app, reg_name: str) -> str | None:
    """The one older version of built-in registry ``reg_name`` this app's installed packages have, if there
    is one (an app's Kubeflow set stays at one version until it is moved; packages that version does not
    have stay at the current one when the app moves back to it)."""
    current = next(iter(builtin_versions()))
    versions = {inst.version for inst in installed_map(app).values() if inst.registry == reg_name} - {None, current}
    if len(versions) != 1:
        return None
    version = versions.pop()
    return version if version in builtin_versions() else None


def install(app, descriptor: str, *, env: str | None = None, force: bool = False,
            upgrade: bool = False) -> InstallResult:
    """Vendor a package (and the packages of its registry it needs) and record them in app.yaml.

    Built-in packages go to ``vendor/kubeflow/<pkg>@<version>``. Dependencies already installed are kept,
    unless ``upgrade``: then those installed at another version of the same registry move to this one
    too (so ``pkg install kubeflow/core@VERSION --upgrade`` moves an app's whole Kubeflow set).
    Everything is fetched, copied and checked in a staging folder first; only then are the vendor
    folders moved into place and app.yaml written. On any error the app is unchanged.
    """
    from .prototype import package_prototypes

    reg_name, pkg_name, want = parse_descriptor(descriptor)
    if env is not None:
        app.environment(env)
    if reg_name is None:
        reg_name = find_registry_for(app, pkg_name)
    source = registry_source(app, reg_name)
    versioned = source.protocol in ("git", "github", "builtin")
    result = InstallResult()
    if want is None and source.protocol == "builtin" and not upgrade:
        want = app_builtin_version(app, reg_name)
        if want is not None:
            result.notes.append(f"installs {reg_name}/{pkg_name}@{want}, the version of this app's other "
                                f"{reg_name} packages ('pkg install {reg_name}/{pkg_name}@VERSION --upgrade' moves them)")
    reg = open_registry(app, reg_name, ref=want if versioned else None)
    mismatch = None
    if want and not versioned:
        have = reg.declared_version(pkg_name) if pkg_name in reg.libraries else None
        if pkg_name in reg.libraries and have not in (want, want.lstrip("v")) and f"v{have}" != want:
            kind = "built-in registry" if source.protocol == "builtin" else f"registry {reg_name!r}"
            mismatch = f"the {kind} does not carry {reg_name}/{pkg_name}@{want}"
            result.notes.append(f"{mismatch}; installed version {have or 'unversioned'} instead")
    installed = installed_map(app)
    if source.protocol == "builtin" and not upgrade:
        # An app's packages of the built-in registry stay at one version (those of two do not render together).
        other = sorted(f"{i.key}@{i.version}" for i in installed.values()
                       if i.registry == reg_name and i.path is not None and i.version is not None
                       and i.name in reg.libraries and i.version != reg.package_version(i.name))
        if other:
            shown = ", ".join(other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
            raise RegistryError(f"this app has {shown}: its {reg_name} packages stay at one version; "
                                f"'kfctl pkg install {reg_name}/{pkg_name}@{reg.version} --upgrade' moves them all "
                                "to this one")
    # Work out the closure: the package, then what it needs from the same registry.
    order: list[str] = []
    queue = [pkg_name]
    if upgrade:  # the app's whole set of this registry moves, not only what this package needs
        for inst in installed.values():
            if inst.registry == reg_name and inst.name != pkg_name and inst.version != reg.package_version(inst.name):
                if inst.name in reg.libraries:
                    queue.append(inst.name)
                else:
                    result.notes.append(f"{inst.key} stays at version {inst.version}: version {reg.version} "
                                        "does not have it")
    while queue:
        p = queue.pop(0)
        if p in order:
            continue
        key = f"{reg_name}/{p}"
        if p != pkg_name and key in installed and installed[key].path is not None:
            if not (upgrade and p in reg.libraries and installed[key].version != reg.package_version(p)):
                if key not in result.present:
                    result.present.append(key)
                continue
        pkg = reg.package(p)  # raises PackageNotFound for unknown names
        order.append(p)
        needs = list(pkg.dependencies) + imported_packages(pkg.path, reg_name)
        for dep in needs:
            if dep == p or dep in order:
                continue
            if dep not in reg.libraries:
                if dep in pkg.dependencies:
                    raise PackageNotFound(f"package {key} depends on {reg_name}/{dep}, which registry "
                                          f"{reg_name!r} does not have")
                result.notes.append(f"{key} imports {reg_name}/{dep}/..., which registry {reg_name!r} does not have")
                continue
            queue.append(dep)
    main_key = f"{reg_name}/{pkg_name}"
    version = reg.package_version(pkg_name)
    current = installed.get(main_key)
    if (current is not None and current.path is not None and not force and current.version == version
            and (env is None or env in current.envs or not current.envs)):
        result.kept.append(main_key)
        if mismatch:
            result.notes[0] = f"{mismatch}; it has version {version or 'unversioned'}, which is already installed"
        order.remove(pkg_name)
        if not order:
            return result
    staging_root = app.root / STAGING_DIR
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="install-", dir=staging_root))
    try:
        staged: list[tuple[str, Path]] = []
        old_protos, new_protos = [], []
        for p in order:
            src = reg.package_dir(p)
            dst = staging / p
            _copy_package(src, dst, f"{reg_name}/{p}")
            found, problems = package_prototypes(dst, f"{reg_name}/{p}")
            if problems:
                raise RegistryError(f"package {reg_name}/{p} has a broken prototype: {problems[0]}")
            staged.append((p, dst))
            before = installed.get(f"{reg_name}/{p}")
            if upgrade and before is not None and before.path is not None and before.version != reg.package_version(p):
                old_protos += package_prototypes(before.path, f"{reg_name}/{p}")[0]
                new_protos += found
        if old_protos:
            from . import pkg_upgrade

            result.moved = pkg_upgrade.plan(app, old_protos, new_protos)
        base = app.root / "vendor" / reg_name
        # From here on files change: keep what is replaced, so that a failure puts every file back.
        previous = staging / ".previous"
        previous.mkdir()
        put_aside: list[tuple[Path, Path]] = []  # (where it was, where it is kept)
        placed: list[Path] = []
        # app.yaml, and the component and params files a move along edits (all under components/)
        edited = [app.root / APP_FILE, *(sorted((app.root / "components").rglob("*")) if result.moved else [])]
        texts = {path: path.read_bytes() for path in edited if path.is_file() and not path.is_symlink()}
        try:
            for p, dst in staged:
                target = vendored_folder(base, p, reg.package_version(p), source.protocol)
                for old in [base / p, *sorted(base.glob(f"{p}@*"))] if base.is_dir() else []:
                    if old != target and (old.is_symlink() or old.is_dir()):
                        kept = previous / f"{len(put_aside)}-{old.name}"
                        os.replace(old, kept)  # a vendored link (e.g. into a registry checkout) moves as a link
                        put_aside.append((old, kept))
                if target.exists() or target.is_symlink():
                    kept = previous / f"{len(put_aside)}-{target.name}"
                    os.replace(target, kept)
                    put_aside.append((target, kept))
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(dst, target)
                placed.append(target)
            for p, _ in staged:
                ver = reg.package_version(p)
                app.set_library(reg_name, p, ver, env=env if p == pkg_name else None)
                result.installed.append(Installed(reg_name, p, ver, vendored_folder(base, p, ver, source.protocol)))
            if result.moved:
                from . import pkg_upgrade

                pkg_upgrade.apply(app, result.moved)
        except BaseException:
            for target in reversed(placed):
                shutil.rmtree(target, ignore_errors=True)
            for old, kept in reversed(put_aside):
                os.replace(kept, old)
            for path, data in texts.items():
                atomic_write(path, data)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging_root.rmdir()
        except OSError:
            pass
    return result


def vendored_folder(base: Path, pkg: str, version: str | None, protocol: str) -> Path:
    """Where an install puts a package: ``<pkg>@<version>`` for the built-in registry (its versions are
    names, so the folder says which set is vendored), ``<pkg>`` otherwise (as ks 0.11 did)."""
    if protocol == "builtin" and version:
        return base / f"{pkg}@{version}"
    return base / pkg


def _copy_package(src: Path, dst: Path, label: str) -> None:
    """Copy a package folder: regular files only, nothing that resolves outside the package."""
    root = Path(os.path.realpath(src))
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        rel_dir = Path(dirpath).relative_to(src)
        for d in list(dirnames):
            full = Path(dirpath) / d
            if full.is_symlink():
                target = os.path.realpath(full)
                if target != str(root) and not target.startswith(str(root) + os.sep):
                    raise UnsafePath(f"package {label}: {rel_dir / d} links outside the package")
        for fname in sorted(filenames):
            full = Path(dirpath) / fname
            try:
                resolved = safe_join(root, str((rel_dir / fname)))
            except UnsafePath:
                raise UnsafePath(f"package {label}: {rel_dir / fname} links outside the package") from None
            if not resolved.is_file():
                continue
            out = dst / rel_dir / fname
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(resolved, out)
    dst.mkdir(parents=True, exist_ok=True)


def dependents(app, registry: str, name: str) -> list[str]:
    """Installed packages of ``registry`` that need ``name`` (declared or imported)."""
    out = []
    for key, inst in installed_map(app).items():
        if inst.registry != registry or inst.name == name or inst.path is None:
            continue
        try:
            pkg = read_package(inst.path, inst.name, registry)
            needs = set(pkg.dependencies)
        except RegistryError:
            needs = set()
        needs |= set(imported_packages(inst.path, registry))
        if name in needs:
            out.append(key)
    return sorted(out)


def remove(app, descriptor: str, *, env: str | None = None, force: bool = False) -> Installed:
    reg_name, pkg_name, _ = parse_descriptor(descriptor)
    installed = installed_map(app)
    if reg_name is None:
        hits = [i for i in installed.values() if i.name == pkg_name]
        if len(hits) != 1:
            raise PackageNotFound(f"{'several' if hits else 'no'} installed packages named {pkg_name!r}; "
                                  f"write REGISTRY/{pkg_name}")
        reg_name = hits[0].registry
    key = f"{reg_name}/{pkg_name}"
    if key not in installed:
        known = ", ".join(installed) or "none"
        raise PackageNotFound(f"package {key} is not installed (installed: {known})")
    if not force:
        needed_by = dependents(app, reg_name, pkg_name)
        if needed_by:
            raise RegistryError(f"package {key} is needed by {', '.join(needed_by)}; remove those first, "
                                "or pass --force")
        users = components_importing(app, reg_name, pkg_name)
        if users:
            raise RegistryError(f"package {key} is imported by component {', '.join(users)}; remove or change "
                                "that first, or pass --force")
    inst = installed[key]
    if env is not None:
        app.environment(env)
        if not app.remove_library(reg_name, pkg_name, env=env):
            raise PackageNotFound(f"package {key} is not installed in environment {env!r}")
    else:
        app.remove_library(reg_name, pkg_name)
        for e in inst.envs:
            app.remove_library(reg_name, pkg_name, env=e)
    if key not in installed_map(app):
        base = app.root / "vendor" / reg_name
        for folder in [base / pkg_name, *sorted(base.glob(f"{pkg_name}@*"))] if base.is_dir() else []:
            if folder.is_dir():
                shutil.rmtree(folder)
        if base.is_dir() and not any(base.iterdir()):
            base.rmdir()
    return inst
