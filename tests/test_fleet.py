"""Fleets: `kfctl apply --all` / `kfctl diff --all` (or -e ENV ...) over several environments at once,
against the real test control plane; one of the environments' cluster is down."""

from __future__ import annotations

import json
import os
import socket
import uuid

import pytest
import yaml

from tests.conftest import assert_clean_failure, run_on_terminal

CM = """\
local params = std.extVar("__ksonnet/params").components.cm;
{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "fleet-cm"}, data: {value: params.value}}
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fleet(new_app, kfctl, kube_cluster, tmp_path):
    """An app with environments `dev` and `prod` (two namespaces of the test cluster) and `down`, whose
    cluster does not answer (its kubeconfig context points at a closed port)."""
    root = new_app("fleet")
    (root / "components" / "cm.jsonnet").write_text(CM)
    (root / "components" / "params.libsonnet").write_text('{global: {}, components: {cm: {value: "one"}}}\n')
    down = f"https://127.0.0.1:{_closed_port()}"
    extra = tmp_path / "down-kubeconfig"
    extra.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "fleet-down", "cluster": {"server": down, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "fleet-down", "user": {"token": "x"}}],
        "contexts": [{"name": "fleet-down", "context": {"cluster": "fleet-down", "user": "fleet-down"}}],
    }))
    namespaces = {}
    for env in ("dev", "prod"):
        ns = namespaces[env] = f"kfctl-fleet-{env}-{uuid.uuid4().hex[:6]}"
        kube_cluster.track_namespace(ns)
        assert kfctl("env", "add", env, "--server", kube_cluster.server, "--namespace", ns, cwd=root).code == 0
    assert kfctl("env", "add", "down", "--server", down, "--namespace", "x", cwd=root).code == 0
    assert kfctl("env", "rm", "default", cwd=root).code == 0
    kubeconfig = os.pathsep.join([kube_cluster.kubeconfig, str(extra)])

    def run(*args):
        return kfctl(*args, cwd=root, env={"KUBECONFIG": kubeconfig})

    def value(env):
        status, body = kube_cluster.request("GET", f"/api/v1/namespaces/{namespaces[env]}/configmaps/fleet-cm",
                                            ok=())
        return body["data"]["value"] if status == 200 else None

    run.root, run.value, run.namespaces = root, value, namespaces
    return run


def lines(out: str) -> dict[str, str]:
    """stdout summary lines by environment."""
    got = {}
    for line in out.splitlines():
        assert line.startswith("environment '"), line
        env, _, rest = line[len("environment '"):].partition("': ")
        got[env] = rest
    return got


@pytest.mark.cluster
def test_apply_all_continues_past_a_failed_cluster_and_fails_the_run(fleet):
    res = fleet("apply", "--all")
    assert res.code == 1, res
    got = lines(res.out)
    assert list(got) == ["dev", "down", "prod"]
    assert got["dev"] == got["prod"] == "1 created, 0 changed, 0 unchanged, 0 pruned"
    assert got["down"].startswith("failed: ") and "\n" not in got["down"]
    assert fleet.value("dev") == fleet.value("prod") == "one"
    assert "kfctl: 2 of 3 environments applied; failed or not run: down" in res.err
    assert "Traceback" not in res.err
    # Progress names the environment it belongs to.
    assert any(ln.startswith("[dev] created ConfigMap ") for ln in res.err.splitlines()), res.err


@pytest.mark.cluster
def test_fail_fast_starts_no_environment_after_a_failure(fleet):
    assert fleet("apply", "-e", "dev", "-e", "prod").code == 0
    assert fleet("param", "set", "cm", "value", "two").code == 0
    # One environment at a time, in the order given: dev, then down fails, so prod never starts.
    res = fleet("apply", "-e", "dev", "-e", "down", "-e", "prod", "--fail-fast", "--parallel", "1")
    assert res.code == 1, res
    got = lines(res.out)
    assert got["dev"] == "0 created, 1 changed, 0 unchanged, 0 pruned"
    assert got["down"].startswith("failed: ")
    assert got["prod"] == "not run (an environment failed before it; --fail-fast)"
    assert fleet.value("dev") == "two" and fleet.value("prod") == "one"


@pytest.mark.cluster
def test_diff_all_is_a_drift_report(fleet):
    assert fleet("apply", "-e", "dev", "-e", "prod").code == 0
    res = fleet("diff", "-e", "dev", "-e", "prod")
    assert res.code == 0, res
    assert lines(res.out) == {"dev": "in sync (1 objects)", "prod": "in sync (1 objects)"}
    # Drift: Git (the app) changes for every environment; one cluster is also down.
    assert fleet("param", "set", "cm", "value", "two").code == 0
    res = fleet("diff", "-e", "dev", "-e", "prod")
    assert res.code == 10, res
    assert lines(res.out) == {"dev": "differs: 0 to create, 1 to update, 0 would be pruned with --prune, 0 unchanged",
                              "prod": "differs: 0 to create, 1 to update, 0 would be pruned with --prune, 0 unchanged"}
    assert fleet("diff", "-e", "dev", "-e", "prod", "--exit-zero").code == 0
    res = fleet("diff", "--all", "-o", "json")
    assert res.code == 1, res  # a failure outranks differences
    report = {e["environment"]: e for e in json.loads(res.out)["environments"]}
    assert report["dev"]["differs"] is True and report["dev"]["summary"]["update"] == 1
    assert report["down"]["status"] == "failed" and report["down"]["error"]
    # Nothing was changed by diffing.
    assert fleet.value("dev") == "one"


def test_fleet_usage_errors(new_app, kfctl):
    root = new_app("fleet")
    assert_clean_failure(kfctl("apply", "--all", "default", cwd=root), code=2, contains="not as arguments")
    assert_clean_failure(kfctl("apply", "default", "--fail-fast", cwd=root), code=2,
                         contains="--fail-fast and --parallel go with --all or --env")
    assert_clean_failure(kfctl("diff", "-e", "nope", cwd=root), contains="unknown environment 'nope'")
    assert_clean_failure(kfctl("apply", "-e", "default", "-e", "default", cwd=root),
                         contains="environment 'default' is listed twice")


def _renamed_kubeconfig(path: str, name: str, out) -> None:
    """The control plane's kubeconfig with its cluster, user and context all called ``name`` (so two
    clusters' files can be merged in KUBECONFIG)."""
    cfg = yaml.safe_load(open(path).read())
    for section in ("clusters", "users", "contexts"):
        for entry in cfg.get(section) or []:
            entry["name"] = name
    for entry in cfg.get("contexts") or []:
        entry["context"]["cluster"] = entry["context"]["user"] = name
    cfg["current-context"] = name
    out.write_text(yaml.safe_dump(cfg))


