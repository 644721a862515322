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
    error = next(ln for ln in res.err.splitlines() if ln.startswith("kfctl: error:"))
    assert "context 'bad'" in error and kube_cluster.server in error, res


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
        # without the flag: the documented default (30s), said in the error, not 60s or forever
        started = time.monotonic()
        res_default = kfctl_proc("diff", "default", cwd=root, env=env, timeout=120)
        took_default = time.monotonic() - started
    finally:
        cp.resume()
    for r, limit in ((res, "2s"), (res_default, "30s")):
        assert_clean_failure(r, code=1)
        error = next(ln for ln in r.err.splitlines() if ln.startswith("kfctl: error:"))
        assert "did not answer" in error and f"within {limit}" in error and cp.server in error, r
        assert "--request-timeout" in r.err, r
    assert took < 15, f"a 2s request timeout took {took:.1f}s"
    assert 29 < took_default < 50, f"the default request timeout took {took_default:.1f}s"
    res = kfctl("diff", "default", "--request-timeout", "soon", cwd=root, env=env)
    assert res.code == 2 and "soon" in res.err, res
    res = kfctl_proc("diff", "default", "--request-timeout", "0", cwd=root, env=env)
    assert res.code == 10, res


# ---------------------------------------------------------------------------------------------- item 8: 429

def _crd(group: str) -> dict:
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"gadgets.{group}"},
            "spec": {"group": group, "scope": "Namespaced",
                     "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"},
                     "versions": [{"name": "v1", "served": True, "storage": True,
                                   "schema": {"openAPIV3Schema": {"type": "object",
                                                                  "x-kubernetes-preserve-unknown-fields": True}}}]}}


def _established(kube_cluster, name: str) -> bool:
    doc = kube_cluster.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (doc.get("status") or {}).get("conditions") or [])


def test_custom_resources_right_after_their_crd_ride_out_the_servers_429s(kube_cluster, kube_namespace):
    """Right after a CRD is established the real server answers its resources with 429 and Retry-After
    for a moment; kfctl waits as told and the list and apply succeed. A few fresh CRDs are tried until
    one of them showed the 429 (the window is short)."""
    from kfctl.cluster import ClusterOptions, Resource, connect, resolve_target

    target = resolve_target("t", kube_cluster.server, None, ClusterOptions(kubeconfig=kube_cluster.kubeconfig))
    saw = []
    for _ in range(8):
        group = f"t{uuid.uuid4().hex[:8]}.kfctl.test"
        name = f"gadgets.{group}"
        cluster = connect(target)
        cluster.check()  # connected before the CRD exists, as `kfctl apply` is when it applies one
        kube_cluster.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", _crd(group),
                             ok=(201,))
        try:
            kube_cluster.wait_for(lambda: _established(kube_cluster, name), 30, f"CRD {name} established",
                                  interval=0.005)
            res = Resource(group, "v1", "Gadget", "gadgets", True, ("list", "patch"))
            # Until the new type's watch cache is ready, a list the cache would serve (no limit, as
            # `kubectl get` sends) is answered 429 "storage is (re)initializing", Retry-After: 1.
            assert cluster.request("GET", res.path(kube_namespace))["items"] == []
            cluster.apply(res, {"apiVersion": f"{group}/v1", "kind": "Gadget",
                                "metadata": {"name": "g1", "namespace": kube_namespace}, "spec": {"n": 1}})
            assert [i["metadata"]["name"] for i in cluster.list(res, kube_namespace)] == ["g1"]
            saw += [r for r in cluster.retried if r.startswith("429 ")]
            cluster.close()
        finally:
            kube_cluster.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}",
                                 ok=(200, 202, 404))
        if saw:
            break
    assert saw, "the server never answered 429 right after a CRD was established"


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
    # before the first apply and after the delete there is no ApplySet parent: kfctl then scans every
    # listable kind for objects of this app, ComponentStatus and Endpoints included
    for cmd in (("diff", "default"), ("apply", "default", "--prune"), ("apply", "default", "--prune"),
                ("diff", "default"), ("delete", "default"), ("delete", "default")):
        res = kfctl_proc(*cmd, cwd=root, env=env)
        assert res.code in (0, 10), (cmd, res)
        assert "warning from the API server" not in res.err, (cmd, res)

    # an object of a deprecated kind that the app renders: the server's warning is relayed, once
    root = _app(new_app, kfctl, kube_cluster.server, kube_namespace, ENDPOINTS, name="legacy")
    res = kfctl_proc("apply", "default", cwd=root, env=env)
    assert res.code == 0, res
    relayed = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: warning from the API server")]
    assert len(relayed) == 1 and "Endpoints" in relayed[0], res


# ---------------------------------------------------------------------------------------------- credentials

