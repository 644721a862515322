// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-cnn
// @description The TensorFlow CNN benchmarks as a TFJob with workers and parameter servers.
// @shortDescription TensorFlow CNN benchmark job.
// @param name string Name to give the job
// @optionalParam namespace string null Namespace; null means the environment's namespace
// @optionalParam batch_size number 32 Batch size per device
// @optionalParam model string resnet50 Model to train
// @optionalParam num_gpus number 0 GPUs per worker; 0 runs on CPU
// @optionalParam image string gcr.io/kubeflow/tf-benchmarks-cpu:v20171202-bdab599-dirty-284af3 CPU image
// @optionalParam image_gpu string gcr.io/kubeflow/tf-benchmarks-gpu:v20171202-bdab599-dirty-284af3 GPU image
// @optionalParam num_ps number 1 Number of parameter servers
// @optionalParam num_workers number 1 Number of workers

local k = import "k.libsonnet";

// Aliases the 2018 file bound; only some of them are used.
local deployment = k.extensions.v1beta1.deployment;
local container = deployment.mixin.spec.template.spec.containersType;
local podTemplate = k.extensions.v1beta1.podTemplate;

local name = import 'param://name';
local namespaceParam = import 'param://namespace';
local namespace = if namespaceParam == "null" then env.namespace else namespaceParam;
local numGpus = import 'param://num_gpus';
local numPs = import 'param://num_ps';
local numWorkers = import 'param://num_workers';

local args = [
  "python",
  "tf_cnn_benchmarks.py",
  "--batch_size=" + (import 'param://batch_size'),
  "--model=" + (import 'param://model'),
  "--variable_update=parameter_server",
  "--flush_stdout=true",
] + if numGpus == 0 then [
  "--num_gpus=1",
  "--local_parameter_device=cpu",
  "--device=cpu",
  "--data_format=NHWC",
] else [
  "--num_gpus=" + numGpus,
];

local image = if numGpus == 0 then import 'param://image' else import 'param://image_gpu';

local replica(replicaType, number, gpus) = {
  replicas: number,
  tfReplicaType: replicaType,
  template: {
    spec: {
      containers: [
        container.new("tensorflow", image)
        + container.withArgs(args)
        + container.withWorkingDir("/opt/tf-benchmarks/scripts/tf_cnn_benchmarks")
        + (if gpus > 0 then container.mixin.resources.withLimits({ "nvidia.com/gpu": gpus }) else {}),
      ],
      restartPolicy: "OnFailure",
    },
  },
};

if numWorkers < 1 then error "num_workers must be >= 1"
else if numPs < 1 then error "num_ps must be >= 1"
else {
  apiVersion: "kubeflow.org/v1alpha1",
  kind: "TFJob",
  metadata: {
    name: name,
    namespace: namespace,
  },
  spec: {
    replicaSpecs: [replica("WORKER", numWorkers, numGpus), replica("PS", numPs, 0)],
    terminationPolicy: { chief: { replicaName: "WORKER", replicaIndex: 0 } },
    tfImage: image,
  },
}
