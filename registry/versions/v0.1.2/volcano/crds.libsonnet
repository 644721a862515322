// kubeflow/volcano/crds.libsonnet
//
// CustomResourceDefinitions Volcano's scheduler and controllers need, with structural schemas
// written for kfctl: typed where kfctl's prototypes (and the job operators) write fields, open
// (x-kubernetes-preserve-unknown-fields) where Volcano accepts free-form content.
local u = import 'kubeflow/common/util.libsonnet';
local s = u.schema;

local age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

{
  // Queue (scheduling.volcano.sh/v1beta1, cluster scoped): a share of the cluster for a team.
  queue:: u.crd('scheduling.volcano.sh', 'Queue', 'queues', [
    u.crdVersion('v1beta1', s.resource(s.obj({
      weight: s.int('Share of the cluster relative to other queues.', 1) + { default: 1 },
      capability: s.quantities('Upper bound of the resources the queue may use.'),
      deserved: s.quantities('Resources the queue deserves when the cluster is full.'),
      guarantee: s.obj({ resource: s.quantities('Resources reserved for the queue.') }, open=true),
      reclaimable: s.bool('Whether other queues may reclaim resources this queue uses beyond its share.') + { default: true },
      parent: s.str('Parent queue in a hierarchy.'),
      type: s.str('Queue type.'),
      affinity: s.any(),
      extendClusters: s.arr(s.any()),
    }, open=true), desc='A Volcano queue.'), printerColumns=[
      { name: 'Weight', type: 'integer', jsonPath: '.spec.weight' },
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'Reclaimable', type: 'boolean', jsonPath: '.spec.reclaimable' },
      age,
    ]),
  ], scope='Cluster', shortNames=['q', 'queue-v1beta1']),

  // PodGroup (scheduling.volcano.sh/v1beta1): pods scheduled as a gang.
  podGroup:: u.crd('scheduling.volcano.sh', 'PodGroup', 'podgroups', [
    u.crdVersion('v1beta1', s.resource(s.obj({
      minMember: s.int('Pods that must be schedulable together before any of them runs.', 0),
      minTaskMember: s.map({ type: 'integer', format: 'int32' }, 'Minimal pods per task.'),
      queue: s.str('Queue the group is charged to (default: "default").'),
      priorityClassName: s.str('Priority of the group.'),
      minResources: s.quantities('Minimal resources of the gang.'),
      networkTopology: s.any(),
      subGroupPolicy: s.arr(s.any()),
    }, open=true), desc='A group of pods scheduled together.'), printerColumns=[
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'MinMember', type: 'integer', jsonPath: '.spec.minMember' },
      { name: 'Running', type: 'integer', jsonPath: '.status.running' },
      { name: 'Queue', type: 'string', jsonPath: '.spec.queue' },
      age,
    ]),
  ], shortNames=['pg', 'podgroup-v1beta1']),

  // Job (batch.volcano.sh/v1alpha1): Volcano's own batch job of several tasks.
  job:: u.crd('batch.volcano.sh', 'Job', 'jobs', [
    u.crdVersion('v1alpha1', s.resource(s.obj({
      schedulerName: s.str('Scheduler of the job pods (volcano).'),
      minAvailable: s.int('Pods that must run together.', 0),
      minSuccess: s.int('Succeeded pods for the job to succeed.', 1),
      queue: s.str('Queue of the job.'),
      priorityClassName: s.str(),
      maxRetry: s.int('Retries before the job fails.', 0),
      ttlSecondsAfterFinished: s.int(null, 0),
      runningEstimate: s.str(),
      plugins: s.map(s.strs(), 'Job plugins (env, svc, ssh, ...) and their arguments.'),
      policies: s.arr(s.any()),
      volumes: s.arr(s.any()),
      networkTopology: s.any(),
      tasks: s.arr(s.obj({
        name: s.str('Task name.'),
        replicas: s.int('Pods of the task.', 0),
        minAvailable: s.int(null, 0),
        maxRetry: s.int(null, 0),
        template: s.any('Pod template of the task.'),
        policies: s.arr(s.any()),
        topologyPolicy: s.str(),
        dependsOn: s.any(),
      }, open=true)),
    }, open=true), desc='A Volcano batch job.'), printerColumns=[
      { name: 'Status', type: 'string', jsonPath: '.status.state.phase' },
      { name: 'MinAvailable', type: 'integer', jsonPath: '.status.minAvailable' },
      { name: 'Running', type: 'integer', jsonPath: '.status.running' },
      age,
    ]),
  ], shortNames=['vcjob', 'vj']),

  // Command (bus.volcano.sh/v1alpha1): an action (abort, restart, ...) sent to a job. It has no spec.
  command:: u.crd('bus.volcano.sh', 'Command', 'commands', [
    u.crdVersion('v1alpha1', s.obj({
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      action: s.str('What to do with the target.'),
      target: s.any('The object the command is for.'),
      reason: s.str(),
      message: s.str(),
    }), status=false),
  ]),

  // Numatopology (nodeinfo.volcano.sh/v1alpha1, cluster scoped): NUMA layout reported per node,
  // watched by the scheduler.
  numatopology:: u.crd('nodeinfo.volcano.sh', 'Numatopology', 'numatopologies', [
    u.crdVersion('v1alpha1', s.resource(s.any(), desc='NUMA topology of a node.'), status=false),
  ], scope='Cluster', shortNames=['numatopo']),

  all:: [self.queue, self.podGroup, self.job, self.command, self.numatopology],
}
