// kubeflow/katib/crds.libsonnet
//
// Katib's CustomResourceDefinitions (kubeflow.org/v1beta1): Experiment, Trial, Suggestion.
// Structural schemas written for kfctl: the Experiment fields kfctl's prototype emits and the ones
// Katib needs are typed; trial specs (any job kind) and status are kept as given.
local u = import 'kubeflow/common/util.libsonnet';
local s = u.schema;

local nameValue = s.obj({ name: s.str(), value: s.str() });
local age = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
local condition = { name: 'Type', type: 'string', jsonPath: '.status.conditions[-1:].type' };
local conditionStatus = { name: 'Status', type: 'string', jsonPath: '.status.conditions[-1:].status' };

local objective = s.obj({
  type: s.str('Whether the objective metric is maximized or minimized.', ['maximize', 'minimize', 'unknown']),
  goal: s.num('Value of the objective metric at which the experiment succeeds.'),
  objectiveMetricName: s.str('Metric optimised by the search.'),
  additionalMetricNames: s.strs('Other metrics collected from every trial.'),
  metricStrategies: s.arr(s.obj({ name: s.str(), value: s.str(null, ['min', 'max', 'latest']) })),
}, open=true);

local algorithm = s.obj({
  algorithmName: s.str('Search algorithm (random, grid, bayesianoptimization, tpe, ...).'),
  algorithmSettings: s.arr(nameValue),
}, open=true);

local parameter = s.obj({
  name: s.str('Hyperparameter name.'),
  parameterType: s.str('Kind of the search space.', ['double', 'int', 'discrete', 'categorical', 'unknown']),
  feasibleSpace: s.obj({
    min: s.str(),
    max: s.str(),
    step: s.str(),
    list: s.strs(),
    distribution: s.str(null, ['uniform', 'logUniform', 'normal', 'logNormal', '']),
  }, open=true),
}, ['name', 'parameterType', 'feasibleSpace'], open=true);

local trialTemplate = s.obj({
  retain: s.bool('Keep the trial job after it finishes.'),
  trialSpec: s.any('The job run for every trial (any kind listed in the controller\'s trialResources).'),
  configMap: s.any(),
  trialParameters: s.arr(s.obj({
    name: s.str('Placeholder ${trialParameters.<name>} in trialSpec.'),
    description: s.str(),
    reference: s.str('Experiment parameter (or trial metadata) substituted for the placeholder.'),
  }, ['name', 'reference'])),
  primaryPodLabels: s.strMap('Labels of the pod whose metrics are collected.'),
  primaryContainerName: s.str('Container whose metrics are collected.'),
  successCondition: s.str('GJSON condition on the job marking a successful trial.'),
  failureCondition: s.str('GJSON condition on the job marking a failed trial.'),
}, open=true);

{
  experiment:: u.crd('kubeflow.org', 'Experiment', 'experiments', [
    u.crdVersion('v1beta1', s.resource(s.obj({
      parameters: s.arr(parameter),
      objective: objective,
      algorithm: algorithm,
      earlyStopping: algorithm,
      trialTemplate: trialTemplate,
      parallelTrialCount: s.int('Trials run at the same time.', 1),
      maxTrialCount: s.int('Trials run in total.', 1),
      maxFailedTrialCount: s.int('Failed trials after which the experiment fails.', 0),
      metricsCollectorSpec: s.obj({
        collector: s.obj({ kind: s.str('StdOut, File, TensorFlowEvent, PrometheusMetric, Custom or None.') }, open=true),
        source: s.any(),
      }, open=true),
      nasConfig: s.any(),
      resumePolicy: s.str('What happens to the suggestion when the experiment ends.', ['Never', 'LongRunning', 'FromVolume']),
    }, open=true), desc='A Katib hyperparameter search.'), printerColumns=[condition, conditionStatus, age]),
  ], categories=['all', 'kubeflow', 'katib']),

  trial:: u.crd('kubeflow.org', 'Trial', 'trials', [
    u.crdVersion('v1beta1', s.resource(s.obj({
      objective: objective,
      parameterAssignments: s.arr(nameValue),
      runSpec: s.any('The job this trial runs.'),
      primaryPodLabels: s.strMap(),
      primaryContainerName: s.str(),
      successCondition: s.str(),
      failureCondition: s.str(),
      retainRun: s.bool(),
      metricsCollector: s.any(),
      earlyStoppingRules: s.arr(s.any()),
      labels: s.strMap(),
    }, open=true), desc='One run of a Katib experiment.'), printerColumns=[condition, conditionStatus, age]),
  ], categories=['all', 'kubeflow', 'katib']),

  suggestion:: u.crd('kubeflow.org', 'Suggestion', 'suggestions', [
    u.crdVersion('v1beta1', s.resource(s.obj({
      algorithm: algorithm,
      earlyStopping: algorithm,
      requests: s.int('Suggestions requested so far.', 0),
      resumePolicy: s.str(),
    }, open=true), desc='Parameter assignments proposed by a search algorithm.'), printerColumns=[
      condition,
      conditionStatus,
      { name: 'Requested', type: 'integer', jsonPath: '.spec.requests' },
      { name: 'Assigned', type: 'integer', jsonPath: '.status.suggestionCount' },
      age,
    ]),
  ], categories=['all', 'kubeflow', 'katib']),

  all:: [self.experiment, self.suggestion, self.trial],
}
