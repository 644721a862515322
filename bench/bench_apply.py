"""Benchmark: kfctl apply / re-apply / diff against kubectl on the same 500 objects.

Starts a private test control plane (tests/controlplane, apiserver + etcd; or uses
KFCTL_BENCH_KUBECONFIG), builds kubectl from the same Go modules (tests/controlplane/build.sh kubectl;
falls back to kubectl on PATH, noted in the output), renders one kfctl environment of N objects
(ConfigMaps, Services, Deployments) and feeds kubectl the very same YAML (in its own namespace).

Every command runs as a fresh process, as a user would run it (kfctl's time includes Python start-up
and rendering the jsonnet). Prints a markdown table.

    .venv/bin/python bench/bench_apply.py [--objects 500] [--repeat 3]
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


def run(cmd, *, env=None, cwd=None, ok=(0,), input=None) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, input=input)
    took = time.perf_counter() - start
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--objects", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement (median)")
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kfctl-bench-"))
    cp = None
    kubeconfig = os.environ.get("KFCTL_BENCH_KUBECONFIG")
    if not kubeconfig:
        from tests.kube_fixture import start_control_plane

        cp = start_control_plane(with_kcm=False, nodes=0,
                                 extra_args=["--apiserver-arg=--service-cluster-ip-range=10.96.0.0/16"])
        kubeconfig = cp.kubeconfig
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


if __name__ == "__main__":
    main()
