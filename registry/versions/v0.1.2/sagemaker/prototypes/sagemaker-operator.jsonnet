// @apiVersion 0.1
// @name io.ksonnet.pkg.sagemaker-operator
// @description Installs the Amazon SageMaker operator: the six sagemaker.aws.amazon.com/v1 CRDs
//   (TrainingJob, HyperparameterTuningJob, HostingDeployment, BatchTransformJob, Model,
//   EndpointConfig), its namespace, RBAC, the controller Deployment and the ServiceAccount
//   sagemaker-k8s-operator-default annotated with the IAM role the controller assumes (EKS IAM
//   roles for service accounts).
// @shortDescription Amazon SageMaker operator for Kubernetes.
// @param name string Name of the component.
// @param roleArn string ARN of the IAM role the operator assumes through the cluster's OIDC provider.
// @optionalParam namespace string sagemaker-k8s-operator-system Namespace of the operator (null means sagemaker-k8s-operator-system).
// @optionalParam createNamespace string true Whether to emit the Namespace object.
// @optionalParam image string 957583890962.dkr.ecr.us-east-1.amazonaws.com/amazon-sagemaker-operator-for-k8s:v1 Controller image.
// @optionalParam sageMakerEndpoint string null Custom SageMaker API endpoint (https://...); null uses the regional default.

local operator = import "kubeflow/sagemaker/operator.libsonnet";

operator.list(params)
