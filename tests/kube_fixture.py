"""pytest plugin: a real Kubernetes control plane for kfctl's cluster tests.

Enable it with ``pytest_plugins = ["tests.kube_fixture"]`` (or the module's
import path) in ``tests/conftest.py``.

Fixtures
--------
``kube_cluster`` (session)
    A :class:`KubeCluster` for the whole test session: embedded etcd +
    kube-apiserver v1.36.3 + in-process kube-controller-manager + one
    simulated node (pods are bound and reported Running; no container runs).
    Built from ``tests/controlplane`` with Go (``build.sh``) on first use.
    If ``KFCTL_TEST_KUBECONFIG`` is set, that (disposable!) cluster is used
    instead and nothing is built or started.
``kube_namespace`` (function)
    Name of a fresh, uniquely named namespace in ``kube_cluster``; deleted
    (without waiting) after the test.
``kube_cluster_factory`` (function)
    ``start(with_kcm=False, nodes=0, extra_args=())`` -> a private
    :class:`PrivateControlPlane`, stopped at the end of the test.
``kube_cluster_private`` (function)
    ``kube_cluster_factory()`` with defaults: a private apiserver+etcd only
    (no KCM), e.g. for fault tests that ``kill()`` the server mid-apply.

Objects
-------
:class:`KubeCluster`: ``kubeconfig``, ``server``, ``token``, ``ca_file``,
``external``, ``has_kcm``, ``nodes``; ``env()`` (os.environ + KUBECONFIG),
``request(method, path, body=None, content_type=, query=, timeout=, ok=)``,
``get``, ``exists``, ``apply(obj, path, field_manager=)`` (server-side
apply), ``server_version()``, ``new_namespace(prefix)``,
``track_namespace(name)``, ``delete_namespace(name, wait=0)``,
``wait_for(pred, timeout, what)``, ``Error`` (= KubeError, has ``status``).
:class:`PrivateControlPlane` (what the non-external fixtures yield) adds
``dir``, ``log_path``, ``pid``, ``proc``, ``startup_seconds``, ``alive``,
``kill()``, ``stop()``, ``restart()``, ``pause()``, ``resume()``,
``log_tail()``.

Environment
-----------
``KFCTL_TEST_KUBECONFIG``  use this cluster for ``kube_cluster`` instead.
``KFCTL_TESTCP_BIN``       use this prebuilt kfctl-testcp binary (no build).
``KFCTL_CACHE_DIR``        where build.sh puts binaries (default ~/.cache/kfctl-test).
``KFCTL_TESTCP_ARGS``      extra arguments for the session control plane.
``CI=true``                a control plane that cannot be built or started
                           fails the tests instead of skipping them.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shlex
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

import pytest

HERE = Path(__file__).resolve().parent
CONTROLPLANE_DIR = HERE / "controlplane"
BUILD_SCRIPT = CONTROLPLANE_DIR / "build.sh"

READY_TIMEOUT = 120.0  # seconds from process start to the READY line
BUILD_TIMEOUT = 45 * 60.0  # a cold build on 2 cores takes several minutes
STOP_TIMEOUT = 15.0

ENABLE_HINT = (
    "cluster tests need a Kubernetes control plane: install Go >= 1.26 so "
    "tests/controlplane/build.sh can build one (network access to the Go "
    "module proxy on first build), or set KFCTL_TEST_KUBECONFIG to the "
    "kubeconfig of a DISPOSABLE cluster"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def _unavailable(msg: str) -> None:
    """Skip locally; fail in CI (a CI run must never skip cluster tests)."""
    if _in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"<no log: {e}>"
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------
# HTTP access to the API server
# --------------------------------------------------------------------------


class KubeError(Exception):
    def __init__(self, status: int, body: Any, method: str, path: str):
        self.status = status
        self.body = body
        super().__init__(f"{method} {path} -> HTTP {status}: {body}")


class KubeCluster:
    """Connection facts for a cluster plus a minimal REST helper.

    Attributes: ``kubeconfig`` (path), ``server`` (https URL), ``token``
    (bearer token or None for an external cluster using other credentials),
    ``ca_file`` (or None), ``external`` (True for KFCTL_TEST_KUBECONFIG),
    ``has_kcm`` (controllers run: namespace deletion, GC, Deployment status),
    ``nodes`` (number of simulated nodes; 0 = pods stay Pending).
    """

    def __init__(
        self,
        kubeconfig: str,
        server: str,
        token: Optional[str],
        ca_file: Optional[str] = None,
        *,
        external: bool = False,
        has_kcm: bool = True,
        nodes: int = 0,
        ssl_context: Optional[ssl.SSLContext] = None,
    ):
        self.kubeconfig = str(kubeconfig)
        self.server = server.rstrip("/")
        self.token = token
        self.ca_file = ca_file
        self.external = external
        self.has_kcm = has_kcm
        self.nodes = nodes
        self._ssl = ssl_context or self._make_ssl_context(ca_file)
        self._namespaces: list[str] = []

    @staticmethod
    def _make_ssl_context(ca_file: Optional[str]) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
        return ctx

    # -- environment for CLI subprocesses --------------------------------
    def env(self, base: Optional[dict] = None) -> dict:
        """A copy of ``base`` (default os.environ) with KUBECONFIG set."""
        env = dict(os.environ if base is None else base)
        env["KUBECONFIG"] = self.kubeconfig
        return env

    # -- REST ------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        query: Optional[dict] = None,
        timeout: float = 30.0,
        ok: Iterable[int] = (200, 201, 202),
    ) -> Any:
        """Call the API; return the decoded JSON (or text). Raise KubeError
        for a status not in ``ok`` (pass ``ok=()`` to get (status, body))."""
        url = self.server + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
        req = urllib.request.Request(url, data=data, method=method.upper())
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            decoded: Any = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        ok = tuple(ok)
        if not ok:
            return status, decoded
        if status not in ok:
            raise KubeError(status, decoded, method, path)
        return decoded

    def get(self, path: str, **kw) -> Any:
        return self.request("GET", path, **kw)

    def exists(self, path: str) -> bool:
        status, _ = self.request("GET", path, ok=())
        return status == 200

    def apply(self, obj: dict, path: str, *, field_manager: str = "kfctl-test", force: bool = True) -> Any:
        """Server-side apply ``obj`` at ``path`` (the object's own URL)."""
        return self.request(
            "PATCH",
            path,
            obj,
            content_type="application/apply-patch+yaml",
            query={"fieldManager": field_manager, "force": "true" if force else "false"},
        )

    Error = KubeError  # so tests need not import this module

    @staticmethod
    def wait_for(pred: Callable[[], Any], timeout: float, what: str = "condition", interval: float = 0.25) -> Any:
        """Poll ``pred`` until truthy (KubeError/OSError count as falsy); fail on timeout."""
        return wait_for(pred, timeout, what, interval)

    def server_version(self) -> dict:
        return self.get("/version")

    # -- namespaces ------------------------------------------------------
    def new_namespace(self, prefix: str = "kfctl-test") -> str:
        """Create a uniquely named namespace and return its name."""
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"[:63]
        self.request(
            "POST",
            "/api/v1/namespaces",
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": {"kfctl-test": "true"}},
            },
        )
        self._namespaces.append(name)
        return name

    def track_namespace(self, name: str) -> str:
        """Record a namespace created elsewhere (e.g. by kfctl) so that it is
        deleted at session end on an external cluster (KFCTL_TEST_KUBECONFIG);
        a private control plane is thrown away whole anyway."""
        self._namespaces.append(name)
        return name

    def delete_namespace(self, name: str, *, wait: float = 0.0) -> None:
        """Delete a namespace; with ``wait`` > 0, wait that long for it to go."""
        self.request("DELETE", f"/api/v1/namespaces/{name}", ok=(200, 202, 404))
        if wait > 0:
            wait_for(lambda: not self.exists(f"/api/v1/namespaces/{name}"), wait, f"namespace {name} deleted")


