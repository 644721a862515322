"""GitOps: rendering under Argo CD (a Config Management Plugin v2 sidecar) and exporting manifests as files.

Under Argo CD (``kfctl argocd generate``) the render is hermetic: no cluster, no network, no writes to
the checkout (the render cache lives outside it). What it reads:

* the environment from ``ARGOCD_ENV_KFCTL_ENV`` (an Application's ``plugin.env`` entry ``KFCTL_ENV``);
  when unset, the app's only environment;
* parameter overrides from ``ARGOCD_APP_PARAMETERS``: one map parameter per component, named after it
  (``{"name": "kubeflow-core", "map": {"jupyterHubImage": "..."}}``). Values arrive as strings and are
  typed back by the param's current value (a string param stays text; numbers, booleans, arrays and
  objects are read as JSON). The ``PARAM_*`` variables are not used: their names are mangled
  (``kubeflow-core`` becomes ``KUBEFLOW_CORE``) and cannot be mapped back. Overrides are applied in
  memory; no params file is edited;
* ``ARGOCD_APP_NAMESPACE`` (the Application's destination namespace), see ``effective_namespace``;
* ``KUBE_VERSION`` when ``ARGOCD_ENV_KFCTL_VALIDATE`` asks for validation before output.

What it writes to stdout is only the manifest stream. On top of ``kfctl show``'s objects it sets the
namespace of namespaced objects that have none (scope decided offline, ``kinds.is_namespaced``, from the
built-in kinds and the CRDs in the render) and adds ``argocd.argoproj.io/sync-wave`` from kfctl's apply
order (``kinds.apply_group``: Namespaces -5, CRDs -4, RBAC -3, config and volumes -2, Services -1,
workloads 0, other built-ins 1, custom resources 2), so Argo CD creates CRDs before their resources. A
wave the object already carries is kept; ``ARGOCD_ENV_KFCTL_SYNC_WAVES=false`` turns waves off.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import kinds
from .errors import AppError, KfctlError, ParamError, UnknownComponent, UnknownEnvironment, ValidationError

ENV_VAR = "ARGOCD_ENV_KFCTL_ENV"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
PLUGIN_NAME = "kfctl"
DEFAULT_NAMESPACE = "default"
_FALSE = ("0", "false", "no", "off")
_TRUE = ("1", "true", "yes", "on")


class ExportError(KfctlError):
    pass


# --------------------------------------------------------------------------- Argo CD context


@dataclass
class ArgoContext:
    """What Argo CD tells a plugin command through its environment."""

    env_name: str | None = None
    app_name: str | None = None
    app_namespace: str | None = None
    revision: str | None = None
    source_path: str | None = None
    repo_url: str | None = None
    kube_version: str | None = None
    parameters: list = field(default_factory=list)
    sync_waves: bool = True
    validate: bool = False

    @classmethod
    def from_environ(cls, environ=None) -> "ArgoContext":
        environ = os.environ if environ is None else environ
        raw = environ.get("ARGOCD_APP_PARAMETERS", "").strip()
        params = []
        if raw:
            try:
                params = json.loads(raw)
            except ValueError as exc:
                raise ParamError(f"ARGOCD_APP_PARAMETERS is not valid JSON: {exc}") from None
            if params is None:  # what Argo CD sends for an Application without parameters
                params = []
            if not isinstance(params, list):
                raise ParamError("ARGOCD_APP_PARAMETERS must be a JSON list of parameters")
        return cls(
            env_name=environ.get(ENV_VAR) or None,
            app_name=environ.get("ARGOCD_APP_NAME") or None,
            app_namespace=environ.get("ARGOCD_APP_NAMESPACE") or None,
            revision=environ.get("ARGOCD_APP_REVISION") or None,
            source_path=environ.get("ARGOCD_APP_SOURCE_PATH") or None,
            repo_url=environ.get("ARGOCD_APP_SOURCE_REPO_URL") or None,
            kube_version=environ.get("KUBE_VERSION") or None,
            parameters=params,
            sync_waves=str(environ.get("ARGOCD_ENV_KFCTL_SYNC_WAVES", "true")).lower() not in _FALSE,
            validate=str(environ.get("ARGOCD_ENV_KFCTL_VALIDATE", "")).lower() in _TRUE,
        )


def pick_environment(app, name: str | None) -> str:
    """``name``, else the app's only environment. Unknown names fail listing the known ones."""
    envs = app.environments()
    if name:
        if name not in envs:
            known = ", ".join(envs) or "none"
            raise UnknownEnvironment(f"unknown environment {name!r} (known: {known})", where=ENV_VAR)
        return name
    if len(envs) == 1:
        return next(iter(envs))
    known = ", ".join(envs) or "none"
    raise UnknownEnvironment(f"no environment chosen: set the Application's plugin env KFCTL_ENV "
                             f"({ENV_VAR}) to one of: {known}")


