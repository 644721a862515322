"""Issue 9: kfctl never deletes, changes or takes over what it does not own -- scenario tests through
the CLI against the real test control plane. Each test names the numbered case of issue 9 it covers."""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from tests import test_cluster_apply as base
from tests.conftest import run_on_terminal
from tests.test_cluster_apply import CMS, ClusterApp, assert_clean_failure

capp = base.capp  # the fixture: an app whose environment `default` points at the test cluster

pytestmark = pytest.mark.cluster

CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def _crd(group: str) -> str:
    return f"""\
        {{apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
         metadata: {{name: "widgets.{group}"}},
         spec: {{group: "{group}", scope: "Namespaced",
                names: {{plural: "widgets", singular: "widget", kind: "Widget"}},
                versions: [{{name: "v1", served: true, storage: true,
                            schema: {{openAPIV3Schema: {{type: "object",
                                                        "x-kubernetes-preserve-unknown-fields": true}}}}}}]}}}}
        """


def _copy(capp, kfctl, new_ns) -> ClusterApp:
    """`cp -r` of the app folder (same id and name), pointed at another namespace."""
    root = capp.root.parent / (capp.root.name + "-copy")
    shutil.copytree(capp.root, root)
    capp.cluster._namespaces.append(new_ns)
    copy = ClusterApp(root, kfctl, capp.cluster, new_ns)
    assert copy.run("env", "set", "default", "--namespace", new_ns).code == 0
    return copy


# ---------------------------------------------------------------------------------------------- case 1

def test_a_copied_app_never_prunes_or_takes_over_the_original(capp, kfctl):
    """Case 1: a cp -r copy pointed at another namespace must not prune the original's objects, nor
    relabel the cluster-scoped objects the original applied."""
    role = f"{capp.ns}-reader"
    capp.component("cms", CMS)
    capp.component("role", f"""\
        {{apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: {{name: "{role}"}},
         rules: [{{apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}}]}}
        """)
    try:
        assert capp.run("apply", "default").code == 0
        before = {f"cm-{i}": capp.cm(f"cm-{i}")["metadata"]["resourceVersion"] for i in range(1, 6)}
        role_path = f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role}"
        role_labels = capp.get(role_path)["metadata"]["labels"]
        copy = _copy(capp, kfctl, capp.ns + "-copy")

        # The ClusterRole belongs to the original's ApplySet: an error naming it, unless --adopt.
        res = copy.run("apply", "default", "--prune")
        assert_clean_failure(res, contains=f"ClusterRole.rbac.authorization.k8s.io {role} already exists and "
                                           "belongs to another deployment")
        assert "--adopt" in res.err
        assert capp.get(role_path)["metadata"]["labels"] == role_labels
        assert copy.get(f"/api/v1/namespaces/{copy.ns}/configmaps/cm-1") is None  # refused before any change

        # Without the shared object, the copy deploys next to the original and prunes nothing of it.
        copy.remove("role")
        res = copy.run("diff", "default", "-o", "json")
        ops = {(o["op"], o["namespace"], o["name"]) for o in json.loads(res.out)["objects"]}
        assert ("leftover", capp.ns, "cm-1") in ops and not any(op == "prune" for op, _n, _x in ops), ops
        res = copy.run("apply", "default", "--prune")
        assert res.code == 0, res
        assert "5 created" in res.out and "0 pruned" in res.out, res
        assert f"remain in namespace {capp.ns!r}" in res.err and "--prune-moved" in res.err
        for name, rv in before.items():
            assert capp.cm(name)["metadata"]["resourceVersion"] == rv, name
        assert capp.get(role_path)["metadata"]["labels"] == role_labels
        # And the original, applied again with --prune, does not prune the copy's objects either.
        res = capp.run("apply", "default", "--prune")
        assert res.code == 0 and "0 pruned" in res.out, res
        assert copy.get(f"/api/v1/namespaces/{copy.ns}/configmaps/cm-1") is not None
    finally:
        capp.cluster.request("DELETE", f"/apis/rbac.authorization.k8s.io/v1/clusterroles/{role}", ok=(200, 404))


