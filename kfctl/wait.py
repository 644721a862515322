"""Readiness of applied objects (``apply --wait``) and their disappearance (``delete --wait``).

Rules per kind, in the spirit of kstatus: a controller must have seen the current spec
(``status.observedGeneration >= metadata.generation``) before anything counts;

* Deployment: updated, ready and available replicas equal the desired count, no old replicas left;
* StatefulSet: ready and updated replicas equal the desired count (and the update revision is current);
* DaemonSet: every scheduled pod is updated and available;
* ReplicaSet / ReplicationController: ready replicas equal the desired count;
* Job: condition Complete (a Failed condition is reported as failed);
* CustomResourceDefinition: Established; PersistentVolumeClaim: Bound; Namespace: Active;
* Pod: Ready (or Succeeded); Service: has a cluster IP (or is ExternalName/headless);
* anything else: a ``Ready`` condition, when the object has one, must be True; otherwise existing is enough.
"""

from __future__ import annotations

import time
from typing import Callable

from .errors import NotReady
from .live import Event, Planned, fetch_live
from .objects import ObjRef


def _cond(obj: dict, ctype: str) -> str | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c.get("status")
    return None


def _observed(obj: dict) -> bool:
    status = obj.get("status") or {}
    gen = (obj.get("metadata") or {}).get("generation")
    seen = status.get("observedGeneration")
    return gen is None or (seen is not None and seen >= gen)


def readiness(obj: dict | None) -> tuple[str, str]:
    """("ready" | "pending" | "failed" | "gone", a short reason)."""
    if obj is None:
        return "gone", "not found"
    kind = obj.get("kind", "")
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "pending", "being deleted"
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"):
        if not _observed(obj):
            return "pending", "controller has not observed the latest spec"
    if kind == "Deployment":
        want = spec.get("replicas", 1)
        if _cond(obj, "Progressing") == "False":
            return "failed", "rollout is not progressing (ProgressDeadlineExceeded)"
        updated = status.get("updatedReplicas", 0)
        avail = status.get("availableReplicas", 0)
        total = status.get("replicas", 0)
        if updated < want:
            return "pending", f"{updated}/{want} replicas updated"
        if total > updated:
            return "pending", f"{total - updated} old replicas pending termination"
        if avail < want:
            return "pending", f"{avail}/{want} replicas available"
        return "ready", f"{avail}/{want} available"
    if kind == "StatefulSet":
        want = spec.get("replicas", 1)
        ready = status.get("readyReplicas", 0)
        if ready < want:
            return "pending", f"{ready}/{want} replicas ready"
        strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy == "RollingUpdate":
            if status.get("updatedReplicas", 0) < want:
                return "pending", f"{status.get('updatedReplicas', 0)}/{want} replicas updated"
            if status.get("updateRevision") and status.get("currentRevision") != status.get("updateRevision"):
                return "pending", "rolling update in progress"
        return "ready", f"{ready}/{want} ready"
    if kind == "DaemonSet":
        want = status.get("desiredNumberScheduled", 0)
        updated = status.get("updatedNumberScheduled", 0)
        avail = status.get("numberAvailable", 0)
        if updated < want:
            return "pending", f"{updated}/{want} pods updated"
        if avail < want:
            return "pending", f"{avail}/{want} pods available"
        return "ready", f"{avail}/{want} available"
    if kind in ("ReplicaSet", "ReplicationController"):
        want = spec.get("replicas", 1)
        ready = status.get("readyReplicas", 0)
        return ("ready", f"{ready}/{want} ready") if ready >= want else ("pending", f"{ready}/{want} ready")
    if kind == "Job":
        if _cond(obj, "Failed") == "True":
            return "failed", "job failed"
        if _cond(obj, "Complete") == "True":
            return "ready", "complete"
        return "pending", f"{status.get('succeeded', 0)} succeeded, {status.get('active', 0)} active"
    if kind == "CustomResourceDefinition":
        if _cond(obj, "NamesAccepted") == "False":
            return "pending", "names not accepted"
        return ("ready", "established") if _cond(obj, "Established") == "True" else ("pending", "not established")
    if kind == "PersistentVolumeClaim":
        phase = status.get("phase", "Pending")
        return ("ready", "bound") if phase == "Bound" else ("pending", f"phase {phase}")
    if kind == "Namespace":
        phase = status.get("phase", "")
        return ("ready", "active") if phase == "Active" else ("pending", f"phase {phase or 'unknown'}")
    if kind == "Pod":
        if status.get("phase") == "Succeeded" or _cond(obj, "Ready") == "True":
            return "ready", "ready"
        if status.get("phase") == "Failed":
            return "failed", "pod failed"
        return "pending", f"phase {status.get('phase', 'Pending')}"
    if kind == "Service":
        if spec.get("type") == "ExternalName" or spec.get("clusterIP"):
            return "ready", "has a cluster IP"
        return "pending", "no cluster IP yet"
    ready = _cond(obj, "Ready")
    if ready is not None:
        if status.get("observedGeneration") is not None and not _observed(obj):
            return "pending", "controller has not observed the latest spec"
        return ("ready", "Ready") if ready == "True" else ("pending", "Ready is " + str(ready))
    return "ready", "exists"


