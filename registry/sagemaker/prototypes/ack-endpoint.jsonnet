// @apiVersion 0.1
// @name io.ksonnet.pkg.ack-endpoint
// @description A SageMaker real-time endpoint as ACK resources (sagemaker.services.k8s.aws/v1alpha1):
//   Model <name> (image and model artifact), EndpointConfig <name> (one production variant) and
//   Endpoint <name>. The ACK counterpart of sagemaker-hosting-deployment.
// @shortDescription SageMaker real-time endpoint (ACK controller).
// @requires the ACK SageMaker controller (sagemaker.services.k8s.aws; Helm chart sagemaker-chart)
// @param name string Name of the Model, EndpointConfig and Endpoint.
// @param roleArn string Execution role ARN the model runs with.
// @param image string Inference container image.
// @param modelDataUrl string S3 URI of the model artifact (model.tar.gz).
// @optionalParam namespace string null Namespace of the objects; null leaves it unset.
// @optionalParam variantName string AllTraffic Name of the production variant.
// @optionalParam instanceType string ml.m5.large Instance type serving the variant.
// @optionalParam initialInstanceCount number 1 Number of instances serving the variant.
// @optionalParam environment object {} Environment variables of the inference container, {name: value}.

local u = import "kubeflow/common/util.libsonnet";
local ack = import "kubeflow/sagemaker/ack.libsonnet";

u.list(ack.endpoint(params))
