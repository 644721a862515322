"""Component parameters: typed values, resolution per environment, and in-place edits.

Resolution follows ks >= 0.10: a module's ``params.libsonnet`` gives each component's params with the
module's ``global`` merged in (std.mergePatch, globals win); the environment's ``params.libsonnet``
patches them and adds its ``globals.libsonnet``. Edits change only the span of the edited value and
are checked by evaluating the file before and after: if anything but the edited path changed, nothing
is written.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import jsonnet_text as jt
from .app import App, Environment
from .engine import Engine, Request, get_engine
from .errors import EngineError, ParamError
from .files import atomic_write, read_source
from .names import jsonnet_index

# ks 0.9 env params imported the module params by relative path; ks >= 0.10 rewrote that on the fly.
LEGACY_PARAMS_IMPORT = re.compile(r"""import\s+(['"])(?:\.\./)+components/params\.libsonnet\1""")
EXT_PARAMS = 'std.extVar("__ksonnet/params")'

_INT = re.compile(r"[+-]?(?:0|[1-9]\d*)")
_LEADING_ZERO = re.compile(r"[+-]?0\d.*", re.S)  # 007, 0755, 08, 00.5: ids and modes, kept as text
_FLOAT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
MAX_EXACT_INT = 2 ** 53  # a Jsonnet number is a double: integers are exact up to here


def parse_value(text: str, *, as_string: bool = False):
    """A command-line value, typed by the rule the README states ("Values and their types").

    Only a whole token that is a number is a number (``5`` yes, ``5\\n`` or `` 5`` no: they stay
    strings). An integer is a number when a double holds it exactly (|n| <= 2**53), else it is refused
    (pass ``as_string``). A decimal or exponent form (``2.0``, ``5.``, ``.5``, ``1e5``, ``1e300``) is a
    number (a double, as Jsonnet has no other); one out of a double's range is refused. A leading zero
    (``0755``, ``007``) keeps the token a string: such values are file modes and ids. ``true``/``false``
    are booleans, ``[...]``/``{...}`` JSON; anything else is a string. ``as_string`` keeps any text.
    """
    if as_string:
        return text
    if text == "":
        raise ParamError("value is blank; pass --as-string to set an empty string")
    if _LEADING_ZERO.fullmatch(text):
        return text
    if _INT.fullmatch(text):
        value = int(text)
        if abs(value) > MAX_EXACT_INT:
            raise ParamError(f"value {text} is an integer too large for a Jsonnet number (a double holds integers "
                             f"exactly only up to 2^53 = {MAX_EXACT_INT}); pass --as-string to keep it as text")
        return value
    if _FLOAT.fullmatch(text):
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise ParamError(f"value {text} is out of the range of a Jsonnet number (a double); pass --as-string "
                             "to keep it as text")
        return value
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError as exc:
            kind = "array" if text[0] == "[" else "object"
            raise ParamError(f"{kind} value is not valid JSON ({exc}); pass --as-string to keep it as text") from None
    return text


def same_value(a, b) -> bool:
    """Equal as Jsonnet sees values: numbers by value as doubles (``2.0`` is ``2``, ``-0.0`` is ``0``),
    everything else exactly (a boolean is not a number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def to_jsonnet(value) -> str:
    """A Python value as Jsonnet source (JSON is Jsonnet: quotes, backslashes, newlines and unicode exact)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return json.dumps(value)  # keep "2.0" a float literal
    return json.dumps(value, ensure_ascii=False)


# --------------------------------------------------------------------------- resolution


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch (what std.mergePatch does), in Python: much faster than the jsonnet one."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def module_params_code(app: App, modules: list[str] | None = None, *, engine: Engine | None = None) -> str:
    """``{components: {...}}`` (as JSON text) of the given modules: globals merged, names module-qualified.

    Each module's params.libsonnet is evaluated (jpaths vendor, lib; ext code __ksonnet/environments
    as ks did), then its ``global`` object is merge-patched into every component (globals win).
    """
    engine = engine or get_engine()
    parts = []
    for module in modules if modules is not None else app.modules():
        path = app.module_dir(module) / "params.libsonnet"
        if path.is_file():
            parts.append((module, path))
    if not parts:
        return '{"components": {}}'
    # One evaluation per file, so that an error names the file and line it is in.
    values = []
    for _, path in parts:
        text = read_source(path, app.rel(path), error=ParamError)
        out = engine.evaluate(Request(filename=str(path), snippet=text, jpaths=base_jpaths(app),
                                      ext_codes={"__ksonnet/environments": '{"server": "", "namespace": "default"}'}),
                              base=app.root)
        values.append(json.loads(out))
    merged: dict = {}
    for (module, path), value in zip(parts, values):
        if not isinstance(value, dict) or not isinstance(value.get("components", {}), dict):
            raise ParamError("must evaluate to an object with a 'components' object", where=app.rel(path))
        glob = value.get("global") or {}
        if not isinstance(glob, dict):
            raise ParamError(f"'global' must be an object, not {_type_name(glob)}", where=app.rel(path))
        prefix = f"{module}." if module else ""
        for name, params in (value.get("components") or {}).items():
            _check_params_object(app, path, name, params)
            merged[prefix + name] = merge_patch(params, glob) if glob else params
    return json.dumps({"components": merged}, ensure_ascii=False)


def _type_name(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _check_params_object(app: App, path: Path, name: str, params) -> None:
    """A component's params must be an object; else an error at the component's entry (file:line:col)."""
    if isinstance(params, dict):
        return
    where = app.rel(path)
    try:
        text = read_source(path, where, error=ParamError)
        comps = jt.find_field_object(text, "components")
        fields, _ = jt.parse_object(text, comps) if comps is not None else ([], None)
        entry = next((f for f in fields if f.key == name), None)
        if entry is not None:
            line, col = jt.line_col(text, entry.start)
            where = f"{where}:{line}:{col}"
    except (jt.ScanError, FileNotFoundError):
        pass  # the message still names the file; the position is a nicety
    raise ParamError(f"components.{name} must be an object of parameters, not {_type_name(params)}", where=where)


def env_params_source(app: App, env: Environment) -> tuple[Path, str]:
    """The environment's params.libsonnet text, with ks 0.9's relative import rewritten as ks >= 0.10 did."""
    path = app.env_dir(env) / "params.libsonnet"
    try:
        text = read_source(path, app.rel(path), error=ParamError)
    except FileNotFoundError:
        return path, f"{EXT_PARAMS}\n"
    return path, LEGACY_PARAMS_IMPORT.sub(EXT_PARAMS, text)


def base_jpaths(app: App) -> list[str]:
    from .vendor_links import versioned_vendor

    linked = versioned_vendor(app)
    return [str(app.root / "vendor"), str(app.root / "lib"), *([linked] if linked else [])]


def resolve(app: App, env: Environment | None, *, engine: Engine | None = None,
            module_params: str | None = None) -> dict[str, dict]:
    """Final params per module-qualified component name: module params, globals, then env overrides."""
    engine = engine or get_engine()
    code = module_params if module_params is not None else module_params_code(app, engine=engine)
    if env is None:
        return json.loads(code)["components"]
    env_code = json.dumps(env.destination() if env else {"server": "", "namespace": "default"})
    path, text = env_params_source(app, env)
    out = engine.evaluate(
        Request(filename=str(path), snippet=text, jpaths=base_jpaths(app) + [str(app.env_dir(env))],
                ext_codes={"__ksonnet/params": code, "__ksonnet/environments": env_code}),
        base=app.root)
    data = json.loads(out)
    if not isinstance(data, dict) or not isinstance(data.get("components"), dict):
        raise ParamError("must evaluate to an object with a 'components' object", where=app.rel(path))
    for name, params in data["components"].items():
        _check_params_object(app, path, name, params)
    return data["components"]


# --------------------------------------------------------------------------- edits


@dataclass(frozen=True)
class Target:
    """Where a param edit lands."""

    path: Path
    kind: str  # "module", "module-global", "env", "env-global"
    component: str | None
    key: str


def _component_split(app: App, component: str) -> tuple[str, str]:
    """(module, short name) for a module-qualified component name."""
    if "." in component:
        module, short = component.rsplit(".", 1)
        if module in app.modules():
            return module, short
    return "", component


@contextmanager
def _scanning(app: App, path: Path, text: str):
    """Turn a failure of the params-file scanner into a ParamError naming the file (and line:col)."""
    try:
        yield
    except jt.ScanError as exc:
        where = app.rel(path)
        if exc.pos is not None:
            line, col = jt.line_col(text, exc.pos)
            where = f"{where}:{line}:{col}"
        raise ParamError(f"cannot read the file as Jsonnet: {exc}", where=where) from None


def _read(path: Path, app: App) -> str:
    try:
        return read_source(path, app.rel(path), error=ParamError)
    except FileNotFoundError:
        raise ParamError("file not found", where=app.rel(path)) from None


def _object_or_fail(pos: int | None, what: str, path: Path, app: App) -> int:
    if pos is None:
        raise ParamError(f"cannot find {what} to edit; the file does not have the ks layout", where=app.rel(path))
    return pos


def _edit(app: App, path: Path, text: str, new_text: str, evaluate, check) -> None:
    """Evaluate before and after; write only when ``check(before, after)`` holds."""
    try:
        before = evaluate(text)
    except EngineError as exc:
        raise ParamError(f"cannot edit: the file does not evaluate now ({exc})", where=app.rel(path)) from None
    try:
        after = evaluate(new_text)
    except EngineError as exc:
        raise ParamError(f"the edit would break the file ({exc}); nothing was written", where=app.rel(path)) from None
    problem = check(before, after)
    if problem:
        raise ParamError(f"{problem}; nothing was written", where=app.rel(path))
    atomic_write(path, new_text)


def _eval_module_file(app: App, path: Path, engine: Engine):
    def run(text: str):
        out = engine.evaluate(Request(filename=str(path), snippet=text, jpaths=base_jpaths(app),
                                      ext_codes={"__ksonnet/environments": '{"server": "", "namespace": "default"}'}),
                              base=app.root)
        return json.loads(out)
    return run


def _eval_env_file(app: App, env: Environment, path: Path, engine: Engine):
    code = module_params_code(app, engine=engine)

    def run(text: str):
        text = LEGACY_PARAMS_IMPORT.sub(EXT_PARAMS, text)
        out = engine.evaluate(Request(filename=str(path), snippet=text,
                                      jpaths=base_jpaths(app) + [str(path.parent)],
                                      ext_codes={"__ksonnet/params": code,
                                                 "__ksonnet/environments": json.dumps(env.destination())}),
                              base=app.root)
        return json.loads(out)
    return run


def _expect_change(getter, key_path: tuple, value, removed: bool = False):
    """A check that exactly ``key_path`` changed to ``value`` (or disappeared)."""
    def check(before, after):
        def strip(doc):
            doc = json.loads(json.dumps(doc))
            node = doc
            for k in key_path[:-1]:
                if not isinstance(node, dict) or k not in node:
                    return doc
                node = node[k]
            if isinstance(node, dict):
                node.pop(key_path[-1], None)
                # An entry created just for this edit is allowed to appear (or vanish) empty.
            return doc

        b, a = strip(getter(before)), strip(getter(after))
        if not same_value(_drop_empty(a, key_path[:-1]), _drop_empty(b, key_path[:-1])):
            return "the edit changed more than the named parameter (is the file hand-written in an unusual shape?)"
        node = getter(after)
        for k in key_path:
            if not isinstance(node, dict) or k not in node:
                return None if removed else "the edited parameter did not take effect"
            node = node[k]
        if removed:
            return "the parameter is still set after removing it (it may be computed elsewhere in the file)"
        if not same_value(node, value):
            return "the edited parameter did not take effect"
        return None
    return check


def _drop_empty(doc, path: tuple):
    node = doc
    for k in path[:-1]:
        if not isinstance(node, dict) or k not in node:
            return doc
        node = node[k]
    if isinstance(node, dict) and path and node.get(path[-1]) == {}:
        del node[path[-1]]
    return doc


TYPO_CUTOFF = 0.75  # difflib ratio from which an unknown key is taken for a misspelt known one


def check_known_param(app: App, component: str, key: str, env: str | None = None, *,
                      engine: Engine | None = None) -> None:
    """Refuse a key that looks like a misspelling of one of ``component``'s parameters, naming them.

    Known: the component's parameters in its module (globals included) and, for an environment, those the
    environment already sets. A key close to a known one (``reportUsag`` for ``reportUsage``) is a typo until
    the user says otherwise (``set_param(..., new=True)``, ``--new``). A key unlike every known one is taken
    as meant: packages read options their prototypes do not declare, and a hand-written component gets
    its parameters one by one.
    """
    import difflib

    engine = engine or get_engine()
    try:
        code = module_params_code(app, engine=engine)
    except EngineError:
        return  # the edit itself reports the file that does not evaluate
    known = set(json.loads(code)["components"].get(component) or {})
    if env is not None and key not in known:
        known |= set(resolve(app, app.environment(env), engine=engine, module_params=code).get(component) or {})
    if key in known:
        return
    close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=TYPO_CUTOFF)
    if close:
        raise ParamError(f"component {component!r} has no parameter {key!r}; did you mean "
                         f"{' or '.join(repr(c) for c in close)}? Pass --new to add {key!r} as a new parameter")


def set_param(app: App, component: str | None, key: str, value, *, env: str | None = None,
              global_: bool = False, new: bool = False, engine: Engine | None = None) -> Target:
    """Set ``key`` for ``component`` (module params), or in ``env``'s overrides, or a global.

    A key that looks like a misspelt parameter of the component is refused (``check_known_param``) unless
    ``new``.
    """
    engine = engine or get_engine()
    src = to_jsonnet(value)
    check = component is not None and not (global_ or new)
    if global_ or component is None:
        if env is None:
            path = app.module_dir("") / "params.libsonnet"
            text = _read(path, app)
            with _scanning(app, path, text):
                lbrace = _object_or_fail(jt.find_field_object(text, "global"), "the 'global' object", path, app)
                new = jt.set_field(text, lbrace, key, src)
            _edit(app, path, text, new, _eval_module_file(app, path, engine),
                  _expect_change(lambda d: d, ("global", key), value))
            return Target(path, "module-global", None, key)
        e = app.environment(env)
        path = app.env_dir(e) / "globals.libsonnet"
        text = _read(path, app) if path.is_file() else "{\n}\n"
        with _scanning(app, path, text):
            lbrace = _object_or_fail(jt.first_object(text), "the globals object", path, app)
            new = jt.set_field(text, lbrace, key, src)

        def run(t):
            out = engine.evaluate(Request(filename=str(path), snippet=t, jpaths=base_jpaths(app)), base=app.root)
            return json.loads(out)
        if path.is_file():
            _edit(app, path, text, new, run, _expect_change(lambda d: d, (key,), value))
        else:
            atomic_write(path, new)
        return Target(path, "env-global", None, key)

    if env is None:
        module, short = _component_split(app, component)
        path = app.module_dir(module) / "params.libsonnet"
        text = _read(path, app)
        with _scanning(app, path, text):
            new_text = _set_component_field(app, path, text, short, key, src, sep=":")
        if check:
            check_known_param(app, component, key, engine=engine)
        _edit(app, path, text, new_text, _eval_module_file(app, path, engine),
              _expect_change(lambda d: d.get("components", {}), (short, key), value))
        return Target(path, "module", component, key)

    e = app.environment(env)
    path = app.env_dir(e) / "params.libsonnet"
    text = _read(path, app)
    with _scanning(app, path, text):
        new_text = _set_component_field(app, path, text, component, key, src, sep=" +:")
    if check:
        check_known_param(app, component, key, env, engine=engine)
    _edit(app, path, text, new_text, _eval_env_file(app, e, path, engine),
          _expect_change(lambda d: d.get("components", {}), (component, key), value))
    return Target(path, "env", component, key)


def unset_param(app: App, component: str | None, key: str, *, env: str | None = None,
                global_: bool = False, engine: Engine | None = None) -> Target:
    engine = engine or get_engine()
    if global_ or component is None:
        if env is None:
            path = app.module_dir("") / "params.libsonnet"
            text = _read(path, app)
            with _scanning(app, path, text):
                lbrace = _object_or_fail(jt.find_field_object(text, "global"), "the 'global' object", path, app)
            check = _expect_change(lambda d: d, ("global", key), None, removed=True)
            run = _eval_module_file(app, path, engine)
        else:
            e = app.environment(env)
            path = app.env_dir(e) / "globals.libsonnet"
            text = _read(path, app)
            with _scanning(app, path, text):
                lbrace = _object_or_fail(jt.first_object(text), "the globals object", path, app)
            check = _expect_change(lambda d: d, (key,), None, removed=True)

            def run(t):
                return json.loads(engine.evaluate(Request(filename=str(path), snippet=t, jpaths=base_jpaths(app)),
                                                  base=app.root))
        with _scanning(app, path, text):
            new, found = jt.remove_field(text, lbrace, key)
        if not found:
            raise ParamError(f"global parameter {key!r} is not set here", where=app.rel(path))
        _edit(app, path, text, new, run, check)
        return Target(path, "env-global" if env else "module-global", None, key)

    if env is None:
        app.component(component)
        module, short = _component_split(app, component)
        path = app.module_dir(module) / "params.libsonnet"
        name = short
        run = _eval_module_file(app, path, engine)
    else:
        e = app.environment(env)
        path = app.env_dir(e) / "params.libsonnet"
        name = component
        run = _eval_env_file(app, e, path, engine)
    text = _read(path, app)
    with _scanning(app, path, text):
        comps = _object_or_fail(jt.find_field_object(text, "components"), "the 'components' object", path, app)
        fields, _ = jt.parse_object(text, comps)
        existing = next((f for f in fields if f.key == name), None)
        if existing is None or text[existing.value_start] != "{":
            raise ParamError(f"component {component!r} has no parameter {key!r} here", where=app.rel(path))
        new, found = jt.remove_field(text, existing.value_start, key)
    if not found:
        raise ParamError(f"component {component!r} has no parameter {key!r} here", where=app.rel(path))
    if env is None:
        check = _expect_change(lambda d: d.get("components", {}), (name, key), None, removed=True)
    else:
        # An env override removed may reveal the module value underneath: only that path may change.
        def check(before, after, name=name, key=key):
            b = json.loads(json.dumps(before.get("components", {})))
            a = json.loads(json.dumps(after.get("components", {})))
            b.get(name, {}).pop(key, None)
            a.get(name, {}).pop(key, None)
            if json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True):
                return "the edit changed more than the named parameter"
            return None
    _edit(app, path, text, new, run, check)
    return Target(path, "env" if env else "module", component, key)


def _set_component_field(app: App, path: Path, text: str, entry: str, key: str, src: str, *, sep: str) -> str:
    """Set ``components.<entry>.<key>`` in a params file's text; a missing entry is created (``entry<sep> {…}``)."""
    comps = _object_or_fail(jt.find_field_object(text, "components"), "the 'components' object", path, app)
    fields, _ = jt.parse_object(text, comps)
    existing = next((f for f in fields if f.key == entry), None)
    if existing is not None and text[existing.value_start] == "{":
        return jt.set_field(text, existing.value_start, key, src)
    if existing is not None:
        raise ParamError(f"params of component {entry!r} are not an object literal; edit them by hand",
                         where=app.rel(path))
    ind = _indent_for(text, comps)
    return jt.set_field(text, comps, entry, "{\n" + ind + f"    {_key(key)}: {src},\n" + ind + "  }", sep=sep)


def _indent_for(text: str, lbrace: int) -> str:
    fields, _ = jt.parse_object(text, lbrace)
    if fields:
        ind = jt.line_indent(text, fields[0].start)
        return ind[:-2] if len(ind) >= 2 else ""
    return jt.line_indent(text, lbrace)


def _key(key: str) -> str:
    from .names import jsonnet_key

    return jsonnet_key(key)


# --------------------------------------------------------------------------- component params blocks (generate / rm)


def add_component_block(app: App, module: str, name: str, params_src: dict[str, str]) -> str:
    """New text of the module's params.libsonnet with a block for ``name`` (params as Jsonnet source).

    Fails if the component already has params. Nothing is written here.
    """
    path = app.module_dir(module) / "params.libsonnet"
    text = _read(path, app) if path.is_file() else _skeleton()
    with _scanning(app, path, text):
        comps = _object_or_fail(jt.find_field_object(text, "components"), "the 'components' object", path, app)
        fields, _ = jt.parse_object(text, comps)
        if any(f.key == name for f in fields):
            raise ParamError(f"component parameters for {name!r} already exist", where=app.rel(path))
        ind = _indent_for(text, comps)
        lines = ["{"]
        for key in sorted(params_src):
            value = params_src[key].replace("\n", "\n" + ind + "    ")
            lines.append(f"{ind}    {_key(key)}: {value},")
        lines.append(f"{ind}  }}")
        return jt.set_field(text, comps, name, "\n".join(lines))


def _without_component(app: App, path: Path, name: str) -> str | None:
    """The text of params file ``path`` without ``components.<name>``; None if there is nothing to remove."""
    if not path.is_file():
        return None
    text = _read(path, app)
    with _scanning(app, path, text):
        comps = jt.find_field_object(text, "components")
        if comps is None:
            return None
        new, found = jt.remove_field(text, comps, name)
    return new if found else None


def remove_component_block(app: App, module: str, name: str) -> str | None:
    return _without_component(app, app.module_dir(module) / "params.libsonnet", name)


def remove_env_overrides(app: App, env: Environment, component: str) -> str | None:
    return _without_component(app, app.env_dir(env) / "params.libsonnet", component)


def _skeleton() -> str:
    from .app import PARAMS_TEMPLATE

    return PARAMS_TEMPLATE


def component_header(name: str) -> str:
    """The two lines ks put at the top of every generated jsonnet component."""
    return ('local env = std.extVar("__ksonnet/environments");\n'
            f'local params = std.extVar("__ksonnet/params").components{jsonnet_index(name)};\n')
