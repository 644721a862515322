"""apply / diff / delete against the real test control plane (tests/controlplane)."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import tree_digest

pytestmark = pytest.mark.cluster


class ClusterApp:
    """An app whose environment `default` points at the test cluster, namespace `ns`."""

    def __init__(self, root, kfctl, cluster, ns):
        self.root = root
        self._kfctl = kfctl
        self.cluster = cluster
        self.ns = ns

    def run(self, *args, env=None):
        full = {"KUBECONFIG": self.cluster.kubeconfig}
        full.update(env or {})
        return self._kfctl(*args, cwd=self.root, env=full)

    def component(self, name, text):
        (self.root / "components" / f"{name}.jsonnet").write_text(textwrap.dedent(text))

    def remove(self, name):
        (self.root / "components" / f"{name}.jsonnet").unlink()

    def get(self, path):
        status, body = self.cluster.request("GET", path, ok=())
        return body if status == 200 else None

    def cm(self, name, ns=None):
        return self.get(f"/api/v1/namespaces/{ns or self.ns}/configmaps/{name}")


def assert_clean_failure(res, *, contains=None, before=None, root=None):
    """Non-zero exit, no traceback, and after the progress notes exactly one error line (+ a hint)."""
    assert res.code not in (0, 70), res
    assert "Traceback" not in res.err and "Traceback" not in res.out, res
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    notes = ("kfctl: about to ", "created ", "changed ", "pruned ", "deleted ", "skipped ", "kfctl: note: ",
             "kfctl: notice: ", "waiting: ")
    rest = [ln for ln in lines if not ln.startswith(notes)]
    assert len(rest) in (1, 2) and rest[0].startswith("kfctl: error: "), res
    assert len(rest) == 1 or rest[1].startswith("hint: "), res
    if contains is not None:
        assert contains in res.err, res
    if before is not None:
        assert tree_digest(root) == before, "a failed command changed files"


def _fresh_ns(cluster):
    import uuid

    name = f"kfctl-apply-{uuid.uuid4().hex[:8]}"
    cluster._namespaces.append(name)
    return name


@pytest.fixture
def capp(new_app, kfctl, kube_cluster):
    root = new_app("app")
    ns = _fresh_ns(kube_cluster)
    res = kfctl("env", "set", "default", "--server", kube_cluster.server, "--namespace", ns, cwd=root)
    assert res.code == 0, res
    app = ClusterApp(root, kfctl, kube_cluster, ns)
    yield app
    try:
        kube_cluster.delete_namespace(ns)
    except Exception:  # noqa: BLE001 - cleanup only
        pass


CMS = """\
[
  {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm-%d" % i}, data: {index: std.toString(i)}}
  for i in std.range(1, 5)
]
"""

WEB = """\
local params = std.extVar("__ksonnet/params").components.web;
[
  {apiVersion: "v1", kind: "Service", metadata: {name: "web"},
   spec: {type: "NodePort", selector: {app: "web"}, ports: [{port: 80, targetPort: 8080}]}},
  {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "web"},
   spec: {replicas: 0, selector: {matchLabels: {app: "web"}},
          template: {metadata: {labels: {app: "web"}},
                     spec: {containers: [{name: "web", image: "nginx:1"}]}}}},
]
"""


def test_apply_creates_namespace_and_objects_then_reapply_is_unchanged(capp):
    capp.component("cms", CMS)
    assert capp.get(f"/api/v1/namespaces/{capp.ns}") is None
    res = capp.run("apply", "default")
    assert res.code == 0, res
    assert "5 created, 0 changed, 0 unchanged, 0 pruned" in res.out
    assert "about to change" in res.err and capp.cluster.server in res.err
    assert capp.get(f"/api/v1/namespaces/{capp.ns}") is not None
    cm = capp.cm("cm-3")
    labels = cm["metadata"]["labels"]
    app_id = __import__("yaml").safe_load((capp.root / "app.yaml").read_text())["id"]
    assert labels["kfctl.io/app-id"] == app_id
    assert labels["kfctl.io/environment"] == "default"
    assert labels["ksonnet.io/component"] == "cms"
    assert labels["applyset.kubernetes.io/part-of"].startswith("applyset-")
    assert cm["metadata"]["annotations"]["kfctl.io/environment"] == "default"
    assert any(m["manager"] == "kfctl" and m["operation"] == "Apply" for m in cm["metadata"]["managedFields"])
    rv = cm["metadata"]["resourceVersion"]

    res = capp.run("apply", "default")
    assert res.code == 0, res
    assert "0 created, 0 changed, 5 unchanged" in res.out
    assert capp.cm("cm-3")["metadata"]["resourceVersion"] == rv

    capp.component("cms", CMS.replace("std.toString(i)", "std.toString(i * (if i == 2 then 10 else 1))"))
    res = capp.run("apply", "default")
    assert res.code == 0, res
    assert "0 created, 1 changed, 4 unchanged" in res.out
    assert capp.cm("cm-2")["data"] == {"index": "20"}


def test_apply_records_an_applyset_parent(capp):
    capp.component("cms", CMS)
    capp.component("web", WEB)
    assert capp.run("apply", "default").code == 0
    cms = capp.get(f"/api/v1/namespaces/{capp.ns}/configmaps?labelSelector=applyset.kubernetes.io/id")["items"]
    assert len(cms) == 1
    parent = cms[0]
    ann = parent["metadata"]["annotations"]
    assert ann["applyset.kubernetes.io/contains-group-kinds"] == "ConfigMap,Deployment.apps,Service"
    assert ann["applyset.kubernetes.io/tooling"] == "kfctl/v1"
    member = capp.cm("cm-1")
    assert member["metadata"]["labels"]["applyset.kubernetes.io/part-of"] == \
        parent["metadata"]["labels"]["applyset.kubernetes.io/id"]


def test_dry_run_changes_nothing(capp):
    capp.component("cms", CMS)
    before = tree_digest(capp.root)
    res = capp.run("apply", "default", "--dry-run")
    assert res.code == 0, res
    assert "5 created" in res.out and "(dry run)" in res.out
    assert capp.get(f"/api/v1/namespaces/{capp.ns}") is None
    assert tree_digest(capp.root) == before  # no app id written by a dry run


def test_dry_run_reports_changes_against_live_objects(capp):
    capp.component("cms", CMS)
    assert capp.run("apply", "default").code == 0
    capp.component("cms", CMS.replace("std.range(1, 5)", "std.range(1, 6)").replace(
        "std.toString(i)", "std.toString(if i == 1 then 100 else i)"))
    res = capp.run("apply", "default", "--dry-run")
    assert res.code == 0, res
    assert "1 created, 1 changed, 4 unchanged" in res.out, res
    assert capp.cm("cm-1")["data"] == {"index": "1"} and capp.cm("cm-6") is None


def test_diff_shows_exactly_the_change_and_exit_codes(capp):
    capp.component("web", WEB)
    res = capp.run("diff", "default")
    assert res.code == 10, res
    assert "+kind: Service" in res.out and "+kind: Deployment" in res.out  # creations are shown
    assert capp.run("apply", "default").code == 0
    res = capp.run("diff", "default")
    assert res.code == 0, res
    assert res.out == ""

    capp.component("web", WEB.replace('type: "NodePort"', 'type: "LoadBalancer"'))
    res = capp.run("diff", "default")
    assert res.code == 10, res
    changed = [ln for ln in res.out.splitlines() if ln.startswith(("+", "-")) and not ln.startswith(("+++", "---"))]
    assert changed == ["-  type: NodePort", "+  type: LoadBalancer"], res.out
    res = capp.run("diff", "default", "-o", "json")
    assert res.code == 10
    doc = json.loads(res.out)
    ops = {(o["kind"], o["name"]): (o["op"], o["paths"]) for o in doc["objects"]}
    assert ops[("Service", "web")] == ("update", ["spec.type"])
    assert ops[("Deployment", "web")] == ("unchanged", [])
    assert doc["summary"] == {"create": 0, "update": 1, "delete": 0, "unchanged": 1}


def test_diff_shows_prunable_objects_and_masks_secrets(capp):
    capp.component("cms", CMS)
    capp.component("secret", """\
        {apiVersion: "v1", kind: "Secret", metadata: {name: "creds"}, stringData: {password: "hunter2-secret"}}
        """)
    assert capp.run("apply", "default").code == 0
    capp.component("secret", """\
        {apiVersion: "v1", kind: "Secret", metadata: {name: "creds"}, stringData: {password: "changed-secret"}}
        """)
    capp.remove("cms")
    res = capp.run("diff", "default")
    assert res.code == 10, res
    assert "hunter2" not in res.out and "changed-secret" not in res.out
    assert "***" in res.out
    doc = json.loads(capp.run("diff", "default", "-o", "json").out)
    ops = sorted((o["op"], o["name"]) for o in doc["objects"])
    assert ops == [("prune", f"cm-{i}") for i in range(1, 6)] + [("update", "creds")]
    # Only --prune deletes them: diff says so rather than "to delete" (issue 11).
    assert "5 would be pruned with --prune" in res.err and "to delete" not in res.err


def test_crd_and_custom_resource_in_one_apply_with_wait(capp):
    capp.component("crd", """\
        [
          {apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
           metadata: {name: "widgets.kfctl-test.example.com"},
           spec: {group: "kfctl-test.example.com", scope: "Namespaced",
                  names: {plural: "widgets", singular: "widget", kind: "Widget"},
                  versions: [{name: "v1", served: true, storage: true,
                              schema: {openAPIV3Schema: {type: "object", "x-kubernetes-preserve-unknown-fields": true}}}]}},
          {apiVersion: "kfctl-test.example.com/v1", kind: "Widget", metadata: {name: "w1"}, spec: {size: 3}},
          {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "idle"},
           spec: {replicas: 0, selector: {matchLabels: {app: "idle"}},
                  template: {metadata: {labels: {app: "idle"}}, spec: {containers: [{name: "c", image: "x"}]}}}},
        ]
        """)
    try:
        res = capp.run("apply", "default", "--wait", "--timeout", "60s")
        assert res.code == 0, res
        assert "3 created" in res.out
        w = capp.get(f"/apis/kfctl-test.example.com/v1/namespaces/{capp.ns}/widgets/w1")
        assert w["spec"] == {"size": 3}
        res = capp.run("diff", "default")
        assert res.code == 0, res
    finally:
        capp.cluster.request("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                             "widgets.kfctl-test.example.com", ok=(200, 202, 404))


def test_prune_removes_only_our_unrendered_objects(capp, kfctl, new_app):
    capp.component("cms", CMS)
    capp.component("web", WEB)
    assert capp.run("apply", "default").code == 0
    # Things prune must never touch: an unlabeled object, another environment's, a controller-owned copy.
    c = capp.cluster
    c.request("POST", f"/api/v1/namespaces/{capp.ns}/configmaps",
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "unlabeled"}})
    assert capp.run("env", "add", "other", "--server", c.server, "--namespace", capp.ns).code == 0
    capp.component("othercm", '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "other-env-cm"}}\n')
    assert capp.run("apply", "other", "-c", "othercm").code == 0
    mine = capp.cm("cm-1")
    child = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "controller-child", "labels": mine["metadata"]["labels"],
                          "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "cm-1",
                                               "uid": mine["metadata"]["uid"], "controller": True}]}}
    c.request("POST", f"/api/v1/namespaces/{capp.ns}/configmaps", child)
    capp.remove("othercm")

    # -c limits prune to that component: removing cm-5 from cms prunes it; web is untouched.
    capp.component("cms", CMS.replace("std.range(1, 5)", "std.range(1, 4)"))
    capp.remove("web")
    res = capp.run("apply", "default", "-c", "cms", "--prune")
    assert res.code == 0, res
    assert "1 pruned" in res.out
    assert capp.cm("cm-5") is None and capp.cm("cm-4") is not None
    assert capp.get(f"/apis/apps/v1/namespaces/{capp.ns}/deployments/web") is not None

    res = capp.run("apply", "default", "--prune")
    assert res.code == 0, res
    assert "2 pruned" in res.out, res
    assert capp.get(f"/apis/apps/v1/namespaces/{capp.ns}/deployments/web") is None
    assert capp.get(f"/api/v1/namespaces/{capp.ns}/services/web") is None
    for name in ("unlabeled", "other-env-cm", "controller-child", "cm-1"):
        assert capp.cm(name) is not None, name
    # Prune again: nothing left to prune.
    assert "0 pruned" in capp.run("apply", "default", "--prune").out


def test_object_of_another_environment_is_an_ownership_error_unless_adopted(capp):
    c = capp.cluster
    assert capp.run("env", "add", "other", "--server", c.server, "--namespace", capp.ns).code == 0
    capp.component("cms", CMS)
    assert capp.run("apply", "other").code == 0
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains="belongs to environment 'other'")
    assert "--adopt" in res.err
    assert capp.cm("cm-1")["metadata"]["labels"]["kfctl.io/environment"] == "other"
    res = capp.run("apply", "default", "--adopt")
    assert res.code == 0, res
    assert capp.cm("cm-1")["metadata"]["labels"]["kfctl.io/environment"] == "default"


def test_field_manager_conflict_names_the_manager(capp):
    c = capp.cluster
    c.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": capp.ns}})
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-1", "namespace": capp.ns},
             "data": {"index": "999"}}, f"/api/v1/namespaces/{capp.ns}/configmaps/cm-1", field_manager="helm-ish")
    capp.component("cms", CMS)
    # Made by another tool: not kfctl's to change until adopted.
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains=f"ConfigMap {capp.ns}/cm-1 already exists and was not applied by kfctl")
    assert "--adopt" in res.err and capp.cm("cm-2") is None
    res = capp.run("apply", "default", "--adopt")
    assert_clean_failure(res, contains="helm-ish")
    assert "--force-conflicts" in res.err and "cm-1" in res.err
    res = capp.run("apply", "default", "--adopt", "--force-conflicts")
    assert res.code == 0, res
    assert capp.cm("cm-1")["data"] == {"index": "1"}


def test_rejected_object_is_named(capp):
    capp.component("bad", """\
        {apiVersion: "v1", kind: "Service", metadata: {name: "bad"},
         spec: {ports: [{port: 99999}]}}
        """)
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains="Service")
    assert "bad" in res.err and "Invalid" in res.err


def test_unknown_kind_is_rejected_before_any_change(capp):
    capp.component("cms", CMS)
    capp.component("odd", '{apiVersion: "nope.example.com/v1", kind: "Gizmo", metadata: {name: "g"}}\n')
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains="Gizmo")
    assert capp.cm("cm-1") is None


def test_wait_timeout_lists_what_is_not_ready(capp):
    capp.component("stuck", """\
        {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "stuck"},
         spec: {replicas: 2, selector: {matchLabels: {app: "stuck"}},
                template: {metadata: {labels: {app: "stuck"}},
                           spec: {nodeSelector: {"kfctl-test/no-such-node": "x"},
                                  containers: [{name: "c", image: "x"}]}}}}
        """)
    res = capp.run("apply", "default", "--wait", "--timeout", "4s", env={"KFCTL_PROGRESS_INTERVAL": "1"})
    assert_clean_failure(res, contains="not ready after 4s")
    assert "Deployment.apps" in res.err and "stuck" in res.err
    # Issue 9 case 14: without a terminal, a progress line at a steady interval naming what it waits for.
    progress = [ln for ln in res.err.splitlines() if ln.startswith("waiting: 0/1 ready")]
    assert 2 <= len(progress) <= 6 and "stuck" in progress[0], res


def test_crd_that_never_becomes_established_times_out(capp):
    c = capp.cluster
    group = "kfctl-conflict.example.com"
    base = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "spec": {"group": group, "scope": "Namespaced",
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object"}}}]}}
    first = json.loads(json.dumps(base))
    first["metadata"] = {"name": f"gadgets.{group}"}
    first["spec"]["names"] = {"plural": "gadgets", "kind": "Gadget"}
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    c.request("POST", path, first)
    try:
        capp.component("crd", f"""\
            {{apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
              metadata: {{name: "gizmos.{group}"}},
              spec: {{group: "{group}", scope: "Namespaced",
                      names: {{plural: "gizmos", kind: "Gadget"}},
                      versions: [{{name: "v1", served: true, storage: true,
                                   schema: {{openAPIV3Schema: {{type: "object"}}}}}}]}}}}
            """)
        res = capp.run("apply", "default", "--timeout", "3s")
        assert_clean_failure(res, contains="not Established")
        assert f"gizmos.{group}" in res.err
    finally:
        for name in ("gadgets", "gizmos"):
            c.request("DELETE", f"{path}/{name}.{group}", ok=(200, 202, 404))


def test_delete_removes_only_ours_and_waits(capp):
    capp.component("cms", CMS)
    capp.component("web", WEB)
    assert capp.run("apply", "default").code == 0
    c = capp.cluster
    # cm-1 taken over by someone else's object with the same name: delete must skip it
    c.request("DELETE", f"/api/v1/namespaces/{capp.ns}/configmaps/cm-1")
    c.request("POST", f"/api/v1/namespaces/{capp.ns}/configmaps",
              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-1"}, "data": {"mine": "no"}})
    res = capp.run("delete", "default", "-c", "web", "--wait", "--timeout", "60s")
    assert res.code == 0, res
    assert "2 deleted" in res.out
    assert capp.get(f"/apis/apps/v1/namespaces/{capp.ns}/deployments/web") is None
    assert capp.cm("cm-2") is not None
    res = capp.run("delete", "default")
    assert res.code == 0, res
    assert f"skipped ConfigMap {capp.ns}/cm-1: was not applied by kfctl" in res.out
    assert capp.cm("cm-1") is not None
    for i in range(2, 6):
        assert capp.cm(f"cm-{i}") is None


def test_diff_local_env_against_remote_env(capp):
    c = capp.cluster
    capp.component("web", """\
        local env = std.extVar("__ksonnet/environments");
        {apiVersion: "v1", kind: "ConfigMap", metadata: {name: "settings"},
         data: {mode: if env.namespace == "%s" then "prod" else "dev"}}
        """ % capp.ns)
    assert capp.run("env", "add", "dev", "--server", c.server, "--namespace", capp.ns + "-dev").code == 0
    capp.cluster._namespaces.append(capp.ns + "-dev")
    assert capp.run("apply", "default").code == 0
    res = capp.run("diff", "local:dev", "remote:default")
    assert res.code == 10, res
    # left = local:dev, right = what is live in default
    assert "-  mode: dev" in res.out and "+  mode: prod" in res.out
    assert "kfctl.io/environment" not in res.out  # ownership labels are not a difference between envs
    res = capp.run("diff", "local:default", "remote:default")
    assert res.code == 0, res


def test_unreachable_server_is_one_clear_error(capp, tmp_path):
    cfg = tmp_path / "dead.kubeconfig"
    cfg.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Config
        current-context: dead
        clusters: [{name: dead, cluster: {server: "https://127.0.0.1:9"}}]
        contexts: [{name: dead, context: {cluster: dead, user: u}}]
        users: [{name: u, user: {token: t}}]
        """))
    assert capp.run("env", "set", "default", "--server", "https://127.0.0.1:9").code == 0
    capp.component("cms", CMS)
    before = tree_digest(capp.root)
    for cmd in (("apply", "default"), ("diff", "default"), ("delete", "default")):
        res = capp.run(*cmd, env={"KUBECONFIG": str(cfg)})
        assert_clean_failure(res, contains="cannot reach the API server", before=before, root=capp.root)