@pytest.mark.cluster
def test_apply_and_diff_all_across_two_clusters(new_app, kfctl, kube_cluster, kube_cluster_factory, tmp_path):
    """Two environments on two real clusters, applied concurrently; each cluster gets only its own."""
    second = kube_cluster_factory()
    root = new_app("two")
    (root / "components" / "cm.jsonnet").write_text(CM)
    (root / "components" / "params.libsonnet").write_text('{global: {}, components: {cm: {value: "one"}}}\n')
    ns = f"kfctl-fleet-{uuid.uuid4().hex[:6]}"
    kube_cluster.track_namespace(ns)
    paths = []
    for env, cluster in (("east", kube_cluster), ("west", second)):
        assert kfctl("env", "add", env, "--server", cluster.server, "--namespace", ns, cwd=root).code == 0
        paths.append(tmp_path / f"{env}.kubeconfig")
        _renamed_kubeconfig(cluster.kubeconfig, env, paths[-1])
    assert kfctl("env", "rm", "default", cwd=root).code == 0
    environ = {"KUBECONFIG": os.pathsep.join(map(str, paths))}
    res = kfctl("apply", "--all", "--parallel", "2", cwd=root, env=environ)
    assert res.code == 0, res
    assert lines(res.out) == {"east": "1 created, 0 changed, 0 unchanged, 0 pruned",
                              "west": "1 created, 0 changed, 0 unchanged, 0 pruned"}
    assert "[west] target: context 'west'" in res.err and "[east] target: context 'east'" in res.err
    for cluster in (kube_cluster, second):
        status, body = cluster.request("GET", f"/api/v1/namespaces/{ns}/configmaps/fleet-cm", ok=())
        assert status == 200 and body["data"] == {"value": "one"}
    # Drift on one cluster only: someone deleted west's ConfigMap by hand. (A hand edit of a field kfctl
    # applied would be a field-ownership conflict, which diff reports as a failure, as apply would fail.)
    second.request("DELETE", f"/api/v1/namespaces/{ns}/configmaps/fleet-cm")
    res = kfctl("diff", "--all", cwd=root, env=environ)
    assert res.code == 10, res
    assert lines(res.out) == {"east": "in sync (1 objects)",
                              "west": "differs: 1 to create, 0 to update, 0 would be pruned with --prune, 0 unchanged"}


