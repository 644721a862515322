// kubeflow/katib/experiment.libsonnet
//
// A Katib Experiment (kubeflow.org/v1beta1) whose trial template is built by a job package of
// this registry. Jsonnet imports are static, so the known job packages are listed here; each
// import is only read when its kind is used, so an app needs just the package its trials run.
local u = import 'kubeflow/common/util.libsonnet';

// Placeholder name the job is built with; replaced by Katib's trial name in the template.
local placeholder = 'kfctl-katib-trial';
local trialNameParam = 'trialName';

local conditions = {
  successCondition: 'status.conditions.#(type=="Succeeded")#|#(status=="True")#',
  failureCondition: 'status.conditions.#(type=="Failed")#|#(status=="True")#',
};

// Trial kinds: how to build the job from its params, where trial arguments go, which pod and
// container hold the metrics.
local trialKinds = {
  'mpi-job': conditions {
    local lib = import 'kubeflow/mpi-job/mpi-job.libsonnet',
    argsParam: 'command',
    defaults: { gpusPerWorker: 0, workers: 1 },
    // The training program is required: the search parameters are appended to it.
    needsArgs: true,
    build(params, env):: lib.job(params, env),
    primaryContainerName: lib.launcherContainer,
    primaryPodLabels: { 'training.kubeflow.org/job-role': 'launcher' },
  },

  'tf-job': conditions {
    local lib = import 'kubeflow/tf-job/training-job.libsonnet',
    local plat = import 'kubeflow/common/platform.libsonnet',
    argsParam: 'args',
    defaults: { image: 'tensorflow/tensorflow:2.15.0', num_masters: 0, num_ps: 0, num_workers: 1, num_gpus: 0 },
    // Same replica layout as the tf-job prototype: Chief and PS on CPU, Workers with num_gpus GPUs.
    build(params, env)::
      local gpus = plat.gpus(params.num_gpus, 'trialParams.num_gpus');
      local args = u.toArray(std.get(params, 'args', null));
      local image = params.image;
      local imageGpu = u.orDefault(std.get(params, 'image_gpu', null), image);
      lib.job('TFJob', 'tfReplicaSpecs', 'tensorflow', params, env, [
        { type: 'Chief', count: u.toCount(params.num_masters, 'trialParams.num_masters'), image: image, gpus: 0, args: args },
        { type: 'PS', count: u.toCount(params.num_ps, 'trialParams.num_ps'), image: image, gpus: 0, args: args },
        { type: 'Worker', count: u.toCount(params.num_workers, 'trialParams.num_workers'),
          image: if gpus > 0 then imageGpu else image, gpus: gpus, args: args },
      ]),
    primaryContainerName: 'tensorflow',
    // The training operator labels the chief (or worker 0 without a chief) as master.
    primaryPodLabels: { 'training.kubeflow.org/job-role': 'master' },
  },

  'pytorch-job': conditions {
    local lib = import 'kubeflow/tf-job/training-job.libsonnet',
    local plat = import 'kubeflow/common/platform.libsonnet',
    argsParam: 'args',
    defaults: { image: 'gcr.io/kubeflow-examples/pytorch-dist-mnist:v20180702-a57993c', num_masters: 1, num_workers: 0, num_gpus: 0 },
    // Same replica layout as the pytorch-job prototype: Master and Workers, num_gpus GPUs each.
    build(params, env)::
      local gpus = plat.gpus(params.num_gpus, 'trialParams.num_gpus');
      local args = u.toArray(std.get(params, 'args', null));
      local image = if gpus > 0 then u.orDefault(std.get(params, 'image_gpu', null), params.image) else params.image;
      lib.job('PyTorchJob', 'pytorchReplicaSpecs', 'pytorch', params, env, [
        { type: 'Master', count: u.toCount(params.num_masters, 'trialParams.num_masters'), image: image, gpus: gpus, args: args },
        { type: 'Worker', count: u.toCount(params.num_workers, 'trialParams.num_workers'), image: image, gpus: gpus, args: args },
      ]),
    primaryContainerName: 'pytorch',
    primaryPodLabels: { 'training.kubeflow.org/job-role': 'master' },
  },
};

