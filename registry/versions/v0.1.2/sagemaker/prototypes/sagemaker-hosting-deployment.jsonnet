// @apiVersion 0.1
// @name io.ksonnet.pkg.sagemaker-hosting-deployment
// @description A SageMaker HostingDeployment (sagemaker.aws.amazon.com/v1): one model (an inference
//   image plus the model artifact in S3) served by a SageMaker endpoint with one production variant.
// @shortDescription SageMaker real-time inference endpoint.
// @param name string Name of the HostingDeployment.
// @param roleArn string Execution role ARN the model runs with.
// @param region string AWS region, e.g. us-east-1.
// @param image string Inference container image.
// @param modelDataUrl string S3 URI of the model artifact (model.tar.gz).
// @optionalParam namespace string null Namespace of the object; null leaves it unset.
// @optionalParam modelName string null Name of the model inside the deployment (null means the component name).
// @optionalParam endpointName string null SageMaker endpoint name (null lets the operator generate one).
// @optionalParam variantName string AllTraffic Name of the production variant.
// @optionalParam instanceType string ml.t2.medium Instance type serving the variant.
// @optionalParam initialInstanceCount number 1 Number of instances serving the variant.
// @optionalParam environment object {} Environment variables of the inference container, {name: value}.

local sagemaker = import "kubeflow/sagemaker/sagemaker.libsonnet";

sagemaker.hostingDeployment(params)
