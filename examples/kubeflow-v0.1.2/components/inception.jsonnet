local env = std.extVar("__ksonnet/environments");
local params = std.extVar("__ksonnet/params").components.inception;

local tfServing = import 'kubeflow/tf-serving/tf-serving.libsonnet';
local u = import 'kubeflow/common/util.libsonnet';

u.list(tfServing.all(params, env))