# ---------------------------------------------------------------------------------------------- case 2

def test_crd_removal_never_takes_custom_resources_it_did_not_apply(capp):
    """Case 2: pruning a CRD that still has a hand-made custom resource stops and names it; diff and
    --dry-run show it; --delete-contents proceeds."""
    group = f"{capp.ns}.example.com"
    capp.component("crd", _crd(group))
    capp.component("widgets", f'{{apiVersion: "{group}/v1", kind: "Widget", metadata: {{name: "w1"}}}}\n')
    base = f"/apis/{group}/v1/namespaces/{capp.ns}/widgets"
    try:
        assert capp.run("apply", "default").code == 0
        capp.cluster.request("POST", base, {"apiVersion": f"{group}/v1", "kind": "Widget",
                                            "metadata": {"name": "hand-made"}, "spec": {"data": "precious"}})
        capp.remove("crd")
        capp.remove("widgets")

        res = capp.run("diff", "default", "-o", "json")
        taken = [o for o in json.loads(res.out)["objects"] if o["op"] == "taken"]
        assert [o["name"] for o in taken] == ["hand-made"] and "--delete-contents" in taken[0]["note"]
        for args in (("apply", "default", "--prune", "--dry-run"), ("apply", "default", "--prune")):
            res = capp.run(*args)
            assert_clean_failure(res, contains=f"would also delete 1 object(s) this app and environment did not "
                                               f"apply: Widget.{group} {capp.ns}/hand-made")
            assert "--delete-contents" in res.err
        assert capp.get(f"{CRD_PATH}/widgets.{group}") is not None
        assert capp.get(f"{base}/w1") is not None and capp.get(f"{base}/hand-made") is not None

        res = capp.run("apply", "default", "--prune", "--delete-contents", "--dry-run")
        assert res.code == 0, res
        assert f"taken along Widget.{group} {capp.ns}/hand-made" in res.out, res
        assert capp.get(f"{base}/hand-made") is not None
        res = capp.run("apply", "default", "--prune", "--delete-contents")
        assert res.code == 0, res
        assert "2 pruned" in res.out, res
    finally:
        capp.cluster.request("DELETE", f"{CRD_PATH}/widgets.{group}", ok=(200, 202, 404))


# ---------------------------------------------------------------------------------------------- case 3