def test_kubeconfig_credentials_kubectl_users_have(tmp_path, new_app, kfctl, kube_cluster, kube_namespace):
    """kfctl reads kubeconfigs itself (without the kubernetes client): an exec credential plugin, a
    tokenFile and a CA file named relative to the kubeconfig's folder, inline CA data."""
    import base64
    import shutil
    import sys

    cl, user = _kubeconfig_parts(kube_cluster)
    token = user["token"]
    folder = tmp_path / "kube"
    folder.mkdir()
    (folder / "token").write_text(token + "\n")
    ca_pem = Path(cl["certificate-authority"]).read_bytes() if cl.get("certificate-authority") else \
        base64.b64decode(cl["certificate-authority-data"])
    (folder / "ca.crt").write_bytes(ca_pem)
    plugin = folder / "plugin.py"
    plugin.write_text("import json, os\n"
                      "info = json.loads(os.environ['KUBERNETES_EXEC_INFO'])\n"
                      "assert info['kind'] == 'ExecCredential'\n"
                      f"print(json.dumps({{'apiVersion': info['apiVersion'], 'kind': 'ExecCredential', "
                      f"'status': {{'token': os.environ['PLUGIN_TOKEN']}}}}))\n")
    server = cl["server"]
    with_file = {"server": server, "certificate-authority": "ca.crt"}
    inline = {"server": server, "certificate-authority-data": base64.b64encode(ca_pem).decode()}
    exec_user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                          "args": [str(plugin)], "env": [{"name": "PLUGIN_TOKEN", "value": token}],
                          "interactiveMode": "Never"}}
    kcfg = _write_kubeconfig(folder / "config", "by-exec", {"by-exec": (inline, exec_user),
                                                            "by-file": (with_file, {"tokenFile": "token"})})
    root = _app(new_app, kfctl, server, kube_namespace)
    for context in ("by-exec", "by-file"):
        res = kfctl("apply", "default", "--context", context, "--kubeconfig", str(kcfg), cwd=root)
        assert res.code == 0 and f"context {context!r}" in res.err, res
    # a failing plugin is one line naming the user and the plugin
    broken = {"exec": {**exec_user["exec"], "env": []}}
    bad = _write_kubeconfig(folder / "bad", "broken", {"broken": (inline, broken)})
    res = kfctl("diff", "default", "--kubeconfig", str(bad), cwd=root)
    assert_clean_failure(res, code=1, contains="exec plugin")
    assert "'broken-user'" in res.err, res
    shutil.rmtree(folder)


# ---------------------------------------------------------------------------------------------- item 8: resets

class _ResettingProxy:
    """A TCP relay to the real API server that resets its first ``resets`` connections as soon as the
    client has sent something (a connection dropped by a load balancer); later ones are relayed."""

    def __init__(self, upstream: tuple[str, int], resets: int):
        import socket

        self.upstream, self.resets, self.reset_done = upstream, resets, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket
        import struct

        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.reset_done < self.resets:
                self.reset_done += 1
                conn.recv(1024)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()  # RST
                continue
            up = socket.create_connection(self.upstream)
            for a, b in ((conn, up), (up, conn)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def close(self):
        self._stop = True
        self.sock.close()


def test_connection_resets_are_retried_for_idempotent_requests(tmp_path, new_app, kfctl, kfctl_proc, kube_cluster,
                                                               kube_namespace):
    from urllib.parse import urlsplit

    cl, user = _kubeconfig_parts(kube_cluster)
    up = urlsplit(kube_cluster.server)
    proxy = _ResettingProxy((up.hostname, up.port), resets=2)
    try:
        via = {**cl, "server": f"https://127.0.0.1:{proxy.port}"}
        kcfg = _write_kubeconfig(tmp_path / "kcfg", "lb", {"lb": (via, user)})
        root = _app(new_app, kfctl, via["server"], kube_namespace)
        res = kfctl_proc("diff", "default", cwd=root, env={"KUBECONFIG": str(kcfg)})
        assert res.code == 10 and "1 to create" in res.err, res
        assert proxy.reset_done == 2
    finally:
        proxy.close()


def test_client_certificates_from_files_and_inline_data(tmp_path, new_app, kfctl, kfctl_proc, kube_cluster_factory):
    """A private control plane that trusts a client CA made here; kfctl authenticates with a client
    certificate given as files (relative to the kubeconfig) and as -data (written to a private temp
    folder for the ssl module, removed at once)."""
    import base64
    import shutil
    import subprocess

    assert shutil.which("openssl"), "openssl is needed to make the test's client certificate"
    pki = tmp_path / "pki"
    pki.mkdir()

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=pki, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=kfctl-test-client-ca",
            "-days", "2")
    openssl("req", *ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/O=system:masters/CN=kfctl-cert")
    openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "client.crt", "-days", "2")
    cp = kube_cluster_factory(extra_args=[f"--apiserver-arg=--client-ca-file={pki / 'ca.crt'}"])
    cl, _user = _kubeconfig_parts(cp)
    files = {"client-certificate": "client.crt", "client-key": "client.key"}
    inline = {"client-certificate-data": base64.b64encode((pki / "client.crt").read_bytes()).decode(),
              "client-key-data": base64.b64encode((pki / "client.key").read_bytes()).decode()}
    kcfg = _write_kubeconfig(pki / "config", "files", {"files": (cl, files), "inline": (cl, inline)})
    root = _app(new_app, kfctl, cp.server, "certs")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for context in ("files", "inline"):
        res = kfctl_proc("apply", "default", "--context", context, cwd=root,
                         env={"KUBECONFIG": str(kcfg), "TMPDIR": str(tmp)})
        assert res.code == 0 and f"context {context!r}" in res.err, res
    assert list(tmp.iterdir()) == [], "the client key was left in a temporary file"
    cm = cp.get("/api/v1/namespaces/certs/configmaps/transport")
    assert any(m.get("manager") == "kfctl" for m in cm["metadata"]["managedFields"])