def effective_namespace(env, app_namespace: str | None) -> str:
    """The namespace namespaced objects without one land in.

    The environment's namespace, as for ``kfctl apply``; except that an environment whose namespace is
    ``default`` (what ``kfctl init`` writes when it knows no better) takes the Application's destination
    namespace, so one app can be deployed into the namespace the Argo CD Application names."""
    if env.namespace and env.namespace != DEFAULT_NAMESPACE:
        return env.namespace
    return app_namespace or env.namespace or DEFAULT_NAMESPACE


def _set_env_namespace(app, env, namespace: str) -> None:
    """Make components see ``namespace`` as ``env.namespace`` (in memory only; nothing is saved)."""
    for holder_name in ("override", "data"):
        holder = getattr(app, holder_name)
        specs = (holder or {}).get("environments") or {}
        if env.name in specs:
            holder = copy.deepcopy(holder)
            spec = holder["environments"][env.name] or {}
            holder["environments"][env.name] = spec
            dest = spec.get("destination")
            if not isinstance(dest, dict):
                dest = spec["destination"] = {}
            dest["namespace"] = namespace
            setattr(app, holder_name, holder)
            return


# --------------------------------------------------------------------------- parameters


def _param_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)


def current_params(app, env_name: str) -> dict[str, dict]:
    """{component: {param: value}} of the environment's components (globals and env overrides applied)."""
    from .params import resolve
    from .render import select

    env = app.environment(env_name)
    comps = [c.name for c in select(app, env, None)]
    resolved = resolve(app, env)
    return {name: dict(resolved.get(name) or {}) for name in comps}


def announcement(app, env_name: str) -> list[dict]:
    """The CMP parameter announcement: one map parameter per component, its params with current values."""
    out = []
    for comp, params in sorted(current_params(app, env_name).items()):
        if not params:
            continue
        out.append({
            "name": comp,
            "title": f"Parameters of component {comp}",
            "tooltip": f"kfctl params of component {comp} in environment {env_name}; values are text, "
                       "read as JSON when the param is not a string",
            "collectionType": "map",
            "map": {k: _param_text(v) for k, v in sorted(params.items())},
        })
    return out


def _typed(component: str, key: str, current, value):
    if not isinstance(value, str):
        return value
    if isinstance(current, str):
        return value
    if current is None and value == "null":
        return None
    try:
        return json.loads(value)
    except ValueError:
        if current is None:
            return value
        from .objects import type_name

        raise ParamError(f"parameter {component}.{key}: {value!r} is not a valid {type_name(current)} "
                         "(values of non-string params are read as JSON)") from None


def overrides_from_parameters(app, env_name: str, parameters: list) -> dict[str, dict]:
    """Argo CD parameters (``ARGOCD_APP_PARAMETERS``) to ``render(param_overrides=...)``.

    Unknown components and params are errors naming the known ones."""
    if not parameters:
        return {}
    current = current_params(app, env_name)
    out: dict[str, dict] = {}
    for entry in parameters:
        if not isinstance(entry, dict) or not entry.get("name"):
            raise ParamError(f"ARGOCD_APP_PARAMETERS: each parameter needs a name; got {entry!r}")
        comp = str(entry["name"])
        if comp not in current:
            known = ", ".join(sorted(current)) or "none"
            raise UnknownComponent(f"parameter {comp!r}: no such component in environment {env_name!r} "
                                   f"(known: {known})")
        values = entry.get("map")
        if values is None:
            if entry.get("string") is not None or entry.get("array") is not None:
                raise ParamError(f"parameter {comp!r}: expected a map of the component's params "
                                 "(collectionType: map)")
            continue
        if not isinstance(values, dict):
            raise ParamError(f"parameter {comp!r}: 'map' must be an object")
        for key in sorted(values):
            if key not in current[comp]:
                known = ", ".join(sorted(current[comp])) or "none"
                raise ParamError(f"parameter {comp!r}: component has no param {key!r} (known: {known})")
            typed = _typed(comp, key, current[comp][key], values[key])
            if typed != current[comp][key]:
                out.setdefault(comp, {})[key] = typed
    return out


