"""Benchmark `kfctl show` against the bare engine, on the reference app and generated apps.

    .venv/bin/python bench/bench_show.py [--sizes 10,100,1000] [--repeat 5]

Baseline (measured in the same run): go-jsonnet evaluating the same environment's main.jsonnet with the
same ext codes and import paths (precomputed, so no kfctl work), then json.loads + the same YAML dump.
kfctl's figure is `render()` + dump in-process (interpreter start excluded): the overhead is parameter
resolution, component discovery and post-processing. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kfctl import objects, render  # noqa: E402
from kfctl.app import App, init_app  # noqa: E402
from kfctl.engine import Request, get_engine  # noqa: E402
from kfctl.params import module_params_code, resolve  # noqa: E402

COMPONENT = textwrap.dedent("""\
    local env = std.extVar("__ksonnet/environments");
    local params = std.extVar("__ksonnet/params").components["%(name)s"];
    local labels = {app: params.name};
    [
      {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: params.name, labels: labels},
       spec: {replicas: params.replicas, selector: {matchLabels: labels},
              template: {metadata: {labels: labels},
                         spec: {containers: [{name: "main", image: params.image,
                                              ports: [{containerPort: params.port}],
                                              env: [{name: "N%%d" %% i, value: std.toString(i)} for i in std.range(1, 5)]}]}}}},
      {apiVersion: "v1", kind: "Service", metadata: {name: params.name, labels: labels},
       spec: {selector: labels, ports: [{port: 80, targetPort: params.port}]}},
    ]
    """)


def make_app(root: Path, n: int) -> App:
    app = init_app(root, env="nocloud", registries={})
    blocks = []
    for i in range(n):
        name = f"svc-{i:04d}"
        (root / "components" / f"{name}.jsonnet").write_text(COMPONENT % {"name": name})
        blocks.append(f'    "{name}": {{name: "{name}", image: "nginx:1.{i % 20}", port: {8000 + i % 100}, '
                      f"replicas: {1 + i % 3}}},")
    (root / "components" / "params.libsonnet").write_text(
        "{\n  global: {},\n  components: {\n" + "\n".join(blocks) + "\n  },\n}\n")
    return App.load(root)


def timed(fn, repeat: int) -> float:
    """Best of ``repeat`` runs (the least disturbed by other load on the machine)."""
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return min(samples)


def paired(fa, fb, repeat: int) -> tuple[float, float]:
    """Best-of times of two functions run alternately, so both see the same machine load."""
    a, b = [], []
    for _ in range(repeat):
        a.append(timed(fa, 1))
        b.append(timed(fb, 1))
    return min(a), min(b)


def bare_engine(app: App, env_name: str):
    """What the engine alone costs: main.jsonnet with precomputed ext codes, then parse + dump."""
    env = app.environment(env_name)
    comps = app.components()
    params = resolve(app, env, module_params=module_params_code(app))
    req = Request(filename=str(app.env_dir(env) / "main.jsonnet"),
                  jpaths=render.jpaths(app, env, app.module_dir(""), render.JsonnetOptions(), "0.10"),
                  ext_codes={"__ksonnet/components": render.components_code(comps, model="0.10"),
                             "__ksonnet/params": json.dumps({"components": params}),
                             "__ksonnet/environments": json.dumps(env.destination())})
    engine = get_engine()

    def run():
        value = json.loads(engine.evaluate(req))
        flat = []
        for v in value.values():
            flat.extend(v if isinstance(v, list) else v.get("items", [v]))
        objects.dump_yaml(flat)
    return run


def kfctl_show(app: App, env_name: str, comps=None):
    def run():
        fresh = App.load(app.root)  # nothing carried over between runs
        objects.dump_yaml(render.render(fresh, env_name, comps, cache=False).objects)
    return run


def process_wall(root: Path, env_name: str, repeat: int) -> float:
    exe = Path(sys.executable).with_name("kfctl")
    env = dict(os.environ, KFCTL_NO_CACHE="1")
    return timed(lambda: subprocess.run([str(exe), "show", env_name], cwd=root, check=True, env=env,
                                        stdout=subprocess.DEVNULL), repeat)


def import_time() -> tuple[float, float]:
    """(self time of kfctl's own modules, cumulative time of everything the show path imports), in ms."""
    code = ("import kfctl.cli, kfctl.cli.render_cmds, kfctl.cli._options, kfctl.render, kfctl.objects, "
            "kfctl.engine, kfctl.params, kfctl.app; import _gojsonnet")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    own = total = 0
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].startswith("import time:") or "self" in parts[0]:
            continue
        self_us, cum_us, name = int(parts[0].split(":")[1]), int(parts[1]), parts[2]
        if name.strip().startswith("kfctl"):
            own += self_us
        if not name.startswith("  "):  # top-level imports: their cumulative times add up to the whole
            total += cum_us
    return own / 1000.0, total / 1000.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        apps = []
        if (REPO / "app.yaml").is_file():
            apps.append(("reference app (repo root)", App.load(REPO), "nocloud"))
        for n in (int(s) for s in args.sizes.split(",")):
            apps.append((f"generated, {n} components", make_app(Path(tmp) / f"app{n}", n), "nocloud"))
        for label, app, env in apps:
            base, ours = paired(bare_engine(app, env), kfctl_show(app, env), args.repeat)
            wall = process_wall(app.root, env, max(1, args.repeat // 2))
            nobj = len(render.render(app, env, cache=False).objects)
            rows.append((label, nobj, base, ours, wall))
        big = next((a for lbl, a, e in apps if lbl.endswith("1000 components")), None)
        single = None
        if big is not None:
            full, one = paired(kfctl_show(big, "nocloud"), kfctl_show(big, "nocloud", ["svc-0500"]), args.repeat)
            single = (full, one)
    print("| app | objects | bare engine + dump (s) | kfctl show in-process (s) | ratio | overhead | kfctl show process wall (s) |")
    print("|---|---|---|---|---|---|---|")
    for label, nobj, base, ours, wall in rows:
        print(f"| {label} | {nobj} | {base:.3f} | {ours:.3f} | {ours / base:.2f}x | {(ours / base - 1) * 100:+.0f}% | {wall:.3f} |")
    if single:
        full, one = single
        print(f"\n`show -c svc-0500` on the 1000-component app: {one * 1000:.1f} ms vs full render {full * 1000:.0f} ms "
              f"= {one / full * 100:.1f}% of the full render (in-process)")
    own, total = import_time()
    print(f"\nImports on the show path (python -X importtime): kfctl's own modules {own:.0f} ms; "
          f"everything (click, yaml, gojsonnet, json …) {total:.0f} ms")


if __name__ == "__main__":
    main()
