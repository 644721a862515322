"""The jsonnet engine behind one small interface.

``GoJsonnet`` (go-jsonnet's Python binding) is the default. ``RJsonnet`` is an optional faster engine
(``KFCTL_ENGINE=rjsonnet``); when it fails, the evaluation is repeated with go-jsonnet so the error keeps
go-jsonnet's file:line:col location. Both get the native functions kubecfg and Tanka users call through
``std.native``. Errors become ``EngineError`` with ``where`` = ``path:line:col`` relative to ``base``.

Both give the same bytes: under rjsonnet, ``std.manifestYamlDoc``/``manifestYamlStream`` run as
go-jsonnet's (``_GO_STD``). go-jsonnet evaluates on a worker thread (it releases the GIL) and rjsonnet in a
forked child (it holds the GIL, and overflows its native stack on deep recursion), so Ctrl-C interrupts
either at once and an rjsonnet crash becomes ``EngineCrash``. ``evaluate_compat`` accepts the unary ``+``
on non-numbers that ks's go-jsonnet accepted, with a deprecation warning per place.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from dataclasses import dataclass, field, replace
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


# go-jsonnet's rule for a bare (unquoted) key in std.manifestYamlDoc(..., quote_keys=false): only these
# characters, not a YAML 1.1 reserved word and not something YAML would read as a number.
_BARE_KEY = re.compile(r"[A-Za-z0-9_./-]+")
_YAML_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", ".nan", "-.inf", "+.inf", ".inf",
                            "nan", "inf", "-inf", "null", "-", "---", ""})
_YAML_NUMBER = re.compile(r"[-+]?(?:D(?:\.(?:D)?)?|\.D)(?:[eE][-+]?[0-9]+)?".replace("D", r"[0-9](?:_?[0-9])*")
                          + r"|[-+]?0b[01_]+|[0-9-]*-[0-9-]*-[0-9-]*|.*0x[0-9a-fA-F_].*")
_KEY_LINE = re.compile(r'^(?P<prefix>(?:- |  )*(?:- )?)(?P<key>"(?:[^"\\]|\\.)*"):(?P<rest> .*|)$')


def _bare_key_ok(key: str) -> bool:
    return bool(_BARE_KEY.fullmatch(key)) and key.lower() not in _YAML_RESERVED and not _YAML_NUMBER.fullmatch(key)


def _unquote_yaml_keys(text: str) -> str:
    """go-jsonnet's quote_keys=false output from the quote_keys=true output (identical in both engines):
    keys go-jsonnet writes bare lose their quotes; block-scalar content is left alone."""
    out, block = [], None  # block: the column a block scalar's content lines are deeper than
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        if block is not None and (not line.strip() or indent >= block + 2):
            out.append(line)
            continue
        block = None
        m = _KEY_LINE.match(line)
        if m:
            key = json.loads(m.group("key"))
            if _bare_key_ok(key):
                line = f"{m.group('prefix')}{key}:{m.group('rest')}"
            if m.group("rest") in (" |", " |-"):
                block = len(m.group("prefix"))  # the key's column
        elif line.rstrip("-").endswith("- |"):
            block = len(line.rstrip("-")) - 3  # an array item's dash
        out.append(line)
    return "\n".join(out)


NATIVES: dict[str, tuple[tuple[str, ...], Callable]] = {
    "kfctlUnquoteYamlKeys": (("text",), _unquote_yaml_keys),
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
    sources: dict[str, str] = field(default_factory=dict)  # normalised absolute path -> text to use instead

    def kwargs(self, jpaths: list[str], *, as_bytes: bool) -> dict:
        out = dict(jpathdir=jpaths, ext_vars=self.ext_vars, ext_codes=self.ext_codes, tla_vars=self.tla_vars,
                   tla_codes=self.tla_codes, native_callbacks=NATIVES)
        if self.sources:
            out["import_callback"] = _importer(self.jpaths, self.sources, as_bytes)
        return out


def _importer(jpaths: list[str], sources: dict[str, str], as_bytes: bool,
              rewrite: Callable[[str], str] | None = None) -> Callable:
    """An import callback resolving as the engines do (the importing file's folder, then the import paths,
    last first) that serves ``sources`` in place of those files and passes every text through ``rewrite``.
    go-jsonnet gets one only when some file is rewritten; rjsonnet always (for ``_GO_STD``)."""

    def load(folder: str, rel: str) -> tuple[str, str | bytes]:
        path, text = find(folder, rel)
        if rewrite is not None:
            text = rewrite(text)
        return path, (text.encode("utf-8", "surrogateescape") if as_bytes else text)

    def find(folder: str, rel: str) -> tuple[str, str]:
        if os.path.isabs(rel):
            candidates = [rel]
        else:
            candidates = [os.path.join(folder, rel), *(os.path.join(p, rel) for p in reversed(jpaths))]
        for path in candidates:
            if os.path.normpath(path) in sources:
                return path, sources[os.path.normpath(path)]
            if os.path.isfile(path):
                with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                    return path, fh.read()
        raise RuntimeError(f"couldn't open import {rel!r}: no match locally or in the Jsonnet library paths")

    return load


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
        if m_static and (head.startswith("STATIC") or os.path.isabs(m_static.group("path"))):
            # STATIC ERROR: path:l:c: ..., or a syntax error in an imported file, reported at the import:
            # "RUNTIME ERROR: /abs/file:l:c-c message" followed by the importing frames.
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
    err = EngineError(message.strip() or "evaluation failed", where=loc)
    err.at = (where.group("path"), int(where.group("line")), int(where.group("col"))) if where else None
    err.frames = [m.group("path") for m in (_LOC.match(ln.strip()) for ln in lines[1:]) if m]
    err.fields = [ln.strip()[7:-1] for ln in lines[1:] if ln.strip().startswith('Field "')]
    return err


# --------------------------------------------------------------------------- where evaluation runs


class EngineCrash(EngineError):
    """The engine died (native stack overflow on deep recursion) instead of reporting an error."""


def _interruptible(fn: Callable[[], str]) -> str:
    """Run ``fn`` on a worker thread so that Ctrl-C (delivered to the main thread) interrupts the wait
    at once; go-jsonnet releases the GIL while it evaluates. Off the main thread, just call it."""
    if threading.current_thread() is not threading.main_thread():
        return fn()
    box: dict = {}

    def run() -> None:
        try:
            box["out"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread and raised there
            box["exc"] = exc

    worker = threading.Thread(target=run, name="kfctl-jsonnet", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)  # returns when the worker ends; a signal handler may raise here
    if "exc" in box:
        raise box["exc"]
    return box["out"]


class _ChildError(Exception):
    pass


def _isolated(fn: Callable[[], str], engine: str) -> str:
    """Run ``fn`` in a forked child: an engine that crashes (rjsonnet segfaults on deep recursion) becomes
    ``EngineCrash``, its errors ``_ChildError``, and Ctrl-C stops the wait at once (rjsonnet holds the GIL,
    so a thread would not do). The child never runs Go code (go-jsonnet does not survive a fork)."""
    if not hasattr(os, "fork"):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - the engine's error, re-raised as one type
            raise _ChildError(str(exc)) from None
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: evaluate, write "O"/"E" + text, leave without running any cleanup
        status = 0
        try:
            os.close(read_fd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                payload = b"O" + fn().encode("utf-8", "surrogateescape")
            except Exception as exc:  # noqa: BLE001 - sent to the parent as text
                payload = b"E" + str(exc).encode("utf-8", "surrogateescape")
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
        except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
            status = 70
        finally:
            os._exit(status)
    os.close(write_fd)
    chunks = []
    try:
        while chunk := os.read(read_fd, 1 << 20):
            chunks.append(chunk)
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT:
        raise KeyboardInterrupt  # Ctrl-C reached the child too (the terminal signals the whole group)
    if not data or os.WIFSIGNALED(status) or os.waitstatus_to_exitcode(status) != 0:
        how = (f"signal {signal.Signals(os.WTERMSIG(status)).name}" if os.WIFSIGNALED(status)
               else f"exit status {os.waitstatus_to_exitcode(status)}")
        raise EngineCrash(f"the {engine} engine crashed ({how}), most likely on recursion or nesting too deep "
                          "for it")
    text = data[1:].decode("utf-8", "surrogateescape")
    if data[:1] == b"E":
        raise _ChildError(text)
    return text


# Deeper nesting than this in one file crashes go-jsonnet's parser (a fatal Go stack overflow, from about
# 30 000 levels); evaluation stops far below it anyway (max stack frames). Files are checked beforehand.
MAX_NESTING = 10_000
_NEST_TOKEN = re.compile(r"""[\[\]{}()]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\|\|\|[\s\S]*?\|\|\||//[^\n]*|#[^\n]*|/\*[\s\S]*?\*/""")


