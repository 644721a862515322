"""Prototypes: parsing their ks header, finding them by name, and generating components from them.

A prototype is a jsonnet file whose leading ``// @directive`` comment lines describe it (ksonnet.md
§4.4): ``@apiVersion``, ``@name``, ``@description``, ``@shortDescription``, ``@param NAME TYPE DESC``
(required) and ``@optionalParam NAME TYPE DEFAULT DESC`` (the default is one space-free token). A
directive continues over the following non-blank comment lines. Everything else is the body.

Prototypes come from the packages vendored in the app (``vendor/<reg>/<pkg>/prototypes/**/*.jsonnet``)
plus five small system prototypes (``io.ksonnet.pkg.configMap`` and friends, written for kfctl).

Generating (``kfctl generate PROTO NAME --p=v``) turns every declared param, defaults included, into a
Jsonnet literal by its declared type, writes them into the module's ``params.libsonnet`` (first) and
then the component file: the two ks header lines plus the body with ``import 'param://x'`` rewritten
to ``params.x`` and ``import 'env://x'`` to ``env.x``. Unlike ks, string values are escaped.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ParamError, PrototypeError

PARAM_TYPES = ("string", "number", "numberOrString", "object", "array")
RESERVED_PARAMS = ("values-file", "module")
NAME_PREFIX = "io.ksonnet.pkg."

_DIRECTIVE_LINE = re.compile(r"^\s*//\s+(.*)$")
_PARAM_IMPORT = re.compile(r"""import\s*(['"])param://(\w+)\1""")
_ENV_IMPORT = re.compile(r"""import\s*(['"])env://(\w+)\1""")
_NUMBER = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    default: str | None = None  # the raw header token; None for a required param

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass
class Prototype:
    name: str
    description: str
    short_description: str
    params: list[Param]
    body: str
    api_version: str = ""
    source: str = ""  # file path, or "system"
    package: str | None = None  # "reg/pkg" for a package's prototype
    installed: bool = True  # False: its package is in a registry but not installed in the app
    requires: list[str] = field(default_factory=list)  # @requires: what must run in the cluster first

    @property
    def short_name(self) -> str:
        return self.name[len(NAME_PREFIX):] if self.name.startswith(NAME_PREFIX) else self.name.rsplit(".", 1)[-1]

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def origin(self) -> str:
        return self.package or "system"


# --------------------------------------------------------------------------- parsing


def parse(text: str, where: str = "<prototype>") -> Prototype:
    """Parse a jsonnet prototype. Raises PrototypeError (one line, with ``where``) on a bad header."""
    directives: list[list] = []  # [key, text, line number]
    body: list[str] = []
    current: list | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        m = _DIRECTIVE_LINE.match(line)
        content = m.group(1).rstrip() if m else None
        if content is not None and content.startswith("@"):
            key, _, rest = content[1:].partition(" ")
            current = [key, rest.strip(), lineno]
            directives.append(current)
            continue
        if current is not None and content:
            current[1] = (current[1] + " " + content.strip()).strip()
            continue
        current = None
        body.append(line)
    meta: dict[str, str] = {}
    params: list[Param] = []
    requires: list[str] = []
    for key, value, lineno in directives:
        loc = f"{where}:{lineno}"
        if key in ("apiVersion", "name", "description", "shortDescription"):
            meta[key] = value
        elif key == "requires":
            requires.append(value)
        elif key == "param":
            parts = value.split(None, 2)
            if len(parts) < 2:
                raise PrototypeError("@param needs NAME TYPE [DESCRIPTION]", where=loc)
            params.append(_param(parts[0], parts[1], parts[2] if len(parts) > 2 else "", None, loc))
        elif key == "optionalParam":
            parts = value.split(None, 3)
            if len(parts) < 3:
                raise PrototypeError("@optionalParam needs NAME TYPE DEFAULT [DESCRIPTION]", where=loc)
            params.append(_param(parts[0], parts[1], parts[3] if len(parts) > 3 else "", parts[2], loc))
        else:
            raise PrototypeError(f"unknown directive @{key} (known: @apiVersion, @name, @description, "
                                 "@shortDescription, @param, @optionalParam, @requires)", where=loc)
    if not meta.get("name"):
        raise PrototypeError("the prototype has no @name directive", where=where)
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise PrototypeError(f"parameter {p.name!r} is declared twice", where=where)
        seen.add(p.name)
    return Prototype(name=meta["name"], description=meta.get("description", ""),
                     short_description=meta.get("shortDescription", "") or meta.get("description", ""),
                     params=params, body="\n".join(body).strip("\n") + "\n",
                     api_version=meta.get("apiVersion", ""), source=where, requires=requires)


def _param(name: str, type_: str, desc: str, default: str | None, loc: str) -> Param:
    if not _PARAM_NAME.match(name):
        raise PrototypeError(f"parameter name {name!r} is not a valid flag name", where=loc)
    if name in RESERVED_PARAMS:
        raise PrototypeError(f"parameter name {name!r} is reserved (it is a generate option)", where=loc)
    if type_ not in PARAM_TYPES:
        raise PrototypeError(f"parameter {name!r} has unknown type {type_!r} (known: {', '.join(PARAM_TYPES)})",
                             where=loc)
    return Param(name=name, type=type_, description=desc, default=default)


def parse_file(path: Path, display: str | None = None) -> Prototype:
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PrototypeError(f"cannot read: {exc}", where=display) from None
    return parse(text, display)


# --------------------------------------------------------------------------- system prototypes

_SYSTEM = {
    "configMap": """\
// @apiVersion 0.1
// @name io.ksonnet.pkg.configMap
// @description A ConfigMap named NAME holding DATA (an object of string keys and string values).
// @shortDescription A ConfigMap with user-given data.
// @param name string Name of the ConfigMap.
// @optionalParam data object {} Its data: an object of string keys and string values.
{
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: import 'param://name' },
  data: import 'param://data',
}
""",
    "deployed-service": """\
// @apiVersion 0.1
// @name io.ksonnet.pkg.deployed-service
// @description A Deployment running IMAGE and a Service in front of it, both named NAME.
// @shortDescription A Deployment exposed by a Service.
// @param name string Name of the Deployment and the Service (also the app label).
// @param image string Container image to run.
// @optionalParam servicePort number 80 Port the Service listens on.
// @optionalParam containerPort number 80 Port the container listens on.
// @optionalParam replicas number 1 Number of replicas.
// @optionalParam type string ClusterIP Service type (ClusterIP, NodePort or LoadBalancer).
local labels = { app: import 'param://name' };
{
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: import 'param://name' },
      spec: {
        type: import 'param://type',
        selector: labels,
        ports: [{ port: import 'param://servicePort', targetPort: import 'param://containerPort' }],
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: import 'param://name' },
      spec: {
        replicas: import 'param://replicas',
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: labels },
          spec: {
            containers: [{
              name: import 'param://name',
              image: import 'param://image',
              ports: [{ containerPort: import 'param://containerPort' }],
            }],
          },
        },
      },
    },
  ],
}
""",
    "namespace": """\
// @apiVersion 0.1
// @name io.ksonnet.pkg.namespace
// @description A Namespace named NAME.
// @shortDescription A Namespace.
// @param name string Name of the Namespace.
{
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name: import 'param://name' },
}
""",
    "single-port-deployment": """\
// @apiVersion 0.1
// @name io.ksonnet.pkg.single-port-deployment
// @description A Deployment named NAME running IMAGE with one container port.
// @shortDescription A Deployment with one container port.
// @param name string Name of the Deployment and its container (also the app label).
// @param image string Container image to run.
// @optionalParam replicas number 1 Number of replicas.
// @optionalParam port number 80 Port the container listens on.
local labels = { app: import 'param://name' };
{
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: import 'param://name' },
  spec: {
    replicas: import 'param://replicas',
    selector: { matchLabels: labels },
    template: {
      metadata: { labels: labels },
      spec: {
        containers: [{
          name: import 'param://name',
          image: import 'param://image',
          ports: [{ containerPort: import 'param://port' }],
        }],
      },
    },
  },
}
""",
    "single-port-service": """\
// @apiVersion 0.1
// @name io.ksonnet.pkg.single-port-service
// @description A Service named NAME sending one port to the pods matched by targetLabelSelector.
// @shortDescription A Service with one port.
// @param name string Name of the Service.
// @param targetLabelSelector object Label selector of the pods, e.g. {app: "web"}.
// @optionalParam servicePort number 80 Port the Service listens on.
// @optionalParam targetPort number 80 Port of the pods the traffic goes to.
// @optionalParam type string ClusterIP Service type (ClusterIP, NodePort or LoadBalancer).
{
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: import 'param://name' },
  spec: {
    type: import 'param://type',
    selector: import 'param://targetLabelSelector',
    ports: [{ port: import 'param://servicePort', targetPort: import 'param://targetPort' }],
  },
}
""",
}


def system_prototypes() -> list[Prototype]:
    out = []
    for key in sorted(_SYSTEM):
        proto = parse(_SYSTEM[key], f"<system:{key}>")
        proto.source = "system"
        out.append(proto)
    return out


# --------------------------------------------------------------------------- discovery and lookup


@dataclass
class Catalog:
    """Every prototype the app can use, and the installed prototypes that failed to parse; with
    ``available``, also the prototypes of registry packages not installed (``installed=False``)."""

    prototypes: list[Prototype]
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> list[Prototype]:
        return [p for p in self.prototypes if p.installed]


def package_prototypes(pkg_dir: Path, package: str, display_base: Path | None = None) -> tuple[list[Prototype], list[str]]:
    """Parse ``prototypes/**/*.jsonnet`` of a package folder (sorted), collecting errors instead of raising."""
    protos, problems = [], []
    proto_dir = pkg_dir / "prototypes"
    if not proto_dir.is_dir():
        return protos, problems
    for dirpath, dirnames, filenames in os.walk(proto_dir):
        dirnames.sort()
        for fname in sorted(filenames):
            if not fname.endswith(".jsonnet"):
                continue
            path = Path(dirpath) / fname
            display = str(path)
            if display_base is not None:
                try:
                    display = str(path.relative_to(display_base))
                except ValueError:
                    pass
            try:
                proto = parse_file(path, display)
            except PrototypeError as exc:
                problems.append(str(exc))
                continue
            proto.package = package
            protos.append(proto)
    return protos, problems


def catalog(app, *, available: bool = False) -> Catalog:
    """System prototypes plus those of every package installed in ``app`` (see registry.installed_packages).

    With ``available``, also the prototypes of every package of the app's registries that is not installed
    (marked ``installed=False``); a registry that cannot be read is a problem, not an error. Without an app
    (``app`` None) the registries are the built-in one.
    """
    from .errors import RegistryError
    from .registry import BUILTIN_NAME, Source, installed_packages, open_registry, open_source, BUILTIN_URI

    protos = system_prototypes()
    problems: list[str] = []
    installed = installed_packages(app) if app is not None else []
    for inst in installed:
        if inst.path is None:
            problems.append(f"package {inst.key} is recorded in app.yaml but not vendored; "
                            f"reinstall it with 'kfctl pkg install {inst.key} --force'")
            continue
        found, bad = package_prototypes(inst.path, inst.key, app.root)
        protos.extend(found)
        problems.extend(bad)
    if not available:
        return Catalog(protos, problems)
    have = {inst.key for inst in installed}
    for reg_name in (app.registries() if app is not None else [BUILTIN_NAME]):
        try:
            reg = (open_registry(app, reg_name) if app is not None
                   else open_source(reg_name, Source("builtin", BUILTIN_URI)))
        except RegistryError as exc:
            problems.append(f"cannot read registry {reg_name!r} for its packages' prototypes: {exc}")
            continue
        for pkg in reg.libraries:
            key = f"{reg_name}/{pkg}"
            if key in have:
                continue
            try:
                found, _ = package_prototypes(reg.package_dir(pkg), key)
            except RegistryError as exc:
                problems.append(str(exc))
                continue
            for proto in found:
                proto.installed = False
                protos.append(proto)
    return Catalog(protos, problems)


def install_hint(proto: Prototype) -> str:
    return f"kfctl pkg install {proto.package}"


def _describe(protos: list[Prototype]) -> str:
    return ", ".join(f"{p.name} ({p.origin})" for p in protos)


def find(protos: list[Prototype], query: str) -> Prototype:
    """The one prototype ``query`` names.

    Order: an exact full name; ``REG/PKG/NAME`` to pick a package's; the exact last part of a name
    (``tf-job`` -> ``io.ksonnet.pkg.tf-job``); then ks's plain string-suffix match. Several hits are an
    error listing them; no hit lists the names containing ``query`` (or all names).
    """
    pool = protos
    q = query
    if q.count("/") >= 2:
        pkg, _, q = q.rpartition("/")
        pool = [p for p in protos if p.package == pkg]
        if not pool:
            raise PrototypeError(f"no installed package {pkg!r} has prototypes "
                                 f"(installed: {', '.join(sorted({p.package for p in protos if p.package})) or 'none'})")
    for rule in (lambda p: p.name == q, lambda p: p.short_name == q, lambda p: p.name.endswith(q)):
        hits = [p for p in pool if rule(p)]
        if len(hits) > 1 and any(p.installed for p in hits):
            hits = [p for p in hits if p.installed]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise PrototypeError(f"ambiguous prototype {query!r}: it matches {_describe(hits)}; "
                                 "give more of the name, or REG/PKG/NAME")
    partial = [p for p in pool if q.lower() in p.name.lower()]
    if partial:
        raise PrototypeError(f"no prototype name ends with {query!r}; names containing it: {_describe(partial)}")
    known = ", ".join(sorted(p.name for p in pool)) or "none"
    raise PrototypeError(f"unknown prototype {query!r} (known: {known}); install packages with 'kfctl pkg install'")


def search(protos: list[Prototype], text: str) -> list[Prototype]:
    t = text.lower()
    return [p for p in protos if t in p.name.lower()]


# --------------------------------------------------------------------------- values -> Jsonnet literals


def _number_source(raw: str) -> str | None:
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or text.lower().lstrip("+-").startswith(("inf", "nan")):
        return None
    if _NUMBER.match(text):
        return text
    if re.match(r"^[+-]?\d+$", text):
        return str(int(text))
    return repr(value)


def literal(param: Param, raw: str, engine=None) -> str:
    """The Jsonnet source for ``raw`` (a command-line value or a header default) of ``param``."""
    if param.type == "string":
        return json.dumps(raw, ensure_ascii=False)
    if param.type == "number":
        if raw.strip() == "null":
            return "null"
        src = _number_source(raw)
        if src is None:
            raise ParamError(f"parameter {param.name!r} is a number; {raw!r} is not one")
        return src
    if param.type == "numberOrString":
        src = _number_source(raw)
        return src if src is not None else json.dumps(raw, ensure_ascii=False)
    # object / array: raw Jsonnet text, checked by evaluating it on its own.
    from .engine import Request, get_engine
    from .errors import EngineError

    engine = engine or get_engine()
    want = "an object" if param.type == "object" else "an array"
    try:
        out = engine.evaluate(Request(filename=f"<parameter {param.name}>", snippet=f"[{raw}, 0][0]"))
        value = json.loads(out)
    except (EngineError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParamError(f"parameter {param.name!r} must be {want} in Jsonnet syntax "
                         f"(e.g. {'{a: 1}' if param.type == 'object' else '[1, 2]'}); {raw!r} is not: {detail}") from None
    ok = value is None or (isinstance(value, dict) if param.type == "object" else isinstance(value, list))
    if not ok:
        raise ParamError(f"parameter {param.name!r} must be {want}; {raw!r} evaluates to something else")
    return raw.strip()


def value_literal(param: Param, value) -> str:
    """The Jsonnet source for a JSON value (from a --values-file) of ``param``."""
    from .params import to_jsonnet

    if param.type == "number" and not (value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))):
        if isinstance(value, str) and _number_source(value) is not None:
            return _number_source(value)
        raise ParamError(f"parameter {param.name!r} is a number; the values file gives {json.dumps(value)}")
    if param.type == "object" and not (value is None or isinstance(value, dict)):
        raise ParamError(f"parameter {param.name!r} is an object; the values file gives {json.dumps(value)}")
    if param.type == "array" and not (value is None or isinstance(value, list)):
        raise ParamError(f"parameter {param.name!r} is an array; the values file gives {json.dumps(value)}")
    return to_jsonnet(value)


def expand_body(body: str) -> str:
    body = _PARAM_IMPORT.sub(lambda m: f"params.{m.group(2)}", body)
    return _ENV_IMPORT.sub(lambda m: f"env.{m.group(2)}", body)


def component_text(proto: Prototype, short_name: str) -> str:
    from .params import component_header

    return component_header(short_name) + "\n" + expand_body(proto.body)


# --------------------------------------------------------------------------- command-line params


def split_param_args(tokens: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Positional words and ``(name, value)`` pairs from ``--name=value`` / ``--name value`` tokens.

    As with ks (pflag), ``--name value`` takes the next token as the value whatever it looks like;
    write ``--name=--value`` or ``--name --value`` for values that start with dashes. ``--`` ends flags.
    """
    positional, pairs = [], []
    i = 0
    only_positional = False
    while i < len(tokens):
        tok = tokens[i]
        if only_positional or not tok.startswith("--") or tok == "-":
            positional.append(tok)
        elif tok == "--":
            only_positional = True
        else:
            key, sep, value = tok[2:].partition("=")
            if not sep:
                if i + 1 >= len(tokens):
                    raise ParamError(f"--{key} needs a value (write --{key}=VALUE)")
                i += 1
                value = tokens[i]
            pairs.append((key, value))
        i += 1
    return positional, pairs


def load_values_file(path: str, engine=None) -> dict:
    """A Jsonnet (or JSON) file evaluating to an object: its fields are param values."""
    from .engine import Request, get_engine

    engine = engine or get_engine()
    p = Path(path)
    if not p.is_file():
        raise ParamError(f"--values-file {path}: file not found")
    out = engine.evaluate(Request(filename=str(p.resolve()), jpaths=[str(p.resolve().parent)]))
    value = json.loads(out)
    if not isinstance(value, dict):
        raise ParamError(f"--values-file {path}: must evaluate to an object of parameter values")
    return value


def param_sources(proto: Prototype, component_short: str, flags: list[tuple[str, str]],
                  values: dict | None = None, engine=None) -> dict[str, str]:
    """Every declared param of ``proto`` as Jsonnet source: defaults, then flags, then the values file."""
    declared = {p.name: p for p in proto.params}
    given: dict[str, str] = {}
    for key, value in flags:
        if key not in declared:
            known = ", ".join(f"--{n}" for n in declared) or "none"
            raise ParamError(f"prototype {proto.name} has no parameter {key!r} (declared: {known})")
        given[key] = value
    for key in values or {}:
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise ParamError(f"--values-file sets {key!r}, which prototype {proto.name} does not declare "
                             f"(declared: {known})")
    if "name" in declared and "name" not in given and "name" not in (values or {}):
        given["name"] = component_short
    missing = [p for p in proto.params if p.required and given.get(p.name, "") == ""
               and (values or {}).get(p.name) in (None, "")]
    if missing:
        names = ", ".join(f"--{p.name} ({p.type})" for p in missing)
        raise ParamError(f"prototype {proto.name} needs {names}; give them as --NAME=VALUE")
    out: dict[str, str] = {}
    for p in proto.params:
        if values and p.name in values:
            out[p.name] = value_literal(p, values[p.name])
        elif p.name in given:
            out[p.name] = literal(p, given[p.name], engine)
        else:
            out[p.name] = literal(p, p.default if p.default is not None else "", engine)
    return out


# --------------------------------------------------------------------------- generating a component


@dataclass
class GeneratePlan:
    """Everything ``generate`` writes, computed (and checked) before anything is written."""

    component: str  # module-qualified name
    module: str
    short_name: str
    prototype: Prototype
    params: dict[str, str]  # param -> Jsonnet source
    params_path: Path
    params_text: str
    component_path: Path
    component_text: str
    render_problem: str | None = None  # the new component does not evaluate yet (a warning, not an error)


def split_component_name(app, name: str, module: str | None = None) -> tuple[str, str]:
    """(module, short name) for ``mod.sub.name`` or NAME with ``--module``."""
    from .errors import InvalidName
    from .names import check_component_name

    check_component_name(name)
    if module not in (None, "", "/", "."):
        mod = module.replace("/", ".").strip(".")
        if "." in name:
            raise InvalidName(f"give either a module-qualified name ({name!r}) or --module, not both")
        for seg in mod.split("."):
            check_component_name(seg)
        return mod, name
    if "." in name:
        mod, short = name.rsplit(".", 1)
        return mod, short
    return "", name


def plan_generate(app, proto: Prototype, name: str, flags: list[tuple[str, str]], *,
                  values: dict | None = None, module: str | None = None, engine=None,
                  check_render: bool = True) -> GeneratePlan:
    from .engine import Request, get_engine
    from .errors import EngineError, InvalidName
    from .params import add_component_block, base_jpaths

    engine = engine or get_engine()
    mod, short = split_component_name(app, name, module)
    qualified = f"{mod}.{short}" if mod else short
    for comp in app.components():
        if comp.name == qualified:
            raise InvalidName(f"component {qualified!r} already exists ({app.rel(comp.path)}); choose another name "
                              f"or remove it first with 'kfctl component rm {qualified}'")
    mdir = app.module_dir(mod)
    comp_path = mdir / f"{short}.jsonnet"
    if comp_path.exists():
        raise InvalidName(f"{app.rel(comp_path)} already exists; choose another component name")
    sources = param_sources(proto, short, flags, values, engine)
    params_path = mdir / "params.libsonnet"
    params_text = add_component_block(app, mod, short, sources)
    # The new params file must evaluate, and give exactly the values we meant.
    env_code = json.dumps({"server": "", "namespace": "default"})
    try:
        out = engine.evaluate(Request(filename=str(params_path), snippet=params_text, jpaths=base_jpaths(app),
                                      ext_codes={"__ksonnet/environments": env_code}), base=app.root)
        evaluated = json.loads(out)
        mine = evaluated["components"][short]
    except (EngineError, KeyError, TypeError) as exc:
        raise ParamError(f"the new parameters would not evaluate ({exc}); nothing was written",
                         where=app.rel(params_path)) from None
    problem = None
    text = component_text(proto, short)
    if check_render:
        problem = _render_problem(app, mod, comp_path, text, short, mine, evaluated.get("global") or {}, engine)
        if problem:
            raise ParamError(f"the new component {qualified!r} would not render: {problem}; nothing was written "
                             f"(see 'kfctl prototype describe {proto.name}' for its parameters)")
    return GeneratePlan(component=qualified, module=mod, short_name=short, prototype=proto, params=sources,
                        params_path=params_path, params_text=params_text, component_path=comp_path,
                        component_text=text, render_problem=problem)


def _render_problem(app, module: str, path: Path, text: str, short: str, params: dict, globals_: dict,
                    engine) -> str | None:
    """Evaluate the new component with its params (no env overrides); the error text, or None."""
    from .engine import Request
    from .errors import EngineError, KfctlError
    from .render import KSONNET_LIB

    merged = dict(params)
    if isinstance(params, dict) and isinstance(globals_, dict):
        merged = {**params, **globals_}
    env = {"server": "", "namespace": "default"}
    try:
        envs = app.environments()
        current = app.current_environment()
        chosen = envs.get(current) if current else (next(iter(envs.values())) if envs else None)
        if chosen is not None:
            env = chosen.destination()
    except KfctlError:  # a broken environment is not this command's business
        pass
    from . import objects
    from .vendor_links import versioned_vendor

    linked = versioned_vendor(app)
    jpaths = [str(app.root / "vendor"), str(KSONNET_LIB), str(app.root / "lib"), *([linked] if linked else []),
              str(app.module_dir(module))]
    try:
        out = engine.evaluate(Request(filename=str(path), snippet=text, jpaths=jpaths,
                                      ext_codes={"__ksonnet/params": json.dumps({"components": {short: merged}}),
                                                 "__ksonnet/environments": json.dumps(env)}), base=app.root)
        rendered = objects.from_component(short, json.loads(out))
    except (EngineError, KfctlError) as exc:
        return str(exc).splitlines()[0]
    for obj in rendered:
        name = (obj.get("metadata") or {}).get("name")
        if isinstance(name, str) and not _K8S_NAME.fullmatch(name):
            return (f"its {obj.get('kind')} would be named {name!r}, which Kubernetes refuses (lower-case letters, "
                    "digits, '-' and '.', starting and ending with a letter or digit)")
    return None


# The name rule Kubernetes applies to most kinds (a DNS-1123 subdomain).
_K8S_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def write_plan(app, plan: GeneratePlan) -> None:
    """Write params first, then the component (a crash in between leaves an app that still renders)."""
    from .files import atomic_write

    atomic_write(plan.params_path, plan.params_text)
    atomic_write(plan.component_path, plan.component_text)
    app.invalidate()


# --------------------------------------------------------------------------- import -f


_IMPORT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonnet")


def _import_candidates(raw: str) -> list[Path]:
    from .errors import AppError

    if re.match(r"^[a-z][a-z0-9+.-]*://", raw):
        raise AppError(f"cannot import {raw}: only local files and folders are supported (download it first)")
    p = Path(raw).expanduser()
    if p.is_dir():
        found = sorted(c for c in p.iterdir() if c.is_file() and c.suffix in _IMPORT_SUFFIXES)
        if not found:
            raise AppError(f"{raw} has no .yaml, .yml, .json or .jsonnet files to import")
        return found
    if not p.is_file():
        raise AppError(f"cannot import {raw}: no such file or folder")
    if p.suffix not in _IMPORT_SUFFIXES:
        raise AppError(f"cannot import {raw}: expected a .yaml, .yml, .json or .jsonnet file")
    return [p]


def _check_manifest(path: Path, text: str) -> None:
    import yaml

    from .errors import AppError

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise AppError(f"invalid {'JSON' if path.suffix == '.json' else 'YAML'}: "
                       f"{getattr(exc, 'problem', None) or exc}", where=where) from None
    if not docs:
        raise AppError("holds no Kubernetes object", where=str(path))
    for i, doc in enumerate(docs, 1):
        items = doc.get("items") if isinstance(doc, dict) and isinstance(doc.get("items"), list) else [doc]
        for obj in items:
            if not isinstance(obj, dict) or not obj.get("kind") or not obj.get("apiVersion"):
                raise AppError(f"document {i} is not a Kubernetes object (it needs apiVersion and kind)",
                               where=str(path))


def import_files(app, paths: list[str], *, module: str | None = None):
    """Copy manifests/jsonnet files in as components of ``module``. All are checked before any is written."""
    from .app import PARAMS_TEMPLATE, Component
    from .errors import AppError, InvalidName
    from .files import atomic_write
    from .names import check_component_name

    mod = (module or "").replace("/", ".").strip(".")
    for seg in mod.split(".") if mod else []:
        check_component_name(seg)
    mdir = app.module_dir(mod)
    existing = {c.name for c in app.components()}
    planned: list[tuple[Component, str]] = []
    for raw in paths:
        for src in _import_candidates(raw):
            short = src.stem.replace(".", "-")
            check_component_name(short)
            qualified = f"{mod}.{short}" if mod else short
            if qualified in existing or any(c.name == qualified for c, _ in planned):
                raise InvalidName(f"component {qualified!r} already exists; rename {src.name} or remove the "
                                  f"component first with 'kfctl component rm {qualified}'")
            try:
                text = src.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise AppError(f"cannot read: {exc}", where=str(src)) from None
            if src.suffix != ".jsonnet":
                _check_manifest(src, text)
            kind = {"yml": "yaml"}.get(src.suffix[1:], src.suffix[1:])
            ext = ".yaml" if kind == "yaml" else src.suffix
            planned.append((Component(qualified, mod, mdir / f"{short}{ext}", kind), text))
    if not (mdir / "params.libsonnet").is_file():
        atomic_write(mdir / "params.libsonnet", PARAMS_TEMPLATE)
    for comp, text in planned:
        atomic_write(comp.path, text)
    app.invalidate()
    return [c for c, _ in planned]
