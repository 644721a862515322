"""Smoke tests of the real control plane behind kfctl's cluster tests
(tests/kube_fixture.py, tests/controlplane/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from typing import TYPE_CHECKING

import pytest

pytestmark = pytest.mark.cluster

# The fixtures come from the tests/kube_fixture.py plugin; nothing is imported
# from it here (it may be loaded under another module name), the helpers are
# reached through the cluster object: cluster.wait_for, cluster.Error.
if TYPE_CHECKING:  # pragma: no cover
    from tests.kube_fixture import KubeCluster


def _needs_kcm(cluster: KubeCluster) -> None:
    if not cluster.has_kcm:
        pytest.skip("cluster runs no kube-controller-manager")


def _needs_nodes(cluster: KubeCluster) -> None:
    if not cluster.nodes:
        pytest.skip("cluster has no (simulated) nodes")


def test_server_version(kube_cluster: KubeCluster) -> None:
    v = kube_cluster.server_version()
    assert v["major"] == "1"
    if not kube_cluster.external:
        assert v["gitVersion"] == "v1.36.3", v
        assert v["minor"] == "36", v


def test_kubectl_talks_to_cluster(kube_cluster: KubeCluster) -> None:
    kubectl = os.environ.get("KFCTL_KUBECTL") or shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("CI") == "true":
            pytest.fail("kubectl missing: scripts/test builds it (tests/controlplane/build.sh kubectl)")
        pytest.skip("kubectl not installed (tests/controlplane/build.sh kubectl builds one)")
    out = subprocess.run(
        [kubectl, "version", "-o", "json"],
        env=kube_cluster.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    server = json.loads(out.stdout)["serverVersion"]
    if not kube_cluster.external:
        assert server["gitVersion"] == "v1.36.3"
    out = subprocess.run(
        [kubectl, "get", "namespace", "default", "-o", "name"],
        env=kube_cluster.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "namespace/default"


def test_server_side_apply_configmap(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    path = f"/api/v1/namespaces/{kube_namespace}/configmaps/cm1"
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm1", "namespace": kube_namespace},
        "data": {"a": "1"},
    }
    got = kube_cluster.apply(obj, path, field_manager="kfctl-smoke")
    assert got["data"] == {"a": "1"}
    managers = {m["manager"] for m in got["metadata"]["managedFields"]}
    assert "kfctl-smoke" in managers

    obj["data"] = {"b": "2"}
    got = kube_cluster.apply(obj, path, field_manager="kfctl-smoke")
    assert got["data"] == {"b": "2"}  # field "a" pruned: owned by the same manager

    # A dry-run apply does not persist.
    obj["data"] = {"c": "3"}
    kube_cluster.request(
        "PATCH",
        path,
        obj,
        content_type="application/apply-patch+yaml",
        query={"fieldManager": "kfctl-smoke", "dryRun": "All"},
    )
    assert kube_cluster.get(path)["data"] == {"b": "2"}


def test_crd_established_then_custom_resource(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    group = f"t{uuid.uuid4().hex[:8]}.kfctl.test"
    crd_name = f"widgets.{group}"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": crd_name},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {"size": {"type": "integer"}},
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    crd_path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd_name}"
    kube_cluster.apply(crd, crd_path)
    try:

        def established() -> bool:
            conds = (kube_cluster.get(crd_path).get("status") or {}).get("conditions") or []
            return any(c["type"] == "Established" and c["status"] == "True" for c in conds)

        kube_cluster.wait_for(established, 30, f"CRD {crd_name} Established")

        cr_path = f"/apis/{group}/v1/namespaces/{kube_namespace}/widgets/w1"
        cr = {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "w1", "namespace": kube_namespace},
            "spec": {"size": 3},
        }
        # Discovery of a just-established CRD can lag by a moment.
        kube_cluster.wait_for(lambda: kube_cluster.apply(cr, cr_path), 30, "custom resource apply")
        assert kube_cluster.get(cr_path)["spec"] == {"size": 3}

        # The schema is enforced: a create is rejected with 422 Invalid.
        # (A server-side apply of the same type mismatch answers 500 in
        # v1.36.3: structured-merge-diff fails before validation runs.)
        bad = {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "w2", "namespace": kube_namespace},
            "spec": {"size": "three"},
        }
        with pytest.raises(kube_cluster.Error) as err:
            kube_cluster.request("POST", f"/apis/{group}/v1/namespaces/{kube_namespace}/widgets", bad)
        assert err.value.status == 422
        with pytest.raises(kube_cluster.Error) as err:
            kube_cluster.apply(dict(bad, metadata={"name": "w1", "namespace": kube_namespace}), cr_path)
        assert err.value.status in (422, 500)
    finally:
        kube_cluster.request("DELETE", crd_path, ok=(200, 202, 404))


def test_namespace_delete_finishes(kube_cluster: KubeCluster) -> None:
    _needs_kcm(kube_cluster)
    ns = kube_cluster.new_namespace("kfctl-nsdel")
    kube_cluster.request(
        "POST",
        f"/api/v1/namespaces/{ns}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"k": "v"}},
    )
    kube_cluster.delete_namespace(ns, wait=60)


def test_garbage_collector_deletes_dependents(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    _needs_kcm(kube_cluster)
    base = f"/api/v1/namespaces/{kube_namespace}/configmaps"
    owner = kube_cluster.request(
        "POST", base, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}}
    )
    kube_cluster.request(
        "POST",
        base,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "dependent",
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "name": "owner",
                        "uid": owner["metadata"]["uid"],
                    }
                ],
            },
        },
    )
    kube_cluster.request("DELETE", f"{base}/owner", {"propagationPolicy": "Foreground"})
    kube_cluster.wait_for(lambda: not kube_cluster.exists(f"{base}/owner"), 60, "foreground delete of owner")
    assert not kube_cluster.exists(f"{base}/dependent")


def _deployment(name: str, ns: str, replicas: int) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "registry.invalid/kfctl/test:1"}]},
            },
        },
    }


def test_deployment_gets_status(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    _needs_kcm(kube_cluster)
    path = f"/apis/apps/v1/namespaces/{kube_namespace}/deployments/zero"
    dep = kube_cluster.apply(_deployment("zero", kube_namespace, 0), path)

    def observed() -> bool:
        d = kube_cluster.get(path)
        return d.get("status", {}).get("observedGeneration") == d["metadata"]["generation"]

    kube_cluster.wait_for(observed, 60, "Deployment observedGeneration")
    assert dep["metadata"]["generation"] >= 1


def test_deployment_pods_become_ready(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    _needs_kcm(kube_cluster)
    _needs_nodes(kube_cluster)
    path = f"/apis/apps/v1/namespaces/{kube_namespace}/deployments/web"
    kube_cluster.apply(_deployment("web", kube_namespace, 2), path)

    def available() -> bool:
        st = kube_cluster.get(path).get("status", {})
        return st.get("availableReplicas") == 2 and st.get("updatedReplicas") == 2

    kube_cluster.wait_for(available, 60, "2 available replicas")
    pods = kube_cluster.get(f"/api/v1/namespaces/{kube_namespace}/pods", query={"labelSelector": "app=web"})
    assert [p["status"]["phase"] for p in pods["items"]] == ["Running", "Running"]

    # Scaling down removes pods for good (terminating pods are reaped).
    kube_cluster.apply(_deployment("web", kube_namespace, 0), path)
    kube_cluster.wait_for(
        lambda: not kube_cluster.get(f"/api/v1/namespaces/{kube_namespace}/pods", query={"labelSelector": "app=web"})[
            "items"
        ],
        60,
        "pods gone after scale to 0",
    )


def test_daemonset_runs_on_every_node(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    _needs_kcm(kube_cluster)
    _needs_nodes(kube_cluster)
    path = f"/apis/apps/v1/namespaces/{kube_namespace}/daemonsets/agent"
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": kube_namespace},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "c", "image": "registry.invalid/kfctl/agent:1"}]},
            },
        },
    }
    kube_cluster.apply(ds, path)

    def ready() -> bool:
        st = kube_cluster.get(path).get("status") or {}
        return st.get("desiredNumberScheduled", 0) >= 1 and st.get("numberReady") == st.get("desiredNumberScheduled")

    kube_cluster.wait_for(ready, 60, "DaemonSet ready on every node")


def test_job_completes(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    _needs_kcm(kube_cluster)
    _needs_nodes(kube_cluster)
    path = f"/apis/batch/v1/namespaces/{kube_namespace}/jobs/once"
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once", "namespace": kube_namespace},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "registry.invalid/kfctl/job:1"}],
                }
            }
        },
    }
    kube_cluster.apply(job, path)

    def complete() -> bool:
        conds = (kube_cluster.get(path).get("status") or {}).get("conditions") or []
        return any(c["type"] == "Complete" and c["status"] == "True" for c in conds)

    kube_cluster.wait_for(complete, 60, "Job Complete")


def test_private_control_plane_can_be_killed(kube_cluster_private) -> None:
    cp = kube_cluster_private
    assert cp.alive
    assert cp.server_version()["gitVersion"] == "v1.36.3"
    cp.kill()
    assert not cp.alive
    with pytest.raises(OSError):
        cp.request("GET", "/version", timeout=5)


def test_private_control_plane_restart_keeps_data(kube_cluster_private) -> None:
    cp = kube_cluster_private
    path = "/api/v1/namespaces/default/configmaps/survivor"
    cp.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "survivor"}, "data": {"k": "v"}}, path)
    cp.kill()
    cp.restart()
    assert cp.alive
    assert cp.get(path)["data"] == {"k": "v"}
    with open(cp.kubeconfig) as f:
        assert cp.server in f.read()


def test_private_control_plane_pause_makes_requests_time_out(kube_cluster_private) -> None:
    cp = kube_cluster_private
    cp.pause()
    try:
        with pytest.raises(OSError):  # socket.timeout / TimeoutError are OSErrors
            cp.request("GET", "/version", timeout=1)
    finally:
        cp.resume()
    assert cp.server_version()["gitVersion"] == "v1.36.3"
