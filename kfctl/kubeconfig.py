"""Just enough kubeconfig reading for commands that must not load the kubernetes client
(``init``, ``env add``): which context is current and which server it points at."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ContextInfo:
    name: str
    cluster: str
    server: str
    namespace: str | None


def kubeconfig_paths() -> list[Path]:
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def _load_all() -> list[dict]:
    docs = []
    for path in kubeconfig_paths():
        try:
            with open(path, "rb") as fh:
                data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except OSError:
            continue
        except yaml.YAMLError as exc:
            from .errors import ClusterError

            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ClusterError(f"the kubeconfig is not valid YAML: {problem}", where=where) from None
        if isinstance(data, dict):
            docs.append(data)
    return docs


def contexts() -> dict[str, ContextInfo]:
    """Every context in the merged kubeconfig (first definition of a name wins, as kubectl merges)."""
    clusters: dict[str, str] = {}
    ctxs: dict[str, dict] = {}
    for doc in _load_all():
        for item in doc.get("clusters") or []:
            if isinstance(item, dict) and item.get("name") not in clusters:
                clusters[item.get("name")] = (item.get("cluster") or {}).get("server", "")
        for item in doc.get("contexts") or []:
            if isinstance(item, dict) and item.get("name") not in ctxs:
                ctxs[item.get("name")] = item.get("context") or {}
    out = {}
    for name, ctx in ctxs.items():
        cluster = ctx.get("cluster", "")
        out[name] = ContextInfo(name, cluster, clusters.get(cluster, ""), ctx.get("namespace"))
    return out


def current_context() -> ContextInfo | None:
    current = None
    for doc in _load_all():
        if doc.get("current-context"):
            current = doc["current-context"]
            break
    if not current:
        return None
    return contexts().get(current)
