"""Pure parts of the cluster commands: which cluster an environment means, ownership labels, change
detection from managedFields, diff normalisation/paths/masking, readiness rules, durations. No API
server is involved (what the server decides is tested in test_cluster_apply.py and friends)."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from kfctl import compare as cmp
from kfctl import diff as df
from kfctl import live as lv
from kfctl import ownership as pr
from kfctl.cluster import normalize_server, resolve_target
from kfctl.errors import WrongCluster
from kfctl.wait import readiness


# ---------------------------------------------------------------------------------------------- target

def _kubeconfig(tmp_path, current="b"):
    path = tmp_path / "kubeconfig"
    path.write_text(textwrap.dedent(f"""\
        apiVersion: v1
        kind: Config
        current-context: {current}
        clusters:
        - name: one
          cluster: {{server: "https://Example.COM:443/"}}
        - name: two
          cluster: {{server: "https://10.0.0.2:6443"}}
        contexts:
        - name: a
          context: {{cluster: one, user: u}}
        - name: b
          context: {{cluster: two, user: u}}
        - name: c
          context: {{cluster: two, user: u}}
        users:
        - name: u
          user: {{token: t}}
        """))
    return path


def test_server_urls_compare_after_normalising():
    assert normalize_server("https://Example.COM:443/") == normalize_server("example.com")
    assert normalize_server("http://h:80") == "http://h"
    assert normalize_server("https://h:6443") != normalize_server("https://h:6444")


def test_environment_server_must_match_a_context(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path)))
    t = resolve_target("prod", "https://example.com", None)
    assert (t.context, t.cluster, t.implicit) == ("a", "one", False)
    # two contexts point at the same server: the current one wins
    assert resolve_target("prod", "https://10.0.0.2:6443", None).context == "b"
    with pytest.raises(WrongCluster) as exc:
        resolve_target("prod", "https://elsewhere:6443", None)
    assert "no context" in str(exc.value) and "elsewhere" in str(exc.value)


def test_environment_context_and_server_must_agree(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path)))
    assert resolve_target("e", "", "c").context == "c"
    assert resolve_target("e", "https://10.0.0.2:6443", "c").context == "c"
    with pytest.raises(WrongCluster, match="points at"):
        resolve_target("e", "https://example.com", "c")
    with pytest.raises(WrongCluster, match="not in the kubeconfig"):
        resolve_target("e", "", "nope")


def test_empty_server_means_the_current_context(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path, current="a")))
    t = resolve_target("e", "", None)
    assert (t.context, t.implicit) == ("a", True)
    assert "Example.COM" in t.describe() or "example.com" in t.describe().lower()


def test_wrong_cluster_fails_before_any_request(tmp_path, monkeypatch, new_app, kfctl):
    """A mismatch is reported without contacting any server (the env's server is unroutable anyway)."""
    monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path)))
    root = new_app("app")
    res = kfctl("env", "set", "default", "--server", "https://192.0.2.1:6443", cwd=root)
    assert res.code == 0, res
    for cmd in (("apply", "default"), ("diff", "default"), ("delete", "default")):
        res = kfctl(*cmd, cwd=root)
        assert res.code == 1, res
        assert "no context in the kubeconfig" in res.err and "192.0.2.1" in res.err, res


# ---------------------------------------------------------------------------------------------- ownership

def test_env_label_values_are_label_safe_and_distinct():
    assert pr.label_value("dev") == "dev"
    slash = pr.label_value("us-west/dev")
    dot = pr.label_value("us-west.dev")
    assert slash != dot and slash.startswith("us-west.dev-")
    import re

    for v in (slash, pr.label_value("x" * 80), pr.label_value("/weird//")):
        assert re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$", v), v