def test_fleet_honours_context_and_kubeconfig(new_app, kfctl, tmp_path):
    """--context / --kubeconfig mean the same in fleet mode as for one environment (they were dropped)."""
    root = new_app("fleet")
    (root / "components" / "cm.jsonnet").write_text(CM)
    (root / "components" / "params.libsonnet").write_text('{global: {}, components: {cm: {value: "one"}}}\n')
    kcfg = tmp_path / "kubeconfig"
    kcfg.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "here",
        "clusters": [{"name": "here", "cluster": {"server": f"https://127.0.0.1:{_closed_port()}"}}],
        "users": [{"name": "here", "user": {"token": "x"}}],
        "contexts": [{"name": "here", "context": {"cluster": "here", "user": "here"}}],
    }))
    env = {"KUBECONFIG": str(kcfg)}
    for cmd in ("apply", "diff"):
        res = kfctl(cmd, "--all", "--context", "nope", cwd=root, env=env)
        assert res.code == 1 and "--context 'nope'" in res.out + res.err, res
        res = kfctl(cmd, "-e", "default", "--kubeconfig", str(tmp_path / "missing"), cwd=root, env=env)
        assert res.code == 1 and "missing: no such file" in res.out + res.err, res


@pytest.mark.cluster
def test_fleet_apply_reports_what_a_moved_environment_left_behind(fleet, kube_cluster):
    """As a single apply does: objects left at the environment's earlier namespace are named (and kept)
    until --prune-moved."""
    assert fleet("apply", "-e", "dev", "-e", "prod").code == 0
    moved = kube_cluster.track_namespace(f"kfctl-fleet-moved-{uuid.uuid4().hex[:6]}")
    assert fleet("env", "set", "dev", "--namespace", moved).code == 0
    res = fleet("apply", "-e", "dev", "-e", "prod", "-o", "json")
    assert res.code == 0, res
    report = {e["environment"]: e for e in json.loads(res.out)["environments"]}
    assert report["dev"]["summary"]["leftover"] >= 1 and report["prod"]["summary"]["leftover"] == 0, report
    notes = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: note: dev: ")]
    assert len(notes) == 1 and "remain in namespace 'kfctl-fleet-dev-" in notes[0] and "--prune-moved" in notes[0], res
    assert fleet.value("dev") == "one"  # still there: nothing is deleted without --prune-moved
    res = fleet("apply", "-e", "dev", "-e", "prod", "--prune-moved")
    assert res.code == 0 and "kfctl: note: dev:" not in res.err, res
    assert fleet.value("dev") is None


@pytest.mark.cluster
def test_a_failed_environment_keeps_its_hint(fleet, kube_cluster):
    """A refusal's 'what to do' (here: --adopt) reaches the fleet's user as it reaches a single apply's."""
    dev_ns = fleet.namespaces["dev"]
    kube_cluster.request("POST", "/api/v1/namespaces", body={"metadata": {"name": dev_ns}})
    kube_cluster.request("POST", f"/api/v1/namespaces/{dev_ns}/configmaps",
                         body={"metadata": {"name": "fleet-cm"}, "data": {"value": "by hand"}})
    res = fleet("diff", "-e", "dev", "-e", "prod")  # diff says beforehand that apply will refuse it
    assert any(ln.startswith("kfctl: note: dev: ConfigMap ") and "apply refuses it without --adopt" in ln
               for ln in res.err.splitlines()), res
    res = fleet("apply", "-e", "dev", "-e", "prod")
    assert res.code == 1, res
    assert lines(res.out)["dev"].startswith("failed: ConfigMap "), res
    assert "hint (dev): re-run with --adopt" in res.err, res
    res = fleet("apply", "-e", "dev", "-o", "json")
    assert "--adopt" in json.loads(res.out)["environments"][0]["hint"], res


@pytest.mark.cluster
def test_fleet_apply_on_a_terminal_shows_each_environments_changes_and_asks_once(fleet, kube_cluster):
    """Issue 9 case 12 for fleets: on a terminal, what each environment would change (a dry run of each:
    nothing changes) and one question; 'n' leaves every cluster as it was, 'y' applies them all."""
    def pty_run(args, answer):
        return run_on_terminal(args, fleet.root, {"KUBECONFIG": kube_cluster.kubeconfig, "TERM": "dumb"}, answer)

    code, out = pty_run(["apply", "-e", "dev", "-e", "prod"], "n")
    assert code == 1 and "apply 2 environment(s):" in out, out
    for env in ("dev", "prod"):
        assert f"{env} (context " in out and f"namespace {fleet.namespaces[env]!r}): 1 to create, 0 to update" in out
        assert fleet.value(env) is None  # the preview was a dry run
    assert out.count("Proceed?") == 1 and "not confirmed; nothing was changed" in out, out
    code, out = pty_run(["apply", "-e", "dev", "-e", "prod"], "y")
    assert code == 0 and fleet.value("dev") == fleet.value("prod") == "one", out