{
  trialKinds:: std.objectFields(trialKinds),

  trialKind(kind)::
    if std.objectHas(trialKinds, kind) then trialKinds[kind]
    else error 'trialKind: unknown job package "' + std.toString(kind) + '"; known job packages: '
               + std.join(', ', std.objectFields(trialKinds)),

  parameterTypes:: ['double', 'int', 'discrete', 'categorical'],

  // Katib search-space parameters: [{name, parameterType, feasibleSpace: {min, max, step, list}}].
  // Values are turned into the strings Katib's API takes; the shape is checked per type.
  parameters(ps)::
    local str(v) = if std.isString(v) then v else std.manifestJsonMinified(v);
    local one(i, p) =
      local where = 'parameters[' + i + ']';
      local name = if std.isObject(p) && std.objectHas(p, 'name') && std.isString(p.name) && p.name != '' then p.name
                   else error where + ': needs a name';
      local t = std.get(p, 'parameterType', null);
      local fs = std.get(p, 'feasibleSpace', {});
      local numeric = std.member(['double', 'int'], t);
      if !std.member($.parameterTypes, t) then
        error where + ' (' + name + '): parameterType must be one of ' + std.join(', ', $.parameterTypes)
              + ', got ' + std.manifestJsonMinified(t)
      else if numeric && !(std.objectHas(fs, 'min') && std.objectHas(fs, 'max')) then
        error where + ' (' + name + '): a ' + t + ' parameter needs feasibleSpace.min and feasibleSpace.max'
      else if !numeric && !(std.isArray(std.get(fs, 'list', null)) && std.length(fs.list) > 0) then
        error where + ' (' + name + '): a ' + t + ' parameter needs a non-empty feasibleSpace.list'
      else {
        name: name,
        parameterType: t,
        feasibleSpace: u.compact({
          min: if numeric then str(fs.min) else null,
          max: if numeric then str(fs.max) else null,
          step: if std.objectHas(fs, 'step') then str(fs.step) else null,
          list: if numeric then null else [str(v) for v in fs.list],
          distribution: std.get(fs, 'distribution', null),
        }),
      };
    local arr = if std.isString(ps) then std.parseJson(ps) else ps;
    if !std.isArray(arr) || std.length(arr) == 0 then
      error 'parameters: give at least one search parameter, e.g. [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.1"}}]'
    else
      local out = [one(i, arr[i]) for i in std.range(0, std.length(arr) - 1)];
      local names = [p.name for p in out];
      if std.length(std.set(names)) != std.length(names) then error 'parameters: names must be unique, got ' + std.join(', ', names)
      else out,

  // The trial template: the job the chosen package builds from `trialParams` (plus the experiment's
  // platform params), with `--<param>=${trialParameters.<param>}` appended to its arguments when
  // parameterArgs is true, and the trial name substituted for the job name everywhere.
  trialTemplate(params, env, parameters)::
    local kind = $.trialKind(u.param(params, 'trialKind', 'mpi-job'));
    local trialParams0 = u.param(params, 'trialParams', {});
    local trialParams = if std.isString(trialParams0) then std.parseJson(trialParams0) else trialParams0;
    local platform = {
      [k]: params[k]
      for k in ['group', 'user', 'scheduler', 'queue', 'globalStorage']
      if std.objectHas(params, k) && !u.isNull(params[k])
    };
    local group = std.get(params, 'group', null);
    assert !(std.isString(group) && group != 'null' && u.trim(group) == '') :
      'group: must not be empty (leave it unset or name a resource group)';
    local withArgs = u.toBool(u.param(params, 'parameterArgs', true), 'parameterArgs');
    local base = kind.defaults + platform + trialParams;
    local paramArgs = if withArgs then ['--' + p.name + '=${trialParameters.' + p.name + '}' for p in parameters] else [];
    local argsKey = kind.argsParam;
    local given = u.toArray(std.get(base, argsKey, null));
    assert !std.get(kind, 'needsArgs', false) || given != [] :
      'trialParams.' + argsKey + ': the training program of the ' + u.param(params, 'trialKind', 'mpi-job')
      + ' trials is required (e.g. "python,/mnt/user/train.py"); the search parameters are appended to it';
    local jobParams = base {
      name: placeholder,
      namespace: 'null',
      [argsKey]: given + paramArgs,
    };
    local job = kind.build(jobParams, env);
    local text = std.strReplace(std.manifestJsonMinified(job), placeholder, '${trialParameters.' + trialNameParam + '}');
    local spec = std.parseJson(text);
    {
      primaryContainerName: kind.primaryContainerName,
      primaryPodLabels: kind.primaryPodLabels,
      successCondition: kind.successCondition,
      failureCondition: kind.failureCondition,
      trialParameters: [
        { name: p.name, description: 'Value of ' + p.name + ' for this trial', reference: p.name }
        for p in parameters
      ] + (if std.length(std.findSubstr('${trialParameters.' + trialNameParam + '}', text)) > 0 then [
             { name: trialNameParam, description: 'Name of the trial (the job name)', reference: '${trialSpec.Name}' },
           ] else []),
      // Katib names and places the trial job itself.
      trialSpec: { [k]: spec[k] for k in std.objectFields(spec) if k != 'metadata' },
    },

  experiment(params, env)::
    local parameters = $.parameters(params.parameters);
    local toInt(k, d, min) =
      local n = u.toInt(u.param(params, k, d), k);
      if n < min then error k + ': must be at least ' + min + ', got ' + n else n;
    local objType = std.asciiLower(params.objectiveType);
    local parallel = toInt('parallelTrialCount', 3, 1);
    local maxTrials = toInt('maxTrialCount', 12, 1);
    local goal = u.param(params, 'goal', null);
    local settings = u.param(params, 'algorithmSettings', {});
    local settingsObj = if std.isString(settings) then std.parseJson(settings) else settings;
    if !std.member(['maximize', 'minimize'], objType) then
      error 'objectiveType: expected maximize or minimize, got "' + params.objectiveType + '"'
    else if parallel > maxTrials then
      error 'parallelTrialCount: ' + parallel + ' is more than maxTrialCount ' + maxTrials
    else
      u.object('kubeflow.org/v1beta1', 'Experiment', u.dnsLabel(params.name, 'name'), u.namespace(params, env)) + {
        spec: {
          objective: u.compact({
            type: objType,
            goal: if goal == null then null
                  else if std.isNumber(goal) then goal
                  else std.parseJson(goal),
            objectiveMetricName: params.objectiveMetric,
            additionalMetricNames: local a = u.toArray(u.param(params, 'additionalMetrics', null)); if a == [] then null else a,
          }),
          algorithm: {
            algorithmName: params.algorithm,
          } + (if settingsObj == {} then {} else {
                 algorithmSettings: [
                   { name: k, value: if std.isString(settingsObj[k]) then settingsObj[k] else std.manifestJsonMinified(settingsObj[k]) }
                   for k in std.objectFields(settingsObj)
                 ],
               }),
          parallelTrialCount: parallel,
          maxTrialCount: maxTrials,
          maxFailedTrialCount: toInt('maxFailedTrialCount', 3, 0),
          metricsCollectorSpec: { collector: { kind: u.param(params, 'metricsCollector', 'StdOut') } },
          parameters: parameters,
          trialTemplate: $.trialTemplate(params, env, parameters),
        },
      },
}
