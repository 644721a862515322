// @apiVersion 0.1
// @name io.ksonnet.pkg.optional-service
// @description A Service that exists only when enabled; otherwise an empty List, as 2018 prototypes
//   wrote optional parts.
// @shortDescription An optional Service.
// @param name string Name of the Service
// @optionalParam enabled string false Whether to create the Service

local k = import "k.libsonnet";
local util = import "kubeflow/core/util.libsonnet";

local service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: params.name, labels: util.labels(params.name) },
  spec: { selector: util.labels(params.name), ports: [{ port: 80 }] },
};

std.prune(k.core.v1.list.new(if params.enabled == "true" then [service] else []))
