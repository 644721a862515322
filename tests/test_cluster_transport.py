"""Talking to real servers: which kubeconfig context a command uses (--context, --kubeconfig,
ambiguity), request timeouts against a hung server, retries of the server's 429s, a server that is
not Kubernetes, TLS verification turned off, and which server warnings reach the user. Everything the
API server decides is decided by the real test control plane."""

from __future__ import annotations

import http.server
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import Result
from tests.conftest import assert_clean_failure as _assert_clean_failure

CM = '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "transport"}, data: {a: "1"}}\n'


def _kubeconfig_parts(cluster) -> tuple[dict, dict]:
    """The cluster and user entries of a control plane's own kubeconfig (its current context)."""
    doc = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    ctx = next(c["context"] for c in doc["contexts"] if c["name"] == doc["current-context"])
    cl = next(c["cluster"] for c in doc["clusters"] if c["name"] == ctx["cluster"])
    user = next(u["user"] for u in doc["users"] if u["name"] == ctx["user"])
    return dict(cl), dict(user)


def _write_kubeconfig(path: Path, current: str, contexts: dict[str, tuple[dict, dict]]) -> Path:
    """contexts: name -> (cluster entry, user entry); each context gets its own cluster and user."""
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": current, "clusters": [], "users": [],
           "contexts": []}
    for name, (cl, user) in contexts.items():
        doc["clusters"].append({"name": f"{name}-cluster", "cluster": cl})
        doc["users"].append({"name": f"{name}-user", "user": user})
        doc["contexts"].append({"name": name, "context": {"cluster": f"{name}-cluster", "user": f"{name}-user"}})
    path.write_text(yaml.safe_dump(doc))
    return path


def _app(new_app, kfctl, server, namespace, component=CM, name="transport"):
    root = new_app(f"app-{uuid.uuid4().hex[:6]}")
    res = kfctl("env", "set", "default", "--server", server, "--namespace", namespace, cwd=root)
    assert res.code == 0, res
    (root / "components" / f"{name}.jsonnet").write_text(component)
    return root


def assert_clean_failure(res: Result, **kw) -> None:
    """conftest's check, after the lines that say where a command is going (they come first)."""
    err = "".join(ln for ln in res.err.splitlines(keepends=True)
                  if not ln.startswith(("kfctl: about to", "kfctl: warning:")))
    _assert_clean_failure(Result(res.code, res.out, err), **kw)


ELSEWHERE = ({"server": "https://192.0.2.1:6443", "insecure-skip-tls-verify": True}, {"token": "x"})


# ---------------------------------------------------------------------------------------------- item 10: context

def test_several_contexts_for_the_server_are_an_error_unless_one_is_current_or_chosen(
        tmp_path, new_app, kfctl, kube_cluster, kube_namespace):
    cl, user = _kubeconfig_parts(kube_cluster)
    contexts = {"bad": (cl, {"token": "not-a-valid-token"}), "good": (cl, user), "other": ELSEWHERE}
    ambiguous = _write_kubeconfig(tmp_path / "ambiguous", "other", contexts)
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace)
    env = {"KUBECONFIG": str(ambiguous)}

    # neither is current: an error naming both, before any request, for every command that connects
    for cmd in (("apply", "default"), ("diff", "default"), ("delete", "default"),
                ("validate", "default", "--cluster")):
        res = kfctl(*cmd, cwd=root, env=env)
        assert_clean_failure(res, code=1)
        assert "'bad'" in res.err and "'good'" in res.err and "--context" in res.err, res

    # --context picks one, and every command says which it uses
    for cmd in (("apply", "default"), ("diff", "default"), ("delete", "default", "--dry-run"),
                ("validate", "default", "--cluster")):
        res = kfctl(*cmd, "--context", "good", cwd=root, env=env)
        assert res.code == 0, (cmd, res)
        assert "context 'good'" in res.err, (cmd, res)

    # --context naming a context of another server is refused
    res = kfctl("diff", "default", "--context", "other", cwd=root, env=env)
    assert_clean_failure(res, code=1, contains="192.0.2.1")

    # the current context wins when it is one of the matches (file order puts "bad" first)
    current_good = _write_kubeconfig(tmp_path / "current-good", "good", contexts)
    res = kfctl("diff", "default", cwd=root, env={"KUBECONFIG": str(current_good)})
    assert res.code == 0 and "context 'good'" in res.err, res
    current_bad = _write_kubeconfig(tmp_path / "current-bad", "bad", contexts)
    res = kfctl("diff", "default", cwd=root, env={"KUBECONFIG": str(current_bad)})
    assert_clean_failure(res, code=1, contains="401")
    assert "context 'bad'" in res.err, res


