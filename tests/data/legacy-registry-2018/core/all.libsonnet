// Everything the kubeflow-core prototype emits, in order.
local operator = import "kubeflow/core/tf-job-operator.libsonnet";
local usage = import "kubeflow/core/usage.libsonnet";

{
  parts(params):: {
    all:: operator.all(params) + usage.all(params),
  },
}
