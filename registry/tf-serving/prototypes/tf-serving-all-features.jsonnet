// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-serving
// @description TensorFlow Serving 2.19.1: Deployment <name> running tensorflow_model_server with gRPC on
//   8500 and REST on 8501 (--model_name, --model_base_path=<modelPath>), and Service <name> (port 9000
//   gRPC and 8000 REST, as in 2018). The model is read from GCS (gs://..., credentials from a secret with
//   cloud=gcp), copied from S3 (s3://..., an init container with the AWS CLI; credentials with
//   s3Enable) or read from a PersistentVolumeClaim mounted at /mnt (modelStorageType=nfs, nfsPVC).
//   numGpus > 0 uses the GPU image. Any other key of the library (defaultCpuImage, s3Endpoint, ...) can
//   be set with param set as well.
// @shortDescription TensorFlow Serving Deployment and Service for one model.
// @param name string Name of the Deployment and Service.
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam modelName string null Name the model is served under; null means the component's name.
// @optionalParam modelPath string null Base path of the model (gs://..., s3://... or a path under /mnt with nfs); null means /models/<modelName>.
// @optionalParam modelStorageType string cloud Where the model lives: cloud (object storage) or nfs (the claim nfsPVC, mounted at /mnt).
// @optionalParam nfsPVC string null PersistentVolumeClaim holding the model, mounted at /mnt (with modelStorageType=nfs).
// @optionalParam numGpus number 0 GPUs for the model server (a non-negative integer); > 0 uses defaultGpuImage and GPU nodes.
// @optionalParam serviceType string ClusterIP Type of the Service (ClusterIP, NodePort or LoadBalancer).
// @optionalParam cloud string null gcp mounts the secret gcpCredentialSecretName and sets GOOGLE_APPLICATION_CREDENTIALS.
// @optionalParam gcpCredentialSecretName string null Secret with the GCP service-account key (with cloud=gcp).
// @optionalParam s3Enable string false Copy an s3:// model with the credentials in s3SecretName (true or false; false uses the pod's own identity, e.g. IRSA).
// @optionalParam s3SecretName string null Secret with the S3 access key id and secret key.
// @optionalParam s3AwsRegion string us-west-1 S3 region.
// @optionalParam s3Endpoint string s3.us-west-1.amazonaws.com S3 endpoint.
// @optionalParam defaultCpuImage string tensorflow/serving:2.19.1 Model server image without GPUs.
// @optionalParam defaultGpuImage string tensorflow/serving:2.19.1-gpu Model server image with GPUs.
// @optionalParam s3FetchImage string amazon/aws-cli:2.37.5 Image of the init container copying an s3:// model.
// @optionalParam group string null Resource group: the pod requires nodes labelled platform/group=<group>.

local tfServing = import 'kubeflow/tf-serving/tf-serving.libsonnet';
local u = import 'kubeflow/common/util.libsonnet';

u.list(tfServing.all(params, env))
