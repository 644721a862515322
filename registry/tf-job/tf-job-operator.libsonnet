// kubeflow/tf-job/tf-job-operator.libsonnet
//
// Installation of TFJob support: CRD tfjobs.kubeflow.org (v1, owned by this package), the training
// operator controller `training-operator` (v1.9.3; TFJob, plus the kinds passed in extraJobs) with its
// webhook, and its ConfigMap. Used by the `tf-job-operator` prototype and by core's `kubeflow-core`.
// The 2018 TFJob dashboard is gone (its image no longer exists; the operator has had no UI since v1.0).
local u = import 'kubeflow/common/util.libsonnet';
local to = import 'kubeflow/tf-job/training-operator.libsonnet';

{
  defaults:: {
    tfJobImage: to.defaultImage,
    tfDefaultImage: 'null',
    cloud: 'null',
    gangScheduler: 'null',
    webhookFailurePolicy: 'Fail',
  },

  crd:: to.jobCrd('TFJob', 'tfjobs', 'tfReplicaSpecs', {
    successPolicy: u.schema.str('AllWorkers, or empty for "chief or worker 0 finished".'),
    enableDynamicWorker: u.schema.bool('Allow workers to join and leave.'),
  }, desc='TFJob: a distributed TensorFlow training job (Chief, PS, Worker, Evaluator replicas).'),

  // The 2018 operator read /etc/config/controller_config_file.yaml. The v1 operator does not, but
  // the file is kept (and mounted) so tools and people reading it see the same settings:
  // the default TF image and, on AKS / acs-engine, the GPU driver host paths.
  configData(p):: {
    'controller_config_file.yaml': std.manifestJson(
      { grpcServerFilePath: '/opt/mlkube/grpc_tensorflow_server/grpc_tensorflow_server.py' }
      + (if u.isNull(p.tfDefaultImage) then {} else { tfImage: p.tfDefaultImage })
      + (if to.isAks(p.cloud) then {
           accelerators: {
             'nvidia.com/gpu': {
               volumes: [{ name: v.name, hostPath: v.hostPath, mountPath: v.mountPath } for v in to.aksGpuVolumes],
             },
           },
         } else {})
    ),
  },

  // All objects. `params` may omit keys (defaults apply); `ns` is the resolved namespace.
  // `extraJobs` lets the same controller serve more training-operator kinds: a list of
  // {crd, kind} whose CRDs are defined by their own packages (kubeflow-core passes
  // PyTorchJob from the pytorch-job package).
  all(params, ns, extraJobs=[])::
    local p = $.defaults + { [k]: params[k] for k in std.objectFields(params) if std.objectHas($.defaults, k) };
    local gang = if u.isNull(p.gangScheduler) then null else p.gangScheduler;
    [
      $.crd,
    ]
    + [j.crd for j in extraJobs]
    + [
      u.configMap('tf-job-operator-config', ns, $.configData(p)),
    ]
    + to.controller({
      namespace: ns,
      image: u.orDefault(p.tfJobImage, to.defaultImage),
      kinds: ['TFJob'] + [j.kind for j in extraJobs],
      gangScheduler: gang,
      cloud: p.cloud,
      configMap: 'tf-job-operator-config',
      webhookFailurePolicy: p.webhookFailurePolicy,
    }),
}
