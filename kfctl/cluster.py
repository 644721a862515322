"""Talking to a Kubernetes API server: which cluster an environment means, a thin thread-safe HTTP
layer on urllib3 (TLS material and credentials from ``kfctl.kubeconfig``; the official ``kubernetes``
client is imported only for a legacy ``auth-provider`` user), cached discovery, and the few verbs
apply/diff/delete need. Nothing here prints: notices and server warnings are collected for the CLI.

Which cluster (``resolve_target``; ``--context`` counts as the environment's context):

* a context is named: that context must exist; if the environment also has a ``server``, the
  context's cluster must point at it;
* the environment has a ``server``: the contexts whose cluster points at that URL (compared after
  normalising scheme, host case, default port and trailing slash). One match is used; of several, the
  current context wins when it is one of them, otherwise it is an error listing them;
* neither: the current context (``Target.implicit`` is true so the CLI can say where it is going).

A mismatch is a ``WrongCluster`` error raised before any request is made.

Transport limits (``Cluster.request``):

* ``--request-timeout`` (default ``DEFAULT_REQUEST_TIMEOUT`` = 30 s, 0 = none) bounds the wait for
  a connection and for each answer; a request that times out is not retried and the error names the
  server and the flag. (With 0, connecting still gives up after 30 s, as kubectl's dialer does.)
* 429 Too Many Requests, and a 5xx that carries ``Retry-After``, are retried: at most ``MAX_TRIES``
  (6) tries and ``MAX_RETRY_WAIT`` (30 s) of waiting per request, waiting what ``Retry-After`` asks
  (capped at 10 s) or else 0.25 s doubling. A refused connection (nothing was sent) is retried twice;
  a connection reset or closed mid-request is retried only for idempotent requests (GET, and
  server-side apply PATCHes, which converge to the same result when sent twice).
* When the tries run out the error says which server and context failed and how long kfctl tried.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

from . import kubeconfig
from .errors import (AuthError, ClusterError, Conflict, Forbidden, NotKubernetes, Rejected, ServerBusy,
                     Unreachable, WrongCluster)

FIELD_MANAGER = "kfctl"
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
_META_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
_AGG_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
               "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")

DEFAULT_REQUEST_TIMEOUT = 30.0
CONNECT_TIMEOUT = 30.0  # with --request-timeout 0: still no endless wait for a TCP connection
MAX_TRIES = 6
MAX_RETRY_WAIT = 30.0
RETRY_AFTER_CAP = 10.0
BACKOFF_START = 0.25
CONNECT_RETRIES = 2


# ---------------------------------------------------------------------------------------------- target

@dataclass(frozen=True)
class ClusterOptions:
    """What the user chose on the command line: ``--context``, ``--kubeconfig``, ``--request-timeout``
    (seconds; 0 = no limit; None = the default)."""

    context: str | None = None
    kubeconfig: str | None = None
    request_timeout: float | None = None


@dataclass(frozen=True)
class Target:
    context: str
    cluster: str
    server: str
    implicit: bool  # chosen because the environment names no server/context (the current context)
    kubeconfig: str | None = None  # --kubeconfig (None: $KUBECONFIG or ~/.kube/config)

    def describe(self) -> str:
        return f"context {self.context!r} (cluster {self.cluster!r} at {self.server})"


def normalize_server(url: str) -> str:
    """A comparable form of an API server URL: scheme and host lower-cased, default port and
    trailing slash dropped; a bare host gets https:// (as ks and Tanka do)."""
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port and not ((scheme == "https" and port == 443) or (scheme == "http" and port == 80)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    return f"{scheme}://{host}{path}"


def resolve_target(env_name: str, server: str, context: str | None,
                   options: ClusterOptions | None = None) -> Target:
    """The kubeconfig context for an environment (see the module docstring). Reads only files."""
    options = options or ClusterOptions()
    kcfg = options.kubeconfig
    context = options.context or context
    contexts = kubeconfig.contexts(kcfg)
    current = kubeconfig.current_context(kcfg)
    where = ", ".join(str(p) for p in kubeconfig.kubeconfig_paths(kcfg))
    source = "--context" if options.context else f"environment {env_name!r} uses context"
    if context:
        info = contexts.get(context)
        if info is None:
            raise WrongCluster(f"{source} {context!r}, which is not in the kubeconfig ({where})")
        if server and normalize_server(info.server) != normalize_server(server):
            raise WrongCluster(f"environment {env_name!r} targets {server}, but context {context!r} points at "
                               f"{info.server or 'no server'}")
        return Target(info.name, info.cluster, info.server, implicit=False, kubeconfig=kcfg)
    if server:
        want = normalize_server(server)
        matches = sorted((c for c in contexts.values() if normalize_server(c.server) == want), key=lambda c: c.name)
        if not matches:
            raise WrongCluster(f"environment {env_name!r} targets {server}, but no context in the kubeconfig "
                               f"({where}) points at that server",
                               hint="add a context for it, or change the environment with "
                                    f"'kfctl env set {env_name} --server URL'")
        if current is not None and any(c.name == current.name for c in matches):
            c = current
        elif len(matches) == 1:
            c = matches[0]
        else:
            names = ", ".join(repr(c.name) for c in matches)
            raise WrongCluster(f"environment {env_name!r} targets {server}, which {len(matches)} kubeconfig "
                               f"contexts point at ({names}) and the current context is not one of them",
                               hint=f"choose one with --context NAME, or for good with 'kfctl env set {env_name} "
                                    "--context NAME'")
        return Target(c.name, c.cluster, c.server, implicit=False, kubeconfig=kcfg)
    if current is None:
        raise WrongCluster(f"environment {env_name!r} names no server and the kubeconfig ({where}) has no current "
                           "context")
    return Target(current.name, current.cluster, current.server, implicit=True, kubeconfig=kcfg)


# ---------------------------------------------------------------------------------------------- errors

class ApiError(Exception):
    """An HTTP error status from the API server (internal; callers turn it into a KfctlError)."""

    def __init__(self, status: int, reason: str, message: str, body: dict | None = None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body or {}

    @property
    def causes(self) -> list[dict]:
        return list(((self.body.get("details") or {}).get("causes")) or [])


def _short(msg: str, limit: int = 400) -> str:
    msg = " ".join(str(msg).split())
    return msg if len(msg) <= limit else msg[: limit - 3] + "..."


def _secret_safe(err: ApiError, what: str) -> str:
    """The server's message, or for a core Secret only the fields it names: the server echoes rejected
    values ("Invalid value: ...", "got ..."), and a Secret's values must never reach the terminal."""
    if not what.startswith("Secret "):
        return _short(err.message)
    fields = sorted({str(c.get("field")) for c in err.causes if isinstance(c, dict) and c.get("field")})
    return (f"invalid field(s) {', '.join(fields)}" if fields else "details withheld") + \
        " (the server's message is not shown for a Secret: it can echo the Secret's values)"


def to_kfctl_error(err: ApiError, what: str, *, verb: str = "apply") -> ClusterError:
    """One clear error for a failed request about ``what`` (an object or a listing)."""
    if err.status == 401:
        return AuthError(f"the API server rejected the credentials (401 Unauthorized) while trying to {verb} {what}",
                         hint="check the user/token of the kubeconfig context")
    if err.status == 403:
        return Forbidden(f"forbidden: cannot {verb} {what}: {_secret_safe(err, what)}")
    if err.status == 409 and err.reason == "Conflict" and any(
            "FieldManagerConflict" in (c.get("type"), c.get("reason")) for c in err.causes):
        managers = []
        for c in err.causes:
            m = c.get("message", "")
            # 'conflict with "kubectl-client-side-apply" using v1: .spec.replicas'
            who = m.split('"')[1] if m.count('"') >= 2 else m
            entry = f"{who} ({c.get('field', '?')})"
            if entry not in managers:
                managers.append(entry)
        return Conflict(f"{what}: fields are owned by another field manager: {', '.join(managers)}",
                        hint="re-run with --force-conflicts to take them over (or drop them from the component)")
    if err.status in (400, 404, 405, 409, 413, 415, 422, 500) or err.status >= 400:
        return Rejected(f"the API server rejected {what} ({err.status} {err.reason}): {_secret_safe(err, what)}")
    return ClusterError(f"{what}: {err.status} {err.reason}: {_secret_safe(err, what)}")


# ---------------------------------------------------------------------------------------------- discovery

@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_kind(self) -> str:
        """ApplySet's ``<Kind>.<group>`` (just ``<Kind>`` for the core group)."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        if name:
            base += f"/{quote(name, safe='')}"
        return base


@dataclass
class Discovery:
    """Every served resource, fetched once per process (two requests with aggregated discovery)."""

    cluster: "Cluster"
    _by_gvk: dict[tuple[str, str, str], Resource] | None = None
    _preferred: dict[str, str] = field(default_factory=dict)  # group -> preferred version
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def invalidate(self) -> None:
        with self._lock:
            self._by_gvk = None

    def _load(self) -> dict[tuple[str, str, str], Resource]:
        with self._lock:
            if self._by_gvk is None:
                try:
                    self._by_gvk, self._preferred = self._fetch()
                except ApiError as err:
                    if err.status == 404:
                        raise NotKubernetes(f"{self.cluster._where()} is not a Kubernetes API server: GET /api "
                                            f"answered {_short(err.message, 120)}") from None
                    raise to_kfctl_error(err, "the API discovery documents", verb="read") from None
            return self._by_gvk

    def _fetch(self):
        out: dict[tuple[str, str, str], Resource] = {}
        preferred: dict[str, str] = {}
        core = self.cluster.request("GET", "/api", accept=_AGG_ACCEPT, relay_warnings=False)
        groups = self.cluster.request("GET", "/apis", accept=_AGG_ACCEPT, relay_warnings=False)
        if core.get("kind") == "APIGroupDiscoveryList" and groups.get("kind") == "APIGroupDiscoveryList":
            for doc in (core, groups):
                for item in doc.get("items") or []:
                    group = (item.get("metadata") or {}).get("name") or ""
                    for i, ver in enumerate(item.get("versions") or []):
                        version = ver.get("version")
                        if i == 0:
                            preferred[group] = version
                        for r in ver.get("resources") or []:
                            rk = r.get("responseKind") or {}
                            kind = rk.get("kind")
                            if not kind:
                                continue
                            res = Resource(group, version, kind, r.get("resource"), r.get("scope") == "Namespaced",
                                           tuple(r.get("verbs") or ()))
                            out.setdefault((group, version, kind), res)
            return out, preferred
        # Legacy discovery: one request per group-version.
        gvs = [("", v) for v in core.get("versions") or []]
        for i, v in enumerate(core.get("versions") or []):
            if i == 0:
                preferred[""] = v
        for g in groups.get("groups") or []:
            pv = (g.get("preferredVersion") or {}).get("version")
            if pv:
                preferred[g["name"]] = pv
            gvs += [(g["name"], v["version"]) for v in g.get("versions") or []]
        from concurrent.futures import ThreadPoolExecutor

        def one(gv):
            group, version = gv
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                return gv, self.cluster.request("GET", path, relay_warnings=False)
            except ApiError:
                return gv, {}  # an unavailable aggregated API must not break discovery
        with ThreadPoolExecutor(max_workers=8) as pool:
            for (group, version), doc in pool.map(one, gvs):
                for r in doc.get("resources") or []:
                    if "/" in r.get("name", ""):
                        continue
                    res = Resource(group, version, r["kind"], r["name"], bool(r.get("namespaced")),
                                   tuple(r.get("verbs") or ()))
                    out.setdefault((group, version, r["kind"]), res)
        return out, preferred

    def resource(self, api_version: str, kind: str) -> Resource | None:
        group, _, version = api_version.rpartition("/")
        return self._load().get((group, version, kind))

    def by_group_kind(self, group: str, kind: str) -> Resource | None:
        """The preferred version's resource for a group-kind (any served version otherwise)."""
        table = self._load()
        pv = self._preferred.get(group)
        if pv and (group, pv, kind) in table:
            return table[(group, pv, kind)]
        for (g, _v, k), res in sorted(table.items()):
            if g == group and k == kind:
                return res
        return None

    def listable(self) -> list[Resource]:
        """One resource per group-kind (preferred version) that supports list, for ownership scans."""
        seen: dict[tuple[str, str], Resource] = {}
        table = self._load()
        for (g, v, k), res in sorted(table.items()):
            if "list" not in res.verbs:
                continue
            key = (g, k)
            if key not in seen or self._preferred.get(g) == v:
                seen[key] = res
        return [seen[k] for k in sorted(seen)]


# ---------------------------------------------------------------------------------------------- client

class Cluster:
    """A connection to one API server. Thread-safe: requests share one urllib3 pool."""

    def __init__(self, target: Target, *, workers: int = 8, request_timeout: float | None = None):
        import urllib3

        self.target = target
        self.workers = workers
        self.notices: list[str] = []  # things the CLI says once (e.g. TLS verification is off)
        self.warnings: list[str] = []  # distinct warnings the server sent about the app's objects
        self.retried: list[str] = []  # "429 GET /path" for each answer that was waited out and retried
        self._warn_lock = threading.Lock()
        self._urllib3 = urllib3
        creds = kubeconfig.credentials(target.context, target.kubeconfig)
        self._host = creds.server.rstrip("/")
        timeout = DEFAULT_REQUEST_TIMEOUT if request_timeout is None else request_timeout
        self.request_timeout = timeout or None
        # The TLS handshake runs under the connect timeout: both are the request timeout, so a server that
        # accepts connections but never answers is given up on after exactly that long.
        self._timeout = urllib3.Timeout(connect=timeout or CONNECT_TIMEOUT, read=timeout or None)
        self._headers_base = {"User-Agent": "kfctl"}
        token = creds.token or (self._provider_token(creds) if creds.provider else None)
        if token:
            self._headers_base["Authorization"] = f"Bearer {token}"
        elif creds.username or creds.password:
            self._headers_base.update(urllib3.make_headers(basic_auth=f"{creds.username}:{creds.password}"))
        # Room for two concurrent batches (diff lists what prune would consider while it reads live objects).
        self._pool = self._make_pool(creds, 2 * max(workers, 4) + 2)
        self.discovery = Discovery(self)

    # -- set-up
    def _make_pool(self, creds: kubeconfig.Credentials, size: int):
        urllib3 = self._urllib3
        kw: dict = {"maxsize": size, "block": False, "retries": False, "timeout": self._timeout}
        if self._host.startswith("https://"):
            kw["ssl_context"] = self._ssl_context(creds)
            if creds.insecure:
                import warnings

                kw["cert_reqs"] = "CERT_NONE"
                # urllib3 would warn on every request; kfctl says it once, in its own words.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                self.notices.append(f"TLS certificate verification is off for {self.target.describe()} "
                                    "(insecure-skip-tls-verify in the kubeconfig)")
            if creds.tls_server_name:
                kw["server_hostname"] = creds.tls_server_name
        if creds.proxy_url:
            if not creds.proxy_url.startswith(("http://", "https://")):
                raise ClusterError(f"kubeconfig: context {creds.context!r} uses proxy {creds.proxy_url}: only "
                                   "http(s) proxies are supported")
            return urllib3.ProxyManager(creds.proxy_url, num_pools=2, **kw)
        return urllib3.PoolManager(num_pools=2, **kw)

    def _ssl_context(self, creds: kubeconfig.Credentials):
        import ssl
        import tempfile

        what = f"context {creds.context!r}"
        try:
            if creds.insecure:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            else:
                cadata = creds.ca_data.decode("ascii", "replace") if creds.ca_data else None
                ctx = ssl.create_default_context(cafile=creds.ca_file, cadata=cadata)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ClusterError(f"kubeconfig: cannot load the certificate authority of {what}: {_short(exc, 200)}") \
                from None
        if creds.cert_file or creds.cert_data:
            if bool(creds.cert_file or creds.cert_data) != bool(creds.key_file or creds.key_data):
                raise ClusterError(f"kubeconfig: the user of {what} has a client certificate without a key "
                                   "(or a key without a certificate)")
            tmp = None
            try:
                cert, key = creds.cert_file, creds.key_file
                if creds.cert_data or creds.key_data:
                    # ssl loads client keys only from files: a private folder, removed right after.
                    tmp = tempfile.mkdtemp(prefix="kfctl-tls-")
                    if creds.cert_data:
                        cert = os.path.join(tmp, "cert.pem")
                        with open(os.open(cert, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as fh:
                            fh.write(creds.cert_data)
                    if creds.key_data:
                        key = os.path.join(tmp, "key.pem")
                        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as fh:
                            fh.write(creds.key_data)
                ctx.load_cert_chain(cert, key)
            except (OSError, ssl.SSLError) as exc:
                raise ClusterError(f"kubeconfig: cannot load the client certificate of {what}: "
                                   f"{_short(exc, 200)}") from None
            finally:
                if tmp:
                    import shutil

                    shutil.rmtree(tmp, ignore_errors=True)
        return ctx

    def _provider_token(self, creds: kubeconfig.Credentials) -> str | None:
        """A legacy auth-provider (gcp, azure, oidc): the official client's loader knows them."""
        from kubernetes import client as kclient
        from kubernetes import config as kconfig

        cfg = kclient.Configuration()
        try:
            paths = os.pathsep.join(str(p) for p in kubeconfig.kubeconfig_paths(self.target.kubeconfig))
            kconfig.load_kube_config(config_file=paths, context=self.target.context, client_configuration=cfg,
                                     persist_config=False)
        except Exception as exc:  # noqa: BLE001 - the loader raises many types (ConfigException, OSError, ...)
            raise ClusterError(f"cannot load the {creds.provider} auth-provider of context "
                               f"{self.target.context!r}: {_short(exc)}") from None
        value = cfg.get_api_key_with_prefix("BearerToken", alias="authorization") or ""
        return value.split(" ", 1)[1] if value.lower().startswith("bearer ") else (value or None)

    def close(self) -> None:
        self._pool.clear()

    # -- raw
    def _where(self) -> str:
        return f"the API server at {self._host} (context {self.target.context!r})"

    def request(self, method: str, path: str, *, query: dict | None = None, body=None,
                content_type: str | None = None, accept: str | None = None, relay_warnings: bool = True) -> dict:
        """One API call, retried within the limits in the module docstring; the decoded JSON answer.
        An HTTP error status raises ApiError; transport failures raise Unreachable, ServerBusy or
        NotKubernetes (KfctlErrors naming the server and context). ``relay_warnings`` false keeps the
        server's warnings about this request out of ``warnings`` (scans over kinds the app may not use)."""
        url = self._host + path
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body, separators=(",", ":"))
            if content_type is None:
                content_type = "application/json"
        headers = dict(self._headers_base, Accept=accept or "application/json")
        if content_type:
            headers["Content-Type"] = content_type
        idempotent = method in ("GET", "HEAD") or (method == "PATCH" and content_type == APPLY_CONTENT_TYPE)
        resp = self._send(method, path, url, data, headers, idempotent)
        if relay_warnings:
            for warning in resp.headers.getlist("Warning"):
                self._note_warning(warning)
        raw = resp.data
        is_json = "json" in (resp.headers.get("Content-Type") or "").lower()
        if resp.status >= 400:
            doc = {}
            if is_json:
                try:
                    doc = json.loads(raw)
                except ValueError:
                    doc = {}
            if not isinstance(doc, dict):
                doc = {}
            # A body that is not JSON (an HTML error page of a proxy or another server) is never shown.
            message = doc.get("message") or f"{resp.status} {resp.reason or ''}".strip() + \
                ("" if is_json or not raw else f" ({_kind_of_body(resp)})")
            raise ApiError(resp.status, doc.get("reason") or resp.reason or "", message, doc)
        if not raw:
            return {}
        try:
            if not is_json:
                raise ValueError
            return json.loads(raw)
        except ValueError:
            raise NotKubernetes(f"{self._where()} is not a Kubernetes API server: {method} {path} answered "
                                f"{resp.status} with {_kind_of_body(resp)}") from None

    def _send(self, method: str, path: str, url: str, data, headers: dict, idempotent: bool):
        exc_mod = self._urllib3.exceptions
        started = time.monotonic()
        waited = 0.0
        backoff = BACKOFF_START
        refused = 0
        tries = 0
        while True:
            tries += 1
            try:
                resp = self._pool.request(method, url, body=data, headers=headers, timeout=self._timeout,
                                          preload_content=True, redirect=False, retries=False)
            except (exc_mod.HTTPError, OSError) as exc:
                refused_now = isinstance(exc, (exc_mod.NewConnectionError, ConnectionRefusedError))
                if not refused_now and (isinstance(exc, (exc_mod.TimeoutError, TimeoutError))
                                        or "timed out" in str(exc)):
                    if isinstance(exc, exc_mod.ConnectTimeoutError):
                        raise Unreachable(f"cannot reach {self._where()}: no connection within "
                                          f"{self._timeout.connect_timeout:g}s") from None
                    limit = f"{self.request_timeout:g}s" if self.request_timeout else "the connect timeout"
                    raise Unreachable(f"{self._where()} did not answer {method} {path} within {limit}",
                                      hint="a slow server may need a longer --request-timeout (0 = no limit)") \
                        from None
                was_sent = not refused_now
                again = (refused < CONNECT_RETRIES) if not was_sent else idempotent and tries < MAX_TRIES
                if not was_sent:
                    refused += 1
                if again and _is_transient(exc) and waited + backoff <= MAX_RETRY_WAIT:
                    time.sleep(backoff)
                    waited += backoff
                    backoff *= 2
                    continue
                raise Unreachable(self._unreachable_message(exc)) from None
            if resp.status == 429 or (resp.status >= 500 and resp.headers.get("Retry-After")):
                delay = _retry_after(resp.headers.get("Retry-After"))
                delay = backoff if delay is None else min(delay, RETRY_AFTER_CAP)
                if tries < MAX_TRIES and waited + delay <= MAX_RETRY_WAIT:
                    with self._warn_lock:
                        self.retried.append(f"{resp.status} {method} {path}")
                    time.sleep(delay)
                    waited += delay
                    backoff = min(backoff * 2, RETRY_AFTER_CAP)
                    continue
                spent = time.monotonic() - started
                status = f"{resp.status} {resp.reason or ''}".strip()
                raise ServerBusy(f"{self._where()} still answered {status} to {method} {path} after {tries} tries "
                                 f"in {spent:.1f}s",
                                 hint="the server is overloaded or still starting; try again later")
            return resp

    def _note_warning(self, header: str) -> None:
        # RFC 7234 warn-value: 299 - "text"; the server sends one per deprecation/validation notice.
        text = header.split(" ", 2)[-1].strip()
        if text.startswith('"') and text.endswith('"'):
            text = text[1:-1].replace('\\"', '"')
        with self._warn_lock:
            if text and text not in self.warnings:
                self.warnings.append(text)

    def _unreachable_message(self, exc: Exception) -> str:
        reason = getattr(exc, "reason", None) or exc
        text = _short(str(reason), 200)
        for marker, nice in (("Connection refused", "connection refused"), ("timed out", "timed out"),
                             ("Name or service not known", "unknown host"),
                             ("CERTIFICATE_VERIFY_FAILED", "TLS certificate verification failed"),
                             ("RemoteDisconnected", "connection closed by the server"),
                             ("Connection reset", "connection reset"),
                             ("Connection aborted", "connection lost")):
            if marker in text:
                text = nice
                break
        return f"cannot reach {self._where()}: {text}"

    def check(self) -> str:
        """One cheap request that proves this is a reachable Kubernetes API server that accepts the
        credentials; returns the server version."""
        try:
            doc = self.request("GET", "/version", relay_warnings=False)
        except ApiError as err:
            if err.status in (401, 403):
                raise to_kfctl_error(err, f"the version of {self._where()}", verb="read") from None
            raise NotKubernetes(f"{self._where()} is not a Kubernetes API server: GET /version answered "
                                f"{_short(err.message, 120)}") from None
        if not isinstance(doc, dict) or "gitVersion" not in doc:
            raise NotKubernetes(f"{self._where()} is not a Kubernetes API server: GET /version has no gitVersion")
        return str(doc["gitVersion"])

    # -- verbs
    def get(self, res: Resource, namespace: str | None, name: str) -> dict | None:
        try:
            return self.request("GET", res.path(namespace, name))
        except ApiError as err:
            if err.status == 404:
                return None
            raise

    def list(self, res: Resource, namespace: str | None = None, *, label_selector: str | None = None,
             metadata_only: bool = False) -> list[dict]:
        """All objects of a kind (in a namespace, or everywhere); ``metadata_only`` asks the server for
        PartialObjectMetadata (labels, owners, uid... without spec/data), which is much smaller."""
        items: list[dict] = []
        cont = None
        accept = _META_ACCEPT if metadata_only else None
        while True:
            doc = self.request("GET", res.path(namespace), query={"labelSelector": label_selector,
                                                                  "limit": 500, "continue": cont}, accept=accept,
                               relay_warnings=False)
            for item in doc.get("items") or []:
                if metadata_only or "kind" not in item:
                    item["apiVersion"] = res.api_version
                    item["kind"] = res.kind
                items.append(item)
            cont = (doc.get("metadata") or {}).get("continue")
            if not cont:
                return items

    def apply(self, res: Resource, obj: dict, *, force: bool = False, dry_run: bool = False) -> dict:
        meta = obj.get("metadata") or {}
        return self.request("PATCH", res.path(meta.get("namespace"), meta["name"]),
                            query={"fieldManager": FIELD_MANAGER, "force": "true" if force else None,
                                   "dryRun": "All" if dry_run else None, "fieldValidation": "Strict"},
                            body=obj, content_type=APPLY_CONTENT_TYPE)

    def delete(self, res: Resource, namespace: str | None, name: str, *, uid: str | None = None,
               propagation: str = "Background", dry_run: bool = False) -> bool:
        """Delete; False when it was already gone."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        if uid:
            body["preconditions"] = {"uid": uid}
        if dry_run:
            body["dryRun"] = ["All"]
        try:
            self.request("DELETE", res.path(namespace, name), body=body)
            return True
        except ApiError as err:
            if err.status == 404:
                return False
            if err.status == 409 and uid:
                return False  # replaced by a different object with the same name: not ours to delete
            raise


def connect(target: Target, *, workers: int = 8, options: ClusterOptions | None = None) -> Cluster:
    return Cluster(target, workers=workers, request_timeout=(options or ClusterOptions()).request_timeout)


class Background:
    """``fn(*args)`` on a thread, for a read that does not depend on the work the caller does meanwhile;
    ``result()`` waits and returns its value or raises its error (at the point the caller would have
    made the call itself)."""

    def __init__(self, fn, *args):
        self._value = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), name="kfctl-read", daemon=True)
        self._thread.start()

    def _run(self, fn, args) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread by result()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


class EarlyConnection:
    """Connecting on a thread while the caller renders (the go-jsonnet engine releases the GIL, so both
    proceed): choose the target, connect, check the server (GET /version) and read discovery. Nothing
    changes in the cluster. ``target()`` and ``cluster()`` wait for it and raise what it raised, so a
    caller that renders first still reports a render error before a connection error."""

    def __init__(self, env_name: str, server: str, context: str | None, options: ClusterOptions | None,
                 workers: int = 8):
        self._target: Target | None = None
        self._job = Background(self._connect, env_name, server, context, options, workers)

    def _connect(self, env_name, server, context, options, workers) -> Cluster:
        self._target = resolve_target(env_name, server, context, options)
        cluster = connect(self._target, workers=workers, options=options)
        cluster.check()
        cluster.discovery.resource("v1", "Namespace")  # loads discovery
        return cluster

    def target(self) -> Target:
        """The chosen target (raises a WrongCluster or kubeconfig error found while choosing it)."""
        self._job.wait()
        if self._target is None:
            self._job.result()
        return self._target

    def cluster(self) -> Cluster:
        """The connected, checked Cluster (raises what connecting or checking raised)."""
        return self._job.result()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds; an HTTP date is treated as 1 s)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0


def _kind_of_body(resp) -> str:
    ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if "html" in ctype:
        return "an HTML page"
    return f"a {ctype} body" if ctype else "a body that is not JSON"


def _is_transient(exc: Exception) -> bool:
    """A connection that failed in a way a new try can fix (refused, reset, closed; not TLS, not DNS)."""
    text = str(getattr(exc, "reason", None) or exc)
    return not any(m in text for m in ("CERTIFICATE_VERIFY_FAILED", "SSL", "Name or service not known",
                                      "nodename nor servname", "Temporary failure in name resolution"))