def test_hand_made_object_is_not_taken_over_without_adopt(capp):
    """Case 3: an existing object without kfctl's labels is an error naming it unless --adopt; later
    prunes never take it."""
    c = capp.cluster
    c.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": capp.ns}})
    c.request("POST", f"/api/v1/namespaces/{capp.ns}/configmaps",
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-3"}, "data": {"mine": "yes"}})
    capp.component("cms", CMS)
    res = capp.run("diff", "default")  # diff predicts the refusal
    assert res.code == 10 and f"kfctl: note: ConfigMap {capp.ns}/cm-3 already exists and was not applied by kfctl" \
        in res.err and "apply refuses it without --adopt" in res.err, res
    res = capp.run("apply", "default", "--prune")
    assert_clean_failure(res, contains=f"ConfigMap {capp.ns}/cm-3 already exists and was not applied by kfctl")
    assert "--adopt" in res.err
    assert capp.cm("cm-3")["data"] == {"mine": "yes"} and capp.cm("cm-1") is None
    res = capp.run("apply", "default", "--adopt")
    assert res.code == 0, res
    assert capp.cm("cm-3")["metadata"]["labels"]["kfctl.io/environment"] == "default"


def test_objects_left_by_ks_apply_are_adopted_with_one_notice(capp):
    """Case 3 (migration from ks): same component -> adopted, one notice line per run, counted; another
    component's ks object is an error."""
    c = capp.cluster
    c.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": capp.ns}})
    for i, meta in ((1, {"labels": {"app.kubernetes.io/deploy-manager": "ksonnet", "ksonnet.io/component": "cms"}}),
                    (2, {"labels": {"ksonnet.io/component": "cms"}, "annotations": {"ksonnet.io/managed": "{}"}}),
                    (3, {"labels": {"app.kubernetes.io/deploy-manager": "ksonnet",
                                    "ksonnet.io/component": "legacy"}})):
        c.request("POST", f"/api/v1/namespaces/{capp.ns}/configmaps",
                  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", **meta}})
    capp.component("cms", CMS)
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains=f"ConfigMap {capp.ns}/cm-3 already exists and was applied by ks")
    assert "cm-1" not in res.err.split("error:")[1]  # only the other component's object is refused
    c.request("PATCH", f"/api/v1/namespaces/{capp.ns}/configmaps/cm-3",
              {"metadata": {"labels": {"ksonnet.io/component": "cms"}}},
              content_type="application/merge-patch+json")
    res = capp.run("apply", "default")
    assert res.code == 0, res
    notices = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: notice:")]
    assert len(notices) == 1 and "3 object(s) left by ks apply" in notices[0], res
    assert "3 adopted from ks" in res.out
    assert capp.cm("cm-1")["metadata"]["labels"]["kfctl.io/environment"] == "default"
    res = capp.run("apply", "default")
    assert res.code == 0 and "notice" not in res.err and "adopted" not in res.out, res


# ---------------------------------------------------------------------------------------------- case 4

def test_namespace_holding_foreign_objects_is_not_deleted(capp):
    """Case 4: delete (and prune) of a rendered Namespace that holds objects this app+environment did
    not apply stops and names them, unless --delete-contents."""
    extra = capp.ns + "-extra"
    capp.cluster._namespaces.append(extra)
    capp.component("space", f"""\
        [{{apiVersion: "v1", kind: "Namespace", metadata: {{name: "{extra}"}}}},
         {{apiVersion: "v1", kind: "ConfigMap", metadata: {{name: "inside", namespace: "{extra}"}}}}]
        """)
    assert capp.run("apply", "default").code == 0
    capp.cluster.request("POST", f"/api/v1/namespaces/{extra}/configmaps",
                         {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "someone-elses"}})
    for args in (("delete", "default"), ("delete", "default", "--dry-run")):
        res = capp.run(*args)
        assert_clean_failure(res, contains=f"removing Namespace {extra} would also delete 1 object(s) this app and "
                                           f"environment did not apply: ConfigMap {extra}/someone-elses")
        assert "--delete-contents" in res.err
        assert "apply without --prune" not in res.err  # advice for apply, not for delete
    capp.remove("space")
    res = capp.run("apply", "default", "--prune")
    assert_clean_failure(res, contains=f"ConfigMap {extra}/someone-elses")
    ns = capp.get(f"/api/v1/namespaces/{extra}")
    assert ns is not None and not ns["metadata"].get("deletionTimestamp")
    assert capp.cm("inside", extra) is not None
    res = capp.run("apply", "default", "--prune", "--delete-contents")
    assert res.code == 0, res
    assert (capp.get(f"/api/v1/namespaces/{extra}") or {}).get("metadata", {}).get("deletionTimestamp") or \
        capp.get(f"/api/v1/namespaces/{extra}") is None


# ---------------------------------------------------------------------------------------------- case 5-7

def test_diff_reports_field_ownership_conflicts_as_apply_would(capp):
    """Case 5: diff does not dry-run with force: a field another manager owns is a conflict naming the
    field and the manager, exit 1."""
    capp.component("cms", CMS)
    assert capp.run("apply", "default").code == 0
    capp.cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-2", "namespace": capp.ns},
                        "data": {"index": "999"}}, f"/api/v1/namespaces/{capp.ns}/configmaps/cm-2",
                       field_manager="helm-ish")
    res = capp.run("diff", "default")
    assert res.code == 1 and "Traceback" not in res.err, res
    errors = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: error:")]
    assert len(errors) == 1 and "apply would fail" in errors[0], res
    assert "1 in conflict" in res.err
    assert "cm-2" in res.err and ".data.index (owned by 'helm-ish')" in res.err and "--force-conflicts" in res.err
    assert "-  index: '999'" in res.out and "+  index: '2'" in res.out  # what --force-conflicts would change
    doc = json.loads(capp.run("diff", "default", "-o", "json").out)
    assert [o["op"] for o in doc["objects"] if o["name"] == "cm-2"] == ["conflict"]
    assert_clean_failure(capp.run("apply", "default"), contains="helm-ish")