def test_applyset_id_follows_kep_3659():
    import base64
    import hashlib

    ident = pr.Identity("abc123", "app", "dev", "ns1")
    raw = hashlib.sha256(f"{ident.parent_name}.ns1.ConfigMap.".encode()).digest()
    assert ident.applyset_id == "applyset-" + base64.urlsafe_b64encode(raw).decode().rstrip("=") + "-v1"
    parent = ident.parent(["Service", "Deployment.apps", "Service"], ["ns1", "other"])
    ann = parent["metadata"]["annotations"]
    assert ann[pr.APPLYSET_GKS] == "Deployment.apps,Service"
    assert ann[pr.APPLYSET_NAMESPACES] == "other"
    assert parent["metadata"]["labels"][pr.APPLYSET_ID_LABEL] == ident.applyset_id


def _obj(kind, name, labels=None, ns="ns1", api="v1", **extra):
    meta = {"name": name, "namespace": ns, "labels": dict(labels or {})}
    meta.update(extra)
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def _kind(ident, obj):
    return ident.classify(obj).kind


def test_classify_distinguishes_apps_environments_and_destinations():
    me = pr.Identity("id1", "app", "dev", "ns1")
    prod = pr.Identity("id1", "app", "prod", "ns1")
    other = pr.Identity("id2", "other", "dev", "ns1")
    moved = pr.Identity("id1", "app", "dev", "ns2")  # same app and env, another namespace (or a cp -r copy)
    assert _kind(me, me.stamp(_obj("ConfigMap", "a"))) == "ours"
    assert _kind(me, _obj("ConfigMap", "a")) == "unowned"
    assert "environment 'prod'" in me.classify(prod.stamp(_obj("ConfigMap", "a"))).text
    assert "app 'other'" in me.classify(other.stamp(_obj("ConfigMap", "a"))).text
    assert _kind(me, moved.stamp(_obj("ConfigMap", "a", ns="ns2"))) == "elsewhere"
    assert _kind(me, moved.stamp(_obj("ClusterRole", "r", ns=None))) == "elsewhere"
    legacy = me.stamp(_obj("ConfigMap", "a"))
    del legacy["metadata"]["labels"][pr.PART_OF_LABEL]  # applied before kfctl wrote part-of
    assert _kind(me, legacy) == "ours"
    ks = _obj("ConfigMap", "a", {"app.kubernetes.io/deploy-manager": "ksonnet"})
    assert _kind(me, ks) == "ksonnet"
    assert _kind(me, _obj("ConfigMap", "a", annotations={"ksonnet.io/managed": "{}"})) == "ksonnet"
    ns = _obj("Namespace", "ns1", me.created_for_label(), ns=None)
    assert _kind(me, ns) == "ours" and _kind(moved, ns) == "unowned"


def test_prune_plan_sorts_ours_leftovers_and_kept():
    me = pr.Identity("id1", "app", "dev", "ns1")
    comp = {"ksonnet.io/component": "web"}
    kept = me.stamp(_obj("ConfigMap", "kept", comp))
    gone = me.stamp(_obj("ConfigMap", "gone", comp))
    other_comp = me.stamp(_obj("ConfigMap", "gone2", {"ksonnet.io/component": "db"}))
    pod = me.stamp(_obj("Pod", "child", comp, ownerReferences=[{"kind": "ReplicaSet", "name": "r",
                                                                   "controller": True, "uid": "u"}]))
    foreign = pr.Identity("id1", "app", "prod", "ns1").stamp(_obj("ConfigMap", "theirs", comp))
    unlabeled = _obj("ConfigMap", "plain", comp)
    parent = me.parent([], [])
    old = pr.Identity("id1", "app", "dev", "old-ns")
    stale = old.parent([], [])  # the env used to live in old-ns (or a copy of the app lives there)
    left = old.stamp(_obj("ConfigMap", "left", comp, ns="old-ns"))
    protected = me.stamp(_obj("ConfigMap", "protected", comp, annotations={"kfctl.io/prune": "ignore"}))
    owned = [kept, gone, other_comp, pod, foreign, unlabeled, parent, stale, left, protected]
    rendered = [_obj("ConfigMap", "kept")]
    names = lambda objs: sorted(o["metadata"]["name"] for o in objs)  # noqa: E731
    plan = pr.prune_plan(me, owned, rendered)
    assert names(plan.prune) == ["gone", "gone2"]
    assert names(plan.leftovers) == sorted(["left", stale["metadata"]["name"]])
    assert names(plan.kept) == ["protected"]
    assert names(pr.prune_plan(me, owned, rendered, ["web"]).prune) == ["gone"]
    lines = pr.describe_leftovers(me, plan.leftovers)
    assert len(lines) == 1 and "namespace 'old-ns'" in lines[0] and "--prune-moved" in lines[0]


