"""A small scanner for Jsonnet source text, enough to locate object fields by byte span.

It understands strings ("…", '…', @"…", @'…'), ``|||`` text blocks, ``//``, ``#`` and ``/* */``
comments and bracket nesting. It is used to edit params files in place: only the span of the edited
value changes; every other byte (comments, layout, expressions) stays as the user wrote it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPEN = "([{"
_CLOSE = ")]}"


class ScanError(ValueError):
    pass


def skip_trivia(text: str, i: int) -> int:
    """Skip whitespace and comments from ``i``."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ScanError("unterminated comment")
            i = j + 2
        else:
            break
    return i


def skip_string(text: str, i: int) -> int:
    """``i`` at an opening quote, ``@`` or ``|||``; returns the index after the literal."""
    if text.startswith("|||", i):
        # A text block ends at a line whose first non-blank characters are |||.
        m = re.compile(r"\n[ \t]*\|\|\|").search(text, i + 3)
        if not m:
            raise ScanError("unterminated text block")
        return m.end()
    verbatim = text[i] == "@"
    if verbatim:
        i += 1
    quote = text[i]
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if verbatim:
            if ch == quote:
                if j + 1 < n and text[j + 1] == quote:
                    j += 2
                    continue
                return j + 1
        else:
            if ch == "\\":
                j += 2
                continue
            if ch == quote:
                return j + 1
        j += 1
    raise ScanError("unterminated string")


def _at_string(text: str, i: int) -> bool:
    ch = text[i]
    return ch in "\"'" or (ch == "@" and i + 1 < len(text) and text[i + 1] in "\"'") or text.startswith("|||", i)


def skip_expr(text: str, i: int, stops: str = ",}") -> int:
    """Scan an expression from ``i`` to the first depth-0 character in ``stops``; return its index."""
    depth = 0
    n = len(text)
    while i < n:
        i2 = skip_trivia(text, i)
        if i2 != i:
            i = i2
            continue
        ch = text[i]
        if _at_string(text, i):
            i = skip_string(text, i)
            continue
        if depth == 0 and ch in stops:
            return i
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            if depth == 0:
                return i
            depth -= 1
        i += 1
    if depth:
        raise ScanError("unbalanced brackets")
    return i


@dataclass
class Field:
    key: str | None  # None for computed keys, locals and asserts
    start: int  # first byte of the field (its key)
    sep: str  # ":", "::", ":::", "+:", "+::", "+:::" ("" for locals/asserts)
    value_start: int
    value_end: int  # exclusive, trailing whitespace trimmed
    end: int  # after the trailing comma when there is one, else value_end
    has_comma: bool


def parse_object(text: str, lbrace: int) -> tuple[list[Field], int]:
    """Fields of the object literal whose ``{`` is at ``lbrace``; also returns the ``}`` index."""
    if text[lbrace] != "{":
        raise ScanError("expected '{'")
    fields: list[Field] = []
    i = lbrace + 1
    while True:
        i = skip_trivia(text, i)
        if i >= len(text):
            raise ScanError("unterminated object")
        if text[i] == "}":
            return fields, i
        start = i
        key: str | None = None
        m = _IDENT.match(text, i)
        if m and m.group(0) in ("local", "assert"):
            end = skip_expr(text, m.end())
            vend = end
            while vend > start and text[vend - 1].isspace():
                vend -= 1
            comma = end < len(text) and text[end] == ","
            fields.append(Field(None, start, "", start, vend, end + 1 if comma else vend, comma))
            i = end + 1 if comma else end
            continue
        if m:
            key = m.group(0)
            i = m.end()
        elif _at_string(text, i):
            j = skip_string(text, i)
            literal = text[i:j]
            try:
                key = json.loads(literal) if literal.startswith('"') else None
            except ValueError:
                key = None
            if literal.startswith("'"):
                try:
                    key = json.loads('"' + literal[1:-1].replace('"', '\\"').replace("\\'", "'") + '"')
                except ValueError:
                    key = None
            i = j
        elif text[i] == "[":
            i = skip_expr(text, i + 1, stops="]") + 1
        else:
            raise ScanError(f"unexpected {text[i]!r} in object")
        i = skip_trivia(text, i)
        if i < len(text) and text[i] == "(":  # method field f(x): ...
            i = skip_expr(text, i + 1, stops=")") + 1
            i = skip_trivia(text, i)
        sm = re.compile(r"\+?:{1,3}").match(text, i)
        if not sm:
            raise ScanError("expected ':' after field name")
        sep = sm.group(0)
        vstart = skip_trivia(text, sm.end())
        end = skip_expr(text, vstart)
        vend = end
        while vend > vstart and text[vend - 1].isspace():
            vend -= 1
        # Trailing comments between the value and the comma belong to the value's line; trim them.
        comma = end < len(text) and text[end] == ","
        fields.append(Field(key, start, sep, vstart, vend, end + 1 if comma else vend, comma))
        i = end + 1 if comma else end


