"""File writing that never leaves a half-written file, and path joins that cannot escape a root."""

from __future__ import annotations

import contextlib
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


def read_source(path: str | os.PathLike, display: str, *, error: type | None = None) -> str:
    """Text of an app source file (jsonnet, YAML): UTF-8 without NUL bytes, else ``error`` naming
    ``display`` and where the first bad byte is (line:col). A missing file raises FileNotFoundError."""
    from .errors import AppFileError

    error = error or AppFileError
    with open(path, "rb") as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise error(f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                    where=f"{display}:{line}:{col}") from None
    if "\0" in text:
        line, col = _line_col(raw, raw.index(b"\0"))
        raise error("holds a NUL byte; it is not a text file", where=f"{display}:{line}:{col}")
    return text


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    col = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


# --------------------------------------------------------------------------- the app lock

DEFAULT_LOCK_TIMEOUT = 60.0


@contextlib.contextmanager
def app_lock(root: str | os.PathLike, *, timeout: float | None = None, on_wait=None):
    """Hold the app's write lock (an fcntl lock on the app's folder itself) for the ``with`` block.

    Every command that changes app files takes it, so two edits of one app run one after the other
    instead of one silently losing the other's write. When another process holds it, ``on_wait(text)``
    is called once and the lock is retried until ``timeout`` seconds (``$KFCTL_LOCK_TIMEOUT``, default
    60) have passed; then a KfctlError says who to wait for. The lock goes with the process, so a killed
    command never leaves the app locked. The folder, not a file in it, is locked: its inode stays put while
    app files are replaced by rename, and locking creates no file a user would see or commit.
    """
    import fcntl
    import time

    from .errors import KfctlError

    if timeout is None:
        try:
            timeout = float(os.environ.get("KFCTL_LOCK_TIMEOUT") or DEFAULT_LOCK_TIMEOUT)
        except ValueError:
            raise KfctlError(f"KFCTL_LOCK_TIMEOUT={os.environ['KFCTL_LOCK_TIMEOUT']!r} is not a number of "
                             "seconds", where="environment") from None
    path = Path(root)
    fd = os.open(path, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waited and on_wait is not None:
                    on_wait(f"another kfctl command is changing this app; waiting up to {timeout:g}s for it "
                            f"to finish ({path})")
                waited = True
                if time.monotonic() >= deadline:
                    raise KfctlError(f"another kfctl command held the app's lock for over {timeout:g}s; try "
                                     "again when it has finished (KFCTL_LOCK_TIMEOUT sets the wait)",
                                     where=str(path)) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)
