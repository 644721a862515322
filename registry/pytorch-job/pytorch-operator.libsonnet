// kubeflow/pytorch-job/pytorch-operator.libsonnet
//
// Installation of PyTorchJob support: CRD pytorchjobs.kubeflow.org (v1, owned by this package) and the
// training operator v1.9.3 (`training-operator`, PyTorchJob scheme) with its webhook. The controller
// objects come from the tf-job package's training-operator library (one operator per cluster: use
// pytorch-operator, tf-job-operator or kubeflow-core in an environment, not two of them).
local u = import 'kubeflow/common/util.libsonnet';
local to = import 'kubeflow/tf-job/training-operator.libsonnet';

{
  crd:: to.jobCrd('PyTorchJob', 'pytorchjobs', 'pytorchReplicaSpecs', {
    elasticPolicy: u.schema.any('Elastic training settings (torchrun rendezvous, min/max replicas).'),
    nprocPerNode: u.schema.str('Processes per node (torchrun --nproc-per-node), e.g. "auto" or "2".'),
  }, desc='PyTorchJob: a distributed PyTorch training job (Master and Worker replicas).'),

  all(params, ns)::
    local gang = u.param(params, 'gangScheduler', null);
    [$.crd] + to.controller({
      namespace: ns,
      image: u.orDefault(u.param(params, 'pytorchJobImage', null), to.defaultImage),
      kinds: ['PyTorchJob'],
      gangScheduler: gang,
      cloud: u.param(params, 'cloud', null),
      webhookFailurePolicy: u.param(params, 'webhookFailurePolicy', 'Fail'),
    }),
}
