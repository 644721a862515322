// @apiVersion 0.1
// @name io.ksonnet.pkg.sagemaker-batch-transform-job
// @description A SageMaker BatchTransformJob (sagemaker.aws.amazon.com/v1): runs an existing
//   SageMaker model over the records under inputS3Uri and writes predictions to outputS3Uri.
// @shortDescription SageMaker batch transform job.
// @param name string Name of the BatchTransformJob.
// @param region string AWS region, e.g. us-east-1.
// @param modelName string Name of the SageMaker model to run (e.g. from a training job).
// @param inputS3Uri string S3 URI prefix of the input records.
// @param outputS3Uri string S3 URI prefix receiving the results.
// @optionalParam namespace string null Namespace of the object; null leaves it unset.
// @optionalParam instanceType string ml.m4.xlarge Instance type of the transform.
// @optionalParam instanceCount number 1 Number of transform instances.
// @optionalParam contentType string text/csv MIME type of the input.
// @optionalParam splitType string Line How to split input files into records: None, Line, RecordIO or TFRecord.
// @optionalParam compressionType string None Compression of the input: None or Gzip.
// @optionalParam environment object {} Environment variables of the transform container, {name: value}.

local sagemaker = import "kubeflow/sagemaker/sagemaker.libsonnet";

sagemaker.batchTransformJob(params)