def test_kubeconfig_flag_replaces_the_environment_variable(tmp_path, new_app, kfctl, kube_cluster, kube_namespace):
    cl, user = _kubeconfig_parts(kube_cluster)
    only = _write_kubeconfig(tmp_path / "only", "mine", {"mine": (cl, user)})
    elsewhere = _write_kubeconfig(tmp_path / "elsewhere", "other", {"other": ELSEWHERE})
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace)
    env = {"KUBECONFIG": str(elsewhere)}
    res = kfctl("diff", "default", cwd=root, env=env)
    assert_clean_failure(res, code=1, contains="no context in the kubeconfig")
    res = kfctl("apply", "default", "--kubeconfig", str(only), cwd=root, env=env)
    assert res.code == 0 and "context 'mine'" in res.err, res
    assert kube_cluster.exists(f"/api/v1/namespaces/{kube_namespace}/configmaps/transport")
    res = kfctl("diff", "default", "--kubeconfig", str(tmp_path / "missing"), cwd=root, env=env)
    assert_clean_failure(res, code=1, contains="missing")


# ---------------------------------------------------------------------------------------------- item 11: timeout

def test_request_timeout_bounds_the_wait_on_a_hung_server(tmp_path, new_app, kfctl_proc, kfctl,
                                                          kube_cluster_private):
    cp = kube_cluster_private
    root = _app(new_app, kfctl, cp.server, "hung")
    env = {"KUBECONFIG": cp.kubeconfig}
    res = kfctl_proc("diff", "default", "--request-timeout", "1m", cwd=root, env=env)
    assert res.code == 10, res  # the server answers: everything is to be created
    cp.pause()
    try:
        started = time.monotonic()
        res = kfctl_proc("diff", "default", "--request-timeout", "2s", cwd=root, env=env, timeout=60)
        took = time.monotonic() - started
    finally:
        cp.resume()
    assert_clean_failure(res, code=1)
    first = res.err.strip().splitlines()[-2 if res.err.strip().splitlines()[-1].startswith("hint:") else -1]
    assert "did not answer" in first and "2s" in first and cp.server in first, res
    assert "--request-timeout" in res.err, res
    assert took < 15, f"a 2s request timeout took {took:.1f}s"
    res = kfctl("diff", "default", "--request-timeout", "soon", cwd=root, env=env)
    assert res.code == 2 and "soon" in res.err, res
    res = kfctl_proc("diff", "default", "--request-timeout", "0", cwd=root, env=env)
    assert res.code == 10, res


# ---------------------------------------------------------------------------------------------- item 8: 429

CRD = """\
{
  apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
  metadata: {name: "gadgets.%(group)s"},
  spec: {
    group: "%(group)s", scope: "Namespaced",
    names: {plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList"},
    versions: [{name: "v1", served: true, storage: true,
                schema: {openAPIV3Schema: {type: "object", "x-kubernetes-preserve-unknown-fields": true}}}],
  },
}
"""

GADGETS = """\
[{apiVersion: "%(group)s/v1", kind: "Gadget", metadata: {name: "g%%d" %% i}, spec: {n: i}} for i in std.range(1, 5)]
"""


