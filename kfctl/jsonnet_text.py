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
    """The text is not Jsonnet this scanner can follow; ``pos`` is the byte offset of the problem."""

    def __init__(self, message: str, pos: int | None = None):
        super().__init__(message)
        self.pos = pos


def line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset ``pos`` in ``text``."""
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


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
                raise ScanError("unterminated comment", i)
            i = j + 2
        else:
            break
    return i


def skip_string(text: str, i: int) -> int:
    """``i`` at an opening quote, ``@`` or ``|||``; returns the index after the literal."""
    if text.startswith("|||", i):
        return _skip_text_block(text, i)
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
    raise ScanError("unterminated string", i)


def _skip_text_block(text: str, i: int) -> int:
    """``i`` at ``|||`` (or ``|||-``); returns the index after the closing ``|||``.

    As Jsonnet lexes it: the first non-empty line after ``|||`` sets the indentation; the block goes on
    while lines start with that indentation (empty lines included) and ends at the first line that does
    not, which must then be optional blanks and ``|||``.
    """
    n = len(text)
    j = i + 3
    if j < n and text[j] == "-":
        j += 1
    while j < n and text[j] in " \t\r":
        j += 1
    if j >= n or text[j] != "\n":
        raise ScanError("a text block needs a new line after |||", i)
    j += 1
    while j < n and text[j] == "\n":
        j += 1
    k = j
    while k < n and text[k] in " \t":
        k += 1
    indent = text[j:k]
    if not indent:
        raise ScanError("the first line of a text block must be indented", j)
    while True:
        nl = text.find("\n", j)
        if nl < 0:
            raise ScanError("unterminated text block", i)
        j = nl + 1
        while j < n and text[j] == "\n":
            j += 1
        if not text.startswith(indent, j):
            k = j
            while k < n and text[k] in " \t":
                k += 1
            if not text.startswith("|||", k):
                raise ScanError("text block not terminated with |||", k)
            return k + 3


def _at_string(text: str, i: int) -> bool:
    ch = text[i]
    return ch in "\"'" or (ch == "@" and i + 1 < len(text) and text[i + 1] in "\"'") or text.startswith("|||", i)


def skip_expr(text: str, i: int, stops: str = ",}") -> int:
    """Scan an expression from ``i`` to the first depth-0 character in ``stops``; return its index."""
    return scan_expr(text, i, stops)[0]


def scan_expr(text: str, i: int, stops: str = ",}") -> tuple[int, int]:
    """Like :func:`skip_expr`, and also where the expression itself ends.

    Returns ``(stop, last)``: ``stop`` is the index of the depth-0 stop character (or the end of the
    text); ``last`` is the index after the expression's last character, so whitespace and comments
    between the expression and ``stop`` are not part of it. ``last == i`` for an empty expression.
    """
    start = i
    depth = 0
    opened: list[int] = []
    last = i
    n = len(text)
    while i < n:
        i2 = skip_trivia(text, i)
        if i2 != i:
            i = i2
            continue
        ch = text[i]
        if _at_string(text, i):
            i = skip_string(text, i)
            last = i
            continue
        if depth == 0 and ch in stops:
            return i, last
        if ch in _OPEN:
            depth += 1
            opened.append(i)
        elif ch in _CLOSE:
            if depth == 0:
                return i, last
            depth -= 1
            opened.pop()
        i += 1
        last = i
    if depth:
        raise ScanError("unbalanced brackets", opened[-1] if opened else start)
    return i, last


def trailing_comments_end(text: str, i: int) -> int:
    """After ``i``, skip blanks and comments that START on the same line; return the index after the
    last such comment (``i`` itself when there is none). The newline is never included."""
    n = len(text)
    end = i
    j = i
    while j < n:
        while j < n and text[j] in " \t\r":
            j += 1
        if j < n and (text[j] == "#" or text.startswith("//", j)):
            nl = text.find("\n", j)
            return n if nl < 0 else nl
        if text.startswith("/*", j):
            k = text.find("*/", j + 2)
            if k < 0:
                raise ScanError("unterminated comment", j)
            j = end = k + 2
            continue
        break
    return end


@dataclass
class Field:
    key: str | None  # None for computed keys, locals and asserts
    start: int  # first byte of the field (its key)
    sep: str  # ":", "::", ":::", "+:", "+::", "+:::" ("" for locals/asserts)
    value_start: int
    value_end: int  # exclusive: the end of the expression (trailing whitespace and comments excluded)
    end: int  # after the trailing comma when there is one, else value_end
    has_comma: bool
    line_end: int = -1  # after the comments that follow ``end`` on the same line (``end`` when none)


def parse_object(text: str, lbrace: int) -> tuple[list[Field], int]:
    """Fields of the object literal whose ``{`` is at ``lbrace``; also returns the ``}`` index."""
    if text[lbrace] != "{":
        raise ScanError("expected '{'", lbrace)
    fields: list[Field] = []
    i = lbrace + 1
    while True:
        i = skip_trivia(text, i)
        if i >= len(text):
            raise ScanError("unterminated object", lbrace)
        if text[i] == "}":
            return fields, i
        start = i
        key: str | None = None
        m = _IDENT.match(text, i)
        if m and m.group(0) in ("local", "assert"):
            end, vend = scan_expr(text, m.end())
            fields.append(_field(text, None, start, "", start, vend, end))
            i = fields[-1].end if fields[-1].has_comma else end
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
            raise ScanError(f"unexpected {text[i]!r} in object", i)
        i = skip_trivia(text, i)
        if i < len(text) and text[i] == "(":  # method field f(x): ...
            i = skip_expr(text, i + 1, stops=")") + 1
            i = skip_trivia(text, i)
        sm = re.compile(r"\+?:{1,3}").match(text, i)
        if not sm:
            raise ScanError("expected ':' after field name", i)
        sep = sm.group(0)
        vstart = skip_trivia(text, sm.end())
        end, vend = scan_expr(text, vstart)
        if end >= len(text):
            raise ScanError("unterminated object", lbrace)
        fields.append(_field(text, key, start, sep, vstart, vend, end))
        i = fields[-1].end if fields[-1].has_comma else end


def _field(text: str, key: str | None, start: int, sep: str, vstart: int, vend: int, stop: int) -> Field:
    """A field whose expression spans ``vstart:vend`` and whose scan stopped at ``stop`` (``,`` or ``}``).

    Comments between the value and its comma stay outside the value span.
    """
    comma = stop < len(text) and text[stop] == ","
    end = stop + 1 if comma else vend
    return Field(key, start, sep, vstart, vend, end, comma, trailing_comments_end(text, end))


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
    if fields:
        indent = line_indent(text, fields[0].start)
        last = fields[-1]
        # The new field goes after the last one and after any comment on that field's line.
        cut = last.line_end
        prefix = text[:cut]
        if not last.has_comma:
            prefix = text[: last.value_end] + "," + text[last.value_end: cut]
        insertion = f"\n{indent}{jsonnet_key(key)}{sep} {value_src},"
        return prefix + insertion + text[cut:]
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
    """Return ``text`` without field ``key``, and whether it existed.

    A field standing alone on its line goes with its whole line, including a comment after it there.
    """
    fields, _ = parse_object(text, lbrace)
    for f in fields:
        if f.key == key:
            start, end = f.start, f.end
            line_start = text.rfind("\n", 0, start) + 1
            if not text[line_start:start].strip():
                nl = text.find("\n", f.line_end)
                rest = text[f.line_end:] if nl < 0 else text[f.line_end:nl]
                if not rest.strip():
                    start = line_start
                    end = len(text) if nl < 0 else nl + 1
            return text[:start] + text[end:], True
    return text, False
