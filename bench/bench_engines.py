"""gojsonnet (default) vs rjsonnet (optional, KFCTL_ENGINE=rjsonnet) on the same apps: time and output.

    .venv/bin/python bench/bench_engines.py [--sizes 100,1000] [--repeat 3]

Both render the same environment in-process with the render cache off; the table gives best-of times,
the ratio rjsonnet/gojsonnet, and whether the YAML output is byte-identical.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_show import make_app  # noqa: E402
from kfctl import objects, render  # noqa: E402
from kfctl.app import App  # noqa: E402
from kfctl.engine import get_engine  # noqa: E402


def best(fn, repeat):
    out, times = None, []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print("| app | gojsonnet (s) | rjsonnet (s) | ratio | same bytes |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        apps = [("reference app (repo root), nocloud", REPO)]
        apps += [(f"generated, {n} components", make_app(Path(tmp) / f"a{n}", n).root)
                 for n in (int(s) for s in args.sizes.split(","))]
        for label, root in apps:
            res = {}
            for name in ("gojsonnet", "rjsonnet"):
                engine = get_engine(name)
                res[name] = best(lambda: objects.dump_yaml(
                    render.render(App.load(root), "nocloud", engine=engine, cache=False).objects), args.repeat)
            go, rs = res["gojsonnet"], res["rjsonnet"]
            print(f"| {label} | {go[0]:.3f} | {rs[0]:.3f} | {rs[0] / go[0]:.2f}x | {go[1] == rs[1]} |")


if __name__ == "__main__":
    main()