def test_a_copied_app_with_the_same_id_does_not_own_the_originals_objects():
    original = pr.Identity("id1", "app", "dev", "ns1")
    copy = pr.Identity("id1", "app2", "dev", "ns1")
    obj = original.stamp(_obj("ConfigMap", "a"))
    assert _kind(original, obj) == "ours"
    assert "app 'app'" in copy.classify(obj).text and "own id" in copy.classify(obj).text
    assert pr.prune_plan(copy, [obj], []).prune == []
    # A cp -r copy keeps the name too; pointed at another namespace it is another destination.
    same_name_copy = pr.Identity("id1", "app", "dev", "ns2")
    assert pr.prune_plan(same_name_copy, [obj], []).prune == []


def test_prune_never_takes_a_rendered_object_listed_under_another_group():
    me = pr.Identity("id1", "app", "dev", "ns1")
    old_group = me.stamp(_obj("Deployment", "web", api="extensions/v1beta1", uid="u-1"))
    rendered = [_obj("Deployment", "web", api="apps/v1")]
    assert pr.prune_plan(me, [old_group], rendered, keep_uids={"u-1"}).prune == []


def test_prune_leaves_objects_annotated_to_be_kept():
    me = pr.Identity("id1", "app", "dev", "ns1")
    kfctl_kept = me.stamp(_obj("ConfigMap", "a", annotations={"kfctl.io/prune": "ignore"}))
    ks_kept = me.stamp(_obj("ConfigMap", "b", annotations={"kubecfg.ksonnet.io/garbage-collect-strategy": "ignore"}))
    auto = me.stamp(_obj("ConfigMap", "c", annotations={"kubecfg.ksonnet.io/garbage-collect-strategy": "auto"}))
    assert [o["metadata"]["name"] for o in pr.prune_plan(me, [kfctl_kept, ks_kept, auto], []).prune] == ["c"]


# ---------------------------------------------------------------------------------------------- change detection

def _live_with(obj, fields, api="v1", manager="kfctl", extra_live=None):
    live = {**obj, **(extra_live or {})}
    live = {**live, "metadata": {**obj["metadata"], "resourceVersion": "7", "uid": "u",
                                 "managedFields": [{"manager": manager, "operation": "Apply", "apiVersion": api,
                                                    "fieldsType": "FieldsV1", "fieldsV1": fields}]}}
    return live


SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n", "labels": {"a": "1"}},
       "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": 8080}], "selector": {"app": "x"}}}
SVC_FIELDS = {"f:metadata": {"f:labels": {"f:a": {}}},
              "f:spec": {"f:type": {}, "f:selector": {}, "f:ports": {'k:{"port":80,"protocol":"TCP"}': {
                  ".": {}, "f:port": {}, "f:targetPort": {}}}}}


def test_unchanged_when_live_has_every_rendered_value_under_our_manager():
    live = _live_with(SVC, SVC_FIELDS)
    live["spec"] = {**SVC["spec"], "clusterIP": "10.0.0.5",
                    "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP", "nodePort": 30001}]}
    live["status"] = {"loadBalancer": {}}
    assert cmp.is_unchanged(SVC, live)


def test_changed_value_or_new_field_or_removed_field_is_sent():
    live = _live_with(SVC, SVC_FIELDS)
    changed = {**SVC, "spec": {**SVC["spec"], "type": "LoadBalancer"}}
    assert not cmp.is_unchanged(changed, live)
    added = {**SVC, "spec": {**SVC["spec"], "externalTrafficPolicy": "Local"}}
    assert not cmp.is_unchanged(added, {**live, "spec": {**live["spec"], "externalTrafficPolicy": "Local"}})
    removed = {**SVC, "metadata": {**SVC["metadata"], "labels": {}}}
    assert not cmp.is_unchanged(removed, live)  # kfctl owns label a: applying would remove it