def too_deep(text: str, limit: int = MAX_NESTING) -> tuple[int, int] | None:
    """(line, col) where brackets in ``text`` nest deeper than ``limit``, or None. Free for small files."""
    if len(text) < 2 * limit:
        return None
    depth = 0
    for m in _NEST_TOKEN.finditer(text):
        ch = m.group()
        if ch in "[{(":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, m.start()) + 1
                return line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        elif ch in "]})":
            depth -= 1
    return None


class GoJsonnet:
    name = "gojsonnet"

    def __init__(self) -> None:
        import _gojsonnet

        self._mod = _gojsonnet

    def version(self) -> str:
        return str(getattr(self._mod, "version", "unknown"))

    def evaluate(self, req: Request, *, base: Path | None = None, _via_rjsonnet: bool = True) -> str:
        kwargs = req.kwargs(list(req.jpaths), as_bytes=True)
        try:
            if req.snippet is not None:
                return _interruptible(lambda: self._mod.evaluate_snippet(req.filename, req.snippet, **kwargs))
            return _interruptible(lambda: self._mod.evaluate_file(req.filename, **kwargs))
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


# rjsonnet's std.manifestYamlDoc/manifestYamlStream with quote_keys=false quote differently from go-jsonnet
# (bare string values, other bare keys). Under rjsonnet every file is read with those two names replaced by
# same-length calls of go-jsonnet-exact versions (so every location stays true), given as an ext code.
_GO_STD_VAR = "@k"
_GO_STD = (("std.manifestYamlDoc", f"std.extVar('{_GO_STD_VAR}').yd"),
           ("std.manifestYamlStream", f"std.extVar('{_GO_STD_VAR}').ystrm"))