# --------------------------------------------------------------------------- object post-processing


def default_namespaces(objects: list[dict], namespace: str) -> None:
    """Set ``namespace`` on namespaced objects that have none (in place); unknown scopes are left alone."""
    crds = kinds.crd_scopes(objects)
    for obj in objects:
        meta = obj.get("metadata")
        if not isinstance(meta, dict) or meta.get("namespace"):
            continue
        if kinds.is_namespaced(str(obj.get("apiVersion", "")), str(obj.get("kind", "")), crds):
            meta["namespace"] = namespace


def sync_wave(obj: dict, crds=None) -> int:
    return kinds.apply_group(obj, crds) - kinds.WORKLOADS


def add_sync_waves(objects: list[dict]) -> None:
    crds = kinds.crd_scopes(objects)
    for obj in objects:
        meta = obj.setdefault("metadata", {})
        annotations = meta.get("annotations")
        if annotations is None:
            annotations = meta["annotations"] = {}
        if isinstance(annotations, dict) and SYNC_WAVE not in annotations:
            annotations[SYNC_WAVE] = str(sync_wave(obj, crds))


# --------------------------------------------------------------------------- generate


@dataclass
class Generated:
    env: str
    namespace: str
    objects: list[dict]
    warnings: list[str] = field(default_factory=list)

    def yaml(self) -> str:
        from .objects import dump_yaml

        return dump_yaml(self.objects)


def _repo_root(app, source_path: str | None) -> Path:
    """The checkout's root: the app folder minus ``ARGOCD_APP_SOURCE_PATH`` (else the app folder)."""
    root = Path(app.root)
    if source_path:
        parts = [p for p in Path(source_path).parts if p not in (".", "")]
        if parts and tuple(root.parts[-len(parts):]) == tuple(parts):
            return Path(*root.parts[: len(root.parts) - len(parts)])
    return root


def generate(app, ctx: ArgoContext, *, cache: bool = True) -> Generated:
    """Render for Argo CD (see the module docstring)."""
    from .cache import cached_render, disabled_by_env
    from .render import render

    env_name = pick_environment(app, ctx.env_name)
    env = app.environment(env_name)
    namespace = effective_namespace(env, ctx.app_namespace)
    if namespace != env.namespace:
        _set_env_namespace(app, env, namespace)
    overrides = overrides_from_parameters(app, env_name, ctx.parameters)
    if cache and not disabled_by_env():
        rendered = cached_render(app, env_name, param_overrides=overrides or None,
                                 forbidden_roots=[_repo_root(app, ctx.source_path)])
    else:
        rendered = render(app, env_name, param_overrides=overrides or None, cache=False)
    objects = rendered.objects
    default_namespaces(objects, namespace)
    if ctx.sync_waves:
        add_sync_waves(objects)
    if ctx.validate:
        from .validate import validate_objects

        report = validate_objects(objects, kube_version=ctx.kube_version or env.k8s_version)
        if report.errors:
            first = report.errors[0]
            more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
            raise ValidationError(f"{first}{more}")
    return Generated(env=env_name, namespace=namespace, objects=objects, warnings=list(rendered.warnings))


def discover(folder: Path) -> bool:
    """True when ``folder`` holds a kfctl/ksonnet app (an app.yaml of kind ksonnet.io/app)."""
    import yaml

    path = Path(folder) / "app.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and data.get("kind") == "ksonnet.io/app"


# --------------------------------------------------------------------------- Application manifest


def _dns_label(text: str) -> str:
    out = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return out[:63].rstrip("-") or "kfctl-app"


_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?\Z")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")