def test_not_skipped_without_our_manager_or_at_another_version():
    assert not cmp.is_unchanged(SVC, _live_with(SVC, SVC_FIELDS, manager="kubectl"))
    assert not cmp.is_unchanged(SVC, _live_with(SVC, SVC_FIELDS, api="v2"))
    assert not cmp.is_unchanged(SVC, None)


def test_body_for_apply_drops_server_metadata_and_status():
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "status": {}, "metadata": {
        "name": "x", "resourceVersion": "1", "uid": "u", "creationTimestamp": None, "labels": {"a": "b"}}}
    assert lv.body_for_apply(obj) == {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "x", "labels": {"a": "b"}}}


# ---------------------------------------------------------------------------------------------- diff helpers

def test_normalize_drops_server_fields():
    live = {"apiVersion": "v1", "kind": "ConfigMap", "status": {"x": 1}, "data": {"k": "v"},
            "metadata": {"name": "c", "resourceVersion": "9", "uid": "u", "creationTimestamp": "t", "generation": 2,
                         "selfLink": "/x", "managedFields": [{}],
                         "annotations": {cmp.LAST_APPLIED: "{}"}}}
    assert cmp.normalize(live) == {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"},
                                  "metadata": {"name": "c"}}


def test_changed_paths_name_list_items():
    a = {"spec": {"type": "NodePort", "containers": [{"name": "app", "image": "a:1"}, {"name": "side", "image": "s"}],
                  "labels": {"app.kubernetes.io/name": "x"}}}
    b = {"spec": {"type": "LoadBalancer", "containers": [{"name": "app", "image": "a:2"}, {"name": "side", "image": "s"}],
                  "labels": {"app.kubernetes.io/name": "y"}}}
    assert df.changed_paths(a, b) == ['spec.containers[name=app].image', 'spec.labels["app.kubernetes.io/name"]',
                                      "spec.type"]
    assert df.changed_paths(a, a) == []


def test_secret_values_never_appear_in_diff_text():
    left = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"same": "c2VjcmV0MQ==", "changed": "b2xkcGFzcw=="}}
    right = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
             "data": {"same": "c2VjcmV0MQ==", "changed": "bmV3cGFzcw=="}, "stringData": {"plain": "hunter2"}}
    d = df.make_diff(pr_ref(right), "v1", left, right)
    text = d.text("live", "local")
    for secret in ("c2VjcmV0MQ==", "b2xkcGFzcw==", "bmV3cGFzcw==", "hunter2"):
        assert secret not in text
    assert "*** (before)" in text and "*** (after)" in text
    created = df.make_diff(pr_ref(right), "v1", None, right).text("live", "local")
    assert "hunter2" not in created and "bmV3cGFzcw==" not in created


def test_string_data_keys_are_compared_as_the_data_keys_they_become():
    fields = {"f:data": {"f:a": {}}, "f:stringData": {"f:b": {}}}
    live = _live_with({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"},
                       "data": {"a": "QQ==", "b": "b25l", "other": "eA=="}}, fields)
    after = json.loads(json.dumps(live))
    after["data"]["b"] = "dHdv"
    before, after = df.restrict_to_managed(live, after)
    assert sorted(before["data"]) == ["a", "b"]  # "other" belongs to another manager: not compared
    assert df.changed_paths(before, after) == ["data.b"]


def test_every_failed_object_is_named_once():
    from kfctl.cluster import ApiError
    from kfctl.errors import Rejected

    errors = [(f"Service n/bad-{i}", ApiError(422, "Invalid", f"Service bad-{i} is invalid")) for i in (1, 2, 3)]
    with pytest.raises(Rejected) as exc:
        lv.raise_errors(errors)
    text = str(exc.value)
    assert all(text.count(f"bad-{i}") >= 1 for i in (1, 2, 3)) and "2 more object(s) failed too" in text


