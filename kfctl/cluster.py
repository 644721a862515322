"""Talking to a Kubernetes API server: which cluster an environment means, a thin thread-safe HTTP
layer over the official ``kubernetes`` client's connection pool (auth, TLS and exec plugins come
from the kubeconfig loader), cached discovery, and the few verbs apply/diff/delete need.

This is the only module that imports ``kubernetes``, and only inside functions, so ``kfctl show``
never pays for (or needs) it. Nothing here prints.

Which cluster (``resolve_target``):

* the environment names a ``context``: that context must exist; if the environment also has a
  ``server``, the context's cluster must point at it;
* the environment has a ``server``: some context's cluster must point at that URL (compared after
  normalising scheme, host case, default port and trailing slash); the current context wins a tie,
  then the first by name;
* neither: the current context (``Target.implicit`` is true so the CLI can say where it is going).

A mismatch is a ``WrongCluster`` error raised before any request is made.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

from . import kubeconfig
from .errors import (AuthError, ClusterError, Conflict, Forbidden, Rejected, Unreachable, WrongCluster)

FIELD_MANAGER = "kfctl"
APPLY_CONTENT_TYPE = "application/apply-patch+yaml"
_META_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
_AGG_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
               "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


# ---------------------------------------------------------------------------------------------- target

@dataclass(frozen=True)
class Target:
    context: str
    cluster: str
    server: str
    implicit: bool  # chosen because the environment names no server/context (the current context)

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


def resolve_target(env_name: str, server: str, context: str | None) -> Target:
    """The kubeconfig context for an environment (see the module docstring). Reads only files."""
    contexts = kubeconfig.contexts()
    current = kubeconfig.current_context()
    where = ", ".join(str(p) for p in kubeconfig.kubeconfig_paths())
    if context:
        info = contexts.get(context)
        if info is None:
            raise WrongCluster(f"environment {env_name!r} uses context {context!r}, which is not in the kubeconfig "
                               f"({where})")
        if server and normalize_server(info.server) != normalize_server(server):
            raise WrongCluster(f"environment {env_name!r} targets {server}, but its context {context!r} points at "
                               f"{info.server or 'no server'}")
        return Target(info.name, info.cluster, info.server, implicit=False)
    if server:
        want = normalize_server(server)
        matches = sorted((c for c in contexts.values() if normalize_server(c.server) == want),
                         key=lambda c: (current is None or c.name != current.name, c.name))
        if not matches:
            raise WrongCluster(f"environment {env_name!r} targets {server}, but no context in the kubeconfig "
                               f"({where}) points at that server",
                               hint="add a context for it, or change the environment with "
                                    f"'kfctl env set {env_name} --server URL'")
        c = matches[0]
        return Target(c.name, c.cluster, c.server, implicit=False)
    if current is None:
        raise WrongCluster(f"environment {env_name!r} names no server and the kubeconfig ({where}) has no current "
                           "context")
    return Target(current.name, current.cluster, current.server, implicit=True)


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
                    raise to_kfctl_error(err, "the API discovery documents", verb="read") from None
            return self._by_gvk

    def _fetch(self):
        out: dict[tuple[str, str, str], Resource] = {}
        preferred: dict[str, str] = {}
        core = self.cluster.request("GET", "/api", accept=_AGG_ACCEPT)
        groups = self.cluster.request("GET", "/apis", accept=_AGG_ACCEPT)
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
                return gv, self.cluster.request("GET", path)
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
    """A connection to one API server. Thread-safe: requests share urllib3's pool."""

    def __init__(self, target: Target, *, workers: int = 8, request_timeout: float = 60.0):
        import urllib3
        from kubernetes import client as kclient
        from kubernetes import config as kconfig

        self.target = target
        self.workers = workers
        cfg = kclient.Configuration()
        try:
            # The file list is passed explicitly: the client reads $KUBECONFIG only once, at import.
            paths = os.pathsep.join(str(p) for p in kubeconfig.kubeconfig_paths())
            kconfig.load_kube_config(config_file=paths, context=target.context, client_configuration=cfg,
                                     persist_config=False)
        except Exception as exc:  # noqa: BLE001 - the loader raises many types (ConfigException, OSError, exec errors)
            raise ClusterError(f"cannot load kubeconfig context {target.context!r}: {_short(exc)}") from None
        cfg.connection_pool_maxsize = max(workers, 4) + 2
        cfg.retries = urllib3.util.Retry(total=2, connect=2, read=0, redirect=0, status=0, backoff_factor=0.2,
                                         allowed_methods=None)
        self._cfg = cfg
        self._api = kclient.ApiClient(cfg)
        self._pool = self._api.rest_client.pool_manager
        self._host = cfg.host.rstrip("/")
        self._timeout = urllib3.Timeout(connect=10.0, read=request_timeout)
        self._urllib3 = urllib3
        self.discovery = Discovery(self)
        self.warnings: list[str] = []  # distinct warnings the server sent (deprecated APIs, dropped fields)
        self._warn_lock = threading.Lock()

    def close(self) -> None:
        try:
            self._pool.clear()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass

    # -- raw
    def _headers(self, accept: str | None, content_type: str | None) -> dict:
        headers = {"Accept": accept or "application/json", "User-Agent": "kfctl"}
        if content_type:
            headers["Content-Type"] = content_type
        token = self._cfg.get_api_key_with_prefix("BearerToken", alias="authorization")
        if token:
            headers["Authorization"] = token
        elif self._cfg.username or self._cfg.password:
            headers.update(self._urllib3.make_headers(basic_auth=f"{self._cfg.username}:{self._cfg.password}"))
        return headers

    def request(self, method: str, path: str, *, query: dict | None = None, body=None,
                content_type: str | None = None, accept: str | None = None) -> dict:
        url = self._host + path
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body, separators=(",", ":"))
            if content_type is None:
                content_type = "application/json"
        try:
            resp = self._pool.request(method, url, body=data, headers=self._headers(accept, content_type),
                                      timeout=self._timeout, preload_content=True, redirect=False)
        except self._urllib3.exceptions.HTTPError as exc:
            raise Unreachable(self._unreachable_message(exc)) from None
        except OSError as exc:
            raise Unreachable(self._unreachable_message(exc)) from None
        for warning in resp.headers.getlist("Warning") if hasattr(resp.headers, "getlist") else ():
            self._note_warning(warning)
        raw = resp.data
        if resp.status >= 400:
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = {}
            if not isinstance(doc, dict):
                doc = {}
            message = doc.get("message") or raw.decode("utf-8", "replace").strip() or resp.reason or ""
            raise ApiError(resp.status, doc.get("reason") or resp.reason or "", message, doc)
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ClusterError(f"{method} {path}: the server answered with something that is not JSON") from None

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
        return f"cannot reach the API server at {self._host} ({self.target.describe()}): {text}"

    def check(self) -> str:
        """One cheap request that proves reachability and credentials; returns the server version."""
        try:
            doc = self.request("GET", "/version")
        except ApiError as err:
            if err.status in (401, 403):
                raise to_kfctl_error(err, "the server version", verb="read") from None
            raise
        return str(doc.get("gitVersion", "?"))

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
                                                                  "limit": 500, "continue": cont}, accept=accept)
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


def connect(target: Target, *, workers: int = 8) -> Cluster:
    return Cluster(target, workers=workers)