assert all(len(a) == len(b) for a, b in _GO_STD)
_GO_STD_CODE = """{
  local keys(t, quote) = if quote then t else std.native('kfctlUnquoteYamlKeys')(t),
  yd(value, indent_array_in_object=false, quote_keys=true)::
    keys(std.manifestYamlDoc(value, indent_array_in_object, true), quote_keys),
  ystrm(value, indent_array_in_object=false, c_document_end=true, quote_keys=true)::
    keys(std.manifestYamlStream(value, indent_array_in_object, c_document_end, true), quote_keys),
}"""


def _go_std(text: str) -> str:
    if "std.manifestYaml" not in text:
        return text
    for old, new in _GO_STD:
        text = text.replace(old, new)
    return text


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
        kwargs = req.kwargs(list(reversed(req.jpaths)), as_bytes=False)
        kwargs["ext_codes"] = {**req.ext_codes, _GO_STD_VAR: _GO_STD_CODE}
        kwargs["import_callback"] = _importer(req.jpaths, req.sources, False, rewrite=_go_std)
        if req.snippet is not None:
            text = req.snippet
        else:
            try:
                with open(req.filename, encoding="utf-8", errors="surrogateescape") as fh:
                    text = req.sources.get(os.path.normpath(req.filename)) or fh.read()
            except OSError:
                return self._fallback.evaluate(req, base=base, _via_rjsonnet=False)  # go-jsonnet's own error
        try:
            return _isolated(lambda: self._mod.evaluate_snippet(req.filename, _go_std(text), **kwargs), self.name)
        except _ChildError as exc:  # any rjsonnet failure is re-evaluated for a located error
            try:
                return self._fallback.evaluate(req, base=base, _via_rjsonnet=False)
            except EngineError as go_err:
                if "failed to execute native callback" not in go_err.message:
                    raise
                # go-jsonnet cannot run this code (object arguments to natives): keep rjsonnet's error.
                raise normalise_error(str(exc), base) from None


# --------------------------------------------------------------------------- ks-era jsonnet

_UNARY_PLUS = re.compile(r"^Unexpected type (string|object|array|boolean|null|function), expected number$")
MAX_REWRITES = 200


def evaluate_compat(engine: Engine, req: Request, *, base: Path | None = None) -> tuple[str, list[str]]:
    """``engine.evaluate``, accepting what the go-jsonnet ks used accepted: unary ``+`` on any value (it
    returned the value; current jsonnet rejects a non-number). Each such ``+`` the evaluation reaches is
    blanked (same length, so every location stays true) in the text the engine reads, and the evaluation
    is repeated; every rewrite is reported as a deprecation warning. Valid code costs nothing extra."""
    notes: list[str] = []
    for _ in range(MAX_REWRITES):
        try:
            return engine.evaluate(req, base=base), notes
        except EngineError as err:
            site = _unary_plus_site(err, req)
            if site is None:
                raise
            req = site
            kind = _UNARY_PLUS.match(err.message).group(1)
            article = "an" if kind[0] in "aeiou" else "a"
            notes.append(f"{err.where}: unary '+' on {article} {kind} is deprecated (ks's old go-jsonnet ignored it, current "
                         f"jsonnet rejects it); rendered as before: remove the '+' to fix it")
    raise EngineError(f"more than {MAX_REWRITES} unary '+' on non-numbers; remove them", where=req.filename)


def _unary_plus_site(err: EngineError, req: Request) -> Request | None:
    """``req`` with the unary ``+`` that ``err`` reports blanked out, or None when ``err`` is not that."""
    at = getattr(err, "at", None)
    if at is None or not _UNARY_PLUS.match(err.message):
        return None
    path, line, col = at
    if not os.path.isabs(path):
        return None
    key = os.path.normpath(path)
    is_snippet = req.snippet is not None and key == os.path.normpath(req.filename)
    if is_snippet:
        text = req.snippet
    elif key in req.sources:
        text = req.sources[key]
    else:
        try:
            with open(key, encoding="utf-8", errors="surrogateescape") as fh:
                text = fh.read()
        except OSError:
            return None
    lines = text.split("\n")
    if not 0 < line <= len(lines) or not 0 < col <= len(lines[line - 1]) or lines[line - 1][col - 1] != "+":
        return None
    lines[line - 1] = lines[line - 1][:col - 1] + " " + lines[line - 1][col:]
    fixed = "\n".join(lines)
    if is_snippet:
        return replace(req, snippet=fixed)
    return replace(req, sources={**req.sources, key: fixed})


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
