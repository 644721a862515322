// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-job
// @description A TensorFlow training job (TFJob v1alpha1) with master, worker and parameter-server
//   replicas of one image.
// @shortDescription A TensorFlow job.
// @param name string Name to give the job
// @optionalParam namespace string null Namespace; null means the environment's namespace
// @optionalParam args string null Comma separated arguments for the containers
// @optionalParam image string null Image of the replicas
// @optionalParam image_gpu string null Image of the workers when they get GPUs
// @optionalParam num_masters number 1 Number of masters
// @optionalParam num_ps number 0 Number of parameter servers
// @optionalParam num_workers number 0 Number of workers
// @optionalParam num_gpus number 0 GPUs per worker

local k = import "k.libsonnet";
local tfJob = import "kubeflow/tf-job/tf-job.libsonnet";

local namespaceParam = import 'param://namespace';
local namespace = if namespaceParam == "null" then env.namespace else namespaceParam;

std.prune(tfJob.fromParams(params, namespace))
