"""Prerequisites of rendered objects: what must already run in a cluster before they can be applied.

A rendered object needs its kind served by the cluster. Kinds defined by a CustomResourceDefinition in
the same render are provided by it; any other kind the cluster's discovery does not serve is a missing
prerequisite. Known API groups are named after the product that serves them (Istio, cert-manager, ...),
so ``apply`` can say in one line what to install first, before it changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol

# API group -> what installs it (product, and for this registry's own operators, the prototype).
PROVIDERS: dict[str, str] = {
    "networking.istio.io": "Istio",
    "security.istio.io": "Istio",
    "cert-manager.io": "cert-manager",
    "serving.knative.dev": "Knative Serving",
    "gateway.networking.k8s.io": "the Gateway API CRDs",
    "monitoring.coreos.com": "the Prometheus Operator",
    "keda.sh": "KEDA",
    "serving.kserve.io": "KServe (prototype kserve)",
    "kubeflow.org": "a Kubeflow operator (prototypes tf-job-operator, pytorch-operator, mpi-operator, katib)",
    "scheduling.volcano.sh": "Volcano (prototype volcano)",
    "batch.volcano.sh": "Volcano (prototype volcano)",
    "argoproj.io": "Argo Workflows (prototype argo)",
    "machinelearning.seldon.io": "Seldon Core (prototype core of kubeflow/seldon)",
    "mlops.seldon.io": "Seldon Core 2 (prototype core of kubeflow/seldon)",
    "sagemaker.services.k8s.aws": "the ACK SageMaker controller",
    "sagemaker.aws.amazon.com": "the SageMaker operator (prototype sagemaker-operator)",
}


class Served(Protocol):
    """What the check needs from discovery (kfctl.cluster.Discovery fits)."""

    def resource(self, api_version: str, kind: str): ...


@dataclass
class Missing:
    """One product the objects need and the cluster does not serve."""

    provider: str
    api_versions: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)  # "Kind name"

    def describe(self) -> str:
        shown = ", ".join(self.objects[:3]) + (f" and {len(self.objects) - 3} more" if len(self.objects) > 3 else "")
        return f"{self.provider} ({', '.join(self.api_versions)}: {shown})"


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def crd_kinds(objects: Iterable[dict]) -> set[tuple[str, str, str]]:
    """(group, version, kind) of every kind a CustomResourceDefinition among ``objects`` defines."""
    out = set()
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition" or not isinstance(obj.get("spec"), dict):
            continue
        spec = obj["spec"]
        kind = (spec.get("names") or {}).get("kind")
        for ver in spec.get("versions") or []:
            if isinstance(ver, dict) and ver.get("served", True):
                out.add((spec.get("group", ""), ver.get("name", ""), kind))
    return out


def missing_prerequisites(objects: list[dict], served: Served) -> list[Missing]:
    """The products ``objects`` need that neither the cluster (``served``) nor the objects provide.

    Ordered by first use; an empty list means every kind can be applied."""
    defined = crd_kinds(objects)
    found: dict[str, Missing] = {}
    for obj in objects:
        api_version, kind = obj.get("apiVersion") or "", obj.get("kind") or ""
        group, _, version = api_version.rpartition("/")
        if not group or (group, version, kind) in defined or served.resource(api_version, kind) is not None:
            continue
        provider = PROVIDERS.get(group, f"the operator that serves {group}")
        entry = found.setdefault(provider, Missing(provider))
        if api_version not in entry.api_versions:
            entry.api_versions.append(api_version)
        name = (obj.get("metadata") or {}).get("name", "")
        entry.objects.append(f"{kind} {name}".strip())
    return list(found.values())


def message(missing: list[Missing]) -> str:
    """One line for ``apply``: what to install first (nothing was changed)."""
    return ("missing prerequisite: install " + "; ".join(m.describe() for m in missing)
            + " first (nothing was applied)")