def _is_label_key(key: str) -> bool:
    """Kubernetes' rule for a label key: NAME, or PREFIX/NAME with a DNS subdomain PREFIX."""
    prefix, slash, name = key.rpartition("/")
    if slash and not (len(prefix) <= 253 and _DNS_SUBDOMAIN.match(prefix)):
        return False
    return bool(_LABEL_NAME.match(name))


def _check_argocd_names(name: str | None, argocd_namespace: str, repo: str) -> None:
    """--name, --argocd-namespace and --repo as the API server and Argo CD will take them."""
    from .names import check_namespace

    if name is not None and not (len(name) <= 253 and _DNS_SUBDOMAIN.match(name)):
        raise AppError(f"--name {name!r}: not a Kubernetes object name (lower-case letters, digits, '-' and '.')")
    check_namespace(argocd_namespace)
    if not repo.strip():
        raise AppError("--repo: empty; give the Git URL Argo CD clones")


def _git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


IN_CLUSTER = "https://kubernetes.default.svc"
AUTO_SYNC = {"automated": {"prune": True, "selfHeal": True}}


def destination_server(env) -> str:
    """Where Argo CD deploys an environment: its server, else the cluster Argo CD runs in."""
    return env.server or IN_CLUSTER


def _source(app, env_value: str, *, repo: str, path: str | None, revision: str) -> dict:
    """An Application source rendering this app with the kfctl plugin; ``path`` defaults to the app's folder
    relative to its git repository."""
    if path is None:
        root = Path(app.root).resolve()
        git = _git_root(root)
        path = (root.relative_to(git).as_posix() if git else ".") or "."
    return {
        "repoURL": repo,
        "targetRevision": revision,
        "path": path,
        "plugin": {"name": PLUGIN_NAME, "env": [{"name": "KFCTL_ENV", "value": env_value}]},
    }


def application(app, env_name: str, *, repo: str, path: str | None = None, revision: str = "HEAD",
                name: str | None = None, project: str = "default", argocd_namespace: str = "argocd",
                dest_server: str | None = None, auto_sync: bool = False) -> dict:
    """An Argo CD Application that renders ``env_name`` of this app with the kfctl plugin."""
    _check_argocd_names(name, argocd_namespace, repo)
    env = app.environment(env_name)
    spec: dict = {
        "project": project,
        "source": _source(app, env_name, repo=repo, path=path, revision=revision),
        "destination": {"server": dest_server or destination_server(env), "namespace": env.namespace},
    }
    if auto_sync:
        spec["syncPolicy"] = dict(AUTO_SYNC)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name or _dns_label(f"{app.name}-{env_name}"), "namespace": argocd_namespace},
        "spec": spec,
    }


# --------------------------------------------------------------------------- ApplicationSet

CLUSTER_LABEL = "kfctl.dev/environment"


