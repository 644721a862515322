"""A content-addressed cache of rendered environments, so re-rendering an unchanged app is near-free.

The key is a SHA-256 over everything a render can depend on:

* the content of every file under the app's ``app.yaml``/``app.override.yaml``, ``components/``,
  ``environments/``, ``vendor/`` and ``lib/``, under kfctl's ksonnet-lib folder and under every ``-J``
  folder (path relative to its root + content hash). These are all the places an import can be resolved
  through the search path, so hashing them whole needs no knowledge of the import graph;
* every file an import *outside* those folders names (``import "../../shared/x.libsonnet"`` or an
  absolute path): jsonnet imports are string literals, so a scan of each jsonnet file finds them all,
  and for each the key records whether it exists and its content (followed transitively);
* the environment (name, destination, k8s version, targets), the selected components, the param
  overrides, every ext/TLA value and import path, kfctl's version and source, and the engine's name
  and installed build (found without importing it).

Contents, not modification times, are hashed: Argo CD renders from a fresh checkout every time, where
every mtime is new, so an mtime key would never hit there; and hashing the few hundred small files of an
app costs a few milliseconds. The absolute app path is not part of the key (each Argo CD checkout lands in
a new temporary folder), so objects that embed ``std.thisFile`` are not supported by the cache.

Entries are one file each, ``<key>.json``: a header line ``kfctl-render-cache/2 <sha256 of the body>``,
then the JSON body (the objects, and their YAML text so a warm ``show`` need not dump them again). They are written atomically (temporary file + rename), so concurrent renders never see
half an entry; a corrupt or truncated entry fails its checksum and is ignored and replaced. An unusable
cache folder (unwritable, or inside the app itself) disables the cache with a warning. Warnings are
returned to the caller (``Rendered.warnings``), each at most once per process; nothing is printed here.

Location: ``$KFCTL_CACHE_DIR/render``, else ``$XDG_CACHE_HOME/kfctl/render``, else ``~/.cache/kfctl/render``.
``KFCTL_NO_CACHE=1`` (or ``render(..., cache=False)``, ``kfctl show --no-cache``) bypasses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = "kfctl-render-cache/2"
MAX_ENTRIES = 256

_APP_DIRS = ("components", "environments", "vendor", "lib")
_APP_FILES = ("app.yaml", "app.override.yaml")
_JSONNET_SUFFIXES = (".jsonnet", ".libsonnet", ".json")
_IMPORT = re.compile(rb"""\bimport(?:str|bin)?\s*@?(["'])((?:\\.|(?!\1).)*?)\1""")

_ENTRY = re.compile(r"^[0-9a-f]{64}\.json$")
_warned: set[str] = set()
_code_digest: str | None = None


@dataclass
class Lookup:
    """What the cache did for one render."""

    key: str | None = None
    path: Path | None = None
    hit: bool = False
    broken: bool = False  # the folder cannot be used: do not try to write either
    warnings: list[str] = field(default_factory=list)


def _warn(lookup: Lookup, text: str) -> None:
    if text not in _warned:
        _warned.add(text)
        lookup.warnings.append(text)


def disabled_by_env(environ=None) -> bool:
    environ = os.environ if environ is None else environ
    return str(environ.get("KFCTL_NO_CACHE", "")).lower() in ("1", "true", "yes", "on")


def cache_dir(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("KFCTL_CACHE_DIR"):
        return Path(environ["KFCTL_CACHE_DIR"]).expanduser() / "render"
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kfctl" / "render"


# --------------------------------------------------------------------------- fingerprints


def _walk_files(root: Path):
    """(relative posix path, absolute path) of every file under root, sorted; symlinked folders are followed
    (once each), ``.git`` folders skipped."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[int, int]] = set()

    def walk(folder: str, rel: str) -> None:
        try:
            st = os.stat(folder)
            if (st.st_dev, st.st_ino) in seen:
                return
            seen.add((st.st_dev, st.st_ino))
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            sub = f"{rel}/{name}" if rel else name
            try:
                if entry.is_dir():
                    if name != ".git":
                        walk(entry.path, sub)
                elif entry.is_file():
                    out.append((sub, entry.path))
            except OSError:
                continue

    walk(str(root), "")
    out.sort()
    return out


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r + os.sep) for r in roots)


def _code_fingerprint() -> str:
    """kfctl's own library source, so a changed kfctl (even at the same version) never reuses entries."""
    global _code_digest
    if _code_digest is None:
        from . import __version__

        h = hashlib.sha256(f"kfctl {__version__}\n".encode())
        pkg = Path(__file__).resolve().parent
        for name in sorted(os.listdir(pkg)):
            if name.endswith(".py"):
                data = _read(str(pkg / name)) or b""
                h.update(f"{name} {hashlib.sha256(data).hexdigest()}\n".encode("utf-8", "surrogateescape"))
        _code_digest = h.hexdigest()
    return _code_digest


def _hash_tree(h, label: str, root: Path, jsonnet_files: list[tuple[str, bytes]]) -> None:
    if not root.exists():
        h.update(f"absent {label}\n".encode("utf-8", "surrogateescape"))
        return
    if root.is_file():
        data = _read(str(root))
        h.update(f"file {label} {hashlib.sha256(data or b'').hexdigest()}\n".encode("utf-8", "surrogateescape"))
        if data is not None and str(root).endswith(_JSONNET_SUFFIXES):
            jsonnet_files.append((str(root), data))
        return
    for rel, full in _walk_files(root):
        data = _read(full)
        if data is None:
            continue
        h.update(f"file {label}/{rel} {hashlib.sha256(data).hexdigest()}\n".encode("utf-8", "surrogateescape"))
        if full.endswith(_JSONNET_SUFFIXES):
            jsonnet_files.append((full, data))


def _imports(data: bytes) -> list[str]:
    out = []
    for m in _IMPORT.finditer(data):
        try:
            out.append(m.group(2).decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return out


def _hash_outside_imports(h, jsonnet_files: list[tuple[str, bytes]], roots: list[str],
                          extra_sources: list[tuple[str, str]]) -> None:
    """Follow literal imports that leave the hashed folders; record existence and content of each target.

    Paths are compared as written (jsonnet resolves a relative import against the importing file's path,
    not its symlink target), so no realpath is needed for the common case of imports inside the roots."""
    # A file inside the roots can only leave them with an absolute path or a "..": skip files without either.
    queue = [(os.path.dirname(p), data, True) for p, data in jsonnet_files
             if b"../" in data or b'"/' in data or b"'/" in data]
    queue += [(base, text.encode("utf-8"), False) for base, text in extra_sources]
    done: set[str] = set()
    records = []
    while queue:
        base, data, in_root = queue.pop()
        for target in _imports(data):
            if in_root and not target.startswith(("/", "..")) and "/.." not in target:
                continue  # stays below the importing file's folder, which is inside a root
            cand = os.path.normpath(target if os.path.isabs(target) else os.path.join(base, target))
            if cand in done or _inside(cand, roots):
                continue
            done.add(cand)
            content = _read(cand)
            records.append(f"import {cand} {hashlib.sha256(content).hexdigest() if content is not None else '-'}")
            if content is not None:
                queue.append((os.path.dirname(cand), content, False))
    for rec in sorted(records):
        h.update((rec + "\n").encode("utf-8", "surrogateescape"))


_ENGINE_MODULES = {"gojsonnet": ("_gojsonnet",), "rjsonnet": ("rjsonnet", "_gojsonnet")}


def _engine_fingerprint(name: str) -> str:
    """The engine's name and installed build (path, size and mtime of each module it loads), found without
    importing it: importing an engine costs more than the rest of a cache hit."""
    from importlib.util import find_spec

    parts = [name]
    for module in _ENGINE_MODULES.get(name, (name,)):
        spec = find_spec(module)
        origin = spec.origin if spec is not None else None
        try:
            st = os.stat(origin) if origin else None
        except OSError:
            st = None
        parts.append(f"{module}={origin}:{st.st_size}:{st.st_mtime_ns}" if st else f"{module}=-")
    return " ".join(parts)


def render_key(app, env, components, options, param_overrides, engine_name: str) -> str:
    """The cache key of one render (see the module docstring for what it covers)."""
    from .render import KSONNET_LIB

    h = hashlib.sha256()
    h.update(f"{FORMAT}\ncode {_code_fingerprint()}\nengine {_engine_fingerprint(engine_name)}\n".encode())
    meta = {
        "env": {"name": env.name, "path": env.path, "server": env.server, "namespace": env.namespace,
                "k8s_version": env.k8s_version, "targets": list(env.targets)},
        "components": list(components) if components else None,
        "options": options.key(),
        "overrides": param_overrides or None,
    }
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogateescape") + b"\n")
    root = Path(app.root)
    roots = [(name, root / name) for name in _APP_FILES + _APP_DIRS]
    roots.append(("<ksonnet-lib>", Path(KSONNET_LIB)))
    roots += [(f"<jpath {i}>", Path(p).resolve()) for i, p in enumerate(options.jpaths)]
    roots_abs = [os.path.abspath(p) for _, p in roots if p.is_dir()]
    jsonnet_files: list[tuple[str, bytes]] = []
    for label, path in roots:
        _hash_tree(h, label, path, jsonnet_files)
    codes = list(options.ext_codes.values()) + list(options.tla_codes.values())
    _hash_outside_imports(h, jsonnet_files, roots_abs, [(os.getcwd(), c) for c in codes])
    return h.hexdigest()


# --------------------------------------------------------------------------- entries


def _encode(body: dict) -> bytes:
    payload = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return f"{FORMAT} {hashlib.sha256(payload).hexdigest()}\n".encode() + payload


def _decode(raw: bytes) -> dict:
    head, sep, payload = raw.partition(b"\n")
    parts = head.decode("ascii", "replace").split(" ")
    if not sep or len(parts) != 2 or parts[0] != FORMAT:
        raise ValueError("unknown header")
    if hashlib.sha256(payload).hexdigest() != parts[1]:
        raise ValueError("checksum mismatch")
    body = json.loads(payload)
    if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
        raise ValueError("unexpected body")
    return body


def _usable_dir(lookup: Lookup, folder: Path, forbidden: list[Path]) -> bool:
    real = os.path.realpath(folder)
    for root in forbidden:
        r = os.path.realpath(root)
        if real == r or real.startswith(r + os.sep):
            _warn(lookup, f"render cache disabled: its folder {folder} is inside {root}; "
                          "set KFCTL_CACHE_DIR or XDG_CACHE_HOME to a folder outside the repository")
            return False
    return True


def load(lookup: Lookup) -> dict | None:
    try:
        raw = lookup.path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        _warn(lookup, f"render cache disabled: cannot read {lookup.path} ({exc.strerror or exc}); "
                      "set KFCTL_CACHE_DIR to a usable folder or pass --no-cache")
        lookup.broken = True
        return None
    try:
        body = _decode(raw)
    except ValueError as exc:
        _warn(lookup, f"render cache: ignoring corrupt entry {lookup.path} ({exc}); it will be rewritten")
        try:
            lookup.path.unlink()
        except OSError:
            pass
        return None
    try:
        os.utime(lookup.path)  # recently used entries survive pruning
    except OSError:
        pass
    return body


def store(lookup: Lookup, body: dict) -> None:
    from .files import atomic_write

    folder = lookup.path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(lookup.path, _encode(body))
    except OSError as exc:
        _warn(lookup, f"render cache disabled: cannot write to {folder} ({exc.strerror or exc}); "
                      "set KFCTL_CACHE_DIR to a writable folder or pass --no-cache")
        return
    _prune(folder)


def _prune(folder: Path, keep: int = MAX_ENTRIES) -> None:
    try:
        entries = [e for e in os.scandir(folder) if _ENTRY.match(e.name) and e.is_file()]
        if len(entries) <= keep:
            return
        entries.sort(key=lambda e: (e.stat().st_mtime_ns, e.name))
        for e in entries[: len(entries) - keep]:
            os.unlink(e.path)
    except OSError:
        pass


def cached_render(app, env_name, components=None, *, options=None, param_overrides=None,
                  forbidden_roots: list[Path] | None = None, environ=None, keep_yaml: bool = True):
    """``render.render`` through the cache. Returns the ``Rendered`` with any cache warnings attached.

    ``keep_yaml``: the caller prints YAML (``show``), so the entry keeps the YAML text too and a warm
    ``show`` only copies bytes. Cluster commands pass False: they never print it, and dumping 500 objects
    costs about 0.3 s before a first apply's first request; a later ``show`` adds the text to the entry."""
    from .objects import Duplicate, report_duplicates
    from .render import JsonnetOptions, Rendered, engine_name, render, strict_duplicates

    options = options or JsonnetOptions()
    env = app.environment(env_name)
    lookup = Lookup()
    folder = cache_dir(environ)
    usable = _usable_dir(lookup, folder, [Path(app.root), *(forbidden_roots or [])])
    engine = engine_name(app, env, components)
    if engine not in _ENGINE_MODULES:
        from .engine import get_engine

        get_engine(engine)  # an unknown KFCTL_ENGINE: its error, before any cache lookup
    if usable:
        lookup.key = render_key(app, env, components, options, param_overrides, engine)
        lookup.path = folder / f"{lookup.key}.json"
        body = load(lookup)
        if body is not None:
            lookup.hit = True
            rendered = Rendered(app=app, env=env, objects=body["objects"], components=body["components"],
                                model=body["model"], yaml_text=body.get("yaml"))
            # The render's own warnings come back with it; --strict decides again on the stored duplicates.
            rendered.duplicates = [Duplicate(*d) for d in body.get("duplicates", [])]
            report_duplicates(rendered.duplicates, strict=strict_duplicates(app, options))
            if keep_yaml and rendered.yaml_text is None and not lookup.broken:
                from .objects import dump_yaml

                rendered.yaml_text = body["yaml"] = dump_yaml(rendered.objects)
                store(lookup, body)
            rendered.warnings = list(body.get("warnings", [])) + lookup.warnings
            return rendered
    from .engine import get_engine

    rendered = render(app, env.name, components, options=options, param_overrides=param_overrides, cache=False,
                      engine=get_engine(engine))
    if usable and not lookup.broken:
        from .objects import dump_yaml

        # The YAML text is stored too: a warm `show` then only reads and writes bytes (dumping costs more
        # than everything else on a hit).
        rendered.yaml_text = dump_yaml(rendered.objects) if keep_yaml else None
        store(lookup, {"objects": rendered.objects, "components": rendered.components, "model": rendered.model,
                       "yaml": rendered.yaml_text, "warnings": rendered.warnings,
                       "duplicates": [[d.ref, d.loser, d.winner] for d in rendered.duplicates]})
    rendered.warnings = list(getattr(rendered, "warnings", [])) + lookup.warnings
    return rendered
