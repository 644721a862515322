// kubeflow/mpi-job/mpi-operator.libsonnet
//
// Installation of the Kubeflow MPI operator (v2): the MPIJob CRD (kubeflow.org/v2beta1), the
// controller's ServiceAccount, RBAC and Deployment.
local u = import 'kubeflow/common/util.libsonnet';
local s = u.schema;

{
  // ---------------------------------------------------------------------------------------------
  // CRD. Fields kfctl emits and the operator reads are typed; pod templates keep any content.

  local replicaSpec = s.obj({
    replicas: s.int('Number of pods of this replica type (the launcher has exactly one).', 0),
    restartPolicy: s.str('What the operator does when a pod exits.', ['Always', 'OnFailure', 'Never', 'ExitCode']),
    template: s.any('Pod template of the replicas.'),
  }, ['template']),

  local schedulingPolicy = s.obj({
    minAvailable: s.int('Pods that must be schedulable together (becomes the PodGroup minMember).', 1),
    queue: s.str('Volcano queue of the PodGroup.'),
    minResources: s.quantities('Minimal resources of the gang.'),
    priorityClass: s.str('PriorityClass of the PodGroup.'),
    scheduleTimeoutSeconds: s.int('How long the gang may wait to be scheduled (scheduler-plugins).', 0),
  }),

  local runPolicy = s.obj({
    cleanPodPolicy: s.str('Which pods to delete when the job ends.', ['None', 'Running', 'All']),
    ttlSecondsAfterFinished: s.int('Seconds after which a finished job is deleted.', 0),
    activeDeadlineSeconds: s.int('Seconds the job may run before it is stopped.', 0),
    backoffLimit: s.int('Retries before the job is marked failed.', 0),
    suspend: s.bool('When true the operator creates no pods (and deletes running ones).'),
    managedBy: s.str('Controller that manages the job (kubeflow.org/mpi-operator by default).'),
    schedulingPolicy: schedulingPolicy,
  }, open=true),

  local specSchema = s.obj({
    slotsPerWorker: s.int('MPI slots (processes) per worker in the hostfile.', 1) + { default: 1 },
    runLauncherAsWorker: s.bool('Also run MPI processes in the launcher pod.'),
    sshAuthMountPath: s.str('Where the operator mounts the generated SSH keys.') + { default: '/root/.ssh' },
    launcherCreationPolicy: s.str('When the launcher is created.', ['AtStartup', 'WaitForWorkersReady']),
    mpiImplementation: s.str('MPI flavour the hostfile is written for.', ['OpenMPI', 'Intel', 'MPICH']) + { default: 'OpenMPI' },
    runPolicy: runPolicy,
    mpiReplicaSpecs: s.obj({
      Launcher: replicaSpec,
      Worker: replicaSpec,
    }, ['Launcher'], 'Launcher (required, one replica) and Worker replica specs.'),
  }, ['mpiReplicaSpecs'], open=true),

  crd:: u.crd('kubeflow.org', 'MPIJob', 'mpijobs', [
    u.crdVersion('v2beta1', s.resource(specSchema, desc='An MPI job: one launcher running mpirun over N workers.'),
                 printerColumns=[
                   { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
                   { name: 'Workers', type: 'integer', jsonPath: '.spec.mpiReplicaSpecs.Worker.replicas' },
                 ]),
  ], shortNames=['mpij']),

  // ---------------------------------------------------------------------------------------------
  // Controller.

  // params: name, namespace, image, gangScheduler, threadiness
  parts(params, env):: {
    local ns = u.namespace(params, env),
    local name = 'mpi-operator',
    local labels = { app: 'mpi-operator' },
    local gang =
      local g = u.param(params, 'gangScheduler', null);
      if g == null || std.member(['volcano', 'scheduler-plugins'], g) then g
      else error 'gangScheduler: expected volcano or scheduler-plugins (or null for none), got "' + g + '"',
    local all = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],

    crd: $.crd,
    serviceAccount: u.serviceAccount(name, ns, labels),
    clusterRole: u.clusterRole(name, [
      u.rule([''], ['configmaps', 'secrets', 'services'], ['create', 'get', 'list', 'update', 'watch', 'delete']),
      u.rule([''], ['pods'], all),
      u.rule([''], ['pods/exec'], ['create']),
      u.rule([''], ['endpoints'], ['create', 'get', 'update']),
      u.rule([''], ['events'], ['create', 'patch']),
      u.rule(['batch'], ['jobs'], all),
      u.rule(['kubeflow.org'], ['mpijobs', 'mpijobs/finalizers', 'mpijobs/status'], all),
      u.rule(['coordination.k8s.io'], ['leases'], all),
      u.rule(['scheduling.k8s.io'], ['priorityclasses'], ['get', 'list', 'watch']),
      u.rule(['scheduling.volcano.sh', 'scheduling.x-k8s.io'], ['podgroups', 'queues'], all),
    ], labels),
    clusterRoleBinding: u.clusterRoleBinding(name, name, [u.saSubject(name, ns)], labels),
    // Aggregated roles so namespace users with edit/view rights can use MPIJobs.
    editRole: u.clusterRole('kubeflow-mpijobs-edit', [
      u.rule(['kubeflow.org'], ['mpijobs', 'mpijobs/status'], all + ['deletecollection']),
    ], { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    viewRole: u.clusterRole('kubeflow-mpijobs-view', [
      u.rule(['kubeflow.org'], ['mpijobs', 'mpijobs/status'], ['get', 'list', 'watch']),
    ], { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }),
    deployment: u.deployment(name, ns, labels, {
      serviceAccountName: name,
      containers: [{
        name: name,
        image: params.image,
        imagePullPolicy: 'IfNotPresent',
        args: [
          '-alsologtostderr',
          '--lock-namespace=' + ns,
          '--threadiness=' + std.toString(u.toCount(u.param(params, 'threadiness', 2), 'threadiness')),
        ] + (if gang == null then [] else ['--gang-scheduling=' + gang]),
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      }],
    }, podAnnotations={ 'sidecar.istio.io/inject': 'false' }),

    all:: [self.crd, self.serviceAccount, self.clusterRole, self.clusterRoleBinding,
           self.editRole, self.viewRole, self.deployment],
  },

  list(params, env):: u.list($.parts(params, env).all),
}