def test_wrong_credentials_and_forbidden(capp, tmp_path):
    import yaml

    c = capp.cluster
    capp.component("cms", CMS)
    data = yaml.safe_load(open(c.kubeconfig))
    for u in data["users"]:
        u["user"] = {"token": "not-a-valid-token"}
    bad = tmp_path / "bad.kubeconfig"
    bad.write_text(yaml.safe_dump(data))
    res = capp.run("apply", "default", env={"KUBECONFIG": str(bad)})
    assert_clean_failure(res, contains="rejected the credentials")

    # A service account with no permissions: authenticated, but forbidden.
    c.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": capp.ns}})
    c.request("POST", f"/api/v1/namespaces/{capp.ns}/serviceaccounts",
              {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "nobody"}})
    tok = c.request("POST", f"/api/v1/namespaces/{capp.ns}/serviceaccounts/nobody/token",
                    {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                     "spec": {"expirationSeconds": 600}})["status"]["token"]
    for u in data["users"]:
        u["user"] = {"token": tok}
    weak = tmp_path / "weak.kubeconfig"
    weak.write_text(yaml.safe_dump(data))
    res = capp.run("apply", "default", env={"KUBECONFIG": str(weak)})
    assert_clean_failure(res, contains="forbidden")


def test_environment_must_match_the_kubeconfig_before_any_request(capp):
    import yaml

    capp.component("cms", CMS)
    # A server the kubeconfig has no context for: refused, and nothing happens on the real cluster.
    assert capp.run("env", "set", "default", "--server", "https://127.0.0.1:1").code == 0
    res = capp.run("apply", "default")
    assert_clean_failure(res, contains="no context in the kubeconfig")
    assert capp.get(f"/api/v1/namespaces/{capp.ns}") is None
    # The environment names a context: it is used, and must agree with the server when both are set.
    ctx_name = yaml.safe_load(open(capp.cluster.kubeconfig))["current-context"]
    data = yaml.safe_load((capp.root / "app.yaml").read_text())
    data["environments"]["default"]["destination"].update({"server": "", "context": ctx_name})
    (capp.root / "app.yaml").write_text(yaml.safe_dump(data))
    res = capp.run("apply", "default")
    assert res.code == 0, res
    assert f"context {ctx_name!r}" in res.err and "current context" not in res.err
    data["environments"]["default"]["destination"]["context"] = "no-such-context"
    (capp.root / "app.yaml").write_text(yaml.safe_dump(data))
    assert_clean_failure(capp.run("diff", "default"), contains="'no-such-context', which is not in the kubeconfig")
    # No server and no context: the current context, announced as such.
    del data["environments"]["default"]["destination"]["context"]
    (capp.root / "app.yaml").write_text(yaml.safe_dump(data))
    res = capp.run("apply", "default")
    assert res.code == 0 and "about to change the current context" in res.err, res


