"""Reading kubeconfig files without the ``kubernetes`` client: which contexts exist, which one is
current, and for one context everything a connection needs (server, TLS material, credentials).

kubectl's rules are followed: ``$KUBECONFIG`` is a list of files merged in order (the first
definition of a name wins, and the first ``current-context`` wins); without it, ``~/.kube/config``.
``--kubeconfig FILE`` replaces that list with one file. Relative paths inside a file (certificate
files, token files, exec commands) are relative to the folder of the file that names them.

Supported credentials: bearer ``token`` / ``tokenFile``, client certificates (files or ``-data``),
``username``/``password``, and ``exec`` credential plugins (run once per process). The legacy
``auth-provider`` plugins (gcp, azure, oidc) are handed to the official client's loader, imported
only for such a user (``Credentials.provider``).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ClusterError


@dataclass(frozen=True)
class ContextInfo:
    name: str
    cluster: str
    server: str
    namespace: str | None


def kubeconfig_paths(override: str | None = None) -> list[Path]:
    if override:
        return [Path(override).expanduser()]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


_CACHE: dict[tuple, list[tuple[Path, dict]]] = {}


def _load_all(override: str | None = None) -> list[tuple[Path, dict]]:
    """The parsed files, in merge order, with the folder each came from. Parsed once per process
    and file version (a command resolves the target and then connects: one read)."""
    paths = kubeconfig_paths(override)
    if override and not paths[0].is_file():
        raise ClusterError(f"--kubeconfig {override}: no such file")
    key_parts = []
    for p in paths:
        try:
            st = p.stat()
            key_parts.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            key_parts.append((str(p), None, None))
    key = tuple(key_parts)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    docs = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except OSError:
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ClusterError(f"the kubeconfig is not valid YAML: {problem}", where=where) from None
        if isinstance(data, dict):
            docs.append((path.resolve().parent, data))
    _CACHE.clear()
    _CACHE[key] = docs
    return docs


def _named(docs, section: str) -> dict[str, tuple[Path, dict]]:
    """``name -> (folder of its file, body)`` for clusters/contexts/users; the first definition wins."""
    out: dict[str, tuple[Path, dict]] = {}
    body_key = section[:-1]  # clusters -> cluster
    for folder, doc in docs:
        for item in doc.get(section) or []:
            if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"] not in out:
                body = item.get(body_key)
                out[item["name"]] = (folder, body if isinstance(body, dict) else {})
    return out


def contexts(override: str | None = None) -> dict[str, ContextInfo]:
    """Every context in the merged kubeconfig (first definition of a name wins, as kubectl merges)."""
    docs = _load_all(override)
    clusters = _named(docs, "clusters")
    out = {}
    for name, (_folder, ctx) in _named(docs, "contexts").items():
        cluster = str(ctx.get("cluster") or "")
        server = str((clusters.get(cluster) or (None, {}))[1].get("server") or "")
        out[name] = ContextInfo(name, cluster, server, ctx.get("namespace"))
    return out


def current_context(override: str | None = None) -> ContextInfo | None:
    current = None
    for _folder, doc in _load_all(override):
        if doc.get("current-context"):
            current = doc["current-context"]
            break
    if not current:
        return None
    return contexts(override).get(current)


# ---------------------------------------------------------------------------------------------- credentials

@dataclass(frozen=True)
class Credentials:
    """What one context needs to connect. PEM material is kept as bytes (``*_data``) or paths."""

    context: str
    user: str
    server: str
    ca_file: str | None = None
    ca_data: bytes | None = None
    insecure: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    cert_data: bytes | None = None
    key_data: bytes | None = None
    token: str | None = None
    username: str | None = None
    password: str | None = None
    provider: str | None = None  # a legacy auth-provider's name (handled by the official client)


def _path(folder: Path, value) -> str | None:
    if not value:
        return None
    p = Path(str(value)).expanduser()
    return str(p if p.is_absolute() else folder / p)


def _b64(value, what: str) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(str(value), validate=False)
    except ValueError:
        raise ClusterError(f"kubeconfig: {what} is not valid base64") from None


def credentials(context: str, override: str | None = None) -> Credentials:
    """Everything needed to talk to ``context``'s cluster as its user (runs an exec plugin if the user
    has one). Raises ClusterError naming the context when something is missing or unreadable."""
    docs = _load_all(override)
    ctxs = _named(docs, "contexts")
    if context not in ctxs:
        raise ClusterError(f"kubeconfig: no context {context!r}")
    ctx = ctxs[context][1]
    cluster_name = str(ctx.get("cluster") or "")
    user_name = str(ctx.get("user") or "")
    clusters = _named(docs, "clusters")
    if cluster_name not in clusters:
        raise ClusterError(f"kubeconfig: context {context!r} names cluster {cluster_name!r}, which is not defined")
    cfolder, cl = clusters[cluster_name]
    server = str(cl.get("server") or "")
    if not server:
        raise ClusterError(f"kubeconfig: cluster {cluster_name!r} of context {context!r} has no server")
    kw: dict = dict(
        context=context, user=user_name, server=server,
        ca_file=_path(cfolder, cl.get("certificate-authority")),
        ca_data=_b64(cl.get("certificate-authority-data"), f"certificate-authority-data of cluster {cluster_name!r}"),
        insecure=bool(cl.get("insecure-skip-tls-verify")),
        tls_server_name=cl.get("tls-server-name") or None,
        proxy_url=cl.get("proxy-url") or None,
    )
    users = _named(docs, "users")
    ufolder, user = users.get(user_name, (Path("."), {}))
    what = f"user {user_name!r} of context {context!r}"
    kw.update(
        cert_file=_path(ufolder, user.get("client-certificate")),
        key_file=_path(ufolder, user.get("client-key")),
        cert_data=_b64(user.get("client-certificate-data"), f"client-certificate-data of {what}"),
        key_data=_b64(user.get("client-key-data"), f"client-key-data of {what}"),
        username=user.get("username") or None, password=user.get("password") or None,
    )
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token_path = _path(ufolder, user["tokenFile"])
        try:
            token = Path(token_path).read_text().strip()
        except OSError as exc:
            raise ClusterError(f"kubeconfig: cannot read the tokenFile of {what} ({token_path}): "
                               f"{exc.strerror}") from None
    kw["token"] = str(token) if token else None
    if isinstance(user.get("exec"), dict) and not kw["token"]:
        status = _run_exec(user["exec"], ufolder, what, server)
        if status.get("token"):
            kw["token"] = str(status["token"])
        if status.get("clientCertificateData") and status.get("clientKeyData"):
            kw["cert_data"] = str(status["clientCertificateData"]).encode()
            kw["key_data"] = str(status["clientKeyData"]).encode()
    if isinstance(user.get("auth-provider"), dict) and not kw["token"]:
        kw["provider"] = str(user["auth-provider"].get("name") or "?")
    return Credentials(**kw)


_EXEC_CACHE: dict[str, dict] = {}


def _run_exec(spec: dict, folder: Path, what: str, server: str) -> dict:
    """Run a client-go exec credential plugin once per process; its ExecCredential ``status``."""
    command = str(spec.get("command") or "")
    if not command:
        raise ClusterError(f"kubeconfig: the exec plugin of {what} has no command")
    if "/" in command and not os.path.isabs(command):
        command = str(folder / command)
    args = [command] + [str(a) for a in spec.get("args") or []]
    key = json.dumps([args, spec.get("env"), spec.get("apiVersion")], sort_keys=True)
    if key in _EXEC_CACHE:
        return _EXEC_CACHE[key]
    env = dict(os.environ)
    for item in spec.get("env") or []:
        if isinstance(item, dict) and item.get("name"):
            env[str(item["name"])] = str(item.get("value") or "")
    api_version = str(spec.get("apiVersion") or "client.authentication.k8s.io/v1")
    info = {"apiVersion": api_version, "kind": "ExecCredential", "spec": {"interactive": False}}
    if spec.get("provideClusterInfo"):
        info["spec"]["cluster"] = {"server": server}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    try:
        proc = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        hint = f" ({spec['installHint']})" if spec.get("installHint") else ""
        raise ClusterError(f"kubeconfig: cannot run the exec plugin {command!r} of {what}: {exc}{hint}") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise ClusterError(f"kubeconfig: the exec plugin {command!r} of {what} failed (exit {proc.returncode}): "
                           f"{last[:300]}")
    try:
        doc = json.loads(proc.stdout)
        status = doc.get("status") or {}
        if not isinstance(status, dict):
            raise ValueError
    except (ValueError, AttributeError):
        raise ClusterError(f"kubeconfig: the exec plugin {command!r} of {what} did not print an "
                           "ExecCredential") from None
    _EXEC_CACHE[key] = status
    return status
