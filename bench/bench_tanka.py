"""`kfctl show` against Tanka's `tk show`, whole processes, interleaved, on the synthetic app (bench/synth.py).

    .venv/bin/python bench/bench_tanka.py [--sizes 10,100,1000,5000] [--rounds 5] [--big-rounds 3]

tk is built by bench/tanka/build.sh (Tanka v0.38.0, cached). For each size the app is generated in both
layouts and both outputs are checked to hold the same objects. Then, round by round, every variant runs
once per size (order rotated each round, so all see the same machine load): tk; kfctl cold (`--no-cache`)
with go-jsonnet, with rjsonnet and with the default (automatic) engine; kfctl warm (render cache hit).
Reported: median wall time (including GNU time's own start, the same for every variant) and median
peak RSS (GNU time's %M) per variant, as ratios to tk's of the same run. Also the warm `show` of the reference app (repo root, env nocloud) against tk at 10 components.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402

KFCTL = Path(sys.executable).with_name("kfctl")


def build_tk() -> str:
    out = subprocess.run([str(HERE / "tanka" / "build.sh")], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


TIME = "/usr/bin/time"  # GNU time: reports its child's peak RSS, free of this process's own memory


def run(argv: list[str], cwd: Path, env: dict | None = None, capture: bool = False):
    """(wall seconds, peak RSS MiB, stdout bytes or None) of one whole process. The peak RSS comes from GNU
    time (%M): a child forked or vforked from this (large) process would inherit this process's high-water
    mark in its own ru_maxrss."""
    with tempfile.NamedTemporaryFile() as rss_file, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.run([TIME, "-f", "%M", "-o", rss_file.name, *argv], cwd=cwd,
                              env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=err)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} in {cwd} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
        rss_kib = int(Path(rss_file.name).read_text().split()[-1])
    return wall, rss_kib / 1024.0, proc.stdout if capture else None


def objects_of(text: bytes) -> list:
    docs = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d]
    return sorted(docs, key=lambda o: (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]))


def variants(tk: str, kroot: Path, troot: Path, cache: str) -> dict:
    cold = {"KFCTL_CACHE_DIR": cache}
    return {
        "tk": ([tk, "show", "environments/default", "--dangerous-allow-redirect"], troot, {}),
        "kfctl go-jsonnet": ([str(KFCTL), "show", "default", "--no-cache"], kroot,
                             {**cold, "KFCTL_ENGINE": "gojsonnet"}),
        "kfctl rjsonnet": ([str(KFCTL), "show", "default", "--no-cache"], kroot, {**cold, "KFCTL_ENGINE": "rjsonnet"}),
        "kfctl auto": ([str(KFCTL), "show", "default", "--no-cache"], kroot, {**cold, "KFCTL_ENGINE": ""}),
        "kfctl warm": ([str(KFCTL), "show", "default"], kroot, {**cold, "KFCTL_ENGINE": ""}),
    }


def versions(tk: str) -> str:
    import _gojsonnet
    import rjsonnet

    tkv = subprocess.run([tk, "--version"], capture_output=True, text=True)
    tkv = (tkv.stdout + tkv.stderr).strip().split()[-1]
    kv = subprocess.run([str(KFCTL), "version"], capture_output=True, text=True).stdout.strip().replace("\n", ", ")
    return (f"{kv}; tk {tkv}; CPython {platform.python_version()}; gojsonnet {_gojsonnet.version}; "
            f"rjsonnet {getattr(rjsonnet, '__version__', '?')}; PyYAML {yaml.__version__} "
            f"(libyaml {yaml.__with_libyaml__}); {os.cpu_count()} cores")


def print_table(results: dict, sizes: list[int], names: list[str], field: int, fmt) -> None:
    """A markdown table of the medians of one measure (0: wall, 1: peak RSS), with ratios to tk's."""
    print("\n| components | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for n in sizes:
        base = statistics.median(m[field] for m in results[(n, "tk")])
        cells = []
        for name in names:
            values = [m[field] for m in results.get((n, name), [])]
            med = statistics.median(values) if values else None
            cells.append("-" if med is None else fmt(med) if name == "tk" else f"{fmt(med)} ({med / base:.2f}x)")
        print(f"| {n} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000,5000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--big-rounds", type=int, default=3, help="rounds for sizes >= 5000")
    ap.add_argument("--only", default="", help="comma-separated variant names to run (default: all)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tk = build_tk()
    print(versions(tk), flush=True)
    results: dict[tuple[int, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plans = {}
        for n in sizes:
            kroot, troot = synth.make_both(tmp / f"n{n}", n)
            plan = variants(tk, kroot, troot, str(tmp / "cache"))
            if args.only:
                keep = set(args.only.split(",")) | {"tk"}
                plan = {k: v for k, v in plan.items() if k in keep}
            _, _, kout = run(*plan["kfctl go-jsonnet"], capture=True) if "kfctl go-jsonnet" in plan else \
                run([str(KFCTL), "show", "default", "--no-cache"], kroot, capture=True)
            _, _, tout = run(*plan["tk"], capture=True)
            same = objects_of(kout) == objects_of(tout)
            print(f"{n} components: {len(objects_of(tout))} objects; same objects from kfctl and tk: {same}",
                  flush=True)
            if not same:
                raise SystemExit("the two layouts do not render the same objects")
            for name in plan:
                if name.startswith("kfctl") and name != "kfctl go-jsonnet":
                    _, _, other = run(*plan[name], capture=True)  # also warms the cache for "kfctl warm"
                    if other != kout:
                        raise SystemExit(f"{name} prints different bytes from go-jsonnet at {n} components")
            plans[n] = plan
        ref = (["kfctl", "show", "nocloud"], REPO, {"KFCTL_CACHE_DIR": str(tmp / "cache"), "KFCTL_ENGINE": ""})
        ref = ([str(KFCTL)] + ref[0][1:], ref[1], ref[2])
        run(*ref)  # fill the cache
        rounds = max(args.rounds, args.big_rounds)
        for r in range(rounds):
            for n in sizes:
                if r >= (args.big_rounds if n >= 5000 else args.rounds):
                    continue
                items = list(plans[n].items())
                if 10 in sizes and n == 10:
                    items.append(("reference warm", ref))
                shift = r % len(items)
                for name, spec in items[shift:] + items[:shift]:
                    wall, rss, _ = run(*spec)
                    results.setdefault((n, name), []).append((wall, rss))
            print(f"round {r + 1}/{rounds} done", flush=True)
    names = [k for k in variants("", Path(), Path(), "") if any((n, k) in results for n in sizes)]
    print_table(results, sizes, names, 0, lambda v: f"{v:.3f} s")
    print("\nPeak RSS (MiB, median):\n")
    print_table(results, sizes, names, 1, lambda v: f"{v:.0f}")
    if (10, "reference warm") in results:
        ref_wall = statistics.median(w for w, _ in results[(10, "reference warm")])
        tk10 = statistics.median(w for w, _ in results[(10, "tk")])
        print(f"\nWarm `kfctl show nocloud` of the reference app (35 objects, cache hit): {ref_wall:.3f} s = "
              f"{ref_wall / tk10:.2f}x `tk show` at 10 components (30 objects, {tk10:.3f} s)")
    print("\nrounds: " + ", ".join(f"{n}: {len(results[(n, 'tk')])}" for n in sizes))


if __name__ == "__main__":
    main()
