"""Import paths for versioned vendor folders.

ks 0.12+ (and kfctl's built-in registry) vendor a package as ``vendor/<registry>/<package>@<version>``,
while jsonnet imports still say ``<registry>/<package>/...``. ``versioned_vendor`` gives one extra import
path, a folder of symlinks ``<registry>/<package>`` -> the versioned folder, used by every evaluation of
the app (render, params, generate). Only the standard library is imported here.
"""

from __future__ import annotations

import os
from pathlib import Path

_VENDOR_LINKS: dict[tuple, str] = {}


def versioned_vendor(app) -> str | None:
    """ks 0.12+ vendors ``vendor/<reg>/<pkg>@<ver>``; imports say ``<reg>/<pkg>``. Map them with a folder of
    symlinks, made once per process and set of packages, removed when the process ends."""
    vendor = app.root / "vendor"
    if not vendor.is_dir():
        return None
    pairs = []
    for reg in sorted(p for p in vendor.iterdir() if p.is_dir()):
        for pkg in sorted(p for p in reg.iterdir() if p.is_dir() and "@" in p.name):
            pairs.append((reg.name, pkg.name.split("@", 1)[0], pkg))
    if not pairs:
        return None
    key = tuple((r, n, str(t)) for r, n, t in pairs)
    if key not in _VENDOR_LINKS:
        import atexit
        import shutil
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="kfctl-vendor-"))
        atexit.register(shutil.rmtree, root, True)
        for reg, name, target in pairs:
            (root / reg).mkdir(exist_ok=True)
            link = root / reg / name
            if not link.exists():
                os.symlink(target, link)
        _VENDOR_LINKS[key] = str(root)
    return _VENDOR_LINKS[key]
