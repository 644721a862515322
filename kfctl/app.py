"""The app on disk: finding its root, reading and writing app.yaml (spec 0.1.0 to 0.3.0),
environments, modules and components.

An app is a folder with ``app.yaml``, ``components/`` (modules, each with a ``params.libsonnet``),
``environments/`` (``base.libsonnet`` and one folder per environment), ``lib/`` and ``vendor/``.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import names
from .errors import AppFileError, InvalidName, NotAnApp, UnknownComponent, UnknownEnvironment
from .files import atomic_write

APP_FILE = "app.yaml"
OVERRIDE_FILE = "app.override.yaml"
CURRENT_ENV_FILE = ".ks_environment"
SUPPORTED_VERSIONS = ("0.1.0", "0.2.0", "0.3.0")
NEW_APP_VERSION = "0.3.0"
DEFAULT_K8S_VERSION = "v1.36.0"
COMPONENT_SUFFIXES = (".jsonnet", ".yaml", ".yml", ".json")
# What ``protocol:`` of a registry in app.yaml may say (kfctl.registry explains each kind).
REGISTRY_PROTOCOLS = ("builtin", "fs", "github", "git")
# vMAJOR.MINOR.PATCH, with the build suffix some distributions add (v1.27.3+k3s1, v1.28.2-gke.100).
_K8S_VERSION = re.compile(r"v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:[-+][0-9A-Za-z.+-]+)?")


def check_k8s_version(value: str, where: str) -> str:
    """A Kubernetes version as recorded in app.yaml (``vMAJOR.MINOR.PATCH``; a missing ``v`` is added)."""
    if not _K8S_VERSION.fullmatch(value):
        raise AppFileError(f"{value!r} is not a Kubernetes version; expected vMAJOR.MINOR.PATCH, e.g. "
                           f"{DEFAULT_K8S_VERSION}", where=where)
    return value if value.startswith("v") else f"v{value}"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_yaml(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False, width=10_000,
                     allow_unicode=True)


def load_yaml_file(path: Path, display: str, *, error: type = AppFileError, what: str = "file") -> object:
    """Parse a YAML file; failures raise ``error`` naming ``display`` (with line:col for syntax errors)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{what} not found", where=display) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {what}: {exc}", where=display) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{display}:{mark.line + 1}:{mark.column + 1}" if mark else display
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        suffix = "" if what == "file" else f" in {what}"
        raise error(f"invalid YAML{suffix}: {problem}", where=where) from None


@dataclass(frozen=True)
class Environment:
    name: str
    path: str
    server: str
    namespace: str
    k8s_version: str
    context: str | None = None
    targets: tuple[str, ...] = ()
    overridden: bool = False

    def destination(self) -> dict:
        """The value components see as ``std.extVar("__ksonnet/environments")``."""
        return {"server": self.server, "namespace": self.namespace}


@dataclass(frozen=True)
class Component:
    name: str  # module-qualified: "name" in the root module, "mod.sub.name" elsewhere
    module: str  # "" for the root module
    path: Path
    kind: str  # "jsonnet", "yaml" or "json"

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Walk up from ``start`` (default: the current directory) to the folder holding app.yaml."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / APP_FILE).is_file():
            return folder
    raise NotAnApp(f"no {APP_FILE} in {here} or any parent folder; run 'kfctl init NAME' to create an app")


