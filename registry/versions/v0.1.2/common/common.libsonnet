// kubeflow/common/common.libsonnet: one import for both helper libraries.
//   local c = import 'kubeflow/common/common.libsonnet';
//   c.util.namespace(params, env), c.platform.placement(...), ...
{
  util:: import 'kubeflow/common/util.libsonnet',
  platform:: import 'kubeflow/common/platform.libsonnet',
}