class _Poller:
    """Current copies of the watched objects: one LIST per kind and namespace when there are several,
    else a GET each (the same strategy as apply's live-state read)."""

    def __init__(self, cluster, objects: list[dict]):
        self.cluster = cluster
        self.items = []
        for obj in objects:
            res = cluster.discovery.resource(obj["apiVersion"], obj["kind"])
            self.items.append(Planned(obj=obj, ref=ObjRef.of(obj), group=0, resource=res))

    def fetch(self, workers: int) -> dict[ObjRef, dict | None]:
        for p in self.items:
            p.live = None
        fetch_live(self.cluster, self.items, workers)
        out = {}
        for p in self.items:
            live, uid = p.live, (p.obj.get("metadata") or {}).get("uid")
            if live is not None and uid and (live.get("metadata") or {}).get("uid") != uid:
                live = None  # a new object with the same name: the one we waited for is gone
            out[p.ref] = live
        return out


def _poll(cluster, objects: list[dict], timeout: float, progress: Callable, *, want_gone: bool,
          interval: float = 0.5, workers: int = 8) -> None:
    poller = _Poller(cluster, objects)
    deadline = time.monotonic() + timeout
    total = len(objects)
    last: dict[ObjRef, tuple[str, str]] = {}
    while True:
        live = poller.fetch(workers)
        pending = {}
        for ref, obj in live.items():
            state = ("gone", "deleted") if obj is None else (("pending", "still exists") if want_gone else
                                                              readiness(obj))
            if not want_gone and state[0] == "gone":
                state = ("pending", "not found")
            if want_gone and state[0] != "gone":
                pending[ref] = state
            elif not want_gone and state[0] != "ready":
                pending[ref] = state
                if state[0] == "failed":
                    raise NotReady(f"{ref} failed: {state[1]}")
            if last.get(ref) != state:
                last[ref] = state
        done = total - len(pending)
        progress(Event("wait", "deleting" if want_gone else "waiting", "", done, total,
                       note="; ".join(f"{r}: {s[1]}" for r, s in sorted(pending.items(), key=lambda x: str(x[0]))[:3])))
        if not pending:
            return
        if time.monotonic() >= deadline:
            lines = [f"{r} ({s[1]})" for r, s in sorted(pending.items(), key=lambda x: str(x[0]))]
            shown = ", ".join(lines[:10]) + (f", and {len(lines) - 10} more" if len(lines) > 10 else "")
            what = "gone" if want_gone else "ready"
            raise NotReady(f"{len(pending)} of {total} object(s) not {what} after {timeout:g}s: {shown}")
        time.sleep(interval)


def wait_ready(cluster, objects: list[dict], timeout: float, progress: Callable = lambda e: None) -> None:
    """Poll until every object is ready; NotReady (naming what is not) on timeout or failure."""
    _poll(cluster, objects, timeout, progress, want_gone=False)


def wait_gone(cluster, objects: list[dict], timeout: float, progress: Callable = lambda e: None) -> None:
    """Poll until every object is deleted; NotReady naming what is left on timeout."""
    _poll(cluster, objects, timeout, progress, want_gone=True)