def find_field_object(text: str, name: str, start: int = 0) -> int | None:
    """Index of the ``{`` of the first field ``name: {`` (any depth), outside strings and comments."""
    i = start
    n = len(text)
    while i < n:
        i2 = skip_trivia(text, i)
        if i2 != i:
            i = i2
            continue
        if _at_string(text, i):
            j = skip_string(text, i)
            literal = text[i:j]
            key = None
            if literal.startswith('"'):
                try:
                    key = json.loads(literal)
                except ValueError:
                    key = None
            elif literal.startswith("'"):
                key = literal[1:-1]
            if key == name:
                pos = _brace_after_sep(text, j)
                if pos is not None:
                    return pos
            i = j
            continue
        m = _IDENT.match(text, i)
        if m:
            if m.group(0) == name and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_.")):
                pos = _brace_after_sep(text, m.end())
                if pos is not None:
                    return pos
            i = m.end()
            continue
        i += 1
    return None


def _brace_after_sep(text: str, i: int) -> int | None:
    i = skip_trivia(text, i)
    sm = re.compile(r"\+?:{1,3}").match(text, i)
    if not sm:
        return None
    j = skip_trivia(text, sm.end())
    return j if j < len(text) and text[j] == "{" else None


def first_object(text: str) -> int | None:
    """Index of the ``{`` of the file's top-level object (after leading locals and comments)."""
    i = skip_trivia(text, 0)
    while True:
        m = _IDENT.match(text, i)
        if m and m.group(0) == "local":
            end = skip_expr(text, m.end(), stops=";")
            i = skip_trivia(text, end + 1)
            continue
        break
    return i if i < len(text) and text[i] == "{" else None


def line_indent(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    j = line_start
    while j < len(text) and text[j] in " \t":
        j += 1
    return text[line_start:j]


def set_field(text: str, lbrace: int, key: str, value_src: str, *, sep: str = ":") -> str:
    """Return ``text`` with field ``key`` of the object at ``lbrace`` set to ``value_src``.

    An existing field keeps its key, separator and comma; only the value span changes. A new field
    copies its siblings' indentation and is added after the last field.
    """
    from .names import jsonnet_key

    fields, rbrace = parse_object(text, lbrace)
    for f in fields:
        if f.key == key:
            return text[: f.value_start] + value_src + text[f.value_end:]
    keyed = [f for f in fields]
    if keyed:
        indent = line_indent(text, keyed[0].start)
        last = keyed[-1]
        prefix = text[: last.end]
        if not last.has_comma:
            prefix = text[: last.value_end] + "," + text[last.value_end: last.end]
        insertion = f"\n{indent}{jsonnet_key(key)}{sep} {value_src},"
        return prefix + insertion + text[last.end:]
    # Empty object (perhaps holding only comments): put the field on its own line before the brace.
    parent_indent = line_indent(text, lbrace)
    inner = text[lbrace + 1: rbrace]
    indent = parent_indent + "  "
    for line in inner.splitlines():
        if line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            break
    closing_line_start = text.rfind("\n", lbrace, rbrace)
    if closing_line_start >= 0 and not text[closing_line_start + 1: rbrace].strip():
        return (text[:closing_line_start] + f"\n{indent}{jsonnet_key(key)}{sep} {value_src},"
                + text[closing_line_start:])
    return text[:rbrace].rstrip() + f" {jsonnet_key(key)}{sep} {value_src} " + text[rbrace:]


def remove_field(text: str, lbrace: int, key: str) -> tuple[str, bool]:
    """Return ``text`` without field ``key`` (its whole line when it stands alone), and whether it existed."""
    fields, _ = parse_object(text, lbrace)
    for f in fields:
        if f.key == key:
            start, end = f.start, f.end
            line_start = text.rfind("\n", 0, start) + 1
            if not text[line_start:start].strip():
                start = line_start
                nl = text.find("\n", end)
                if nl >= 0 and not text[end:nl].strip():
                    end = nl + 1
            return text[:start] + text[end:], True
    return text, False
