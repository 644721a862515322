"""Size and evaluation time of the generated ksonnet-lib (kfctl/ksonnet_lib) under gojsonnet.

Every timing is a fresh `_gojsonnet.evaluate_snippet` call, so it includes parsing whatever files the
program imports (gojsonnet keeps no cache between calls).  Reports process CPU time (best and median of
N runs; steadier than wall time on a shared machine) and the best wall time.

    python bench/kslib_bench.py [--runs 15]

Cases:
* `k list`            `(import "k.libsonnet").core.v1.list.new([])`
* `seldon core`       the legacy fixture's io.ksonnet.pkg.seldon prototype (plain JSON + setters, 6 objects)
* `centraldashboard`  the legacy fixture's builder-heavy prototype (deployment.new, mapContainers, ...)
* `kubeflow-core`     the legacy fixture's io.ksonnet.pkg.kubeflow-core prototype (7 objects)
* `100 deployments`   100 x deployment.new with a container.new
* `touch every group` forces the namespace of every group version (parses the whole library)
* `... as plain JSON`  the same prototype's output fed back as a JSON literal through std.prune: the cost
                      of std.prune itself (gojsonnet's is slow), i.e. the floor without ksonnet-lib
A last table measures jsonnet parse cost against size with an "explicit code" variant: every schema type's
setters written out as jsonnet functions in one file (the way ksonnet-gen emitted them, but without its
per-kind expansion of nested objects), extrapolated to the 3.2 MB ksonnet.beta.3 k8s.libsonnet.
The `monolithic` column evaluates the same cases against a copy of the library with every group file
inlined into k8s.libsonnet (no lazy imports), to show what the per-group split saves.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _gojsonnet

REPO = Path(__file__).resolve().parent.parent
LIB = REPO / "kfctl" / "ksonnet_lib"
LEGACY = REPO / "tests" / "data" / "legacy-registry-2018"


def component(pkg: str, proto: str, name: str, **overrides) -> tuple[str, dict[str, str]]:
    """(component text, ext codes) for a legacy prototype, the way `generate` + `show` build them."""
    lines = (LEGACY / pkg / "prototypes" / proto).read_text().splitlines()
    params: dict[str, object] = {"name": name}
    i = 0
    while i < len(lines) and lines[i].startswith("//"):
        words = lines[i][2:].split(None, 4)
        if words and words[0] == "@optionalParam":
            params[words[1]] = int(words[3]) if words[2] == "number" else words[3]
        i += 1
    params.update(overrides)
    body = re.sub(r"""import\s+['"]param://(\w+)['"]""", r"params.\1", "\n".join(lines[i:]))
    text = ('local env = std.extVar("__ksonnet/environments");\n'
            f'local params = std.extVar("__ksonnet/params").components["{name}"];\n{body}\n')
    ext = {"__ksonnet/environments": json.dumps({"server": "https://127.0.0.1:6443", "namespace": "bench"}),
           "__ksonnet/params": json.dumps({"components": {name: params}})}
    return text, ext


def monolithic_copy(dst: Path) -> Path:
    """The library with each `import '_k8s/<group>.libsonnet'` replaced by the file's text."""
    text = (LIB / "k8s.libsonnet").read_text()

    def inline(m: re.Match) -> str:
        return "(" + (LIB / "_k8s" / f"{m.group(1)}.libsonnet").read_text() + ")"

    (dst / "k8s.libsonnet").write_text(re.sub(r"import '_k8s/([a-z0-9]+)\.libsonnet'", inline, text))
    (dst / "k.libsonnet").write_text((LIB / "k.libsonnet").read_text())
    return dst


def cases() -> list[tuple[str, str, dict[str, str]]]:
    k = 'local k = import "k.libsonnet";\n'
    touch = k + ("local gv(g) = [std.length(std.objectFieldsAll(g[v])) for v in std.objectFieldsAll(g)];\n"
                 "[gv(k[g]) for g in std.objectFieldsAll(k) if g != '__ksonnet']")
    many = k + ("local d = k.apps.v1.deployment; local c = d.mixin.spec.template.spec.containersType;\n"
                "[d.new('app-' + i, 2, [c.new('main', 'img:' + i)]) for i in std.range(1, 100)]")
    def plain(pkg: str, proto: str, name: str) -> tuple[str, str, dict[str, str]]:
        text, ext = component(pkg, proto, name)
        out = _gojsonnet.evaluate_snippet("components/x.jsonnet", text, jpathdir=[_vendor(), str(LIB)], ext_codes=ext)
        return (f"{name} as plain JSON", f"std.prune({out})", {})

    return [
        ("baseline `{}`", "{}", {}),
        ("k list", '(import "k.libsonnet").core.v1.list.new([])', {}),
        ("seldon core", *component("seldon", "core.jsonnet", "seldon")),
        ("centraldashboard", *component("core", "centraldashboard.jsonnet", "centraldashboard")),
        ("kubeflow-core", *component("core", "all.jsonnet", "kubeflow-core")),
        plain("seldon", "core.jsonnet", "seldon"),
        plain("core", "all.jsonnet", "kubeflow-core"),
        ("100 deployments", many, {}),
        ("touch every group", touch, {}),
    ]


_VENDOR: list[str] = []


def _vendor() -> str:
    """A folder where `kubeflow` is the legacy fixture registry (like an app's vendor/)."""
    if not _VENDOR:
        _VENDOR.append(tempfile.mkdtemp(prefix="kslib-bench-"))
        (Path(_VENDOR[0]) / "kubeflow").symlink_to(LEGACY, target_is_directory=True)
    return _VENDOR[0]