def test_apply_names_every_object_that_failed(capp):
    """Case 5: every failed object is named, not "(and 2 more)"; a cut-short apply says how far it got
    (case 14)."""
    capp.component("cms", CMS)
    capp.component("bad", """\
        [{apiVersion: "v1", kind: "Service", metadata: {name: "bad-%d" % i}, spec: {ports: [{port: 99999}]}}
         for i in [1, 2, 3]]
        """)
    res = capp.run("apply", "default")
    assert_clean_failure(res)
    for i in (1, 2, 3):
        assert f"Service {capp.ns}/bad-{i}" in res.err, res
    assert "apply stopped after 5 of 8 object(s): 5 created" in res.err


def test_diff_dry_runs_creations_and_reports_what_the_server_rejects(capp):
    """Case 6: a new object with an invalid label key or bad base64 is an error in diff, as in apply."""
    capp.component("cms", CMS)
    assert capp.run("apply", "default").code == 0
    capp.component("bad", """\
        [{apiVersion: "v1", kind: "Secret", metadata: {name: "bad-secret"}, data: {k: "not base64!"}},
         {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "bad-label", labels: {"a/b/c": "x"}}}]
        """)
    res = capp.run("diff", "default")
    assert_clean_failure(res)
    assert f"Secret {capp.ns}/bad-secret" in res.err and f"ConfigMap {capp.ns}/bad-label" in res.err, res
    assert "not base64" not in res.err


def test_secret_string_data_change_is_shown_masked(capp):
    """Case 7: a Secret with data and stringData: a stringData change is a difference; values masked."""
    enc = base64.b64encode(b"plain-value").decode()
    text = """{apiVersion: "v1", kind: "Secret", metadata: {name: "creds"},
               data: {a: "%s"}, stringData: {b: "%s"}}\n"""
    capp.component("secret", text % (enc, "first-secret"))
    assert capp.run("apply", "default").code == 0
    assert capp.run("diff", "default").code == 0
    capp.component("secret", text % (enc, "second-secret"))
    res = capp.run("diff", "default")
    assert res.code == 10, res
    assert "*** (after)" in res.out and "*** (before)" in res.out
    for secret in ("first-secret", "second-secret", "plain-value", enc):
        assert secret not in res.out + res.err
    doc = json.loads(capp.run("diff", "default", "-o", "json").out)
    assert [o["paths"] for o in doc["objects"]] == [["data.b"]]


# ---------------------------------------------------------------------------------------------- cases 12-15

def _pty_run(capp, args, answer: str | None, env_extra=None, timeout=120):
    """Run kfctl on a terminal against the test cluster; answer the prompt."""
    return run_on_terminal(args, capp.root, {"KUBECONFIG": capp.cluster.kubeconfig, "TERM": "xterm",
                                             **(env_extra or {})}, answer, timeout)


def test_apply_and_delete_confirm_on_a_terminal(capp):
    """Case 12: a change summary (counts, cluster, context, namespace, in colour) and a question on a
    terminal; --yes / KFCTL_YES=1 skip it; NO_COLOR drops the colour; no terminal, no prompt."""
    capp.component("cms", CMS)
    code, out = _pty_run(capp, ["apply", "default"], "n")
    assert code == 1 and "5 to create" in out and "Proceed?" in out, out
    assert f"namespace {capp.ns!r}" in out and "context " in out and capp.cluster.server in out
    assert "\x1b[32m" in out  # green "to create"
    assert "not confirmed; nothing was changed" in out
    assert capp.cm("cm-1") is None
    code, out = _pty_run(capp, ["apply", "default"], "y", {"NO_COLOR": "1"})
    assert code == 0 and "5 created" in out and "\x1b[32m" not in out, out
    code, out = _pty_run(capp, ["apply", "default", "--yes"], None)
    assert code == 0 and "Proceed?" not in out, out  # nothing to change: no question either way
    capp.component("cms", CMS.replace("std.toString(i)", "std.toString(if i == 1 then 1 else i + 1)"))
    code, out = _pty_run(capp, ["apply", "default"], "n", {"NO_COLOR": "1"})  # 4 of 5 change
    assert code == 1 and "0 to create, 4 to update, 0 to prune" in out, out
    assert capp.cm("cm-2")["data"] == {"index": "2"}
    code, out = _pty_run(capp, ["apply", "default"], None, {"KFCTL_YES": "1"})
    assert code == 0 and "Proceed?" not in out and "4 changed" in out, out
    code, out = _pty_run(capp, ["delete", "default"], "n")
    assert code == 1 and "5 to delete" in out and capp.cm("cm-1") is not None, out
    code, out = _pty_run(capp, ["delete", "default", "-y"], None)
    assert code == 0 and "5 deleted" in out, out


