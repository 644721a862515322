local env = std.extVar("__ksonnet/environments");
local params = std.extVar("__ksonnet/params").components.seldon;

local u = import 'kubeflow/common/util.libsonnet';
local seldon = import 'kubeflow/seldon/seldon.libsonnet';

u.list(seldon.core(params, env))