def pr_ref(obj):
    from kfctl.objects import ObjRef

    return ObjRef.of(obj)


def test_diff_between_two_local_environments(new_app, kfctl):
    root = new_app("app")
    (root / "components" / "cm.jsonnet").write_text(
        'local env = std.extVar("__ksonnet/environments");\n'
        '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm"}, data: {ns: env.namespace}}\n')
    assert kfctl("env", "add", "other", "--namespace", "elsewhere", cwd=root).code == 0
    assert kfctl("env", "add", "same", "--namespace", "default", cwd=root).code == 0
    res = kfctl("diff", "local:default", "local:same", cwd=root)
    assert res.code == 0, res
    res = kfctl("diff", "local:default", "local:other", cwd=root)
    assert res.code == 10, res
    assert kfctl("diff", "local:default", "local:other", "--exit-zero", cwd=root).code == 0
    assert "-  ns: default" in res.out and "+  ns: elsewhere" in res.out
    res = kfctl("diff", "local:default", "local:other", "-o", "json", cwd=root)
    import json

    doc = json.loads(res.out)
    assert [(o["op"], o["name"], o["paths"]) for o in doc["objects"]] == [("update", "cm", ["data.ns"])]
    assert kfctl("diff", "remote:a", "remote:b", cwd=root).code == 2
    assert kfctl("diff", "a", "b", "c", cwd=root).code == 2


# ---------------------------------------------------------------------------------------------- readiness

@pytest.mark.parametrize("obj,state", [
    ({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 0},
      "status": {"observedGeneration": 2}}, "ready"),
    ({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 0},
      "status": {"observedGeneration": 1}}, "pending"),
    ({"kind": "Deployment", "metadata": {"generation": 1}, "spec": {"replicas": 2},
      "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1}}, "pending"),
    ({"kind": "Deployment", "metadata": {"generation": 1}, "spec": {"replicas": 2},
      "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}, "ready"),
    ({"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True"}]}}, "failed"),
    ({"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}}, "ready"),
    ({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": "True"}]}},
     "ready"),
    ({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}}, "pending"),
    ({"kind": "Namespace", "status": {"phase": "Active"}}, "ready"),
    ({"kind": "Widget", "status": {"conditions": [{"type": "Ready", "status": "False"}]}}, "pending"),
    ({"kind": "ConfigMap"}, "ready"),
])
def test_readiness_rules(obj, state):
    assert readiness(obj)[0] == state


def test_durations():
    from kfctl.cli._options import parse_duration

    assert parse_duration("90") == 90
    assert parse_duration("1m30s") == 90
    assert parse_duration("2h") == 7200
    assert parse_duration("500ms") == 0.5
    import click

    for bad in ("soon", "", "-1", "5x"):
        with pytest.raises(click.BadParameter):
            parse_duration(bad)


def test_show_never_imports_kubernetes(new_app):
    import subprocess

    root = new_app("app")
    code = ("import sys\nfrom kfctl.cli import main\n"
            "for args in (['--help'], ['apply', '--help'], ['diff', 'local:default', 'local:default'],\n"
            "             ['show', 'default']):\n"
            "    try:\n        main(args)\n    except SystemExit as exc:\n        assert exc.code == 0, (args, exc.code)\n"
            "assert 'kubernetes' not in sys.modules, 'kubernetes was imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_server_errors_about_secrets_never_echo_values():
    from kfctl.cluster import ApiError, to_kfctl_error

    body = {"details": {"causes": [{"field": "data[token]", "message": 'Invalid value: "topsecretvalue"'}]}}
    err = ApiError(422, "Invalid", 'Secret "s" is invalid: data[token]: Invalid value: "topsecretvalue"', body)
    text = str(to_kfctl_error(err, "Secret ns/s"))
    assert "topsecretvalue" not in text and "data[token]" in text
    assert "topsecretvalue" in str(to_kfctl_error(err, "ConfigMap ns/s"))  # other kinds keep the server's words