def test_apply_output_json_verbose_kept_and_ownership_only_moves(capp):
    """Case 13: -o json per-object results; per-object lines on stdout; -v lists unchanged; objects
    kept by kfctl.io/prune: ignore are reported; a change that only moves field ownership is not
    "changed"."""
    capp.component("cms", CMS)
    capp.component("keep", """\
        {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "keep", annotations: {"kfctl.io/prune": "ignore"}}}
        """)
    res = capp.run("apply", "default", "-o", "json")
    assert res.code == 0, res
    doc = json.loads(res.out)
    assert doc["kind"] == "ApplyResult" and doc["summary"]["created"] == 6
    assert {(o["op"], o["name"]) for o in doc["objects"]} >= {("created", "cm-1"), ("created", "keep")}
    assert "created ConfigMap" in res.err  # with -o json the per-object lines move to stderr
    res = capp.run("apply", "default")
    assert res.code == 0 and "unchanged ConfigMap" not in res.out, res
    res = capp.run("apply", "default", "-v")
    assert f"unchanged ConfigMap {capp.ns}/cm-1" in res.out, res

    # Another manager takes ownership of a field with the same value: re-applying moves ownership only.
    capp.cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-1", "namespace": capp.ns},
                        "data": {"index": "1"}}, f"/api/v1/namespaces/{capp.ns}/configmaps/cm-1",
                       field_manager="other-tool")
    res = capp.run("apply", "default")
    assert res.code == 0 and "0 changed, 6 unchanged" in res.out, res

    capp.remove("keep")
    res = capp.run("apply", "default", "--prune")
    assert res.code == 0, res
    assert "0 pruned, 1 kept" in res.out and f"kept ConfigMap {capp.ns}/keep" in res.out, res
    assert capp.cm("keep") is not None
    res = capp.run("delete", "default", "-o", "json")
    assert res.code == 0, res
    rows = {(o["op"], o["name"]) for o in json.loads(res.out)["objects"]}
    assert ("kept", "keep") in rows and ("deleted", "cm-1") in rows, rows
    assert capp.cm("keep") is not None and capp.cm("cm-1") is None


def test_implicit_namespace_is_labelled_and_left_by_delete(capp):
    """Case 15: a namespace kfctl created implicitly is labelled as such; delete says it left it."""
    capp.component("cms", CMS)
    assert capp.run("apply", "default").code == 0
    ns = capp.get(f"/api/v1/namespaces/{capp.ns}")
    assert ns["metadata"]["labels"]["kfctl.io/created-for"].startswith("applyset-")
    res = capp.run("delete", "default")
    assert res.code == 0, res
    assert f"left Namespace {capp.ns!r}, which kfctl created for this environment" in res.err
    assert capp.get(f"/api/v1/namespaces/{capp.ns}") is not None


def test_apply_names_a_missing_prerequisite_before_changing_anything(capp):
    """Issue 13: a kind only a product the cluster does not run serves (here Istio) stops apply in one
    line naming that product, before any object of the environment is created."""
    capp.component("cms", CMS)
    capp.component("mesh", """\
        {apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: {name: "vs"},
         spec: {hosts: ["example.org"], http: []}}
        """)
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains="missing prerequisite: install Istio (networking.istio.io/v1: "
                                       "VirtualService vs) first")
    assert capp.cm("cm-1") is None