@dataclass
class App:
    root: Path
    data: dict
    override: dict | None = None
    _components: list[Component] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, start: str | os.PathLike | None = None) -> "App":
        root = find_root(start)
        data = load_yaml_file(root / APP_FILE, APP_FILE)
        cls._check_spec(data, APP_FILE, "ksonnet.io/app")
        override = None
        if (root / OVERRIDE_FILE).is_file():
            override = load_yaml_file(root / OVERRIDE_FILE, OVERRIDE_FILE)
            if override is None:
                override = {}
            if not isinstance(override, dict):
                raise AppFileError("expected a mapping", where=OVERRIDE_FILE)
            cls._check_spec({**override, "apiVersion": override.get("apiVersion") or data.get("apiVersion"),
                             "kind": "ksonnet.io/app"}, OVERRIDE_FILE, "ksonnet.io/app")
        return cls(root=root, data=data, override=override)

    @staticmethod
    def _check_spec(data: object, display: str, kind: str) -> None:
        if not isinstance(data, dict):
            raise AppFileError("expected a mapping with apiVersion, kind and name", where=display)
        version = str(data.get("apiVersion", ""))
        if data.get("kind") not in (None, kind):
            raise AppFileError(f"kind is {data.get('kind')!r}, expected {kind!r}", where=display)
        if version == "0.0.1":
            raise AppFileError(
                "app spec 0.0.1 (ks 0.8) is not supported; move each environments/<env>/spec.json into "
                "app.yaml's environments (ks 0.9 layout) and set apiVersion: 0.1.0", where=display)
        if version not in SUPPORTED_VERSIONS:
            raise AppFileError(
                f"unsupported apiVersion {version!r}; supported: {', '.join(SUPPORTED_VERSIONS)}", where=display)
        for key in ("environments", "registries", "libraries"):
            if data.get(key) is not None and not isinstance(data.get(key), dict):
                raise AppFileError(f"{key!r} must be a mapping", where=display)
            for entry, value in (data.get(key) or {}).items():
                if value is not None and not isinstance(value, dict):
                    raise AppFileError(f"{key}.{entry} must be a mapping, not {type(value).__name__}",
                                       where=display)
        for reg_name, spec in (data.get("registries") or {}).items():
            protocol = (spec or {}).get("protocol")
            if protocol is not None and protocol not in REGISTRY_PROTOCOLS and protocol != "helm":
                raise AppFileError(f"registries.{reg_name}: unknown protocol {protocol!r} "
                                   f"(known: {', '.join(REGISTRY_PROTOCOLS)})", where=display)
            uri = (spec or {}).get("uri")
            if uri is not None and not isinstance(uri, str):
                raise AppFileError(f"registries.{reg_name}: uri must be a string", where=display)
        for env_name, spec in (data.get("environments") or {}).items():
            spec = spec or {}
            dest = spec.get("destination")
            if dest is not None and not isinstance(dest, dict):
                raise AppFileError(f"environments.{env_name}.destination must be a mapping", where=display)
            for field_name, value in list((dest or {}).items()) + [("k8sVersion", spec.get("k8sVersion")),
                                                                    ("path", spec.get("path"))]:
                if value is not None and not isinstance(value, (str, int, float)):
                    raise AppFileError(f"environments.{env_name}: {field_name} must be a string", where=display)
            if spec.get("targets") is not None and not isinstance(spec.get("targets"), list):
                raise AppFileError(f"environments.{env_name}.targets must be a list", where=display)

    # ------------------------------------------------------------------ basic facts
    @property
    def name(self) -> str:
        return str(self.data.get("name", self.root.name))

    @property
    def api_version(self) -> str:
        return str(self.data.get("apiVersion"))

    @property
    def app_id(self) -> str | None:
        value = self.data.get("id")
        return str(value) if value else None

    def ensure_id(self) -> str:
        """The app's stable id; an app without one gets one written to app.yaml."""
        if not self.app_id:
            self.data["id"] = new_app_id()
            self.save()
        return str(self.data["id"])

    def rel(self, path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    # ------------------------------------------------------------------ environments
    def _env_specs(self) -> dict[str, tuple[dict, bool]]:
        specs: dict[str, tuple[dict, bool]] = {}
        for name, spec in (self.data.get("environments") or {}).items():
            specs[str(name)] = (spec or {}, False)
        for name, spec in ((self.override or {}).get("environments") or {}).items():
            specs[str(name)] = (spec or {}, True)
        return specs

    def environments(self) -> dict[str, Environment]:
        out = {}
        for name, (spec, overridden) in sorted(self._env_specs().items()):
            dest = spec.get("destination") or {}
            targets = tuple(str(t).replace("/", ".").strip(".") for t in (spec.get("targets") or []))
            out[name] = Environment(
                name=name,
                path=str(spec.get("path") or name),
                server=str(dest.get("server") or ""),
                namespace=str(dest.get("namespace") or "default"),
                k8s_version=str(spec.get("k8sVersion") or DEFAULT_K8S_VERSION),
                context=dest.get("context") or None,
                targets=targets,
                overridden=overridden,
            )
        return out

    def environment(self, name: str | None) -> Environment:
        if name is None:
            name = self.current_environment()
            if name is None:
                raise UnknownEnvironment(
                    "environment is not set; name one, or set a current one with 'kfctl env current --set ENV' "
                    f"(known: {self._known_envs()})")
        envs = self.environments()
        if name not in envs:
            raise UnknownEnvironment(f"unknown environment {name!r} (known: {self._known_envs()})")
        return envs[name]

    def _known_envs(self) -> str:
        return ", ".join(self.environments()) or "none; add one with 'kfctl env add NAME'"

    def env_dir(self, env: Environment) -> Path:
        return self._env_path(env.path, env.name)

    def _env_path(self, rel: str, name: str) -> Path:
        """environments/<rel>, refusing a path that leaves environments/ (app.yaml is user input)."""
        from .errors import UnsafePath
        from .files import safe_join

        try:
            path = safe_join(self.root / "environments", rel)
        except UnsafePath:
            raise AppFileError(f"environment {name!r} has path {rel!r}, which leaves environments/",
                               where=APP_FILE) from None
        if path == (self.root / "environments").resolve():
            raise AppFileError(f"environment {name!r} has an empty path", where=APP_FILE)
        return path

    def _check_nesting(self, name: str, *, ignore: str | None = None) -> None:
        """Environment folders must not hold one another (removing or renaming one would take the other)."""
        for other in self._env_specs():
            if other in (name, ignore):
                continue
            if other.startswith(name + "/") or name.startswith(other + "/"):
                raise InvalidName(f"environment {name!r} would share a folder with environment {other!r}; "
                                  "one environment's folder cannot hold another's")

    def current_environment(self) -> str | None:
        path = self.root / CURRENT_ENV_FILE
        if path.is_file():
            from .files import read_source

            value = read_source(path, CURRENT_ENV_FILE).strip()
            return value or None
        return None

    def set_current_environment(self, name: str | None) -> None:
        path = self.root / CURRENT_ENV_FILE
        if name is None:
            path.unlink(missing_ok=True)
            return
        self.environment(name)
        atomic_write(path, name)

    def add_environment(self, name: str, *, server: str, namespace: str, k8s_version: str,
                        context: str | None = None, override: bool = False) -> Environment:
        names.check_environment_name(name)
        if name in self._env_specs():
            raise InvalidName(f"environment {name!r} already exists")
        self._check_nesting(name)
        names.check_namespace(namespace)
        check_k8s_version(k8s_version, "Kubernetes version")
        env_dir, created = self._new_env_folder(name)
        depth = len(name.split("/"))
        dest = {"server": server, "namespace": namespace}
        if context:
            dest["context"] = context
        spec = {"destination": dest, "k8sVersion": k8s_version, "path": name}
        try:
            for fname, text in ENV_FILES.items():
                path = env_dir / fname
                if not path.exists():
                    atomic_write(path, text.replace('"../base.libsonnet"', '"' + "../" * depth + 'base.libsonnet"'))
            if override:
                self.override = self.override if self.override is not None else {
                    "apiVersion": self.api_version, "kind": "ksonnet.io/app-override"}
                self.override.setdefault("environments", {})[name] = spec
                self.save_override()
            else:
                self.data.setdefault("environments", {})
                if self.data["environments"] is None:
                    self.data["environments"] = {}
                self.data["environments"][name] = spec
                self.save()
        except BaseException:
            if created is not None:
                shutil.rmtree(created, ignore_errors=True)
            raise
        return self.environments()[name]

    def _new_env_folder(self, name: str) -> tuple[Path, Path | None]:
        """(environments/<name>, the topmost folder of it that does not exist yet, to remove on failure).

        Refuses a name whose folder (or a folder on the way) is an existing file, e.g. ``base.libsonnet``.
        """
        base = self.root / "environments"
        env_dir = base / name
        created = None
        for folder in [env_dir, *env_dir.parents]:
            if folder == base or base not in folder.parents:
                break
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise InvalidName(f"environment {name!r} needs the folder {self.rel(folder)}, but that is a "
                                  "file; choose another name")
            if not folder.exists():
                created = folder
        return env_dir, created

    def _spec_for_edit(self, name: str) -> tuple[dict, dict]:
        """(the mapping holding env ``name``, its spec) from app.yaml or app.override.yaml."""
        self.environment(name)
        ov = (self.override or {}).get("environments") or {}
        holder = ov if name in ov else self.data["environments"]
        if holder[name] is None:
            holder[name] = {}
        return holder, holder[name]

    def _save_holder(self, holder: dict) -> None:
        if self.override is not None and holder is self.override.get("environments"):
            self.save_override()
        else:
            self.save()

    def update_environment(self, name: str, *, server: str | None = None, namespace: str | None = None,
                           k8s_version: str | None = None, context: str | None = None,
                           new_name: str | None = None) -> Environment:
        holder, spec = self._spec_for_edit(name)
        dest = spec.setdefault("destination", {}) or {}
        spec["destination"] = dest
        if server is not None:
            dest["server"] = server
        if namespace is not None:
            names.check_namespace(namespace)
            dest["namespace"] = namespace
        if context is not None:
            if context:
                dest["context"] = context
            else:
                dest.pop("context", None)
        if k8s_version is not None:
            spec["k8sVersion"] = check_k8s_version(k8s_version, "Kubernetes version")
        final = name
        if new_name and new_name != name:
            names.check_environment_name(new_name)
            if new_name in self._env_specs():
                raise InvalidName(f"cannot rename {name!r}: environment {new_name!r} already exists")
            if new_name.startswith(name + "/") or name.startswith(new_name + "/"):
                raise InvalidName(f"cannot rename {name!r} to {new_name!r}: one folder would hold the other")
            self._check_nesting(new_name, ignore=name)
            old_dir = self._env_path(str(spec.get("path") or name), name)
            new_dir = self.root / "environments" / new_name
            if new_dir.exists():
                raise InvalidName(f"cannot rename {name!r}: environments/{new_name} already exists")
            new_dir, created = self._new_env_folder(new_name)
            was_current = self.current_environment() == name  # read before anything changes
            # Copy first, then record the new name, then drop the old folder: a failure before the
            # record removes the copy again; a crash leaves an app that still loads.
            try:
                if old_dir.is_dir():
                    shutil.copytree(old_dir, new_dir)
                    _rebase_main(new_dir / "main.jsonnet", len(name.split("/")), len(new_name.split("/")))
                spec["path"] = new_name
                del holder[name]
                holder[new_name] = spec
                self._save_holder(holder)
            except BaseException:
                if created is not None:
                    shutil.rmtree(created, ignore_errors=True)
                raise
            if old_dir.is_dir():
                shutil.rmtree(old_dir)
                _prune_empty_parents(old_dir.parent, self.root / "environments")
            if was_current:
                self.set_current_environment(new_name)
            final = new_name
        else:
            self._save_holder(holder)
        return self.environments()[final]

    def remove_environment(self, name: str) -> None:
        holder, spec = self._spec_for_edit(name)
        env_dir = self._env_path(str(spec.get("path") or name), name)
        others = [self.env_dir(e) for n, e in self.environments().items() if n != name]
        was_current = self.current_environment() == name  # read before anything changes
        del holder[name]
        self._save_holder(holder)
        if env_dir.is_dir():
            if any(env_dir in o.parents for o in others):
                # Another environment lives inside this folder: remove only this one's own files.
                for entry in env_dir.iterdir():
                    if entry.is_file() or entry.is_symlink():
                        entry.unlink()
            else:
                shutil.rmtree(env_dir)
                _prune_empty_parents(env_dir.parent, self.root / "environments")
        if was_current:
            self.set_current_environment(None)

    # ------------------------------------------------------------------ modules and components
    def modules(self) -> list[str]:
        """Module names: "" (root) plus "a", "a.b" … for folders under components/ with a params.libsonnet."""
        comp_dir = self.root / "components"
        found = [""] if (comp_dir / "params.libsonnet").is_file() or comp_dir.is_dir() else []
        if comp_dir.is_dir():
            for dirpath, dirnames, filenames in os.walk(comp_dir):
                dirnames.sort()
                if Path(dirpath) == comp_dir:
                    continue
                if "params.libsonnet" in filenames:
                    rel = Path(dirpath).relative_to(comp_dir)
                    found.append(".".join(rel.parts))
        return sorted(found)

    def module_dir(self, module: str) -> Path:
        base = self.root / "components"
        return base.joinpath(*module.split(".")) if module else base

    def components(self) -> list[Component]:
        if self._components is None:
            out: list[Component] = []
            for module in self.modules():
                mdir = self.module_dir(module)
                try:
                    entries = sorted(os.listdir(mdir))
                except FileNotFoundError:
                    continue
                for entry in entries:
                    stem, dot, ext = entry.rpartition(".")
                    if not dot or f".{ext}" not in COMPONENT_SUFFIXES or not stem or stem.startswith("."):
                        continue
                    path = mdir / entry
                    if not path.is_file():
                        continue
                    if any("\udc80" <= ch <= "\udcff" for ch in entry):
                        raise AppFileError("the file name is not valid UTF-8, so it cannot name a component; "
                                           "rename the file", where=self.rel(path))
                    kind = "yaml" if ext in ("yaml", "yml") else ext
                    cname = f"{module}.{stem}" if module else stem
                    out.append(Component(cname, module, path, kind))
            self._components = out
        return list(self._components)

    def component(self, name: str) -> Component:
        for comp in self.components():
            if comp.name == name:
                return comp
        known = ", ".join(c.name for c in self.components()) or "none"
        raise UnknownComponent(f"unknown component {name!r} (known: {known})")

    def invalidate(self) -> None:
        self._components = None

    # ------------------------------------------------------------------ registries and libraries
    def registries(self) -> dict[str, dict]:
        regs = {str(k): dict(v or {}) for k, v in (self.data.get("registries") or {}).items()}
        for k, v in ((self.override or {}).get("registries") or {}).items():
            regs[str(k)] = dict(v or {}, overridden=True)
        return dict(sorted(regs.items()))

    def libraries(self, env: str | None = None) -> dict[str, dict]:
        """Installed packages keyed ``registry/name`` whatever spec version wrote them."""
        raw = self.data.get("libraries") or {}
        if env is not None:
            raw = ((self.data.get("environments") or {}).get(env) or {}).get("libraries") or {}
        out = {}
        for key, lib in raw.items():
            lib = dict(lib or {})
            name = str(lib.get("name") or str(key).split("/")[-1])
            registry = str(lib.get("registry") or (str(key).split("/")[0] if "/" in str(key) else ""))
            version = lib.get("version")
            if version is None and isinstance(lib.get("gitVersion"), dict):
                version = lib["gitVersion"].get("commitSha") or lib["gitVersion"].get("refSpec")
            entry = {"name": name, "registry": registry}
            if version:
                entry["version"] = str(version)
            out[f"{registry}/{name}"] = entry
        return dict(sorted(out.items()))

    def set_library(self, registry: str, name: str, version: str | None, env: str | None = None) -> None:
        """Record an installed package in the shape of this app's spec version."""
        holder = self.data if env is None else self.data["environments"][env]
        libs = holder.get("libraries") or {}
        for key in [k for k, v in libs.items()
                    if (v or {}).get("name", str(k).split("/")[-1]) == name
                    and (v or {}).get("registry", registry) == registry]:
            del libs[key]
        entry: dict = {"name": name, "registry": registry}
        if self.api_version == "0.1.0":
            if version:
                entry["gitVersion"] = {"refSpec": version, "commitSha": version}
        elif version:
            entry["version"] = version
        key = f"{registry}/{name}" if self.api_version == "0.3.0" else name
        libs[key] = entry
        holder["libraries"] = dict(sorted(libs.items()))
        self.save()

    def remove_library(self, registry: str, name: str, env: str | None = None) -> bool:
        holder = self.data if env is None else self.data["environments"][env]
        libs = holder.get("libraries") or {}
        keys = [k for k, v in libs.items()
                if (v or {}).get("name", str(k).split("/")[-1]) == name
                and (v or {}).get("registry", str(k).split("/")[0]) == registry]
        for key in keys:
            del libs[key]
        if keys:
            self.save()
        return bool(keys)

    # ------------------------------------------------------------------ writing
    def save(self) -> None:
        atomic_write(self.root / APP_FILE, dump_yaml(self.data))

    def save_override(self) -> None:
        if self.override is not None:
            atomic_write(self.root / OVERRIDE_FILE, dump_yaml(self.override))

    def upgraded_data(self) -> dict:
        """app.yaml migrated to spec 0.3.0 (what ``kfctl upgrade`` writes)."""
        data = copy.deepcopy(self.data)
        data["apiVersion"] = "0.3.0"
        for reg in (data.get("registries") or {}).values():
            if isinstance(reg, dict):
                reg.pop("gitVersion", None)

        def qualify(libs: dict) -> dict:
            out = {}
            for key, lib in (libs or {}).items():
                lib = dict(lib or {})
                name = lib.get("name") or str(key).split("/")[-1]
                registry = lib.get("registry") or (str(key).split("/")[0] if "/" in str(key) else "")
                entry = {"name": name, "registry": registry}
                version = lib.get("version")
                if version is None and isinstance(lib.get("gitVersion"), dict):
                    version = lib["gitVersion"].get("commitSha") or lib["gitVersion"].get("refSpec")
                if version:
                    entry["version"] = version
                out[f"{registry}/{name}"] = entry
            return dict(sorted(out.items()))

        if data.get("libraries"):
            data["libraries"] = qualify(data["libraries"])
        for env in (data.get("environments") or {}).values():
            if isinstance(env, dict):
                if env.get("libraries"):
                    env["libraries"] = qualify(env["libraries"])
                if env.get("targets"):
                    env["targets"] = [str(t).replace("/", ".").strip(".") for t in env["targets"]]
        return data


def _rebase_main(main: Path, old_depth: int, new_depth: int) -> None:
    """Keep main.jsonnet's relative import of base.libsonnet right when an env moves to another depth."""
    if old_depth == new_depth or not main.is_file():
        return
    text = main.read_text(encoding="utf-8")
    old = '"' + "../" * old_depth + 'base.libsonnet"'
    if old in text:
        atomic_write(main, text.replace(old, '"' + "../" * new_depth + 'base.libsonnet"'))


def _prune_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def new_app_id() -> str:
    import secrets  # only `init` makes an id: not loaded on the show path

    return secrets.token_hex(8)


# ---------------------------------------------------------------------- templates written by init/env add

PARAMS_TEMPLATE = """\
{
  global: {
    // User-defined global parameters; accessible to all components and environments, Ex:
    // replicas: 4,
  },
  components: {
    // Component-level parameters, defined initially from 'kfctl generate' (or 'ks generate').
  },
}
"""

BASE_TEMPLATE = """\
local components = std.extVar("__ksonnet/components");
components + {
  // Insert user-specified overrides here.
}
"""

ENV_FILES = {
    "main.jsonnet": """\
local base = import "../base.libsonnet";
// uncomment if you reference ksonnet-lib
// local k = import "k.libsonnet";

base + {
  // Insert user-specified overrides here. For a component named "nginx" you might write:
  // nginx+: { metadata+: { labels+: { tier: "web" } } },
}
""",
    "params.libsonnet": """\
local params = std.extVar("__ksonnet/params");
local globals = import "globals.libsonnet";
local envParams = params + {
  components +: {
    // Insert component parameter overrides here. Ex:
    // guestbook +: {
    //   name: "guestbook-dev",
    //   replicas: params.global.replicas,
    // },
  },
};

{
  components: {
    [x]: envParams.components[x] + globals
    for x in std.objectFields(envParams.components)
  },
}
""",
    "globals.libsonnet": "{\n}\n",
}


def init_app(path: Path, *, name: str | None = None, env: str = "default", server: str = "",
             namespace: str = "default", k8s_version: str = DEFAULT_K8S_VERSION, context: str | None = None,
             registries: dict | None = None) -> App:
    """Create a new app folder. Nothing is written if the folder already holds an app."""
    path = Path(path)
    if (path / APP_FILE).exists():
        raise AppFileError(f"{path} already holds an app ({APP_FILE} exists)")
    if path.exists() and any(path.iterdir()):
        raise AppFileError(f"{path} exists and is not empty; choose a new folder")
    names.check_environment_name(env)
    data: dict = {
        "apiVersion": NEW_APP_VERSION,
        "kind": "ksonnet.io/app",
        "name": name or path.name,
        "id": new_app_id(),
        "version": "0.0.1",
        "registries": dict(registries or {}),
        "environments": {},
    }
    staging = path.with_name(f".{path.name}.kfctl-init-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    try:
        (staging / "components").mkdir(parents=True)
        (staging / "lib").mkdir()
        (staging / "vendor").mkdir()
        (staging / "components" / "params.libsonnet").write_text(PARAMS_TEMPLATE, encoding="utf-8")
        (staging / "environments").mkdir()
        (staging / "environments" / "base.libsonnet").write_text(BASE_TEMPLATE, encoding="utf-8")
        (staging / ".gitignore").write_text(
            "/.ksonnet/registries\n/app.override.yaml\n/.ks_environment\n/.kfctl/\n", encoding="utf-8")
        for folder in ("lib", "vendor"):
            (staging / folder / ".gitkeep").write_text("", encoding="utf-8")
        (staging / APP_FILE).write_text(dump_yaml(data), encoding="utf-8")
        app = App(root=staging, data=data)
        app.add_environment(env, server=server, namespace=namespace, k8s_version=k8s_version, context=context)
        if path.exists():
            # An existing empty folder (maybe the user's current one) stays the same folder: move the
            # prepared entries into it rather than replace it.
            moved = []
            try:
                for entry in sorted(os.listdir(staging)):
                    os.replace(staging / entry, path / entry)
                    moved.append(path / entry)
            except BaseException:
                for item in moved:
                    if item.is_dir():
                        shutil.rmtree(item)
                    else:
                        item.unlink()
                raise
            staging.rmdir()
        else:
            os.replace(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return App.load(path)
