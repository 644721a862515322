"""The jsonnet engine behind one small interface.

``GoJsonnet`` (go-jsonnet's Python binding) is the default. ``RJsonnet`` is an optional faster engine
(``KFCTL_ENGINE=rjsonnet``); when it fails, the evaluation is repeated with go-jsonnet so the error keeps
go-jsonnet's file:line:col location. Both get the native functions kubecfg and Tanka users call through
``std.native``. Errors become ``EngineError`` with ``where`` = ``path:line:col`` relative to ``base``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from .errors import EngineError

# --------------------------------------------------------------------------- native functions


def _parse_yaml(text: str):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for doc in yaml.load_all(text, Loader=loader) if doc is not None]


def _ints(value):
    """Jsonnet numbers arrive as floats; print whole ones as integers, as jsonnet does."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return value


def _manifest_yaml(value) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(_ints(value), Dumper=dumper, default_flow_style=False, sort_keys=True, width=10_000,
                     allow_unicode=True)


def _go_regex(pattern: str) -> str:
    # RE2 named groups (?P<name>...) are Python's too; only the replacement syntax differs.
    return pattern


def _go_replacement(repl: str) -> str:
    """Go's ``$1``/``${name}`` replacement syntax to Python's ``\\g<1>``."""
    out, i = [], 0
    while i < len(repl):
        ch = repl[i]
        if ch == "$" and i + 1 < len(repl):
            if repl[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            m = re.match(r"\{(\w+)\}|(\w+)", repl[i + 1:])
            if m:
                out.append(f"\\g<{m.group(1) or m.group(2)}>")
                i += 1 + m.end()
                continue
        out.append(ch.replace("\\", "\\\\"))
        i += 1
    return "".join(out)


NATIVES: dict[str, tuple[tuple[str, ...], Callable]] = {
    "parseYaml": (("yaml",), _parse_yaml),
    "parseJson": (("json",), lambda s: json.loads(s)),
    "manifestYaml": (("value",), _manifest_yaml),
    "manifestJson": (("value",), lambda v: json.dumps(_ints(v), indent=4, sort_keys=True, ensure_ascii=False)),
    "manifestJsonFromJson": (("json", "indent"), lambda s, n: json.dumps(json.loads(s), indent=int(n),
                                                                           sort_keys=True)),
    "regexMatch": (("regex", "string"), lambda r, s: re.search(_go_regex(r), s) is not None),
    "regexSubst": (("regex", "src", "repl"), lambda r, s, p: re.sub(_go_regex(r), _go_replacement(p), s)),
    "escapeStringRegex": (("str",), lambda s: re.escape(s)),
}


# --------------------------------------------------------------------------- evaluation request


@dataclass
class Request:
    """What to evaluate and with what. ``jpaths`` are in ks order: LAST entry has the highest priority."""

    filename: str
    snippet: str | None = None  # evaluate this text as if it were ``filename``; else read the file
    jpaths: list[str] = field(default_factory=list)
    ext_vars: dict[str, str] = field(default_factory=dict)
    ext_codes: dict[str, str] = field(default_factory=dict)
    tla_vars: dict[str, str] = field(default_factory=dict)
    tla_codes: dict[str, str] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def evaluate(self, req: Request, *, base: Path | None = None) -> str: ...

    def version(self) -> str: ...


_LOC = re.compile(r"(?P<path>(?:<[^>]+>|[^\s:][^:\n\t]*?)):(?P<line>\d+):(?P<col>\d+)(?:-\d+|-\(\d+:\d+\)|)")


def normalise_error(text: str, base: Path | None) -> EngineError:
    """Turn an engine's error text into one line: ``where`` = file:line:col, message = the cause."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    head = lines[0] if lines else "evaluation failed"
    # A user's multi-line error message stays one line: its later lines come before the stack frames.
    extra = []
    for ln in lines[1:]:
        if ln.startswith(("\t", "    ")) or _LOC.match(ln.strip()):
            break
        extra.append(ln.strip())
    if extra and head.lower().startswith(("runtime error: ",)):
        head = " \\n ".join([head, *extra])
    where = None
    message = head
    if head.lower().startswith(("runtime error: ", "static error: ", "syntax error: ")):
        message = head.split(": ", 1)[1]
        m_static = _LOC.match(message)
        if m_static and head.startswith("STATIC"):
            where = m_static
            message = message[m_static.end():].lstrip(": ")
        else:
            for ln in lines[1:]:
                m = _LOC.search(ln.strip())
                if m:
                    where = m
                    break
    else:
        m = _LOC.match(head)
        if m:
            where = m
            message = head[m.end():].lstrip(": ").strip()
    loc = None
    if where is not None:
        path = where.group("path")
        if base is not None and os.path.isabs(path):
            try:
                # Through the symlinks that map versioned vendor folders: name the real file.
                path = os.path.relpath(os.path.realpath(path), os.path.realpath(base))
            except ValueError:
                pass
        loc = f"{path}:{where.group('line')}:{where.group('col')}"
    return EngineError(message.strip() or "evaluation failed", where=loc)


class GoJsonnet:
    name = "gojsonnet"

    def __init__(self) -> None:
        import _gojsonnet

        self._mod = _gojsonnet

    def version(self) -> str:
        return str(getattr(self._mod, "version", "unknown"))

    def evaluate(self, req: Request, *, base: Path | None = None, _via_rjsonnet: bool = True) -> str:
        kwargs = dict(
            jpathdir=list(req.jpaths),
            ext_vars=req.ext_vars,
            ext_codes=req.ext_codes,
            tla_vars=req.tla_vars,
            tla_codes=req.tla_codes,
            native_callbacks=NATIVES,
        )
        try:
            if req.snippet is not None:
                return self._mod.evaluate_snippet(req.filename, req.snippet, **kwargs)
            return self._mod.evaluate_file(req.filename, **kwargs)
        except RuntimeError as exc:
            err = normalise_error(str(exc), base)
            if "failed to execute native callback" in str(exc) and _via_rjsonnet:
                # go-jsonnet's Python binding hands natives only strings, numbers, booleans and null;
                # manifestYaml/manifestJson of an object need the rjsonnet engine, which passes any value.
                try:
                    return RJsonnet().evaluate(req, base=base)
                except ImportError:
                    err.message = (f"{err.message}: std.native with an object or array argument needs the "
                                   "rjsonnet engine (pip install rjsonnet)")
            raise err from None


class RJsonnet:
    """The Rust engine (optional). Failures are re-run on go-jsonnet for a precise location."""

    name = "rjsonnet"

    def __init__(self) -> None:
        import rjsonnet

        self._mod = rjsonnet
        self._fallback = GoJsonnet()

    def version(self) -> str:
        return f"rjsonnet {getattr(self._mod, '__version__', 'unknown')}"

    def evaluate(self, req: Request, *, base: Path | None = None) -> str:
        # rjsonnet searches its import paths first-to-last; go-jsonnet (and ks's order) last-to-first.
        kwargs = dict(jpathdir=list(reversed(req.jpaths)), ext_vars=req.ext_vars, ext_codes=req.ext_codes,
                      tla_vars=req.tla_vars, tla_codes=req.tla_codes, native_callbacks=NATIVES)
        try:
            if req.snippet is not None:
                return self._mod.evaluate_snippet(req.filename, req.snippet, **kwargs)
            return self._mod.evaluate_file(req.filename, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any rjsonnet failure is re-evaluated for a located error
            try:
                return self._fallback.evaluate(req, base=base, _via_rjsonnet=False)
            except EngineError as go_err:
                if "failed to execute native callback" not in go_err.message:
                    raise
                # go-jsonnet cannot run this code (object arguments to natives): keep rjsonnet's error.
                raise normalise_error(str(exc), base) from None


_ENGINES: dict[str, Engine] = {}


def get_engine(name: str | None = None) -> Engine:
    """The engine named ``name`` or by ``KFCTL_ENGINE`` (default gojsonnet), created once per process."""
    name = name or os.environ.get("KFCTL_ENGINE") or "gojsonnet"
    if name not in _ENGINES:
        if name == "gojsonnet":
            _ENGINES[name] = GoJsonnet()
        elif name == "rjsonnet":
            try:
                _ENGINES[name] = RJsonnet()
            except ImportError:
                raise EngineError("engine 'rjsonnet' is not installed; pip install rjsonnet") from None
        else:
            raise EngineError(f"unknown engine {name!r} (known: gojsonnet, rjsonnet)")
    return _ENGINES[name]
