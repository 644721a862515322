"""The ``show`` pipeline: an environment of an app to a sorted list of Kubernetes objects.

Two evaluation models exist, as in ksonnet:

* **ks >= 0.10** (the default): params are resolved first (module params, globals merged, then the
  environment's overrides), then ``environments/<env>/main.jsonnet`` is evaluated once per module with
  ext codes ``__ksonnet/components``, ``__ksonnet/params`` and ``__ksonnet/environments``. Each top-level
  field is a component: an object, an array or a List, flattened one level.
* **ks 0.9**: chosen when app.yaml says ``apiVersion: 0.1.0`` *and* the environment's params.libsonnet
  still imports ``../../components/params.libsonnet`` by relative path (the template ks 0.9 wrote).
  ``__ksonnet/params`` is then that whole file (with its ``global`` key, globals not merged), only
  ``.jsonnet`` components exist, and the output is walked kubecfg-style (any object with kind and
  apiVersion, at any depth).

Only the selected components (``-c``) are evaluated. Nothing is printed here.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import objects as objs
from .app import App, Component, Environment
from .blame import evaluate_components
from .engine import Engine, Request, get_engine
from .errors import RenderError, UnknownComponent
from .names import jsonnet_key
from .vendor_links import versioned_vendor

KSONNET_LIB = Path(__file__).resolve().parent / "ksonnet_lib"


@dataclass
class JsonnetOptions:
    """The jsonnet flags ks and Tanka users pass: -J, --ext-str(-file), --ext-code, --tla-str(-file), --tla-code."""

    jpaths: list[str] = field(default_factory=list)
    ext_vars: dict[str, str] = field(default_factory=dict)
    ext_codes: dict[str, str] = field(default_factory=dict)
    tla_vars: dict[str, str] = field(default_factory=dict)
    tla_codes: dict[str, str] = field(default_factory=dict)
    strict: bool = False  # --strict: two components rendering the same object is an error (not in key())

    def key(self) -> dict:
        return {"jpaths": list(self.jpaths), "ext_vars": dict(sorted(self.ext_vars.items())),
                "ext_codes": dict(sorted(self.ext_codes.items())), "tla_vars": dict(sorted(self.tla_vars.items())),
                "tla_codes": dict(sorted(self.tla_codes.items()))}


@dataclass
class Rendered:
    app: App
    env: Environment
    objects: list[dict]
    components: list[str]
    model: str
    warnings: list[str] = field(default_factory=list)  # non-fatal notes for the CLI to show
    duplicates: list[objs.Duplicate] = field(default_factory=list)  # objects dropped: a later component won
    yaml_text: str | None = None  # objects.dump_yaml(objects) as rendered, when the cache has it; stale once
    #                               a caller changes ``objects``


def detect_model(app: App, env: Environment) -> str:
    """"0.9" for a ks 0.9 app (see the module docstring), else "0.10"."""
    if app.api_version != "0.1.0":
        return "0.10"
    path = app.env_dir(env) / "params.libsonnet"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return "0.10"
    from .params import LEGACY_PARAMS_IMPORT  # imported when used: a warm (cached) show needs no params code

    return "0.9" if LEGACY_PARAMS_IMPORT.search(text) and "__ksonnet/params" not in text else "0.10"


def select(app: App, env: Environment, components: list[str] | None) -> list[Component]:
    """The components to render: all (or the env's target modules), or exactly the named ones."""
    all_comps = app.components()
    if env.targets:
        targets = set(env.targets)
        all_comps = [c for c in all_comps
                     if c.module in targets or any(c.module.startswith(t + ".") for t in targets)
                     or ("" in targets and c.module == "")]
    if not components:
        return all_comps
    by_name = {c.name: c for c in all_comps}
    chosen = []
    for name in components:
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            raise UnknownComponent(f"unknown component {name!r} in environment {env.name!r} (known: {known})")
        if by_name[name] not in chosen:
            chosen.append(by_name[name])
    return chosen


def jpaths(app: App, env: Environment, module_dir: Path, options: JsonnetOptions, model: str) -> list[str]:
    """Import paths in ks order, lowest priority first (go-jsonnet searches the last one first)."""
    paths = [str(Path(p).resolve()) for p in options.jpaths]
    paths += [str(app.root / "environments"), str(app.env_dir(env)), str(app.root / "vendor"), str(KSONNET_LIB)]
    paths.append(str(app.root / "lib"))
    for legacy in (app.root / "lib" / env.k8s_version, app.root / "lib" / "ksonnet-lib" / env.k8s_version):
        if legacy.is_dir():
            paths.append(str(legacy))
    versioned = versioned_vendor(app)
    if versioned:
        paths.append(versioned)
    if model == "0.10":
        paths.append(str(module_dir))
    return paths


def components_code(comps: list[Component], *, model: str) -> str:
    """``__ksonnet/components``: one field per component, importing its file by absolute path."""
    fields = []
    for c in comps:
        key = jsonnet_key(c.short_name if model == "0.10" else c.name)
        path = json.dumps(str(c.path))
        if c.kind == "jsonnet":
            expr = f"import {path}"
        elif model == "0.9":
            continue
        else:
            parse = "std.parseJson" if c.kind == "json" else "kfctlParseYaml"
            expr = f"std.mergePatch({parse}(importstr {path}), std.get(kfctlParams, {json.dumps(c.short_name)}, {{}}))"
        fields.append(f"  {key}: {expr},")
    prelude = ("local kfctlParseYaml(t) = local docs = std.native('parseYaml')(t); "
               "if std.length(docs) == 1 then docs[0] else {apiVersion: 'v1', kind: 'List', items: docs};\n"
               "local kfctlParams = std.extVar('__ksonnet/params').components;\n")  # bound once, not per component
    return prelude + "{\n" + "\n".join(fields) + "\n}\n"


# From this many components on, the automatic engine choice is rjsonnet (see engine_name).
AUTO_RJSONNET_FROM = 50


def engine_name(app: App, env: Environment, components: list[str] | None) -> str:
    """The engine for one render: ``KFCTL_ENGINE`` when set; else rjsonnet for an environment of
    ``AUTO_RJSONNET_FROM`` or more selected components (2-5x faster there, and less memory, bench/RESULTS.md)
    and go-jsonnet, the reference implementation, below it (where both take about the same time). Both give
    the same bytes; go-jsonnet when rjsonnet is not installed. Decided without importing either engine."""
    if os.environ.get("KFCTL_ENGINE"):
        return os.environ["KFCTL_ENGINE"]
    if len(select(app, env, components)) >= AUTO_RJSONNET_FROM:
        from importlib.util import find_spec

        if find_spec("rjsonnet") is not None:
            return "rjsonnet"
    return "gojsonnet"


def render(app: App, env_name: str | None, components: list[str] | None = None, *,
           options: JsonnetOptions | None = None, engine: Engine | None = None,
           param_overrides: dict[str, dict] | None = None, cache: bool = True, keep_yaml: bool = True) -> Rendered:
    """Render ``env_name`` of ``app``. ``param_overrides`` ({component: {param: value}}) patch the
    resolved params in memory (Argo CD parameters), without touching any file. With ``cache`` (and the
    default engine) the result comes from / goes to the render cache (``kfctl.cache``); ``keep_yaml=False``
    (a caller that never prints YAML) spares the cache its YAML text."""
    if cache and engine is None:
        from .cache import cached_render, disabled_by_env

        if not disabled_by_env():
            return cached_render(app, env_name, components, options=options, param_overrides=param_overrides,
                                 keep_yaml=keep_yaml)
    options = options or JsonnetOptions()
    env = app.environment(env_name)
    engine = engine or get_engine(engine_name(app, env, components))
    chosen = select(app, env, components)
    model = detect_model(app, env)
    main = app.env_dir(env) / "main.jsonnet"
    if not main.is_file():
        raise RenderError("file not found", where=app.rel(main))
    env_code = json.dumps(env.destination())
    result: list[dict] = []
    notes: list[str] = []  # the evaluation's deprecation warnings
    if model == "0.9":
        ext_codes = {
            "__ksonnet/components": components_code(chosen, model=model),
            "__ksonnet/params": f"import {json.dumps(str(app.env_dir(env) / 'params.libsonnet'))}",
            "__ksonnet/environments": env_code,
        }
        if param_overrides:
            patches = ", ".join(f"{json.dumps(name)}+: {json.dumps(values)}"
                                for name, values in sorted(param_overrides.items()))
            ext_codes["__ksonnet/params"] = f"({ext_codes['__ksonnet/params']}) + {{components+: {{{patches}}}}}"
        value = _eval_main(app, engine, main, chosen, options, ext_codes,
                           jpaths(app, env, app.module_dir(""), options, model), short=False, warnings=notes)
        for c in chosen:
            if c.name in value:
                result.extend(objs.walk_component(c.name, value[c.name]))
    else:
        from .params import module_params_code, resolve

        all_params = resolve(app, env, engine=engine, module_params=module_params_code(app, engine=engine))
        for name, patch in (param_overrides or {}).items():
            all_params[name] = {**all_params.get(name, {}), **patch}
        modules = sorted({c.module for c in chosen})
        for module in modules:
            mcomps = [c for c in chosen if c.module == module]
            prefix = f"{module}." if module else ""
            mparams = {k[len(prefix):]: v for k, v in all_params.items()
                       if k.startswith(prefix) and "." not in k[len(prefix):]}
            with _params_code({"components": mparams}, engine) as params_code:
                ext_codes = {
                    "__ksonnet/components": components_code(mcomps, model=model),
                    "__ksonnet/params": params_code,
                    "__ksonnet/environments": env_code,
                }
                value = _eval_main(app, engine, main, mcomps, options, ext_codes,
                                   jpaths(app, env, app.module_dir(module), options, model), short=True,
                                   warnings=notes)
            for c in mcomps:
                if c.short_name in value:
                    result.extend(objs.from_component(c.name, value[c.short_name]))
    result, dups = objs.drop_duplicates(result, namespace=env.namespace, crds=result)
    warnings = notes + objs.report_duplicates(dups, strict=strict_duplicates(app, options))
    return Rendered(app=app, env=env, objects=objs.sort_objects(result), components=[c.name for c in chosen],
                    model=model, warnings=warnings, duplicates=dups)


def strict_duplicates(app: App, options: JsonnetOptions) -> bool:
    """Whether two components rendering the same object is an error: ``--strict``, or app.yaml's
    ``kfctl: {duplicateObjects: error}`` (default ``warn``: the later one wins, as with ks)."""
    if options.strict:
        return True
    settings = app.data.get("kfctl") or {}
    value = settings.get("duplicateObjects", "warn") if isinstance(settings, dict) else None
    if value not in ("warn", "error"):
        raise RenderError(f"{objs.DUPLICATES_SETTING} must be 'warn' or 'error', not {value!r}", where="app.yaml")
    return value == "error"


@contextmanager
def _params_code(params: dict, engine: Engine):
    """The ``__ksonnet/params`` ext code: for rjsonnet an ``import`` of a temporary JSON file holding the
    resolved params, for go-jsonnet the JSON text itself.

    Every component reads ``std.extVar('__ksonnet/params')``. rjsonnet evaluates an ext code afresh on each
    ``std.extVar`` call, so params passed as JSON text were re-parsed (and kept alive) once per component:
    quadratic in time and memory (6 GB at 5000 components). An import is evaluated once and shared, and
    yields the same value. go-jsonnet evaluates each ext code once anyway, so it is spared the file (about
    1 ms, a few percent of a small render)."""
    if getattr(engine, "name", "") != "rjsonnet":
        yield json.dumps(params)
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kfctl-params-") as tmp:
        path = os.path.join(tmp, "params.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(params, fh, ensure_ascii=False)
        yield f"import {json.dumps(path)}"


def _eval_main(app: App, engine: Engine, main: Path, chosen: list[Component], options: JsonnetOptions,
               ext_codes: dict[str, str], paths: list[str], *, short: bool, warnings: list[str]) -> dict:
    ext_codes = {**options.ext_codes, **ext_codes}
    names = [c.short_name if short else c.name for c in chosen]

    def request(only: list[str]) -> Request:
        if options.tla_vars or options.tla_codes:
            # A main that is a function takes the TLAs; select in Python afterwards.
            return Request(filename=str(main), jpaths=paths, ext_vars=dict(options.ext_vars), ext_codes=ext_codes,
                           tla_vars=dict(options.tla_vars), tla_codes=dict(options.tla_codes))
        snippet = (f"local main = import {json.dumps(str(main))};\n"
                   f"local wanted = {json.dumps({n: True for n in only})};\n"
                   "{ [k]: main[k] for k in std.objectFields(main) if std.objectHas(wanted, k) }\n")
        return Request(filename=str(main.parent / "<kfctl>"), snippet=snippet, jpaths=paths,
                       ext_vars=dict(options.ext_vars), ext_codes=ext_codes)

    out, notes = evaluate_components(app, engine, chosen, names, request)
    warnings.extend(notes)
    value = json.loads(out)
    if not isinstance(value, dict):
        raise RenderError(f"evaluates to a {objs.type_name(value)}; it must be an object of components",
                          where=app.rel(main))
    return {k: v for k, v in value.items() if k in set(names)}
