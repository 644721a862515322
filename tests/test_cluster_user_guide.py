"""The cluster steps of the Kubeflow user guide (shared/scenarios/user-guide.md), typed as a user
would with kfctl in place of ks, against the real test control plane."""

from __future__ import annotations

import json
import uuid

import pytest

pytestmark = pytest.mark.cluster


def test_user_guide_cluster_steps(tmp_path, kfctl, kube_cluster):
    c = kube_cluster
    env = {"KUBECONFIG": c.kubeconfig}
    namespace = f"kubeflow-{uuid.uuid4().hex[:6]}"  # the guide's "kubeflow", unique in a shared cluster
    c._namespaces.append(namespace)

    def ks(*args, ok=(0,)):
        res = kfctl(*args, cwd=app, env=env)
        assert res.code in ok, res
        return res

    assert kfctl("init", "my-kubeflow", cwd=tmp_path).code == 0
    app = tmp_path / "my-kubeflow"
    ks("pkg", "install", "kubeflow/core@v0.1.2")
    ks("pkg", "install", "kubeflow/tf-job@v0.1.2")
    ks("generate", "core", "kubeflow-core", "--name=kubeflow-core")
    ks("param", "set", "kubeflow-core", "reportUsage", "true")
    ks("param", "set", "kubeflow-core", "usageId", str(uuid.uuid4()))
    ks("env", "add", "nocloud")
    ks("env", "add", "cloud", "--server", c.server)
    ks("param", "set", "kubeflow-core", "cloud", "gke", "--env=cloud")
    ks("param", "set", "kubeflow-core", "jupyterNotebookPVCMount", "/home/jovyan/work")
    ks("env", "set", "cloud", "--namespace", namespace)

    def get(path):
        status, body = c.request("GET", path, ok=())
        return body if status == 200 else None

    assert get(f"/api/v1/namespaces/{namespace}") is None
    res = ks("apply", "cloud", "-c", "kubeflow-core")
    assert get(f"/api/v1/namespaces/{namespace}") is not None  # apply created the namespace
    assert get(f"/apis/apps/v1/namespaces/{namespace}/deployments/spartakus-volunteer") is not None
    assert get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/tfjobs.kubeflow.org") is not None
    shown = ks("show", "cloud", "-c", "kubeflow-core").out
    assert f"namespace: {namespace}" in shown

    # Jupyter service type: NodePort applied, then the diff shows exactly the change to LoadBalancer.
    ks("param", "set", "kubeflow-core", "jupyterHubServiceType", "NodePort")
    ks("apply", "cloud")
    assert get(f"/api/v1/namespaces/{namespace}/services/tf-hub-lb")["spec"]["type"] == "NodePort"
    ks("param", "set", "kubeflow-core", "jupyterHubServiceType", "LoadBalancer")
    res = ks("diff", "cloud", ok=(10,))
    changed = [ln for ln in res.out.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed == ["-  type: NodePort", "+  type: LoadBalancer"], res.out
    assert "tf-hub-lb" in res.out
    doc = json.loads(ks("diff", "cloud", "-o", "json", ok=(10,)).out)
    assert [(o["kind"], o["name"], o["paths"]) for o in doc["objects"] if o["op"] != "unchanged"] == \
        [("Service", "tf-hub-lb", ["spec.type"])]
    ks("apply", "cloud")
    ks("diff", "cloud")  # exit 0: nothing left to change

    # TFJob: apply and delete one component.
    ks("generate", "tf-job", "myjob", "--name=myjob")
    ks("param", "set", "myjob", "image", "gcr.io/tf-on-k8s-dogfood/tf_sample:d4ef871-dirty-991dde4")
    ks("apply", "cloud", "-c", "myjob")
    tfjobs = get(f"/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs") or \
        get(f"/apis/kubeflow.org/v1alpha2/namespaces/{namespace}/tfjobs") or \
        get(f"/apis/kubeflow.org/v1alpha1/namespaces/{namespace}/tfjobs")
    assert tfjobs is not None and [i["metadata"]["name"] for i in tfjobs["items"]] == ["myjob"]
    res = ks("delete", "cloud", "-c", "myjob", "--wait", "--timeout", "60s")
    assert "1 deleted" in res.out
    assert get(f"/api/v1/namespaces/{namespace}/services/tf-hub-lb") is not None  # the rest stays

    # Usage reporting off + prune: the spartakus objects go, nothing else does.
    def inventory():
        found = set()
        for path in (f"/api/v1/namespaces/{namespace}/services", f"/api/v1/namespaces/{namespace}/configmaps",
                     f"/api/v1/namespaces/{namespace}/serviceaccounts",
                     f"/apis/apps/v1/namespaces/{namespace}/deployments",
                     f"/apis/apps/v1/namespaces/{namespace}/statefulsets",
                     f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles",
                     "/apis/rbac.authorization.k8s.io/v1/clusterroles",
                     "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                     "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"):
            for item in get(path)["items"]:
                found.add((path.rsplit("/", 1)[1], item["metadata"]["name"]))
        return found

    def names(objs):
        return {n for _k, n in objs}

    ks("delete", "cloud", "-c", "myjob")  # idempotent: already gone, nothing else touched
    before = inventory()
    ks("param", "set", "kubeflow-core", "reportUsage", "false")
    res = ks("apply", "cloud", "--prune")
    after = inventory()
    removed = before - after
    assert removed and all("spartakus" in n for n in names(removed)), removed
    assert {"spartakus-volunteer", "spartakus"} <= names(removed)
    assert after == before - removed and not (after - before)
    assert f"{len(removed)} pruned" in res.out, res
