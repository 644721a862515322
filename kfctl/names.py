"""Name rules for environments and components, as ksonnet enforced them (and a bit stricter where
ks accepted names it could not render)."""

from __future__ import annotations

import re

from .errors import InvalidName

_FORBIDDEN = set("\\,;':!()?\"{}[]*&%@$")
# Longest name segment, in UTF-8 bytes: file systems allow 255, and kfctl adds a suffix (".jsonnet") and,
# while writing, a temporary-file prefix and suffix around it.
MAX_SEGMENT_BYTES = 200
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
JSONNET_KEYWORDS = frozenset(
    "assert else error false for function if import importstr importbin in local null tailstrict then self super true".split()
)


def _check(kind: str, name: str) -> None:
    if not name:
        raise InvalidName(f"{kind} name is empty")
    bad = sorted({c for c in name if c in _FORBIDDEN or c.isspace() or not c.isprintable()})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise InvalidName(f"{kind} name {name!r} contains characters ks would not accept: {shown}")
    if name.startswith("/") or name.endswith("/"):
        raise InvalidName(f"{kind} name {name!r} must not begin or end with '/'")
    if "//" in name:
        raise InvalidName(f"{kind} name {name!r} has an empty path segment")
    for part in name.replace(".", "/").split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > MAX_SEGMENT_BYTES:
            raise InvalidName(f"{kind} name {name[:40]!r}... is too long: a name (or each part between '/' or '.') "
                              f"may have at most {MAX_SEGMENT_BYTES} bytes")


def check_environment_name(name: str) -> None:
    _check("environment", name)
    if any(part in (".", "..") for part in name.split("/")):
        raise InvalidName(f"environment name {name!r} must not contain '.' or '..' path segments")


def check_component_name(name: str) -> None:
    _check("component", name)
    if "/" in name:
        raise InvalidName(f"component name {name!r} must not contain '/'; modules are separated by '.'")
    if name.startswith(".") or name.endswith(".") or ".." in name:
        raise InvalidName(f"component name {name!r} has an empty module segment")


_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check_namespace(namespace: str) -> None:
    """A Kubernetes namespace name (a DNS-1123 label), checked before it is written to app.yaml."""
    if not _DNS_LABEL.fullmatch(namespace or "") or len(namespace) > 63:
        raise InvalidName(f"namespace {namespace!r} is not a valid Kubernetes namespace name "
                          "(lower-case letters, digits and '-', starting and ending with a letter or digit, "
                          "at most 63 characters)")


def is_identifier(name: str) -> bool:
    return bool(_IDENT.fullmatch(name)) and name not in JSONNET_KEYWORDS


def jsonnet_key(name: str) -> str:
    """A field name as Jsonnet source: bare when it is an identifier, else a JSON string."""
    import json

    return name if is_identifier(name) else json.dumps(name, ensure_ascii=False)


def jsonnet_index(name: str) -> str:
    """``.name`` or ``["name"]`` for selecting a field in Jsonnet source."""
    import json

    return f".{name}" if is_identifier(name) else f"[{json.dumps(name, ensure_ascii=False)}]"
