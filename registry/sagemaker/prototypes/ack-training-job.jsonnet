// @apiVersion 0.1
// @name io.ksonnet.pkg.ack-training-job
// @description A SageMaker training job as an ACK resource (TrainingJob,
//   sagemaker.services.k8s.aws/v1alpha1), run by the AWS Controllers for Kubernetes SageMaker
//   controller, which AWS recommends over the SageMaker Operators for Kubernetes. Same inputs as
//   sagemaker-training-job: channels read from s3://<s3Bucket>/<s3Prefix>/<channel>/, the model written
//   to s3://<s3Bucket>/<s3Prefix>/models/, hyperParameters passed as strings.
// @shortDescription SageMaker training job (ACK controller).
// @requires the ACK SageMaker controller (sagemaker.services.k8s.aws; Helm chart sagemaker-chart)
// @param name string Name of the TrainingJob (also the SageMaker job name).
// @param roleArn string SageMaker execution role ARN (the role SageMaker assumes to run the job).
// @param trainingImage string Training container image.
// @param s3Bucket string S3 bucket holding the input channels and receiving the model.
// @optionalParam s3Prefix string null Key prefix inside the bucket (null means the bucket root).
// @optionalParam namespace string null Namespace of the object; null leaves it unset (the environment's namespace at apply).
// @optionalParam hyperParameters object {} Hyperparameters as an object {name: value}; values become strings.
// @optionalParam channels string train,validation Comma-separated input channel names, each under the prefix.
// @optionalParam instanceType string ml.m5.xlarge ML compute instance type.
// @optionalParam instanceCount number 1 Number of training instances.
// @optionalParam volumeSizeInGB number 5 Size of the ML storage volume per instance, in GB.
// @optionalParam maxRuntimeInSeconds number 86400 Upper limit of the training time, in seconds.
// @optionalParam trainingInputMode string File How the algorithm reads input: File or Pipe.
// @optionalParam contentType string text/csv MIME type of the input channels.

local ack = import "kubeflow/sagemaker/ack.libsonnet";

ack.trainingJob(params)
