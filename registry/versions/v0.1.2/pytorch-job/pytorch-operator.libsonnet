// kubeflow/pytorch-job/pytorch-operator.libsonnet
//
// Installation of PyTorchJob support: CRD pytorchjobs.kubeflow.org (v1, owned by this package) and a
// training-operator controller `pytorch-operator` restricted to the PyTorchJob kind. The controller
// objects come from the tf-job package's training-operator library, so install both packages.
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
      name: 'pytorch-operator',
      namespace: ns,
      image: u.param(params, 'pytorchJobImage', to.defaultImage),
      schemes: ['pytorchjob'],
      plurals: ['pytorchjobs'],
      gangScheduler: gang,
      cloud: u.param(params, 'cloud', null),
    }),
}
