// kubeflow/volcano/volcano.libsonnet
//
// Volcano batch scheduler for kfctl: the scheduler and the controller manager (Deployments,
// ServiceAccounts, RBAC), the scheduler configuration and Volcano's CRDs. The admission webhooks
// are left out on purpose (see README.md: they need TLS certificates generated at install time).
local u = import 'kubeflow/common/util.libsonnet';
local p = import 'kubeflow/common/platform.libsonnet';
local crds = import 'kubeflow/volcano/crds.libsonnet';

{
  crds:: crds,

  // The controllers kfctl runs. jobflow/jobtemplate controllers need CRDs (flow.volcano.sh) this
  // package does not install, so they are not enabled.
  knownControllers:: ['gc-controller', 'job-controller', 'pg-controller', 'queue-controller'],

  // Scheduler configuration (volcano-scheduler.conf), as data. `actions` is a list of action names.
  schedulerConf(actions, binpack):: {
    actions: std.join(', ', actions),
    tiers: [
      { plugins: [
        { name: 'priority' },
        { name: 'gang', enablePreemptable: false },
        { name: 'conformance' },
      ] },
      { plugins: [
        { name: 'overcommit' },
        { name: 'drf', enablePreemptable: false },
        { name: 'predicates' },
        { name: 'proportion' },
        { name: 'nodeorder' },
      ] + (if binpack then [{ name: 'binpack' }] else []) },
    ],
  },

  // params: name, namespace, createNamespace, schedulerImage, controllerImage, schedulerName,
  //         actions, binpack, schedulerConf, controllers, defaultQueue, admissionPolicies, logLevel
  parts(params, env):: {
    local ns = u.orDefault(std.get(params, 'namespace', null), 'volcano-system'),
    local schedulerName = u.orDefault(std.get(params, 'schedulerName', null), 'volcano'),
    local logLevel = u.toCount(u.param(params, 'logLevel', 3), 'logLevel'),
    local controllers =
      local cs = u.toArray(u.param(params, 'controllers', std.join(',', $.knownControllers)));
      [
        if std.member($.knownControllers, c) then c
        else error 'controllers: unknown controller "' + c + '" (known: ' + std.join(', ', $.knownControllers) + ')'
        for c in cs
      ],
    local confText =
      local custom = u.param(params, 'schedulerConf', null);
      if custom != null then custom
      else std.manifestYamlDoc($.schedulerConf(u.toArray(u.param(params, 'actions', 'enqueue,allocate,backfill')),
                                               u.toBool(u.param(params, 'binpack', true), 'binpack')), quote_keys=false),
    local all = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    local read = ['get', 'list', 'watch'],

    namespace: if u.toBool(u.param(params, 'createNamespace', true), 'createNamespace') then
      u.object('v1', 'Namespace', ns) else null,

    crds: crds.all,

    // ---- scheduler
    local schedLabels = { app: 'volcano-scheduler' },
    schedulerConfigMap: u.configMap('volcano-scheduler-configmap', ns, { 'volcano-scheduler.conf': confText }),
    schedulerServiceAccount: u.serviceAccount('volcano-scheduler', ns),
    schedulerClusterRole: u.clusterRole('volcano-scheduler', [
      u.rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], read),
      u.rule(['batch.volcano.sh'], ['jobs'], ['delete', 'get', 'list', 'update', 'watch']),
      u.rule(['batch.volcano.sh'], ['jobs/status'], ['patch', 'update']),
      u.rule([''], ['events'], ['create', 'list', 'patch', 'update', 'watch']),
      u.rule([''], ['pods'], ['delete', 'get', 'list', 'patch', 'watch']),
      u.rule([''], ['pods/status'], ['patch', 'update']),
      u.rule([''], ['pods/binding'], ['create']),
      u.rule([''], ['persistentvolumeclaims', 'persistentvolumes'], ['list', 'update', 'watch']),
      u.rule([''], ['namespaces', 'services', 'replicationcontrollers', 'resourcequotas'], read),
      u.rule([''], ['nodes'], ['get', 'list', 'patch', 'update', 'watch']),
      u.rule([''], ['configmaps'], all),
      u.rule(['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities', 'volumeattachments'], read),
      u.rule(['policy'], ['poddisruptionbudgets'], read),
      u.rule(['scheduling.k8s.io'], ['priorityclasses'], read),
      u.rule(['scheduling.volcano.sh'], ['queues'], all),
      u.rule(['scheduling.volcano.sh'], ['queues/status'], ['patch', 'update']),
      u.rule(['scheduling.volcano.sh'], ['podgroups'], ['list', 'patch', 'update', 'watch']),
      u.rule(['scheduling.volcano.sh'], ['podgroups/status'], ['patch', 'update']),
      u.rule(['nodeinfo.volcano.sh'], ['numatopologies'], ['delete', 'get', 'list', 'watch']),
      u.rule(['apps'], ['daemonsets', 'replicasets', 'statefulsets'], read),
      u.rule(['coordination.k8s.io'], ['leases'], all),
      u.rule(['resource.k8s.io'], ['resourceclaims', 'resourceclaims/status', 'deviceclasses', 'resourceslices'], read),
    ]),
    schedulerClusterRoleBinding: u.clusterRoleBinding('volcano-scheduler', 'volcano-scheduler',
                                                      [u.saSubject('volcano-scheduler', ns)]),
    schedulerDeployment: u.deployment('volcano-scheduler', ns, schedLabels, {
      serviceAccountName: 'volcano-scheduler',
      priorityClassName: 'system-cluster-critical',
      containers: [{
        name: 'volcano-scheduler',
        image: params.schedulerImage,
        imagePullPolicy: 'IfNotPresent',
        args: [
          '--logtostderr',
          '--scheduler-conf=/volcano.scheduler/volcano-scheduler.conf',
          '--scheduler-name=' + schedulerName,
          '--enable-healthz=true',
          '--enable-metrics=true',
          '--leader-elect=true',
          '--leader-elect-resource-namespace=' + ns,
          '-v=' + logLevel,
        ],
        ports: [{ name: 'metrics', containerPort: 8080 }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
        volumeMounts: [{ name: 'scheduler-config', mountPath: '/volcano.scheduler' }],
      }],
      volumes: [{ name: 'scheduler-config', configMap: { name: 'volcano-scheduler-configmap' } }],
    }),
    schedulerService: u.service('volcano-scheduler-service', ns, schedLabels,
                                [{ name: 'metrics', port: 8080, targetPort: 8080, protocol: 'TCP' }],
                                annotations={ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' }),

    // ---- controller manager (Volcano jobs, PodGroups for plain pods, queue state, job GC)
    controllerServiceAccount: u.serviceAccount('volcano-controllers', ns),
    controllerClusterRole: u.clusterRole('volcano-controllers', [
      u.rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], read),
      u.rule(['batch.volcano.sh'], ['jobs'], ['delete', 'get', 'list', 'update', 'watch']),
      u.rule(['batch.volcano.sh'], ['jobs/status', 'jobs/finalizers'], ['patch', 'update']),
      u.rule(['bus.volcano.sh'], ['commands'], ['delete', 'get', 'list', 'watch']),
      u.rule([''], ['events'], ['create', 'list', 'patch', 'update', 'watch']),
      u.rule([''], ['pods'], ['bind', 'create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
      u.rule([''], ['pods/finalizers'], ['patch', 'update']),
      u.rule([''], ['persistentvolumeclaims'], ['create', 'get', 'list', 'watch']),
      u.rule([''], ['services', 'configmaps', 'secrets'], all),
      u.rule(['scheduling.volcano.sh'], ['podgroups', 'queues', 'queues/status'], all),
      u.rule(['scheduling.k8s.io'], ['priorityclasses'], read),
      u.rule(['networking.k8s.io'], ['networkpolicies'], ['create', 'delete', 'get']),
      u.rule(['apps'], ['daemonsets', 'statefulsets', 'replicasets'], read),
      u.rule(['batch'], ['jobs'], ['get']),
      u.rule(['coordination.k8s.io'], ['leases'], all),
    ]),
    controllerClusterRoleBinding: u.clusterRoleBinding('volcano-controllers', 'volcano-controllers',
                                                       [u.saSubject('volcano-controllers', ns)]),
    controllerDeployment: u.deployment('volcano-controllers', ns, { app: 'volcano-controller' }, {
      serviceAccountName: 'volcano-controllers',
      priorityClassName: 'system-cluster-critical',
      containers: [{
        name: 'volcano-controllers',
        image: params.controllerImage,
        imagePullPolicy: 'IfNotPresent',
        args: [
          '--logtostderr',
          '--enable-healthz=true',
          '--scheduler-name=' + schedulerName,
          '--leader-elect=true',
          '--leader-elect-resource-namespace=' + ns,
          '--controllers=' + std.join(',', ['+' + c for c in controllers]),
          '-v=' + logLevel,
        ],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } },
      }],
    }),

    // Certificate-free admission checks (ValidatingAdmissionPolicy, CEL evaluated by the API
    // server itself) standing in for the most useful checks of Volcano's validating webhook.
    admissionPolicies: if u.toBool(u.param(params, 'admissionPolicies', true), 'admissionPolicies') then
      $.admissionPolicies else null,

    // The queue jobs without a queue use.
    defaultQueue: if u.toBool(u.param(params, 'defaultQueue', true), 'defaultQueue') then
      $.queue({ name: 'default', weight: 1, reclaimable: true }) else null,

    all:: [
      self.namespace,
      self.crds,
      self.schedulerConfigMap,
      self.schedulerServiceAccount,
      self.schedulerClusterRole,
      self.schedulerClusterRoleBinding,
      self.schedulerDeployment,
      self.schedulerService,
      self.controllerServiceAccount,
      self.controllerClusterRole,
      self.controllerClusterRoleBinding,
      self.controllerDeployment,
      self.admissionPolicies,
      self.defaultQueue,
    ],
  },

  // ValidatingAdmissionPolicies (admissionregistration.k8s.io/v1) and their bindings.
  local policy(name, rules, validations) = [
    u.object('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', name) + {
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: rules },
        validations: validations,
      },
    },
    u.object('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', name) + {
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ],
  admissionPolicies:: std.flattenArrays([
    policy('volcano-jobs.kfctl.io', [{
      apiGroups: ['batch.volcano.sh'],
      apiVersions: ['v1alpha1'],
      operations: ['CREATE', 'UPDATE'],
      resources: ['jobs'],
    }], [
      {
        expression: 'has(object.spec) && has(object.spec.tasks) && size(object.spec.tasks) > 0',
        message: 'a Volcano job needs at least one task',
      },
      {
        expression: '!has(object.spec) || !has(object.spec.tasks) || object.spec.tasks.all(t, has(t.name) && t.name != "")',
        message: 'every task of a Volcano job needs a name',
      },
      {
        expression: '!has(object.spec) || !has(object.spec.tasks) || object.spec.tasks.all(t, !has(t.name) || object.spec.tasks.exists_one(o, has(o.name) && o.name == t.name))',
        message: 'task names of a Volcano job must be unique',
      },
      {
        expression: '!has(object.spec) || !has(object.spec.minAvailable) || !has(object.spec.tasks) || object.spec.minAvailable <= object.spec.tasks.map(t, has(t.replicas) ? t.replicas : 0).sum()',
        message: 'minAvailable of a Volcano job must not exceed the sum of its task replicas',
      },
    ]),
    policy('volcano-queues.kfctl.io', [{
      apiGroups: ['scheduling.volcano.sh'],
      apiVersions: ['v1beta1'],
      operations: ['DELETE'],
      resources: ['queues'],
    }], [
      // A delete that names the exact object (a UID precondition, as `kfctl delete` sends) is a
      // deliberate removal of Volcano and goes through; a plain `kubectl delete queue default` does not.
      {
        expression: 'oldObject.metadata.name != "default" || (has(request.options) && has(request.options.preconditions) && has(request.options.preconditions.uid) && request.options.preconditions.uid == oldObject.metadata.uid)',
        message: 'the default queue cannot be deleted (jobs without a queue use it); to remove Volcano, delete its environment with kfctl delete',
      },
    ]),
  ]),

  list(params, env):: u.list($.parts(params, env).all),

  // A Queue (cluster scoped). params: name, weight, cpu, memory, gpus, reclaimable, and the common
  // setting gpuResource.
  queue(params)::
    local st = p.settings(params);
    local weight = u.toInt(u.param(params, 'weight', 1), 'weight');
    // gpus unset: no GPU cap; 0: a queue that may not use GPUs.
    local gpusRaw = u.param(params, 'gpus', null);
    local capability = u.compact({
      cpu: u.param(params, 'cpu', null),
      memory: u.param(params, 'memory', null),
    }) + (if gpusRaw == null then {} else { [st.gpuResource]: p.gpus(gpusRaw, 'gpus') });
    if weight < 1 then error 'weight: must be a positive integer, got ' + std.toString(params.weight)
    else
      u.object('scheduling.volcano.sh/v1beta1', 'Queue', u.dnsLabel(params.name, 'name')) + {
        spec: {
          weight: weight,
          reclaimable: u.toBool(u.param(params, 'reclaimable', true), 'reclaimable'),
        } + (if capability == {} then {} else { capability: capability }),
      },
}
