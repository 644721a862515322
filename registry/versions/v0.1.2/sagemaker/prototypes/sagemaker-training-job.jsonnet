// @apiVersion 0.1
// @name io.ksonnet.pkg.sagemaker-training-job
// @description A SageMaker TrainingJob (sagemaker.aws.amazon.com/v1) run by the SageMaker operator.
//   Input channels are read from s3://<s3Bucket>/<s3Prefix>/<channel>/ and the model is written to
//   s3://<s3Bucket>/<s3Prefix>/models/. hyperParameters is an object whose values are passed to
//   SageMaker as strings, sorted by name.
// @shortDescription SageMaker training job.
// @param name string Name of the TrainingJob.
// @param roleArn string SageMaker execution role ARN (the role SageMaker assumes to run the job).
// @param region string AWS region of the job, e.g. us-east-1.
// @param trainingImage string Training container image (algorithm image in ECR).
// @param s3Bucket string S3 bucket holding the input channels and receiving the model.
// @optionalParam s3Prefix string null Key prefix inside the bucket (null means the bucket root).
// @optionalParam namespace string null Namespace of the object; null leaves it unset (the environment's namespace at apply).
// @optionalParam hyperParameters object {} Hyperparameters as an object {name: value}; values become strings.
// @optionalParam channels string train,validation Comma-separated input channel names, each under the prefix.
// @optionalParam instanceType string ml.m4.xlarge ML compute instance type.
// @optionalParam instanceCount number 1 Number of training instances.
// @optionalParam volumeSizeInGB number 5 Size of the ML storage volume per instance, in GB.
// @optionalParam maxRuntimeInSeconds number 86400 Upper limit of the training time, in seconds.
// @optionalParam trainingInputMode string File How the algorithm reads input: File or Pipe.
// @optionalParam contentType string text/csv MIME type of the input channels.
// @optionalParam compressionType string None Compression of the input channels: None or Gzip.

local sagemaker = import "kubeflow/sagemaker/sagemaker.libsonnet";

sagemaker.trainingJob(params)