def wait_for(pred: Callable[[], Any], timeout: float, what: str = "condition", interval: float = 0.25) -> Any:
    """Poll ``pred`` until it returns a truthy value; return it. Fail on timeout."""
    deadline = time.monotonic() + timeout
    last_exc: Optional[BaseException] = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except (KubeError, OSError) as e:
            last_exc = e
        if time.monotonic() > deadline:
            extra = f" (last error: {last_exc})" if last_exc else ""
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}{extra}", pytrace=False)
        time.sleep(interval)


# --------------------------------------------------------------------------
# The kfctl-testcp binary
# --------------------------------------------------------------------------

_binary_lock = threading.Lock()
_binary_result: Optional[tuple[Optional[str], Optional[str]]] = None  # (path, error)


def _cache_dir() -> Path:
    return Path(os.environ.get("KFCTL_CACHE_DIR") or Path.home() / ".cache" / "kfctl-test")


def testcp_binary() -> str:
    """Path of a built kfctl-testcp (building it if needed). Skips/fails
    (see ``_unavailable``) when it cannot be had. Cached per process."""
    global _binary_result
    with _binary_lock:
        if _binary_result is None:
            _binary_result = _find_or_build()
    path, err = _binary_result
    if err:
        _unavailable(err)
    assert path
    return path



