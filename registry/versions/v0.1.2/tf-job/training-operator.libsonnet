// kubeflow/tf-job/training-operator.libsonnet
//
// The Kubeflow training operator (kubeflow.org/v1 TFJob, PyTorchJob): shared CRD schema pieces and the
// controller (ServiceAccount, ClusterRole, ClusterRoleBinding, Deployment). CRD ownership:
//   * tfjobs.kubeflow.org       - package tf-job      (tf-job/tf-job-operator.libsonnet)
//   * pytorchjobs.kubeflow.org  - package pytorch-job (pytorch-job/pytorch-operator.libsonnet)
// Each installs its own controller Deployment of the same training-operator image, restricted with
// --enable-scheme to its own kind, so the two can be installed independently or together without
// duplicate objects. kubeflow-core reuses the tf-job one through import.
local u = import 'kubeflow/common/util.libsonnet';
local sch = u.schema;

{
  // Training operator v1.7.0 (kubeflow.org/v1 API, no admission webhooks to set up).
  defaultImage:: 'kubeflow/training-operator:v1-855e096',

  // ---------------------------------------------------------------------------------------------
  // CRD schema pieces (structural; pod templates are kept as given).

  replicaSpecSchema:: sch.obj({
    replicas: sch.int('Number of pods of this replica type.', min=0),
    restartPolicy: sch.str('Restart policy of the pods: Always, OnFailure, Never or ExitCode.',
                           enum=['Always', 'OnFailure', 'Never', 'ExitCode']),
    template: sch.any('Pod template (core/v1 PodTemplateSpec) of this replica type.'),
  }, desc='One replica type of a training job.'),

  runPolicySchema:: sch.obj({
    cleanPodPolicy: sch.str('Which pods to delete when the job finishes.', enum=['All', 'Running', 'None']),
    ttlSecondsAfterFinished: sch.int('Seconds after which a finished job is deleted.', min=0),
    activeDeadlineSeconds: sch.int('Seconds the job may stay active before it is terminated.', min=0),
    backoffLimit: sch.int('Retries before the job is marked failed.', min=0),
    suspend: sch.bool('Suspend the job (delete its pods) while true.'),
    managedBy: sch.str('Controller that reconciles the job.'),
    schedulingPolicy: sch.obj({
      minAvailable: sch.int('Pods that must be schedulable together (gang size).', min=0),
      queue: sch.str('Volcano queue of the PodGroup.'),
      minResources: sch.quantities('Resources the whole gang needs.'),
      priorityClass: sch.str('PriorityClass of the PodGroup.'),
      scheduleTimeoutSeconds: sch.int('How long the gang may wait to be scheduled.', min=0),
    }, desc='Gang-scheduling settings; the operator turns them into a PodGroup.'),
  }, desc='Runtime policies of the job.'),

  statusSchema:: sch.obj({
    conditions: sch.arr(sch.obj({
      type: sch.str(),
      status: sch.str(),
      reason: sch.str(),
      message: sch.str(),
      lastUpdateTime: sch.str(),
      lastTransitionTime: sch.str(),
    })),
    replicaStatuses: sch.map(sch.any()),
    startTime: sch.str(),
    completionTime: sch.str(),
    lastReconcileTime: sch.str(),
  }, open=true),

  printerColumns:: [
    { name: 'State', type: 'string', jsonPath: '.status.conditions[-1:].type' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],

  // CRD of a training-operator kind. `specKey` is the replica-spec map field (tfReplicaSpecs, ...),
  // `extraSpec` more spec properties of that kind.
  jobCrd(kind, plural, specKey, extraSpec={}, desc=null)::
    u.crd('kubeflow.org', kind, plural, [
      u.crdVersion('v1', sch.resource(
        sch.obj({
          runPolicy: $.runPolicySchema,
          [specKey]: sch.map($.replicaSpecSchema, 'Replica specs by replica type.'),
        } + extraSpec, required=[specKey]),
        $.statusSchema,
        desc=desc,
      ), printerColumns=$.printerColumns),
    ], categories=['kubeflow']),

  // ---------------------------------------------------------------------------------------------
  // Controller.

  // GPU driver host paths the 2018 operator mounted into GPU pods on AKS / acs-engine clusters.
  aksGpuVolumes:: [
    { name: 'nvidia-lib', hostPath: '/usr/lib/nvidia-384', mountPath: '/usr/local/nvidia/lib64' },
    { name: 'nvidia-bin', hostPath: '/usr/lib/nvidia-384/bin', mountPath: '/usr/local/nvidia/bin' },
    { name: 'libcuda', hostPath: '/usr/lib/x86_64-linux-gnu/libcuda.so.1', mountPath: '/usr/lib/x86_64-linux-gnu/libcuda.so.1' },
  ],

  isAks(cloud):: cloud == 'aks' || cloud == 'acsengine',

  clusterRules(plurals):: [
    u.rule(['kubeflow.org'],
           plurals + [x + '/status' for x in plurals] + [x + '/finalizers' for x in plurals],
           ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule([''], ['pods', 'services', 'configmaps', 'serviceaccounts', 'events'],
           ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['autoscaling'], ['horizontalpodautoscalers'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['scheduling.volcano.sh'], ['podgroups', 'queues'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['scheduling.x-k8s.io'], ['podgroups'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'list', 'update', 'watch']),
  ],

  // Controller objects. opts:
  //   name, namespace, image, schemes (e.g. ['tfjob']), plurals (['tfjobs']),
  //   gangScheduler (null | 'volcano' | 'scheduler-plugins'), cloud (null | 'aks' | ...),
  //   configMap (null | name of a ConfigMap mounted at /etc/config)
  controller(opts)::
    local name = opts.name;
    local ns = opts.namespace;
    local labels = { app: name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'training-operator' };
    local gang = std.get(opts, 'gangScheduler', null);
    local aks = $.isAks(std.get(opts, 'cloud', null));
    local cm = std.get(opts, 'configMap', null);
    local mounts =
      (if cm != null then [{ name: 'config-volume', mountPath: '/etc/config' }] else [])
      + (if aks then [{ name: v.name, mountPath: v.mountPath, readOnly: true } for v in $.aksGpuVolumes] else []);
    local container = {
      name: 'training-operator',
      image: opts.image,
      command: ['/manager'],
      args: ['--enable-scheme=' + s for s in opts.schemes]
            + (if u.isNull(gang) then [] else ['--gang-scheduler-name=' + gang]),
      env: [
        { name: 'MY_POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'MY_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      ports: [{ name: 'metrics', containerPort: 8080 }, { name: 'health', containerPort: 8081 }],
      livenessProbe: { httpGet: { path: '/healthz', port: 8081 }, initialDelaySeconds: 15, periodSeconds: 20 },
      readinessProbe: { httpGet: { path: '/readyz', port: 8081 }, initialDelaySeconds: 10, periodSeconds: 15 },
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      securityContext: { allowPrivilegeEscalation: false },
      [if mounts != [] then 'volumeMounts']: mounts,
    };
    local volumes =
      (if cm != null then [{ name: 'config-volume', configMap: { name: cm } }] else [])
      + (if aks then [{ name: v.name, hostPath: { path: v.hostPath } } for v in $.aksGpuVolumes] else []);
    [
      u.serviceAccount(name, ns, labels),
      u.clusterRole(name, $.clusterRules(opts.plurals), labels),
      u.clusterRoleBinding(name, name, [u.saSubject(name, ns)], labels),
      u.deployment(name, ns, labels, u.compact({
        serviceAccountName: name,
        containers: [container],
        volumes: if volumes == [] then null else volumes,
        terminationGracePeriodSeconds: 10,
      }), podAnnotations={ 'sidecar.istio.io/inject': 'false' }),
    ],
}