def timed(text: str, ext: dict[str, str], jpath: list[Path], runs: int) -> tuple[float, float, float]:
    """(best CPU ms, median CPU ms, best wall ms)."""
    _vendor()
    cpu, wall = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        _gojsonnet.evaluate_snippet("components/bench.jsonnet", text,
                                    jpathdir=[_VENDOR[0]] + [str(p) for p in jpath], ext_codes=ext)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return min(cpu), statistics.median(cpu), min(wall)


def sizes() -> list[tuple[str, int, int]]:
    rows = []
    files = sorted(p for p in LIB.rglob("*.libsonnet"))
    for p in files:
        data = p.read_bytes()
        rows.append((str(p.relative_to(LIB)), len(data), data.count(b"\n")))
    return rows


def _gojsonnet_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gojsonnet")
    except PackageNotFoundError:
        return "?"


def explicit_variant(dst: Path) -> Path:
    """One file with each type's setters as explicit jsonnet code (for the parse-cost comparison)."""
    sys.path.insert(0, str(REPO))
    from kfctl import kslib_gen as gen

    model = gen.build_model(gen.load_schema(gen.default_schema_path()))
    out = ["local A(v) = if std.isArray(v) then v else [v];", "local T = {"]
    for tid in sorted(model.types):
        t = model.types[tid]
        lines = []
        for f in t.fields:
            key, stem = gen.jkey(f.name), gen.setter_stem(f.name)
            if f.shape == "object":
                lines.append(f"{gen.member_name(f.name)}:: T.{f.ref}(function(o) w({{{key}+: o}})),")
            elif f.shape in ("array", "map"):
                val = "A(v)" if f.shape == "array" else "v"
                lines.append(f"with{stem}(v):: self + w({{{key}: {val}}}),")
                lines.append(f"with{stem}Mixin(v):: self + w({{{key}+: {val}}}),")
            else:
                lines.append(f"with{stem}(v):: self + w({{{key}: v}}),")
        out.append(f"{tid}(w):: {{\nmixinInstance(o):: w(o),\n" + "\n".join(lines) + "\n},")
    out.append("};")
    out.append("{ t:: T }")
    path = dst / "explicit.libsonnet"
    path.write_text("\n".join(out) + "\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    rows = sizes()
    total = sum(r[1] for r in rows)
    info = json.loads(_gojsonnet.evaluate_snippet("x", '(import "k8s.libsonnet").__ksonnet', jpathdir=[str(LIB)]))
    print(f"ksonnet-lib generated from Kubernetes {info['kubernetesVersion']} ({info['schema']})")
    print(f"total: {len(rows)} files, {total / 1024:.1f} KiB, {sum(r[2] for r in rows)} lines")
    print()
    print("| file | KiB | lines |")
    print("|---|---:|---:|")
    for name, size, lines in sorted(rows, key=lambda r: -r[1])[:6]:
        print(f"| {name} | {size / 1024:.1f} | {lines} |")
    print()

    with tempfile.TemporaryDirectory() as tmp:
        mono = monolithic_copy(Path(tmp))
        mono_kib = (mono / "k8s.libsonnet").stat().st_size / 1024
        print(f"gojsonnet {_gojsonnet_version()}, {args.runs} fresh evaluations per case; CPU ms best / median, "
              f"wall ms best (monolithic = one {mono_kib:.0f} KiB k8s.libsonnet without lazy group imports)")
        print()
        print("| case | shipped: CPU best / median | shipped: wall best | monolithic: CPU best / median |")
        print("|---|---:|---:|---:|")
        for label, text, ext in cases():
            best, med, wall = timed(text, ext, [LIB], args.runs)
            mbest, mmed, _ = timed(text, ext, [mono], args.runs)
            print(f"| {label} | {best:.1f} / {med:.1f} | {wall:.1f} | {mbest:.1f} / {mmed:.1f} |")
    print()

    # parse cost against size: force each group file's data and namespace separately
    print("| group file | KiB | parse+index CPU ms (best) | ms/KiB |")
    print("|---|---:|---:|---:|")
    for name, size, _ in sorted(rows, key=lambda r: -r[1]):
        if not name.startswith("_k8s/") or size < 8 * 1024:
            continue
        snippet = f"local g = import '{name}'; std.length(std.objectFieldsAll(g.types))"
        best, _, _ = timed(snippet, {}, [LIB], args.runs)
        print(f"| {name} | {size / 1024:.1f} | {best:.1f} | {best / (size / 1024):.2f} |")

    with tempfile.TemporaryDirectory() as tmp:
        path = explicit_variant(Path(tmp))
        kib = path.stat().st_size / 1024
        best, med, _ = timed("(import 'explicit.libsonnet').t.core_v1_Pod(function(o) o).withKind('Pod')", {},
                             [Path(tmp)], args.runs)
        print()
        print("| variant | KiB | import CPU ms best / median | ms/KiB |")
        print("|---|---:|---:|---:|")
        print(f"| explicit setter code, all types once | {kib:.0f} | {best:.1f} / {med:.1f} | {best / kib:.2f} |")
        print(f"| ksonnet.beta.3 size (3.2 MB), extrapolated | 3200 | ~{best / kib * 3200:.0f} | |")
        lbest, lmed, _ = timed('(import "k.libsonnet").core.v1.list.new([])', {}, [LIB], args.runs)
        print(f"| shipped data + builder: k list | {total / 1024:.0f} (all files) | {lbest:.1f} / {lmed:.1f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