def test_custom_resources_right_after_their_crd_ride_out_the_servers_429s(new_app, kfctl_proc, kfctl, kube_cluster,
                                                                         kube_namespace):
    """The real server answers 429 with Retry-After for a new type's resources for about a second after
    its CRD is created; kfctl waits as told instead of failing."""
    group = f"t{uuid.uuid4().hex[:8]}.kfctl.test"
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace, GADGETS % {"group": group}, name="gadgets")
    env = {"KUBECONFIG": kube_cluster.kubeconfig}
    crd = yaml.safe_load(CRD % {"group": group})  # jsonnet object syntax is YAML-compatible here
    kube_cluster.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd, ok=(201,))
    try:
        res = kfctl_proc("apply", "default", cwd=root, env=env)
        assert res.code == 0, res
        assert "5 created" in res.out, res
        items = kube_cluster.get(f"/apis/{group}/v1/namespaces/{kube_namespace}/gadgets")["items"]
        assert sorted(i["metadata"]["name"] for i in items) == [f"g{i}" for i in range(1, 6)]
    finally:
        kube_cluster.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.{group}",
                             ok=(200, 202, 404))


# ---------------------------------------------------------------------------------------------- item 9: not k8s

class _HtmlNotFound(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        body = b"<!DOCTYPE html><html><head><title>404</title></head><body><h1>Not Found</h1></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PATCH = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def html_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlNotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_that_is_not_kubernetes_is_one_clean_line(tmp_path, new_app, kfctl_proc, kfctl, html_server):
    kcfg = _write_kubeconfig(tmp_path / "kcfg", "web", {"web": ({"server": html_server}, {"token": "t"})})
    root = _app(new_app, kfctl, html_server, "web")
    for cmd in (("apply", "default"), ("diff", "default"), ("delete", "default"),
                ("validate", "default", "--cluster")):
        res = kfctl_proc(*cmd, cwd=root, env={"KUBECONFIG": str(kcfg)})
        assert_clean_failure(res, code=1)
        errors = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: error:")]
        assert len(errors) == 1 and "not a Kubernetes API server" in errors[0] and html_server in errors[0], res
        assert "context 'web'" in errors[0], res
        assert "<" not in res.err and "Not Found</h1>" not in res.out, res


def test_tls_verification_off_is_said_once_in_kfctls_words(tmp_path, new_app, kfctl_proc, kfctl, kube_cluster,
                                                            kube_namespace):
    cl, user = _kubeconfig_parts(kube_cluster)
    insecure = {"server": cl["server"], "insecure-skip-tls-verify": True}
    kcfg = _write_kubeconfig(tmp_path / "kcfg", "loose", {"loose": (insecure, user)})
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace)
    res = kfctl_proc("apply", "default", cwd=root, env={"KUBECONFIG": str(kcfg)})
    assert res.code == 0, res
    assert "InsecureRequestWarning" not in res.err and "urllib3" not in res.err, res
    assert res.err.count("TLS certificate verification is off") == 1, res
    assert "insecure-skip-tls-verify" in res.err and "context 'loose'" in res.err, res


# ---------------------------------------------------------------------------------------------- item 15: warnings

ENDPOINTS = """\
{apiVersion: "v1", kind: "Endpoints", metadata: {name: "legacy"},
 subsets: [{addresses: [{ip: "10.0.0.1"}], ports: [{port: 80}]}]}
"""


def test_server_warnings_only_about_the_apps_own_objects(new_app, kfctl_proc, kfctl, kube_cluster, kube_namespace):
    env = {"KUBECONFIG": kube_cluster.kubeconfig}
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace)
    for cmd in (("apply", "default"), ("apply", "default", "--prune"), ("diff", "default"),
                ("delete", "default")):
        res = kfctl_proc(*cmd, cwd=root, env=env)
        assert res.code in (0, 10), (cmd, res)
        assert "warning from the API server" not in res.err, (cmd, res)

    # an object of a deprecated kind that the app renders: the server's warning is relayed, once
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace, ENDPOINTS, name="legacy")
    res = kfctl_proc("apply", "default", cwd=root, env=env)
    assert res.code == 0, res
    relayed = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: warning from the API server")]
    assert len(relayed) == 1 and "Endpoints" in relayed[0], res
