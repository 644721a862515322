local env = std.extVar("__ksonnet/environments");
local params = std.extVar("__ksonnet/params").components["kubeflow-core"];

local core = import 'kubeflow/core/all.libsonnet';

core.list(params, env)
