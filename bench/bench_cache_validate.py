"""Benchmark: the render cache (warm `show` vs cold render) and `validate` per object.

Run: .venv/bin/python bench/bench_cache_validate.py [--repeat N]
Prints a markdown table (the integrator folds it into bench/RESULTS.md).

Apps: the reference app at the repository root (environment ``nocloud``) and a generated app of 1000 objects
(250 x Deployment, Service, ConfigMap and a custom resource, plus its CRD).

* in-process figures exclude interpreter start; each is the median of ``--repeat`` runs;
* cold = ``render(..., cache=False)`` + YAML dump; warm = what ``show`` does on a cache hit (``render`` returns the
  entry's objects and YAML text); "warm render to objects" is the hit without the text (apply/diff/validate);
* whole process = wall time of ``python -m kfctl show ENV`` (``KFCTL_NO_CACHE=1`` for cold);
* validate: schemas and validators are dropped first; "first object" loads the release's schemas and builds one
  validator; "per object after the first" is the rest of that same first run divided by its object count
  (it includes building the other kinds' validators); "warm" is a second run over all objects.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BIG_COMPONENT = """\
local params = std.extVar("__ksonnet/params").components.big;
local one(i) = [
  {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "app-%d" % i, labels: {app: "app-%d" % i}},
   spec: {replicas: 1, selector: {matchLabels: {app: "app-%d" % i}},
          template: {metadata: {labels: {app: "app-%d" % i}},
                     spec: {containers: [{name: "main", image: "example/app:1.%d" % i,
                                          ports: [{containerPort: 8080}],
                                          env: [{name: "INDEX", value: std.toString(i)}],
                                          resources: {requests: {cpu: "100m", memory: "64Mi"}}}]}}}},
  {apiVersion: "v1", kind: "Service", metadata: {name: "app-%d" % i},
   spec: {selector: {app: "app-%d" % i}, ports: [{port: 80, targetPort: 8080}]}},
  {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "app-%d" % i}, data: {index: std.toString(i)}},
  {apiVersion: "example.com/v1", kind: "Widget", metadata: {name: "app-%d" % i}, spec: {size: i + 1}},
];
local crd = {
  apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: {name: "widgets.example.com"},
  spec: {group: "example.com", scope: "Namespaced",
         names: {kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList"},
         versions: [{name: "v1", served: true, storage: true, schema: {openAPIV3Schema: {
           type: "object", properties: {spec: {type: "object", properties: {size: {type: "integer", minimum: 1}}}}}}}]},
};
[crd] + std.flattenArrays([one(i) for i in std.range(0, params.n - 1)])
"""


def make_big_app(base: Path, n: int = 250) -> Path:
    subprocess.run([sys.executable, "-m", "kfctl", "init", "big"], cwd=base, check=True, capture_output=True)
    app = base / "big"
    (app / "components" / "big.jsonnet").write_text(BIG_COMPONENT)
    (app / "components" / "params.libsonnet").write_text(
        "{\n  global: {},\n  components: {\n    big: {n: %d},\n  },\n}\n" % n)
    return app


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_render(app_dir: Path, env: str, repeat: int) -> dict:
    from kfctl.app import App
    from kfctl.objects import dump_yaml
    from kfctl.render import render

    def cold():
        dump_yaml(render(App.load(app_dir), env, cache=False).objects)

    def warm():  # what `kfctl show` does: the cached YAML text when the entry has it
        rendered = render(App.load(app_dir), env)
        assert not rendered.warnings, rendered.warnings
        assert rendered.yaml_text is not None
        return rendered.yaml_text

    def warm_objects():  # what apply/diff/validate get: the objects
        return render(App.load(app_dir), env).objects

    cold()  # engine and imports warmed up; the cold figure is evaluation, not first-import cost
    warm()  # primes the cache
    assert warm() == dump_yaml(render(App.load(app_dir), env, cache=False).objects)
    out = {"cold": median_ms(cold, repeat), "warm": median_ms(warm, repeat),
           "warm_objects": median_ms(warm_objects, repeat),
           "objects": len(render(App.load(app_dir), env).objects)}

    def proc(extra):
        env_vars = {**os.environ, **extra}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kfctl", "show", env], cwd=app_dir, env=env_vars, check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    proc({})
    out["proc_cold"] = statistics.median(proc({"KFCTL_NO_CACHE": "1"}) for _ in range(max(3, repeat // 3))) * 1000
    out["proc_warm"] = statistics.median(proc({}) for _ in range(max(3, repeat // 3))) * 1000
    out["proc_start"] = statistics.median(
        _time_proc([sys.executable, "-m", "kfctl", "--help"], app_dir) for _ in range(3)) * 1000
    return out


def _time_proc(argv, cwd) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_validate(app_dir: Path, env: str) -> dict:
    from kfctl import validate as v
    from kfctl.app import App
    from kfctl.render import render

    objects = render(App.load(app_dir), env).objects
    v._SETS.clear()
    start = time.perf_counter()
    first = v.validate_objects(objects[:1])
    t_first = time.perf_counter() - start
    start = time.perf_counter()
    rest = v.validate_objects(objects[1:])
    t_rest = time.perf_counter() - start
    start = time.perf_counter()
    again = v.validate_objects(objects)
    t_warm = time.perf_counter() - start
    assert again.checked == first.checked + rest.checked
    return {"objects": len(objects), "first": t_first * 1000, "per": t_rest / max(1, len(objects) - 1) * 1000,
            "warm_per": t_warm / len(objects) * 1000, "errors": len(again.errors), "checked": again.checked}


def bench_naive_validate(app_dir: Path, env: str) -> float | None:
    """kubernetes_validate.validate per object (reloads schema files on every call), for comparison."""
    try:
        import kubernetes_validate
    except ImportError:
        return None
    from kfctl.app import App
    from kfctl.render import render

    objects = [o for o in render(App.load(app_dir), env).objects if "." not in o["apiVersion"].split("/")[0]
               or o["apiVersion"].startswith(("rbac.", "apiextensions."))]
    start = time.perf_counter()
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, "1.36", strict=True)
        except Exception:  # noqa: BLE001 - only the time matters here
            pass
    return (time.perf_counter() - start) / max(1, len(objects)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kfctl-bench-") as tmp:
        os.environ["KFCTL_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ.pop("KFCTL_NO_CACHE", None)
        big = make_big_app(Path(tmp))
        apps = {"reference app (nocloud)": (REPO, "nocloud"), "generated app": (big, "default")}
        r = {name: bench_render(path, env, args.repeat) for name, (path, env) in apps.items()}
        val = {name: bench_validate(path, env) for name, (path, env) in apps.items()}
        naive = bench_naive_validate(REPO, "nocloud")

    names = list(apps)
    print(f"### Render cache and validate ({sys.implementation.name} {sys.version.split()[0]}, "
          f"median of {args.repeat})\n")
    print("| measure | " + " | ".join(f"{n} ({r[n]['objects']} objects)" for n in names) + " | target |")
    print("|---|" + "---|" * len(names) + "---|")

    def row(label, cells, target=""):
        print(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row("cold render + YAML, in-process", [f"{r[n]['cold']:.1f} ms" for n in names])
    row("warm `show` (cache hit) + YAML, in-process", [f"{r[n]['warm']:.1f} ms" for n in names])
    row("**warm / cold**", [f"**{r[n]['warm'] / r[n]['cold']:.3f}x**" for n in names], "<= 0.1x")
    row("warm render to objects (apply/diff/validate path)", [f"{r[n]['warm_objects']:.1f} ms" for n in names])
    row("`kfctl show` whole process, no cache", [f"{r[n]['proc_cold']:.0f} ms" for n in names])
    row("`kfctl show` whole process, cache hit", [f"{r[n]['proc_warm']:.0f} ms" for n in names])
    row("whole process warm / cold", [f"{r[n]['proc_warm'] / r[n]['proc_cold']:.2f}x" for n in names])
    row("`kfctl --help` (interpreter + CLI start)", [f"{r[n]['proc_start']:.0f} ms" for n in names])
    row("validate: first object (loads schemas)", [f"{val[n]['first']:.1f} ms" for n in names])
    row("**validate: per object after the first**", [f"**{val[n]['per']:.3f} ms**" for n in names], "<= 1 ms")
    row("validate: per object, validators warm", [f"{val[n]['warm_per']:.3f} ms" for n in names])
    row("objects checked / invalid", [f"{val[n]['checked']} / {val[n]['errors']}" for n in names])
    if naive is not None:
        row("kubernetes_validate.validate per object (for comparison)",
            [f"{naive:.1f} ms"] + ["-"] * (len(names) - 1))


if __name__ == "__main__":
    main()
