// kubeflow/tf-job/tf-job-operator.libsonnet
//
// Installation of TFJob support: CRD tfjobs.kubeflow.org (v1, owned by this package), the training
// operator controller `tf-job-operator` (TFJob scheme only), its ConfigMap, and the legacy TFJob
// dashboard. Used by the `tf-job-operator` prototype and by core's `kubeflow-core`.
local u = import 'kubeflow/common/util.libsonnet';
local to = import 'kubeflow/tf-job/training-operator.libsonnet';

{
  defaults:: {
    tfJobImage: to.defaultImage,
    tfJobUiImage: 'gcr.io/kubeflow-images-public/tf_operator:v20180329-a7511ff',
    tfJobUiServiceType: 'ClusterIP',
    tfDefaultImage: 'null',
    cloud: 'null',
    gangScheduler: 'null',
    tfJobUi: true,
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

  dashboard(ns, p)::
    local name = 'tf-job-dashboard';
    local labels = { name: name };
    [
      u.serviceAccount(name, ns),
      u.clusterRole(name, [
        u.rule(['kubeflow.org'], ['tfjobs', 'tfjobs/status'], ['get', 'list', 'watch', 'create', 'update', 'delete']),
        u.rule([''], ['pods', 'pods/log', 'services', 'events', 'namespaces'], ['get', 'list', 'watch']),
      ]),
      u.clusterRoleBinding(name, name, [u.saSubject(name, ns)]),
      u.service(name, ns, labels, [{ name: 'http', port: 80, targetPort: 8080 }], type=p.tfJobUiServiceType,
                annotations={
                  'getambassador.io/config': std.join('\n', [
                    '---',
                    'apiVersion: ambassador/v0',
                    'kind:  Mapping',
                    'name: tfjobs-ui-mapping',
                    'prefix: /tfjobs/',
                    'rewrite: /tfjobs/',
                    'service: tf-job-dashboard.' + ns,
                  ]),
                }),
      u.deployment(name, ns, labels, {
        serviceAccountName: name,
        containers: [{
          name: name,
          image: p.tfJobUiImage,
          command: ['/opt/tensorflow_k8s/dashboard/backend'],
          env: [{ name: 'KUBEFLOW_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
          ports: [{ containerPort: 8080 }],
        }],
      }),
    ],

  // All objects. `params` may omit keys (defaults apply); `ns` is the resolved namespace.
  // `extraJobs` lets the same controller serve more training-operator kinds: a list of
  // {crd, scheme, plural} whose CRDs are defined by their own packages (kubeflow-core passes
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
      name: 'tf-job-operator',
      namespace: ns,
      image: u.orDefault(p.tfJobImage, to.defaultImage),
      schemes: ['tfjob'] + [j.scheme for j in extraJobs],
      plurals: ['tfjobs'] + [j.plural for j in extraJobs],
      gangScheduler: gang,
      cloud: p.cloud,
      configMap: 'tf-job-operator-config',
    })
    + (if u.toBool(p.tfJobUi, 'tfJobUi') then $.dashboard(ns, p) else []),
}
