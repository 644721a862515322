// @apiVersion 0.1
// @name io.ksonnet.pkg.katib-experiment
// @description A Katib Experiment (kubeflow.org/v1beta1): searches `parameters` with `algorithm`
//   to maximize or minimize `objectiveMetric`, running up to maxTrialCount trials,
//   parallelTrialCount at a time. Each trial runs a job built by the job package named by
//   `trialKind` (mpi-job, tf-job or pytorch-job) from `trialParams` (that package's params, e.g.
//   {"image": "...", "command": ["python", "/mnt/user/train.py"], "workers": 2}); every search
//   parameter is appended to the job's arguments as --<name>=${trialParameters.<name>}.
// @shortDescription Katib hyperparameter search over one of the registry's training jobs.
// @param name string Name of the Experiment.
// @param parameters array Search space: [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}}, ...].
// @optionalParam namespace string null Namespace (null means the environment's namespace).
// @optionalParam objectiveType string maximize maximize or minimize.
// @optionalParam objectiveMetric string accuracy Metric the search optimises (printed by the trials as name=value).
// @optionalParam goal string null Objective value at which the experiment stops (null: run all trials).
// @optionalParam additionalMetrics string null Further metrics to collect, comma-separated.
// @optionalParam algorithm string random Search algorithm: random, grid, bayesianoptimization, tpe, multivariate-tpe, cmaes, sobol, hyperband.
// @optionalParam algorithmSettings object {} Algorithm settings as {name: value}.
// @optionalParam parallelTrialCount number 3 Trials run at the same time.
// @optionalParam maxTrialCount number 12 Trials run in total.
// @optionalParam maxFailedTrialCount number 3 Failed trials after which the experiment fails.
// @optionalParam metricsCollector string StdOut How metrics are collected: StdOut, File, TensorFlowEvent, None.
// @optionalParam trialKind string mpi-job Job package building each trial: mpi-job, tf-job or pytorch-job.
// @optionalParam trialParams object {} Params of that job package for every trial.
// @optionalParam parameterArgs string true Append --<name>=${trialParameters.<name>} for every search parameter to the job's arguments.
// @optionalParam group string null Resource group of the trial jobs (passed to the job package).
// @optionalParam user string null Owner of the trial jobs (storage mounts; passed to the job package).
// @optionalParam scheduler string null Scheduler of the trial jobs (volcano for gang scheduling).
// @optionalParam queue string null Volcano queue of the trial jobs.

local experiment = import 'kubeflow/katib/experiment.libsonnet';

experiment.experiment(params, env)
