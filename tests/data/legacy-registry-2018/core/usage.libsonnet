// Optional anonymous usage reporting: nothing unless reportUsage is true.
local k = import "k.libsonnet";
local util = import "kubeflow/core/util.libsonnet";

local deployment = k.apps.v1beta1.deployment;
local container = deployment.mixin.spec.template.spec.containersType;

{
  all(params)::
    if util.toBool(params.reportUsage) then [
      $.serviceAccount(params.namespace),
      $.volunteer(params.namespace, params.usageId),
    ] else [],

  serviceAccount(namespace):: k.core.v1.serviceAccount.new("spartakus")
                              + k.core.v1.serviceAccount.mixin.metadata.withNamespace(namespace),

  volunteer(namespace, usageId)::
    local reporter = container.new("volunteer", "gcr.io/google_containers/spartakus-amd64:v1.0.0")
                     + container.withArgs([
                       "volunteer",
                       "--cluster-id=" + usageId,
                       "--database=https://stats-collector.example.invalid",
                     ]);
    deployment.new("spartakus-volunteer", 1, [reporter], { app: "spartakus" })
    + deployment.mixin.metadata.withNamespace(namespace)
    + deployment.mixin.spec.template.spec.withServiceAccountName("spartakus"),
}