def run_build_script(script: Path, name: str, timeout: float, cwd: Optional[Path] = None):
    """Run a cached-build script (tests/controlplane/build.sh, tests/argocd/build.sh) under a lock in the
    build cache, one build at a time across pytest workers and sessions. Returns (the CompletedProcess,
    its stdout: the binary's path on the last line; the log path: its stderr). A timeout raises
    subprocess.TimeoutExpired with ``.log`` set."""
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / f"{name}.log"
    with open(cache / f"{name}.lock", "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        try:
            with open(log, "w") as logf:
                return subprocess.run(["bash", str(script)], cwd=str(cwd) if cwd else None, stdout=subprocess.PIPE,
                                      stderr=logf, text=True, timeout=timeout), log
        except subprocess.TimeoutExpired as exc:
            exc.log = log
            raise
        finally:
            fcntl.flock(lockf, fcntl.LOCK_UN)


def _find_or_build() -> tuple[Optional[str], Optional[str]]:
    explicit = os.environ.get("KFCTL_TESTCP_BIN")
    if explicit:
        if os.access(explicit, os.X_OK):
            return explicit, None
        return None, f"KFCTL_TESTCP_BIN={explicit} is not an executable file"
    if shutil.which("go") is None:
        return None, f"Go toolchain not found on PATH. {ENABLE_HINT}"
    try:
        proc, log = run_build_script(BUILD_SCRIPT, "build", BUILD_TIMEOUT, cwd=CONTROLPLANE_DIR)
    except subprocess.TimeoutExpired as exc:
        return None, f"building kfctl-testcp took over {BUILD_TIMEOUT:.0f}s; log tail:\n{_tail(exc.log)}"
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not os.access(lines[-1], os.X_OK):
        return None, (
            f"tests/controlplane/build.sh failed (exit {proc.returncode}). {ENABLE_HINT}.\n"
            f"build log tail ({log}):\n{_tail(log)}"
        )
    return lines[-1], None


class PrivateControlPlane(KubeCluster):
    """A kfctl-testcp process owned by the test session or one test.

    Extra attributes: ``dir`` (temp dir with etcd data, certs, kubeconfig),
    ``log_path`` (the process's stderr), ``pid``, ``startup_seconds``.
    Methods: ``kill()`` (SIGKILL: the API server vanishes mid-request),
    ``stop()`` (graceful: stdin EOF + SIGTERM), ``restart()`` (same etcd
    data, new port and token), ``pause()``/``resume()`` (SIGSTOP/SIGCONT: a
    hung server), ``alive``, ``log_tail()``.
    """

    def __init__(self, proc: subprocess.Popen, workdir: Path, log_path: Path, ready: dict, *, cleanup_dir: bool):
        super().__init__(
            ready["kubeconfig"],
            ready["server"],
            ready["token"],
            ready.get("ca"),
            has_kcm=bool(ready.get("kcm")),
            nodes=int(ready.get("nodes") or 0),
        )
        self.proc = proc
        self.pid = proc.pid
        self.dir = workdir
        self.log_path = log_path
        self.startup_seconds = float(ready.get("startup_s") or 0.0)
        self._cleanup_dir = cleanup_dir
        self._restarts = 0
        self._binary: str = ""
        self._args: list[str] = []
        self._timeout: float = READY_TIMEOUT

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole control plane (etcd + apiserver + KCM) at once."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=STOP_TIMEOUT)

    def pause(self) -> None:
        """SIGSTOP the control plane: connections are accepted by the kernel
        but never answered (a hung server, for client-timeout tests)."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after ``pause()``."""
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Graceful stop: close stdin, SIGTERM, wait 15 s, then SIGKILL."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)  # in case it was paused
            except ProcessLookupError:
                pass
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        if self.proc.stdout:
            self.proc.stdout.close()

    def restart(self) -> None:
        """Start the control plane again on the same etcd data (after
        ``kill()`` or ``stop()``): objects written before survive. The port
        and token change; ``kubeconfig`` (same path) is rewritten, so re-read
        ``server``/``token`` from this object, not from an earlier copy."""
        if self.alive:
            raise RuntimeError("restart() needs a stopped control plane: call kill() or stop() first")
        self._restarts += 1
        log_path = self.dir / f"controlplane.{self._restarts}.log"
        proc, ready, problem = _spawn(self._binary, self.dir, self._args, log_path, self._timeout)
        if ready is None:
            pytest.fail(f"kfctl-testcp restart {problem}. Log tail ({log_path}):\n{_tail(log_path)}", pytrace=False)
        self.proc, self.pid, self.log_path = proc, proc.pid, log_path
        self.server, self.token = ready["server"].rstrip("/"), ready["token"]
        self.startup_seconds = float(ready.get("startup_s") or 0.0)
        self._ssl = self._make_ssl_context(self.ca_file)  # the serving cert is kept, but reload anyway

    def close(self) -> None:
        self.stop()
        if self._cleanup_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log_path, lines)