def application_set(app, env_names: list[str] | None = None, *, repo: str, path: str | None = None,
                    revision: str = "HEAD", name: str | None = None, project: str = "default",
                    argocd_namespace: str = "argocd", auto_sync: bool = False,
                    cluster_label: str | None = None) -> dict:
    """An Argo CD ApplicationSet (Go templates) making one Application per environment of this app.

    Without ``cluster_label``: a list generator, one element per environment (destination server and
    namespace from the environment). With it: a matrix of that list and Argo CD's cluster generator, which
    selects the clusters registered in Argo CD whose label ``cluster_label`` is the environment's name, so
    one environment can run on many clusters (one Application per environment and cluster, named
    ``<app>-<env>-<cluster>``; the destination is the cluster, the namespace the environment's). An
    environment's label value is the one kfctl labels its objects with (``ownership.label_value``: the name,
    or a sanitised form with a hash when the name cannot be a label value). Unknown environment names
    fail listing the known ones."""
    from .fleet import select
    from .ownership import label_value

    _check_argocd_names(name, argocd_namespace, repo)
    if cluster_label is not None and not _is_label_key(cluster_label):
        raise AppError(f"--clusters {cluster_label!r}: not a Kubernetes label key (NAME or PREFIX/NAME, e.g. "
                       "kfctl.dev/environment); Argo CD's cluster generator would refuse it")
    # The same choice as `apply --all` / `-e`: unknown or repeated names, or no environment at all, fail.
    names = select(app, list(env_names or ()), not env_names)
    elements = []
    for env_name in names:
        env = app.environment(env_name)
        element = {"env": env_name, "envLabel": label_value(env_name), "namespace": env.namespace,
                   "appName": _dns_label(f"{app.name}-{env_name}")}
        if not cluster_label:
            element["server"] = destination_server(env)
        elements.append(element)
    seen: dict[str, str] = {}
    for element in elements:
        other = seen.setdefault(element["appName"], element["env"])
        if other != element["env"]:
            raise AppError(f"environments {other!r} and {element['env']!r} make the same Application name "
                           f"{element['appName']!r}; list only one of them, or name them apart")
    listing = {"list": {"elements": elements}}
    if cluster_label:
        # Matrix: the cluster generator's own params (name, nameNormalized, server, metadata.labels) join
        # each environment's; the selector is templated with the environment of the list element.
        generators = [{"matrix": {"generators": [
            listing, {"clusters": {"selector": {"matchLabels": {cluster_label: "{{.envLabel}}"}}}}]}}]
        app_name = "{{.appName}}-{{.nameNormalized}}"
    else:
        generators = [listing]
        app_name = "{{.appName}}"
    spec: dict = {
        "project": project,
        "source": _source(app, "{{.env}}", repo=repo, path=path, revision=revision),
        "destination": {"server": "{{.server}}", "namespace": "{{.namespace}}"},
    }
    if auto_sync:
        spec["syncPolicy"] = dict(AUTO_SYNC)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": name or _dns_label(app.name), "namespace": argocd_namespace},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": generators,
            "template": {
                "metadata": {"name": app_name, "labels": {"app.kubernetes.io/part-of": _dns_label(app.name),
                                                          CLUSTER_LABEL: "{{.envLabel}}"}},
                "spec": spec,
            },
        },
    }


# --------------------------------------------------------------------------- export

INDEX = ".kfctl-export.json"
CLUSTER_DIR = "_cluster"
UNSCOPED_DIR = "_unscoped"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def object_path(obj: dict, crds=None) -> str:
    """``<namespace>/<group>-<kind>-<name>.yaml``; ``_cluster/`` for cluster-scoped objects, ``_unscoped/`` for
    custom resources of unknown scope without a namespace; the core group is ``core``."""
    meta = obj.get("metadata") or {}
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    group = kinds.split_api_version(api_version)[0] or "core"
    name = meta.get("name") or meta.get("generateName") or "unnamed"
    namespaced = kinds.is_namespaced(api_version, kind, crds)
    folder = meta.get("namespace") or (CLUSTER_DIR if namespaced is False else UNSCOPED_DIR)
    if namespaced is False:
        folder = CLUSTER_DIR
    base = _UNSAFE.sub("_", f"{group}-{kind.lower()}-{name}")
    folder = _UNSAFE.sub("_", str(folder))
    if folder.strip(".") == "":  # a namespace "." or ".." must not name the export folder or its parent
        folder = "_" + folder
    return f"{folder}/{base}.yaml"


@dataclass
class ExportResult:
    written: list[str]
    removed: list[str]
    unchanged: list[str]
    warnings: list[str] = field(default_factory=list)


def _load_index(folder: Path) -> dict:
    try:
        data = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": 1, "environments": {}}
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot read the export index: {exc}", where=str(folder / INDEX)) from None
    if not isinstance(data, dict) or not isinstance(data.get("environments"), dict):
        raise ExportError("the export index is not a kfctl export index", where=str(folder / INDEX))
    return data


def _index_text(index: dict) -> str:
    return json.dumps(index, indent=2, sort_keys=True) + "\n"


