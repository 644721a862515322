"""File writing that never leaves a half-written file, and path joins that cannot escape a root."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import UnsafePath


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, then rename.

    On any failure the temporary file is removed and the target is left exactly as it was.
    A symlinked target is written through (the link stays a link).
    """
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def safe_join(root: str | os.PathLike, rel: str) -> Path:
    """Join ``rel`` under ``root``; refuse absolute paths and any path that leaves ``root``."""
    base = Path(os.path.realpath(root))
    if os.path.isabs(rel):
        raise UnsafePath(f"path {rel!r} is absolute; it must stay inside {base}")
    joined = Path(os.path.realpath(base / rel))
    if joined != base and base not in joined.parents:
        raise UnsafePath(f"path {rel!r} escapes its root {base}")
    return joined


def replace_tree(staged: Path, target: Path) -> None:
    """Move a fully prepared folder ``staged`` onto ``target``, replacing it only once ready."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(staged, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
