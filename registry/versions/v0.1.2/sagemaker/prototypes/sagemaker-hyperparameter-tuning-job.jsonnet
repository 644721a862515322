// @apiVersion 0.1
// @name io.ksonnet.pkg.sagemaker-hyperparameter-tuning-job
// @description A SageMaker HyperparameterTuningJob (sagemaker.aws.amazon.com/v1): SageMaker runs up
//   to maxNumberOfTrainingJobs training jobs of the given image, maxParallelTrainingJobs at a time,
//   searching parameterRanges to optimise the objective metric. parameterRanges is an object
//   {<hyperparameter>: {type: integer|continuous|categorical, min, max, scaling, values}}, e.g.
//   {"eta": {"type": "continuous", "min": 0.1, "max": 0.5}, "num_round": {"type": "integer", "min": 10, "max": 20}}.
//   Data channels and the model location follow the sagemaker-training-job layout.
// @shortDescription SageMaker hyperparameter tuning job.
// @param name string Name of the HyperparameterTuningJob.
// @param roleArn string SageMaker execution role ARN for the training jobs.
// @param region string AWS region, e.g. us-east-1.
// @param trainingImage string Training container image.
// @param s3Bucket string S3 bucket holding the input channels and receiving the models.
// @param parameterRanges object Hyperparameters to tune, as {name: {type, min, max, scaling, values}}.
// @optionalParam s3Prefix string null Key prefix inside the bucket (null means the bucket root).
// @optionalParam namespace string null Namespace of the object; null leaves it unset.
// @optionalParam staticHyperParameters object {} Fixed hyperparameters passed to every training job.
// @optionalParam objectiveMetric string validation:error Metric the tuning optimises.
// @optionalParam objectiveType string Minimize Minimize or Maximize the objective metric.
// @optionalParam strategy string Bayesian Search strategy: Bayesian or Random.
// @optionalParam earlyStopping string Off Training job early stopping: Off or Auto.
// @optionalParam maxNumberOfTrainingJobs number 10 Total number of training jobs.
// @optionalParam maxParallelTrainingJobs number 2 Training jobs run at the same time.
// @optionalParam channels string train,validation Comma-separated input channel names, each under the prefix.
// @optionalParam instanceType string ml.m4.xlarge ML compute instance type.
// @optionalParam instanceCount number 1 Instances per training job.
// @optionalParam volumeSizeInGB number 5 Size of the ML storage volume per instance, in GB.
// @optionalParam maxRuntimeInSeconds number 3600 Upper limit of each training job, in seconds.
// @optionalParam trainingInputMode string File How the algorithm reads input: File or Pipe.
// @optionalParam contentType string text/csv MIME type of the input channels.

local sagemaker = import "kubeflow/sagemaker/sagemaker.libsonnet";

sagemaker.hyperParameterTuningJob(params)