def export_files(app, env_name: str | None, objects: list[dict], namespace: str) -> dict[str, str]:
    """{relative path: YAML text} for every object, namespaces defaulted; duplicate paths are errors."""
    from .objects import dump_yaml

    objects = copy.deepcopy(objects)
    default_namespaces(objects, namespace)
    crds = kinds.crd_scopes(objects)
    files: dict[str, str] = {}
    for obj in objects:
        rel = object_path(obj, crds)
        if rel in files:
            from .objects import ObjRef

            raise ExportError(f"two objects map to the same file {rel} (the second is {ObjRef.of(obj)})")
        files[rel] = dump_yaml([obj])
    return files


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def export(app, env_name: str, folder: Path, files: dict[str, str], *, force: bool = False,
           merge: bool = False) -> ExportResult:
    """Write ``files`` (from ``export_files``) under ``folder``.

    * empty or missing folder: written in a staging folder next to it, then moved into place;
    * non-empty folder: refused, unless
      ``force``: its whole content is replaced by this export (refused for a folder holding the app or a
      ``.git``), or
      ``merge``: this environment's files are written and the files this environment's previous export wrote
      (recorded in ``.kfctl-export.json``) that are no longer rendered are removed; other files stay.
      Overwriting a file another environment exported, or one kfctl did not write, is refused unless its
      content is the same."""
    folder = Path(folder)
    if force and merge:
        raise ExportError("choose one of --force and --merge")
    if folder.exists() and not folder.is_dir():
        raise ExportError("exists and is not a folder", where=str(folder))
    real = Path(os.path.realpath(folder))
    app_root = Path(os.path.realpath(app.root))
    if real == app_root or real in app_root.parents:
        raise ExportError(f"refusing to export into {folder}: it holds the app itself")
    for own in ("components", "environments", "vendor", "lib", ".ksonnet", ".kfctl"):
        own_dir = app_root / own
        if real == own_dir or own_dir in real.parents:
            raise ExportError(f"refusing to export into {folder}: it is part of the app ({own}/)")
    index = {"format": 1, "environments": {env_name: {"app": app.name, "files": sorted(files)}}}
    if _is_empty(folder) or force:
        if force and not _is_empty(folder) and (folder / ".git").exists():
            raise ExportError(f"refusing to replace {folder}: it holds a .git folder; use --merge")
        return _export_fresh(folder, files, index)
    if not merge:
        raise ExportError(f"{folder} is not empty; pass --force to replace its content, or --merge to update "
                          f"the files of environment {env_name!r} in it")
    return _export_merge(folder, env_name, app.name, files)


def _export_fresh(folder: Path, files: dict[str, str], index: dict) -> ExportResult:
    from .files import replace_tree, safe_join

    parent = folder.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{folder.name}.export-", dir=parent))
    try:
        for rel, text in sorted(files.items()):
            target = safe_join(staged, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        (staged / INDEX).write_text(_index_text(index), encoding="utf-8")
        os.chmod(staged, 0o755)
        replace_tree(staged, folder.resolve())
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return ExportResult(written=sorted(files), removed=[], unchanged=[])


def _export_merge(folder: Path, env_name: str, app_name: str, files: dict[str, str]) -> ExportResult:
    from .files import atomic_write, safe_join

    index = _load_index(folder)
    owners: dict[str, str] = {}
    for env, entry in index["environments"].items():
        for rel in (entry or {}).get("files") or []:
            owners[rel] = env
    entry = index["environments"].get(env_name) or {}
    if entry and entry.get("app") not in (None, app_name):
        raise ExportError(f"refusing to merge: environment {env_name!r} in {folder} was exported by app "
                          f"{entry.get('app')!r}, not {app_name!r}; export into another folder")
    previous = set(entry.get("files") or [])
    # Check every collision before touching anything.
    for rel, text in sorted(files.items()):
        target = safe_join(folder, rel)
        if not target.exists() or owners.get(rel) == env_name:
            continue
        if target.read_text(encoding="utf-8", errors="replace") == text:
            continue
        owner = owners.get(rel)
        what = f"environment {owner!r}'s export" if owner else "a file kfctl export did not write"
        raise ExportError(f"refusing to overwrite {rel}: it is {what}; export into another folder or remove it")
    result = ExportResult(written=[], removed=[], unchanged=[])
    for rel, text in sorted(files.items()):
        target = safe_join(folder, rel)
        if target.exists() and target.read_text(encoding="utf-8", errors="replace") == text:
            result.unchanged.append(rel)
            continue
        atomic_write(target, text)
        result.written.append(rel)
    for rel in sorted(previous - set(files)):
        target = safe_join(folder, rel)
        try:
            target.unlink()
            result.removed.append(rel)
        except FileNotFoundError:
            continue
        parent = target.parent
        while parent != folder.resolve() and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    index["environments"][env_name] = {"app": app_name, "files": sorted(files)}
    atomic_write(folder / INDEX, _index_text(index))
    return result