def _spawn(binary: str, wd: Path, args: list[str], log_path: Path, timeout: float) -> tuple[Any, Optional[dict], str]:
    """Run kfctl-testcp with state in ``wd/cp``; wait for READY.
    Returns (proc, ready, problem); ready is None on failure (proc then dead)."""
    argv = [binary, "--dir", str(wd / "cp"), f"--timeout={int(timeout)}s", *args]
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=logf,
            start_new_session=True,  # a Ctrl-C in the terminal does not hit it first
        )
    lines: "queue.Queue[Optional[str]]" = queue.Queue()

    def reader() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.put(raw.decode(errors="replace").rstrip("\n"))
        lines.put(None)

    threading.Thread(target=reader, name="kfctl-testcp-stdout", daemon=True).start()

    deadline = time.monotonic() + timeout + 5
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            problem = f"no READY line within {timeout:.0f}s"
            break
        try:
            line = lines.get(timeout=min(remaining, 1.0))
        except queue.Empty:
            continue
        if line is None:
            problem = f"exited with code {proc.wait()} before READY"
            break
        if line.startswith("READY "):
            return proc, json.loads(line[len("READY ") :]), ""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    return proc, None, problem


def _cp_args(with_kcm: bool, nodes: int, extra_args: Iterable[str]) -> list[str]:
    args = []
    if with_kcm:
        args.append("--with-kcm")
    if nodes:
        args.append(f"--nodes={nodes}")
    args.extend(extra_args)
    return args


def start_control_plane(
    *,
    with_kcm: bool = False,
    nodes: int = 0,
    extra_args: Iterable[str] = (),
    timeout: float = READY_TIMEOUT,
    workdir: Optional[Path] = None,
) -> PrivateControlPlane:
    """Start kfctl-testcp and wait for its READY line. Skips (locally) or
    fails (CI) when it cannot be built or does not become ready."""
    binary = testcp_binary()
    cleanup = workdir is None
    wd = Path(workdir or tempfile.mkdtemp(prefix="kfctl-testcp-"))
    wd.mkdir(parents=True, exist_ok=True)
    log_path = wd / "controlplane.log"
    args = _cp_args(with_kcm, nodes, extra_args)
    try:
        proc, ready, problem = _spawn(binary, wd, args, log_path, timeout)
    except OSError as e:
        _unavailable(f"cannot run {binary}: {e}. {ENABLE_HINT}")
        raise  # unreachable
    if ready is None:
        # the work dir (with the full log) is kept for debugging
        _unavailable(f"kfctl-testcp {problem}. Log tail ({log_path}):\n{_tail(log_path)}")
        raise AssertionError("unreachable")
    cp = PrivateControlPlane(proc, wd, log_path, ready, cleanup_dir=cleanup)
    cp._binary, cp._args, cp._timeout = binary, args, timeout
    return cp


