// kubeflow/common/platform.libsonnet
//
// Platform helpers shared by the job and notebook packages of the built-in registry:
//   * placement  - node affinity to a resource group and to GPU nodes, CPU-node preference for
//                  CPU-only pods, optional pod affinity that packs a job's workers together;
//   * storage    - the user / group / global PersistentVolumeClaims every workload mounts;
//   * volcano    - gang-scheduling settings (scheduler name, queue, minAvailable);
//   * validation - GPU counts and group names checked at evaluation time with clear errors.
//
// Every label key, claim prefix and mount path is a setting with a documented default (see
// `defaults`); prototypes read overrides from their params with `settings(params)`, so a platform
// team can change them per environment with `kfctl param set` without touching the package.
local u = import 'kubeflow/common/util.libsonnet';

{
  // Defaults of every platform setting. The README of this package documents each one.
  defaults:: {
    // Node label carrying a node's resource group; pods of group G require <groupLabelKey>=G.
    groupLabelKey: 'platform/group',
    // Node label (and value) marking GPU nodes; GPU pods require it, CPU-only pods prefer its absence.
    gpuLabelKey: 'nvidia.com/gpu.present',
    gpuLabelValue: 'true',
    // Extended resource name of a GPU.
    gpuResource: 'nvidia.com/gpu',
    // Taint key on GPU nodes that GPU pods tolerate (effect NoSchedule, operator Exists).
    gpuTolerationKey: 'nvidia.com/gpu',
    // Topology used to pack a job's workers onto the same nodes.
    packTopologyKey: 'kubernetes.io/hostname',
    // Storage: claim names are <userClaimPrefix><user>, <groupClaimPrefix><group> and <globalClaim>.
    userClaimPrefix: 'user-',
    groupClaimPrefix: 'group-',
    globalClaim: 'global',
    userMountPath: '/mnt/user',
    groupMountPath: '/mnt/group',
    globalMountPath: '/mnt/global',
  },

  // Defaults overridden by same-named keys of `params` (declared or not; unset values ignored).
  settings(params={}):: {
    [k]: u.param(params, k, $.defaults[k])
    for k in std.objectFields($.defaults)
  },

  // ---------------------------------------------------------------------------------------------
  // Validation.

  // GPU count: a non-negative integer (number or numeric string). Anything else fails evaluation.
  gpus(x, what='numGpus')::
    if u.isNull(x) then 0
    else
      local n =
        if std.type(x) == 'number' then x
        else if std.type(x) == 'string' && std.length(x) > 0
                && std.all([std.member('0123456789', c) for c in std.stringChars(x)]) then std.parseInt(x)
        else error what + ': GPU count must be a non-negative integer, got "' + std.toString(x) + '"';
      if n < 0 || std.floor(n) != n then
        error what + ': GPU count must be a non-negative integer, got ' + std.toString(x)
      else n,

  // Group name or null. A group is a DNS label (lower-case letters, digits, "-"), because it is
  // used both as a node label value and inside the group claim name. With required=true an
  // unset or empty group fails evaluation.
  group(x, required=false, what='group')::
    if x == null || x == 'null' then
      (if required then error what + ': a group is required (set ' + what + ' to the name of a resource group)' else null)
    else if std.type(x) != 'string' then error what + ': must be a string, got ' + std.toString(x)
    else if u.trim(x) == '' then
      (if required then error what + ': must not be empty (a group is required)' else null)
    else u.dnsLabel(x, what),

  // User name or null (a DNS label; it becomes part of the user's claim name).
  user(x, what='user')::
    if u.isNull(x) then null
    else if std.type(x) != 'string' then error what + ': must be a string, got ' + std.toString(x)
    else u.dnsLabel(x, what),

  // ---------------------------------------------------------------------------------------------
  // Placement.

  // Labels put on every pod of a job so placement and packing can select a job's pods.
  jobLabels(jobName, replicaType=null):: u.compact({
    'platform/job-name': jobName,
    'platform/replica-type': if replicaType == null then null else std.asciiLower(replicaType),
  }),

  // Container resource limits for `gpus` GPUs ({} for none).
  gpuLimits(s, gpus):: if gpus > 0 then { [s.gpuResource]: gpus } else {},

  // Pod-spec fields (affinity, tolerations) that place a pod:
  //   gpus      GPUs the pod asks for. > 0: required affinity to <gpuLabelKey>=<gpuLabelValue> and a
  //             toleration of the GPU taint.
  //   group     resource group or null: required affinity to <groupLabelKey>=<group>.
  //   preferCpu when gpus == 0: prefer nodes that are not GPU nodes (weight 100); the pod still
  //             falls back to GPU nodes when no CPU node fits.
  //   pack      labels of sibling pods to pack with (preferred pod affinity on packTopologyKey), or null.
  // Returns {} when there is nothing to add, so `podSpec + placement(...)` is always safe.
  placement(s, gpus=0, group=null, preferCpu=true, pack=null)::
    local required =
      (if group != null then [{ key: s.groupLabelKey, operator: 'In', values: [group] }] else [])
      + (if gpus > 0 then [{ key: s.gpuLabelKey, operator: 'In', values: [s.gpuLabelValue] }] else []);
    local preferred =
      if gpus == 0 && preferCpu then [{
        weight: 100,
        preference: { matchExpressions: [{ key: s.gpuLabelKey, operator: 'NotIn', values: [s.gpuLabelValue] }] },
      }] else [];
    local nodeAffinity = u.compact({
      requiredDuringSchedulingIgnoredDuringExecution:
        if required != [] then { nodeSelectorTerms: [{ matchExpressions: required }] } else null,
      preferredDuringSchedulingIgnoredDuringExecution: if preferred != [] then preferred else null,
    });
    local podAffinity =
      if pack != null then {
        preferredDuringSchedulingIgnoredDuringExecution: [{
          weight: 100,
          podAffinityTerm: { labelSelector: { matchLabels: pack }, topologyKey: s.packTopologyKey },
        }],
      } else null;
    local affinity = u.compact({
      nodeAffinity: if nodeAffinity != {} then nodeAffinity else null,
      podAffinity: podAffinity,
    });
    u.compact({
      affinity: if affinity != {} then affinity else null,
      tolerations:
        if gpus > 0 then [{ key: s.gpuTolerationKey, operator: 'Exists', effect: 'NoSchedule' }] else null,
    }),

  // ---------------------------------------------------------------------------------------------
  // Storage.

  userClaim(s, user):: s.userClaimPrefix + user,
  groupClaim(s, group):: s.groupClaimPrefix + group,

  // Volumes and mounts of the platform's shared storage for a workload of `user` in `group`:
  //   user  set -> claim <userClaimPrefix><user>   at <userMountPath>   (volume "user-storage")
  //   group set -> claim <groupClaimPrefix><group> at <groupMountPath>  (volume "group-storage")
  //   either set and global true -> claim <globalClaim> at <globalMountPath> (volume "global-storage")
  // Nothing is mounted when neither user nor group is set, so renders without the platform's
  // storage (no such claims in the namespace) keep working. `user`/`group` must already be
  // validated (see user()/group()).
  storage(s, user=null, group=null, global=true)::
    local parts =
      (if user != null then [['user-storage', $.userClaim(s, user), s.userMountPath]] else [])
      + (if group != null then [['group-storage', $.groupClaim(s, group), s.groupMountPath]] else [])
      + (if (user != null || group != null) && u.toBool(global, 'globalStorage')
         then [['global-storage', s.globalClaim, s.globalMountPath]] else []);
    {
      volumes: [{ name: p[0], persistentVolumeClaim: { claimName: p[1] } } for p in parts],
      volumeMounts: [{ name: p[0], mountPath: p[2] } for p in parts],
    },

  // podSpec with the volumes of `st` (a storage() result) added and its mounts added to every
  // container (init containers included). Existing volumes and mounts are kept.
  attachStorage(podSpec, st)::
    if st.volumes == [] then podSpec
    else
      local mount(c) = c { volumeMounts: std.get(c, 'volumeMounts', []) + st.volumeMounts };
      podSpec {
        volumes: std.get(podSpec, 'volumes', []) + st.volumes,
        containers: [mount(c) for c in podSpec.containers],
      } + (if std.objectHas(podSpec, 'initContainers')
           then { initContainers: [mount(c) for c in podSpec.initContainers] } else {}),

  // ---------------------------------------------------------------------------------------------
  // Volcano gang scheduling.
  volcano:: {
    schedulerName: 'volcano',
    groupNameAnnotation: 'scheduling.k8s.io/group-name',
    queueNameAnnotation: 'scheduling.volcano.sh/queue-name',

    // True when `scheduler` asks for Volcano.
    enabled(scheduler):: !u.isNull(scheduler) && scheduler == 'volcano',

    // minAvailable: unset or 0 means "every replica" (`total`); otherwise 1..total.
    minAvailable(x, total, what='minAvailable')::
      local n = if u.isNull(x) then 0 else u.toCount(x, what);
      if n == 0 then total
      else if n > total then
        error what + ': ' + n + ' is more than the job\'s ' + total + ' replicas'
      else n,

    // RunPolicy.schedulingPolicy of a training-operator job (kubeflow.org/v1). The operator, when run
    // with --gang-scheduler-name=volcano, creates the PodGroup from it: emit no PodGroup yourself.
    schedulingPolicy(minAvailable, queue=null, priorityClass=null):: u.compact({
      minAvailable: minAvailable,
      queue: if u.isNull(queue) then null else queue,
      priorityClass: if u.isNull(priorityClass) then null else priorityClass,
    }),

    // Pod-template annotations for pods Volcano schedules directly (no operator creating groups).
    podAnnotations(podGroup=null, queue=null):: u.compact({
      [self.groupNameAnnotation]: podGroup,
      [self.queueNameAnnotation]: if u.isNull(queue) then null else queue,
    }),

    // A PodGroup (scheduling.volcano.sh/v1beta1) for workloads without an operator that makes one.
    podGroup(name, namespace, minMember, queue=null, minResources=null, priorityClassName=null)::
      u.object('scheduling.volcano.sh/v1beta1', 'PodGroup', name, namespace) + {
        spec: u.compact({
          minMember: minMember,
          queue: if u.isNull(queue) then null else queue,
          minResources: minResources,
          priorityClassName: if u.isNull(priorityClassName) then null else priorityClassName,
        }),
      },
  },

  // Scheduler settings from the conventional params `scheduler`, `queue`, `minAvailable` and
  // `priorityClass` for a job of `total` pods:
  //   {schedulerName: null|string, gang: bool, queue, minAvailable, priorityClass}
  // schedulerName is null for the default scheduler ("null", "" or "default-scheduler").
  scheduling(params, total)::
    local scheduler = u.param(params, 'scheduler', null);
    local name = if scheduler == null || scheduler == 'default-scheduler' then null else scheduler;
    local gang = $.volcano.enabled(name);
    {
      schedulerName: name,
      gang: gang,
      queue: u.param(params, 'queue', null),
      priorityClass: u.param(params, 'priorityClass', null),
      minAvailable: if gang then $.volcano.minAvailable(u.param(params, 'minAvailable', null), total) else null,
    },
}
