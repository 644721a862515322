// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-serving
// @description TensorFlow Serving: Deployment <name> running tensorflow_model_server on port 9000 with
//   --model_name and --model_base_path=<modelPath>, optionally with an HTTP proxy sidecar on port 8000,
//   and Service <name> (ports 9000 and 8000, Ambassador routes /models/<name>/). The model is read from
//   cloud storage (modelStorageType=cloud; GCS credentials from a secret with cloud=gcp, or S3 with
//   s3Enable) or from a PersistentVolumeClaim mounted at /mnt (modelStorageType=nfs, nfsPVC). Any
//   other key of the library (defaultCpuImage, s3Endpoint, ...) can be set with param set as well.
// @shortDescription TensorFlow Serving Deployment and Service for one model.
// @param name string Name of the Deployment and Service.
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam modelName string null Name the model is served under; null means the component's name.
// @optionalParam modelPath string null Base path of the model (gs://..., s3://... or a path under /mnt with nfs); null means /models/<modelName>.
// @optionalParam modelStorageType string cloud Where the model lives: cloud (object storage) or nfs (the claim nfsPVC, mounted at /mnt).
// @optionalParam nfsPVC string null PersistentVolumeClaim holding the model, mounted at /mnt (with modelStorageType=nfs).
// @optionalParam numGpus number 0 GPUs for the model server (a non-negative integer); > 0 uses defaultGpuImage and GPU nodes.
// @optionalParam deployHttpProxy string false Add the HTTP-to-gRPC proxy container on port 8000 (true or false).
// @optionalParam serviceType string ClusterIP Type of the Service (ClusterIP, NodePort or LoadBalancer).
// @optionalParam cloud string null gcp mounts the secret gcpCredentialSecretName and sets GOOGLE_APPLICATION_CREDENTIALS.
// @optionalParam gcpCredentialSecretName string null Secret with the GCP service-account key (with cloud=gcp).
// @optionalParam s3Enable string false Read the model from S3 with credentials from s3SecretName (true or false).
// @optionalParam s3SecretName string null Secret with the S3 access key id and secret key.
// @optionalParam s3AwsRegion string us-west-1 S3 region.
// @optionalParam s3Endpoint string s3.us-west-1.amazonaws.com S3 endpoint.
// @optionalParam defaultCpuImage string gcr.io/kubeflow-images-public/tf-model-server-cpu:v20180327-995786ec Model server image without GPUs.
// @optionalParam defaultGpuImage string gcr.io/kubeflow-images-public/tf-model-server-gpu:v20180327-995786ec Model server image with GPUs.
// @optionalParam httpProxyImage string gcr.io/kubeflow-images-public/tf-model-server-http-proxy:v20180327-995786ec HTTP proxy image.
// @optionalParam group string null Resource group: the pod requires nodes labelled platform/group=<group>.

local tfServing = import 'kubeflow/tf-serving/tf-serving.libsonnet';
local u = import 'kubeflow/common/util.libsonnet';

u.list(tfServing.all(params, env))