def test_server_warnings_are_shown(capp):
    # The API server warns about deprecated node labels in a pod template.
    capp.component("old", """\
        {apiVersion: "apps/v1", kind: "Deployment", metadata: {name: "old"},
         spec: {replicas: 0, selector: {matchLabels: {app: "old"}},
                template: {metadata: {labels: {app: "old"}},
                           spec: {nodeSelector: {"beta.kubernetes.io/arch": "amd64"},
                                  containers: [{name: "c", image: "x"}]}}}}
        """)
    res = capp.run("apply", "default")
    assert res.code == 0, res
    warnings = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: warning from the API server:")]
    assert len(warnings) == 1 and "beta.kubernetes.io/arch" in warnings[0] and "deprecated" in warnings[0], res


def test_prune_after_the_environment_moved_to_another_namespace(capp):
    """Issue 9 case 1: what the environment left in its old namespace is reported, and removed only
    with --prune-moved (never by --prune alone)."""
    capp.component("cms", CMS)
    assert capp.run("apply", "default").code == 0
    old_ns, new_ns = capp.ns, capp.ns + "-moved"
    capp.cluster._namespaces.append(new_ns)
    assert capp.run("env", "set", "default", "--namespace", new_ns).code == 0
    res = capp.run("diff", "default", "-o", "json")
    ops = sorted((o["op"], o["namespace"]) for o in json.loads(res.out)["objects"])
    assert ops.count(("create", new_ns)) == 5 and ops.count(("leftover", old_ns)) == 6, ops  # 5 + the old parent
    assert "prune" not in {op for op, _ in ops}
    assert f"remain at another destination ({old_ns})" in res.err and "--prune-moved" in res.err
    res = capp.run("apply", "default", "--prune")
    assert res.code == 0, res
    assert "5 created" in res.out and "0 pruned" in res.out, res
    assert f"6 object(s) of app 'app', environment 'default' remain in namespace {old_ns!r}" in res.err
    assert "--prune-moved removes them" in res.err
    assert len(capp.get(f"/api/v1/namespaces/{old_ns}/configmaps?labelSelector=kfctl.io/environment")["items"]) == 6
    res = capp.run("apply", "default", "--prune-moved")
    assert res.code == 0, res
    assert "6 pruned" in res.out, res
    left = capp.get(f"/api/v1/namespaces/{old_ns}/configmaps?labelSelector=kfctl.io/environment")["items"]
    assert left == []
    assert len(capp.get(f"/api/v1/namespaces/{new_ns}/configmaps?labelSelector=kfctl.io/environment")["items"]) == 6
    res = capp.run("apply", "default", "--prune")
    assert res.code == 0 and "remain in namespace" not in res.err, res