def _external_cluster(kubeconfig: str) -> KubeCluster:
    """Connection facts from an existing kubeconfig (current context)."""
    try:
        import yaml  # PyYAML
    except ImportError:  # pragma: no cover
        yaml = None
    text = Path(kubeconfig).read_text()
    cfg = yaml.safe_load(text) if yaml else json.loads(text)
    ctx_name = cfg.get("current-context")
    ctx = next((c["context"] for c in cfg.get("contexts", []) if c["name"] == ctx_name), {})
    cluster = next((c["cluster"] for c in cfg.get("clusters", []) if c["name"] == ctx.get("cluster")), {})
    user = next((u["user"] for u in cfg.get("users", []) if u["name"] == ctx.get("user")), {}) or {}
    sslctx = ssl.create_default_context()
    tmpfiles = []

    def materialize(data_key: str, file_key: str, src: dict) -> Optional[str]:
        if src.get(data_key):
            f = tempfile.NamedTemporaryFile("wb", delete=False, prefix="kfctl-kc-")
            f.write(base64.b64decode(src[data_key]))
            f.close()
            tmpfiles.append(f.name)
            return f.name
        return src.get(file_key)

    ca = materialize("certificate-authority-data", "certificate-authority", cluster)
    if cluster.get("insecure-skip-tls-verify"):
        sslctx.check_hostname = False
        sslctx.verify_mode = ssl.CERT_NONE
    elif ca:
        sslctx.load_verify_locations(cafile=ca)
    cert = materialize("client-certificate-data", "client-certificate", user)
    key = materialize("client-key-data", "client-key", user)
    if cert and key:
        sslctx.load_cert_chain(cert, key)
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(user["tokenFile"]).read_text().strip()
    return KubeCluster(
        kubeconfig,
        cluster.get("server", ""),
        token,
        ca,
        external=True,
        has_kcm=True,
        nodes=int(os.environ.get("KFCTL_TEST_NODES", "1")),
        ssl_context=sslctx,
    )


# --------------------------------------------------------------------------
# pytest hooks and fixtures
# --------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cluster: needs a real Kubernetes API server (fixtures from tests/kube_fixture.py; "
        "built from tests/controlplane with Go, or KFCTL_TEST_KUBECONFIG)",
    )


@pytest.fixture(scope="session")
def kube_cluster() -> Iterator[KubeCluster]:
    """Session-wide cluster: apiserver + KCM + 1 simulated node."""
    external = os.environ.get("KFCTL_TEST_KUBECONFIG")
    if external:
        if not os.path.exists(external):
            _unavailable(f"KFCTL_TEST_KUBECONFIG={external} does not exist")
        cluster = _external_cluster(external)
        try:
            yield cluster
        finally:
            # A long-lived cluster keeps what tests leave: delete the
            # namespaces created through new_namespace()/track_namespace().
            for ns in dict.fromkeys(cluster._namespaces):
                try:
                    cluster.delete_namespace(ns)
                except (KubeError, OSError):
                    pass
        return
    extra = shlex.split(os.environ.get("KFCTL_TESTCP_ARGS", ""))
    cp = start_control_plane(with_kcm=True, nodes=1, extra_args=extra)
    try:
        yield cp
    finally:
        cp.close()


@pytest.fixture
def kube_namespace(kube_cluster: KubeCluster) -> Iterator[str]:
    """A fresh namespace for one test; deleted (not awaited) afterwards."""
    name = kube_cluster.new_namespace()
    try:
        yield name
    finally:
        try:
            kube_cluster.delete_namespace(name)
        except (KubeError, OSError):
            pass


@pytest.fixture
def kube_cluster_factory() -> Iterator[Callable[..., PrivateControlPlane]]:
    """Start private control planes for one test: ``start(with_kcm=False,
    nodes=0, extra_args=())``. All are stopped and removed after the test."""
    started: list[PrivateControlPlane] = []

    def start(**kw: Any) -> PrivateControlPlane:
        cp = start_control_plane(**kw)
        started.append(cp)
        return cp

    try:
        yield start
    finally:
        for cp in started:
            cp.close()


@pytest.fixture
def kube_cluster_private(kube_cluster_factory: Callable[..., PrivateControlPlane]) -> PrivateControlPlane:
    """A private apiserver+etcd (no KCM) for this test only; has ``kill()``."""
    return kube_cluster_factory()
