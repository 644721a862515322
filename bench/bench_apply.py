"""Benchmark: kfctl apply / re-apply / diff against kubectl on the same 500 objects.

Starts a private test control plane (tests/controlplane, apiserver + etcd; or uses
KFCTL_BENCH_KUBECONFIG), builds kubectl from the same Go modules (tests/controlplane/build.sh kubectl;
falls back to kubectl on PATH, noted in the output), renders one kfctl environment of N objects
(ConfigMaps, Services, Deployments) and feeds kubectl the very same YAML (in its own namespace).

Every command runs as a fresh process, as a user would run it (kfctl's time includes Python start-up
and rendering the jsonnet). Prints a markdown table.

    .venv/bin/python bench/bench_apply.py [--objects 500] [--repeat 3]

``--startup [--baseline REV] [--candidate REV]`` measures instead, for kfctl at REV (default b116087,
extracted with `git archive`), kfctl of this checkout (or of the --candidate revision) and kubectl,
interleaved round by round (issue #12): a fresh process that only connects (kubeconfig, credentials,
GET /version), the first apply of --objects objects into a fresh namespace, the no-op re-apply, and
`diff` (no changes). Wall time and the process's CPU time (user+system, from rusage) are the medians
of --repeat rounds. The tools take turns at going first in a round, and each round's Services are
deleted after it (untimed): creating a Service gets slower the more Services the cluster holds (the
ClusterIP allocator), so without that the tool that runs later would pay for the earlier ones.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

COMPONENT = """\
local env = std.extVar("__ksonnet/environments");
local n = %(n)d;
local cms = std.floor(n * 2 / 5);
local svcs = std.floor((n - cms) / 2);
local deps = n - cms - svcs;
[
  {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm-%%04d" %% i, labels: {app: "bench"}},
   data: {index: std.toString(i), payload: std.repeat("x", 200)}}
  for i in std.range(0, cms - 1)
] + [
  {apiVersion: "v1", kind: "Service", metadata: {name: "svc-%%04d" %% i, labels: {app: "bench"}},
   spec: {selector: {app: "bench-%%d" %% i}, ports: [{name: "http", port: 80, targetPort: 8080}]}}
  for i in std.range(0, svcs - 1)
] + [
  {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "dep-%%04d" %% i, labels: {app: "bench"}},
   spec: {replicas: 0, selector: {matchLabels: {app: "bench-%%d" %% i}},
          template: {metadata: {labels: {app: "bench-%%d" %% i}},
                     spec: {containers: [{name: "main", image: "registry.example/bench:1",
                                          env: [{name: "INDEX", value: std.toString(i)}],
                                          ports: [{containerPort: 8080}]}]}}}}
  for i in std.range(0, deps - 1)
]
"""


def run(cmd, *, env=None, cwd=None, ok=(0,), input=None, cpu: list | None = None
        ) -> tuple[float, subprocess.CompletedProcess]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, input=input)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode not in ok:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout[-2000:]}"
                         f"\n{proc.stderr[-2000:]}")
    return took, proc


def find_kubectl() -> tuple[str, str]:
    script = REPO / "tests" / "controlplane" / "build.sh"
    if script.is_file() and shutil.which("go"):
        proc = subprocess.run(["bash", str(script), "kubectl"], capture_output=True, text=True)
        if proc.returncode == 0 and proc.stdout.strip():
            path = proc.stdout.strip().splitlines()[-1]
            if os.access(path, os.X_OK):
                return path, "built from tests/controlplane (same modules as the server)"
    path = shutil.which("kubectl")
    if not path:
        raise SystemExit("no kubectl: build.sh kubectl failed and none is on PATH")
    return path, f"{path} from PATH (build.sh kubectl unavailable)"


def control_plane():
    """(private control plane or None, kubeconfig): KFCTL_BENCH_KUBECONFIG's cluster, or a fresh kfctl-testcp
    (apiserver+etcd) with room for many Services."""
    kubeconfig = os.environ.get("KFCTL_BENCH_KUBECONFIG")
    if kubeconfig:
        return None, kubeconfig
    from tests.kube_fixture import start_control_plane

    cp = start_control_plane(with_kcm=False, nodes=0,
                             extra_args=["--apiserver-arg=--service-cluster-ip-range=10.96.0.0/16"])
    return cp, cp.kubeconfig


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--startup", action="store_true", help="measure connection start-up instead (issue #12)")
    ap.add_argument("--baseline", default="b116087", help="git revision of kfctl to compare with (--startup)")
    ap.add_argument("--candidate", default=None,
                    help="git revision measured as 'now' (--startup; default: this checkout's files)")
    args = ap.parse_args()
    if args.startup:
        return startup(args)

    work = Path(tempfile.mkdtemp(prefix="kfctl-bench-"))
    cp, kubeconfig = control_plane()
    try:
        kubectl, kubectl_note = find_kubectl()
        env = dict(os.environ, KUBECONFIG=kubeconfig)
        kfctl = [sys.executable, "-m", "kfctl"]
        run([*kfctl, "init", "bench"], cwd=work, env=env)
        app = work / "bench"
        run([*kfctl, "env", "set", "default", "--namespace", "bench-kfctl"], cwd=app, env=env)
        (app / "components" / "objects.jsonnet").write_text(COMPONENT % {"n": args.objects})
        _t, shown = run([*kfctl, "show", "default"], cwd=app, env=env)
        yaml_text = shown.stdout.replace("namespace: bench-kfctl", "namespace: bench-kubectl")
        import yaml

        docs = [d for d in yaml.safe_load_all(yaml_text) if d]
        for d in docs:
            d["metadata"]["namespace"] = "bench-kubectl"
        manifest = work / "objects.yaml"
        manifest.write_text(yaml.safe_dump_all(docs, sort_keys=True))
        run([kubectl, "create", "namespace", "bench-kubectl"], env=env)
        conc = ["--concurrency", str(args.concurrency)]

        rows = []
        first_k, first_f = [], []
        for i in range(args.repeat):
            # a fresh namespace each round: both tools create all objects from scratch
            suffix = "" if i == args.repeat - 1 else f"-{i}"
            text = manifest.read_text().replace("namespace: bench-kubectl", f"namespace: bench-kubectl{suffix}")
            fresh = work / f"objects{suffix}.yaml"
            fresh.write_text(text)
            if suffix:
                run([kubectl, "create", "namespace", f"bench-kubectl{suffix}"], env=env)
            first_k.append(run([kubectl, "apply", "--server-side", "--field-manager=kubectl-bench", "-f", str(fresh)],
                               env=env)[0])
            envname = "default"
            if suffix:  # another environment: its objects are not the default environment's to prune
                envname = f"round{i}"
                run([*kfctl, "env", "add", envname, "--namespace", f"bench-kfctl{suffix}"], cwd=app, env=env)
            t_f, res = run([*kfctl, "apply", envname, *conc], cwd=app, env=env)
            assert f"{len(docs)} created" in res.stdout, res.stdout
            first_f.append(t_f)
        rows.append(("first apply", statistics.median(first_f), statistics.median(first_k), 0.5))

        re_k = [run([kubectl, "apply", "--server-side", "--field-manager=kubectl-bench", "-f", str(manifest)],
                    env=env)[0] for _ in range(args.repeat)]
        re_f = []
        for _ in range(args.repeat):
            t, res = run([*kfctl, "apply", "default", *conc], cwd=app, env=env)
            assert f"{len(docs)} unchanged" in res.stdout, res.stdout
            re_f.append(t)
        rows.append(("no-op re-apply", statistics.median(re_f), statistics.median(re_k), 0.3))

        d_k = [run([kubectl, "diff", "--server-side", "--field-manager=kubectl-bench", "-f", str(manifest)],
                   env=env, ok=(0,))[0] for _ in range(args.repeat)]
        d_f = [run([*kfctl, "diff", "default", *conc], cwd=app, env=env, ok=(0,))[0] for _ in range(args.repeat)]
        rows.append(("diff (no changes)", statistics.median(d_f), statistics.median(d_k), 0.3))

        _t, ver = run([kubectl, "version", "--client", "-o", "yaml"], env=env)
        print(f"### kfctl apply vs kubectl ({len(docs)} objects: ConfigMaps, Services, Deployments)\n")
        print(f"kubectl: {kubectl_note}; control plane: "
              f"{'private kfctl-testcp (apiserver+etcd)' if cp else kubeconfig}; "
              f"kfctl --concurrency {args.concurrency}; {os.cpu_count()} CPUs; "
              f"median of {args.repeat} runs each (first apply: each run into a fresh namespace, so kfctl also renders uncached). Wall time of a fresh process each.\n")
        print("| operation | kfctl (s) | kubectl (s) | ratio | target |")
        print("|---|---:|---:|---:|---:|")
        for name, f, k, target in rows:
            ratio = f / k
            mark = "ok" if ratio <= target else "MISSED"
            print(f"| {name} | {f:.2f} | {k:.2f} | {ratio:.2f}x | <= {target}x ({mark}) |")
    finally:
        if cp is not None:
            cp.close()
        shutil.rmtree(work, ignore_errors=True)


CONNECT_ONLY = """\
import sys, time
t0 = time.perf_counter()
from kfctl.cluster import connect, resolve_target
target = resolve_target("bench", "", None)
cluster = connect(target)
t1 = time.perf_counter()
cluster.check()
t2 = time.perf_counter()
print(f"{t1 - t0:.4f} {t2 - t1:.4f} {'kubernetes' in sys.modules}")
"""


def _extract(rev: str, dest: Path) -> Path:
    """kfctl's package at git revision ``rev``, extracted under ``dest`` (for PYTHONPATH)."""
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "kfctl"], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _delete_services(kubectl: str, env: dict, namespaces: list[str]) -> None:
    """Untimed clean-up between rounds: each Service created makes the next create slower (see above)."""
    for ns in namespaces:
        run([kubectl, "delete", "services", "--all", "-n", ns, "--wait=false"], env=env)


