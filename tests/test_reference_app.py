"""The repo root is itself a kfctl app: the reference Kubeflow deployment the README renders."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import REPO


def objects(kfctl, env):
    res = kfctl("show", env, cwd=REPO)
    assert res.code == 0, res
    return [d for d in yaml.safe_load_all(res.out) if d]


@pytest.mark.parametrize("env", ["nocloud", "cloud", "gke", "aks"])
def test_every_environment_renders_the_kubeflow_stack(kfctl, env):
    objs = objects(kfctl, env)
    by_kind = {}
    for o in objs:
        by_kind.setdefault(o["kind"], set()).add(o["metadata"]["name"])
    components = {o["metadata"]["labels"]["ksonnet.io/component"] for o in objs}
    assert components == {"kubeflow-core", "inception", "mnist-train", "seldon"}
    assert "tf-hub-lb" in by_kind["Service"] and "inception" in by_kind["Deployment"]
    assert "tfjobs.kubeflow.org" in by_kind["CustomResourceDefinition"]
    assert by_kind["TFJob"] == {"mnist-train"}
    namespaced = [o for o in objs if o["kind"] not in ("CustomResourceDefinition", "ClusterRole",
                                                        "ClusterRoleBinding", "Namespace", "StorageClass",
                                                        "ValidatingWebhookConfiguration")]
    assert {o["metadata"].get("namespace") for o in namespaced} == {"kubeflow"}


def test_environments_differ_only_where_their_params_say(kfctl):
    hub = {env: next(o for o in objects(kfctl, env) if o["metadata"]["name"] == "tf-hub-lb")
           for env in ("nocloud", "cloud")}
    assert hub["nocloud"]["spec"]["type"] == "ClusterIP"
    assert hub["cloud"]["spec"]["type"] == "LoadBalancer"
    nocloud = yaml.safe_dump(objects(kfctl, "nocloud"))
    aks = yaml.safe_dump(objects(kfctl, "aks"))
    assert nocloud != aks
    assert "/usr/local/nvidia" in aks or "nvidia" in aks


def test_show_is_byte_for_byte_repeatable(kfctl_proc):
    a = kfctl_proc("show", "nocloud", cwd=REPO, env={"KFCTL_NO_CACHE": "1"})
    b = kfctl_proc("show", "nocloud", cwd=REPO)
    c = kfctl_proc("show", "nocloud", cwd=REPO)
    assert a.code == 0 and a.out == b.out == c.out


def test_the_jupyterhub_config_prints_as_a_block_scalar(kfctl):
    """Multi-line ConfigMap payloads read as the file they are (as kubectl and Tanka print them)."""
    res = kfctl("show", "nocloud", cwd=REPO)
    assert res.code == 0, res
    assert "  jupyterhub_config.py: |\n    # JupyterHub configuration" in res.out
    assert "\\nimport os\\n" not in res.out
    cm = next(o for o in yaml.safe_load_all(res.out) if o and o["metadata"]["name"] == "jupyterhub-config")
    assert "\nc.KubeSpawner.storage_capacity = '10Gi'\n" in cm["data"]["jupyterhub_config.py"]
