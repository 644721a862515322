// kubeflow/tf-job/training-job.libsonnet
//
// Builder of training-operator jobs (kubeflow.org/v1 TFJob and PyTorchJob) with the platform
// features of kubeflow/common/platform.libsonnet: placement by group and GPU, packing of GPU
// workers, shared user/group/global storage, and Volcano gang scheduling through
// spec.runPolicy.schedulingPolicy (the operator creates the PodGroup; none is emitted here).
local u = import 'kubeflow/common/util.libsonnet';
local plat = import 'kubeflow/common/platform.libsonnet';

{
  // job(kind, specKey, containerName, params, env, replicas)
  //   replicas: array of {type, count, image, gpus, args?, command?, workingDir?, env?, cpuOnly?}
  //     type    replica type as the operator spells it (Chief, PS, Worker, Master, ...)
  //     gpus    GPUs per pod (validated); 0 = CPU pod, which prefers CPU nodes; GPU pods require
  //             GPU nodes and (packWorkers) prefer nodes running other GPU pods of the same job
  //   Replica types with count 0 are left out.
  // Platform params read from `params` (all optional): group, user, globalStorage, packWorkers,
  // scheduler, queue, minAvailable, priorityClass, cleanPodPolicy, plus the label-key settings of
  // platform.libsonnet (groupLabelKey, gpuLabelKey, ...).
  job(kind, specKey, containerName, params, env, replicas, extraSpec={})::
    local name = u.dnsLabel(params.name, 'name');
    local ns = u.namespace(params, env);
    local s = plat.settings(params);
    local group = plat.group(u.param(params, 'group', null));
    local user = plat.user(u.param(params, 'user', null));
    local st = plat.storage(s, user, group, u.param(params, 'globalStorage', true));
    local active = [r for r in replicas if r.count > 0];
    local total = std.foldl(function(acc, r) acc + r.count, active, 0);
    local sched = plat.scheduling(params, total);
    local pack = u.toBool(u.param(params, 'packWorkers', true), 'packWorkers');
    local cleanPodPolicy = u.param(params, 'cleanPodPolicy', null);
    local replicaSpec(r) =
      local labels = plat.jobLabels(name, r.type);
      local container = u.compact({
        name: containerName,
        image: r.image,
        command: std.get(r, 'command', null),
        args: local a = std.get(r, 'args', []); if a == null || a == [] then null else a,
        workingDir: std.get(r, 'workingDir', null),
        env: std.get(r, 'env', null),
        resources: if r.gpus > 0 then { limits: plat.gpuLimits(s, r.gpus) } else null,
      });
      // GPU pods of one job prefer each other's nodes (fewer network hops between workers).
      local packLabels = if pack && r.gpus > 0 then plat.jobLabels(name) else null;
      local podSpec =
        { containers: [container] }
        + plat.placement(s, r.gpus, group, preferCpu=true, pack=packLabels)
        + (if sched.schedulerName != null then { schedulerName: sched.schedulerName } else {});
      {
        replicas: r.count,
        restartPolicy: std.get(r, 'restartPolicy', 'OnFailure'),
        template: {
          metadata: { labels: labels },
          spec: plat.attachStorage(podSpec, st),
        },
      };
    local runPolicy = u.compact({
      cleanPodPolicy: cleanPodPolicy,
      schedulingPolicy:
        if sched.gang then plat.volcano.schedulingPolicy(sched.minAvailable, sched.queue, sched.priorityClass)
        else null,
    });
    // Validate every replica's GPU count and count, also of replica types left out (count 0).
    assert std.all([r.gpus >= 0 && r.count >= 0 for r in replicas]) : 'replica counts and GPUs must not be negative';
    if active == [] then error kind + ' ' + name + ': no replicas (every replica count is 0)'
    else {
      apiVersion: 'kubeflow.org/v1',
      kind: kind,
      metadata: u.meta(name, ns),
      spec: { [specKey]: { [r.type]: replicaSpec(r) for r in active } }
            + (if runPolicy != {} then { runPolicy: runPolicy } else {})
            + extraSpec,
    },
}
