// kubeflow/mpi-job/mpi-job.libsonnet
//
// MPIJob (kubeflow.org/v2beta1) for Horovod-style all-reduce training: one launcher running
// `mpirun`, N workers. Platform behaviour comes from kubeflow/common:
//   * placement: the launcher asks only for CPU and prefers CPU nodes (falling back to GPU nodes);
//     workers with GPUs require GPU nodes and prefer to pack onto the same nodes; every pod is
//     pinned to the job's resource group when one is given;
//   * storage: the user's, group's and the global claims are mounted into every pod;
//   * gang scheduling: with scheduler=volcano the job carries runPolicy.schedulingPolicy and the MPI
//     operator (started with --gang-scheduling=volcano, see mpi-operator) creates the PodGroup.
local u = import 'kubeflow/common/util.libsonnet';
local p = import 'kubeflow/common/platform.libsonnet';

{
  apiVersion:: 'kubeflow.org/v2beta1',
  kind:: 'MPIJob',
  launcherContainer:: 'mpi-launcher',
  workerContainer:: 'mpi-worker',

  // A group param that is explicitly empty is a mistake (unset it or name a group).
  group(x, what='group')::
    if std.type(x) == 'string' && x != 'null' && u.trim(x) == '' then
      error what + ': must not be empty (leave it unset or name a resource group)'
    else p.group(x, false, what),

  // Command as an array from an array or a comma-separated string.
  command(x, what='command')::
    local c = u.toArray(x);
    if c == [] then error what + ': the training command must not be empty' else [std.toString(e) for e in c],

  // Defaults of the library (the same as the mpi-job prototype's), used for params that are absent.
  defaults:: {
    image: 'mpioperator/tensorflow-benchmarks:latest',
    command: 'python,scripts/tf_cnn_benchmarks/tf_cnn_benchmarks.py,--model=resnet101,--batch_size=64,--variable_update=horovod',
    workers: 2,
    slotsPerWorker: 1,
    gpusPerWorker: 1,
    workerCpu: '1',
    workerMemory: '4Gi',
    launcherCpu: '500m',
    launcherMemory: '1Gi',
  },

  // All values the job needs, validated, from the component's params. An absent param takes the
  // library default; a param set to null/"null" means "none" (e.g. no CPU request).
  config(params, env):: {
    local opt(k) =
      if std.objectHas(params, k) then (if u.isNull(params[k]) then null else params[k])
      else std.get($.defaults, k, null),
    name: params.name,
    namespace: u.namespace(params, env),
    settings: p.settings(params),
    workers: u.toCount(u.orDefault(opt('workers'), 0), 'workers'),
    slotsPerWorker: u.toCount(u.orDefault(opt('slotsPerWorker'), 1), 'slotsPerWorker'),
    gpus: p.gpus(opt('gpusPerWorker'), 'gpusPerWorker'),
    group: $.group(std.get(params, 'group', null)),
    user: p.user(std.get(params, 'user', null)),
    storage: p.storage(self.settings, self.user, self.group, u.param(params, 'globalStorage', true)),
    scheduling: p.scheduling(params, self.workers + 1),
    image: if opt('image') == null then error 'image: the worker image is required' else opt('image'),
    launcherImage: u.orDefault(opt('launcherImage'), self.image),
    imagePullPolicy: u.param(params, 'imagePullPolicy', 'IfNotPresent'),
    command: $.command(opt('command')),
    workerCommand: if opt('workerCommand') == null then null else $.command(opt('workerCommand'), 'workerCommand'),
    mpirun: u.toBool(u.param(params, 'mpirun', true), 'mpirun'),
    pack: u.toBool(u.param(params, 'packWorkers', true), 'packWorkers'),
    workerCpu: opt('workerCpu'),
    workerMemory: opt('workerMemory'),
    launcherCpu: opt('launcherCpu'),
    launcherMemory: opt('launcherMemory'),
    cleanPodPolicy: u.param(params, 'cleanPodPolicy', 'Running'),
    mpiImplementation: u.param(params, 'mpiImplementation', 'OpenMPI'),
    assert self.slotsPerWorker >= 1 : 'slotsPerWorker: must be at least 1',
    assert self.workers >= 1 : 'workers: an MPIJob needs at least one worker',
  },

  // mpirun line of the launcher: one process per slot on every worker.
  launcherCommand(cfg)::
    if !cfg.mpirun then cfg.command
    else [
      'mpirun', '--allow-run-as-root',
      '-np', std.toString(cfg.workers * cfg.slotsPerWorker),
      '-bind-to', 'none', '-map-by', 'slot',
      '-x', 'LD_LIBRARY_PATH', '-x', 'PATH',
    ] + (if cfg.gpus > 0 then ['-x', 'NCCL_DEBUG=INFO'] else [])
    + (if cfg.mpiImplementation == 'OpenMPI' then ['-mca', 'pml', 'ob1', '-mca', 'btl', '^openib'] else [])
    + cfg.command,

  // Container resources, or null when there is nothing to request.
  local resources(cpu, memory, gpuLimits) =
    local requests = u.compact({ cpu: cpu, memory: memory });
    local limits = u.compact({ memory: memory }) + gpuLimits;
    local r = u.compact({
      requests: if requests == {} then null else requests,
      limits: if limits == {} then null else limits,
    });
    if r == {} then null else r,

  // Pod template of one replica type.
  podTemplate(cfg, replicaType, container, gpus, pack)::
    local labels = p.jobLabels(cfg.name, replicaType);
    local sched = cfg.scheduling;
    local spec =
      u.compact({ schedulerName: sched.schedulerName })
      + p.placement(cfg.settings, gpus, cfg.group, true, if pack then p.jobLabels(cfg.name, replicaType) else null)
      + { containers: [container] };
    u.podTemplate(labels, p.attachStorage(spec, cfg.storage)),

  launcher(cfg):: {
    replicas: 1,
    restartPolicy: 'OnFailure',
    template: $.podTemplate(cfg, 'launcher', u.compact({
      name: $.launcherContainer,
      image: cfg.launcherImage,
      imagePullPolicy: cfg.imagePullPolicy,
      command: $.launcherCommand(cfg),
      resources: resources(cfg.launcherCpu, cfg.launcherMemory, {}),
    }), 0, false),
  },

  worker(cfg):: {
    replicas: cfg.workers,
    restartPolicy: 'Never',
    template: $.podTemplate(cfg, 'worker', u.compact({
      name: $.workerContainer,
      image: cfg.image,
      imagePullPolicy: cfg.imagePullPolicy,
      command: cfg.workerCommand,
      resources: resources(cfg.workerCpu, cfg.workerMemory, p.gpuLimits(cfg.settings, cfg.gpus)),
    }), cfg.gpus, cfg.pack && cfg.gpus > 0),
  },

  // The MPIJob object.
  job(params, env)::
    local cfg = $.config(params, env);
    local sched = cfg.scheduling;
    u.object($.apiVersion, $.kind, cfg.name, cfg.namespace) + {
      spec: {
        slotsPerWorker: cfg.slotsPerWorker,
        mpiImplementation: cfg.mpiImplementation,
        runPolicy: {
          cleanPodPolicy: cfg.cleanPodPolicy,
        } + (if sched.gang then {
               schedulingPolicy: p.volcano.schedulingPolicy(sched.minAvailable, sched.queue, sched.priorityClass),
             } else {}),
        mpiReplicaSpecs: {
          Launcher: $.launcher(cfg),
          Worker: $.worker(cfg),
        },
      },
    },

  // What a Katib trial template needs to run this job as a trial (see kubeflow/katib).
  katib:: {
    kind: $.kind,
    apiVersion: $.apiVersion,
    primaryContainerName: $.launcherContainer,
    primaryPodLabels: { 'training.kubeflow.org/job-role': 'launcher' },
    successCondition: 'status.conditions.#(type=="Succeeded")#|#(status=="True")#',
    failureCondition: 'status.conditions.#(type=="Failed")#|#(status=="True")#',
    // The job object without namespace (Katib creates trials in the experiment's namespace).
    trialSpec(params, env)::
      local j = $.job(params, env);
      j { metadata: { name: j.metadata.name } },
  },
}
