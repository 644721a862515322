// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-cnn
// @description TensorFlow CNN benchmarks (tf_cnn_benchmarks.py) as a TFJob (kubeflow.org/v1) with
//   Worker and PS replicas using parameter-server variable updates. With num_gpus > 0 the workers use
//   image_gpu and that many GPUs each; otherwise they run on CPU. Takes the same platform options as
//   tf-job (group, user, scheduler=volcano, ...).
// @shortDescription TensorFlow CNN benchmarks as a distributed TFJob.
// @param name string Name of the TFJob.
// @optionalParam namespace string null Namespace of the job; null means the environment's namespace.
// @optionalParam batch_size number 32 Batch size per device.
// @optionalParam model string resnet50 Model to benchmark (resnet50, inception3, vgg16, alexnet, ...).
// @optionalParam num_gpus number 0 GPUs per worker (a non-negative integer); 0 runs on CPU.
// @optionalParam image string gcr.io/kubeflow/tf-benchmarks-cpu:v20171202-bdab599-dirty-284af3 Image for CPU replicas.
// @optionalParam image_gpu string gcr.io/kubeflow/tf-benchmarks-gpu:v20171202-bdab599-dirty-284af3 Image for GPU workers.
// @optionalParam num_ps number 1 Number of parameter servers (at least 1).
// @optionalParam num_workers number 1 Number of workers (at least 1).
// @optionalParam group string null Resource group: every pod requires nodes labelled <groupLabelKey>=<group>, and the group's storage claim is mounted.
// @optionalParam user string null Owner of the job: mounts claim user-<user> at /mnt/user (and the global claim at /mnt/global).
// @optionalParam globalStorage string true Mount the global claim at /mnt/global when user or group is set (true or false).
// @optionalParam packWorkers string true Prefer to put GPU workers of this job on the same nodes (true or false).
// @optionalParam scheduler string null Scheduler of the pods: null for the default one, volcano for gang scheduling.
// @optionalParam queue string null Volcano queue of the job (with scheduler=volcano).
// @optionalParam minAvailable number 0 Pods that must start together with scheduler=volcano; 0 means all replicas.
// @optionalParam priorityClass string null PriorityClass of the job's PodGroup (with scheduler=volcano).
// @optionalParam groupLabelKey string platform/group Node label key holding a node's resource group.
// @optionalParam gpuLabelKey string nvidia.com/gpu.present Node label key marking GPU nodes.
// @optionalParam gpuLabelValue string true Value of gpuLabelKey on GPU nodes.

local u = import 'kubeflow/common/util.libsonnet';
local plat = import 'kubeflow/common/platform.libsonnet';
local tj = import 'kubeflow/tf-job/training-job.libsonnet';

local gpus = plat.gpus(params.num_gpus, 'num_gpus');
local numPs = u.toCount(params.num_ps, 'num_ps');
local numWorkers = u.toCount(params.num_workers, 'num_workers');
local args = [
  'python',
  'tf_cnn_benchmarks.py',
  '--batch_size=' + params.batch_size,
  '--model=' + params.model,
  '--variable_update=parameter_server',
  '--flush_stdout=true',
] + (
  if gpus == 0 then ['--num_gpus=1', '--local_parameter_device=cpu', '--device=cpu', '--data_format=NHWC']
  else ['--num_gpus=' + gpus]
);
local workingDir = '/opt/tf-benchmarks/scripts/tf_cnn_benchmarks';

if numWorkers < 1 then error 'num_workers: tf-cnn needs at least one worker, got ' + numWorkers
else if numPs < 1 then error 'num_ps: tf-cnn needs at least one parameter server, got ' + numPs
else tj.job('TFJob', 'tfReplicaSpecs', 'tensorflow', params, env, [
  { type: 'Worker', count: numWorkers, image: if gpus > 0 then params.image_gpu else params.image,
    gpus: gpus, args: args, workingDir: workingDir },
  { type: 'PS', count: numPs, image: params.image, gpus: 0, args: args, workingDir: workingDir },
])