def startup(args) -> None:
    """kfctl at a baseline revision vs this checkout (vs kubectl) on what happens around the first request."""
    work = Path(tempfile.mkdtemp(prefix="kfctl-bench-startup-"))
    base = _extract(args.baseline, work / "baseline")
    now = _extract(args.candidate, work / "candidate") if args.candidate else REPO
    cp, kubeconfig = control_plane()
    try:
        kubectl, kubectl_note = find_kubectl()
        env = dict(os.environ, KUBECONFIG=kubeconfig)
        env.pop("PYTHONPATH", None)
        # An installed kfctl has its bytecode compiled; let both copies write theirs (warm-up round below).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        tools = {"baseline": dict(env, PYTHONPATH=str(base)), "now": dict(env, PYTHONPATH=str(now))}
        kfctl = [sys.executable, "-m", "kfctl"]
        run([*kfctl, "init", "bench"], cwd=work, env=tools["now"])
        app = work / "bench"
        run([*kfctl, "env", "set", "default", "--namespace", "bench-startup"], cwd=app, env=tools["now"])
        (app / "components" / "objects.jsonnet").write_text(COMPONENT % {"n": args.objects})
        run([*kfctl, "apply", "default"], cwd=app, env=tools["now"])
        _t, shown = run([*kfctl, "show", "default"], cwd=app, env=tools["now"])
        import yaml

        docs = [d for d in yaml.safe_load_all(shown.stdout) if d]

        def kubectl_manifest(path: Path, namespace: str) -> Path:
            # `show` leaves namespaces out (kfctl fills in the environment's): kubectl gets them written in,
            # or every round would land in the kubeconfig's default namespace and "first" would re-apply.
            for d in docs:
                d["metadata"]["namespace"] = namespace
            path.write_text(yaml.safe_dump_all(docs, sort_keys=True))
            return path

        # kubectl diffs objects it applied itself (as kfctl diffs its own), in a namespace of its own.
        manifest = kubectl_manifest(work / "objects.yaml", "bench-kdiff")
        run([kubectl, "create", "namespace", "bench-kdiff"], env=env)
        run([kubectl, "apply", "--server-side", "--field-manager=kubectl-bench", "-f", str(manifest)], env=env)
        load_before = os.getloadavg()
        for tenv in tools.values():  # warm-up: bytecode caches, page cache
            run([sys.executable, "-c", CONNECT_ONLY], cwd=app, env=tenv)
            run([*kfctl, "diff", "default"], cwd=app, env=tenv)
        wall: dict[str, list] = {}
        cpu: dict[str, list] = {}
        split: dict[str, list] = {}

        def kubectl_round(i: int, created: list) -> None:
            t, _p = run([kubectl, "diff", "--server-side", "--field-manager=kubectl-bench", "-f", str(manifest)],
                        env=env, cpu=cpu.setdefault("diff-kubectl", []))
            wall.setdefault("diff-kubectl", []).append(t)
            fresh = kubectl_manifest(work / f"kubectl-{i}.yaml", f"bench-k{i}")
            run([kubectl, "create", "namespace", f"bench-k{i}"], env=env)
            created.append(f"bench-k{i}")
            for key in ("first-kubectl", "noop-kubectl"):
                t, _p = run([kubectl, "apply", "--server-side", "--field-manager=kubectl-bench", "-f", str(fresh)],
                            env=env, cpu=cpu.setdefault(key, []))
                wall.setdefault(key, []).append(t)
        order = [*tools, "kubectl"]
        for i in range(args.repeat):
            created = []
            for name in order[i % 3:] + order[:i % 3]:  # each tool takes its turn at going first
                if name == "kubectl":
                    kubectl_round(i, created)
                    continue
                tenv = tools[name]
                # first apply: a new environment in a fresh namespace (creates every object, renders uncached)
                envname = f"r{i}{name}"
                run([*kfctl, "env", "add", envname, "--namespace", f"bench-{envname}"], cwd=app, env=tools["now"])
                created.append(f"bench-{envname}")
                key = f"first-{name}"
                t, res = run([*kfctl, "apply", envname], cwd=app, env=tenv, cpu=cpu.setdefault(key, []))
                assert f"{args.objects} created" in res.stdout, res.stdout
                wall.setdefault(key, []).append(t)
                key = f"noop-{name}"
                t, res = run([*kfctl, "apply", envname], cwd=app, env=tenv, cpu=cpu.setdefault(key, []))
                assert f"{args.objects} unchanged" in res.stdout, res.stdout
                wall.setdefault(key, []).append(t)
                key = f"connect-{name}"
                t, proc = run([sys.executable, "-c", CONNECT_ONLY], cwd=app, env=tenv, cpu=cpu.setdefault(key, []))
                wall.setdefault(key, []).append(t)
                split.setdefault(name, []).append(proc.stdout.split())
                key = f"diff-{name}"
                t, _p = run([*kfctl, "diff", "default"], cwd=app, env=tenv, cpu=cpu.setdefault(key, []))
                wall.setdefault(key, []).append(t)
            _delete_services(kubectl, env, created)
        load_after = os.getloadavg()
        med = {k: statistics.median(v) for k, v in wall.items()}
        mcpu = {k: statistics.median(v) for k, v in cpu.items()}

        def ratio(what: str, a: str, b: str) -> str:  # median of the per-round ratios (same round, same load)
            xs, ys = wall.get(f"{what}-{a}"), wall.get(f"{what}-{b}")
            return f"{statistics.median(x / y for x, y in zip(xs, ys)):.2f}x" if xs and ys else "-"

        print(f"### Cluster commands: kfctl {args.baseline} vs {args.candidate or 'this checkout'} vs kubectl "
              f"({args.objects} objects)\n")
        print(f"kubectl: {kubectl_note}; control plane: {'private kfctl-testcp' if cp else kubeconfig}; "
              f"{os.cpu_count()} CPUs; load average (1/5/15 min) {' / '.join(f'{x:.1f}' for x in load_before)} "
              f"before, {' / '.join(f'{x:.1f}' for x in load_after)} after; median of {args.repeat} interleaved "
              "rounds after a warm-up (ratios: median of the per-round ratios); fresh process each, bytecode "
              "cached as in an installed kfctl; CPU = user+system of the process.\n")
        print("| measurement | baseline wall (s) | now wall (s) | kubectl wall (s) | baseline/kubectl | now/kubectl "
              "| now/baseline | baseline CPU (s) | now CPU (s) | kubectl CPU (s) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for what, label in (("connect", "process that only connects (kubeconfig, credentials, GET /version)"),
                            ("diff", f"`diff` of {args.objects} objects, no changes"),
                            ("noop", f"no-op re-`apply` of {args.objects} objects"),
                            ("first", f"first `apply` of {args.objects} objects (fresh namespace)")):
            b, n = med[f"{what}-baseline"], med[f"{what}-now"]
            k, kc = med.get(f"{what}-kubectl"), mcpu.get(f"{what}-kubectl")
            print(f"| {label} | {b:.3f} | {n:.3f} | {f'{k:.3f}' if k else '-'} | {ratio(what, 'baseline', 'kubectl')} "
                  f"| **{ratio(what, 'now', 'kubectl')}** | {ratio(what, 'now', 'baseline')} "
                  f"| {mcpu[f'{what}-baseline']:.3f} | {mcpu[f'{what}-now']:.3f} | {f'{kc:.3f}' if kc else '-'} |")
        for name in tools:
            rows = split[name]
            setup = statistics.median(float(r[0]) for r in rows)
            first = statistics.median(float(r[1]) for r in rows)
            print(f"\n{name}: in-process import+kubeconfig+client set-up {setup:.3f} s, first request (GET /version) "
                  f"{first:.3f} s, imports the kubernetes client: {rows[-1][2]}", end="")
        print()
    finally:
        if cp is not None:
            cp.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
