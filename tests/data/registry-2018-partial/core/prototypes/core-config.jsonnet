// @apiVersion 0.1
// @name io.ksonnet.pkg.core-config
// @description Shared settings as a ConfigMap.
// @shortDescription Shared settings.
// @param name string Name of the ConfigMap
// @optionalParam greeting string hello A setting

local util = import "kubeflow/core/util.libsonnet";

{
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: params.name, labels: util.labels(params.name) },
  data: { greeting: params.greeting },
}
