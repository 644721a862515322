// @apiVersion 0.1
// @name io.ksonnet.pkg.pytorch-job
// @description A distributed PyTorch training job: one PyTorchJob (kubeflow.org/v1) with Master and
//   Worker replica specs (container "pytorch"; replica types with count 0 are left out). With
//   num_gpus > 0 every replica gets that many GPUs, image_gpu (when set) and required affinity to GPU
//   nodes, and the job's GPU pods prefer to share nodes. Platform options as in tf-job: group, user
//   storage, and scheduler=volcano gang scheduling through spec.runPolicy.schedulingPolicy.
// @shortDescription A distributed PyTorch training job (PyTorchJob) with master and workers.
// @param name string Name of the PyTorchJob.
// @optionalParam namespace string null Namespace of the job; null means the environment's namespace.
// @optionalParam args string null Comma-separated arguments of the training container.
// @optionalParam command string null Comma-separated command of the training container (replaces the image's entrypoint), e.g. python,/opt/train.py; args follow it.
// @optionalParam image string pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime Training image (give command/args to run your script in it, or use your own image).
// @optionalParam image_gpu string null Image used when num_gpus > 0; null uses image.
// @optionalParam num_masters number 1 Number of master replicas (0 or 1).
// @optionalParam num_ps number 0 Unused (PyTorch has no parameter servers); kept for compatibility.
// @optionalParam num_workers number 0 Number of workers.
// @optionalParam num_gpus number 0 GPUs per replica (a non-negative integer); > 0 places the pods on GPU nodes.
// @optionalParam group string null Resource group: every pod requires nodes labelled <groupLabelKey>=<group>, and the group's storage claim is mounted.
// @optionalParam user string null Owner of the job: mounts claim user-<user> at /mnt/user (and the global claim at /mnt/global).
// @optionalParam globalStorage string true Mount the global claim at /mnt/global when user or group is set (true or false).
// @optionalParam packWorkers string true Prefer to put the job's GPU pods on the same nodes (true or false).
// @optionalParam scheduler string null Scheduler of the pods: null for the default one, volcano for gang scheduling.
// @optionalParam queue string null Volcano queue of the job (with scheduler=volcano).
// @optionalParam minAvailable number 0 Pods that must start together with scheduler=volcano; 0 means all replicas.
// @optionalParam priorityClass string null PriorityClass of the job's PodGroup (with scheduler=volcano).
// @optionalParam cleanPodPolicy string null Pods to delete when the job ends: All, Running or None (null keeps the operator default).
// @optionalParam groupLabelKey string platform/group Node label key holding a node's resource group.
// @optionalParam gpuLabelKey string nvidia.com/gpu.present Node label key marking GPU nodes.
// @optionalParam gpuLabelValue string true Value of gpuLabelKey on GPU nodes.

local u = import 'kubeflow/common/util.libsonnet';
local plat = import 'kubeflow/common/platform.libsonnet';
local tj = import 'kubeflow/tf-job/training-job.libsonnet';

// The v0.3 camelCase names (numMasters, numWorkers, numGpus, imageGpu) are accepted when set.
local gpus = plat.gpus(u.param(params, 'numGpus', params.num_gpus), 'num_gpus');
local masters = u.toCount(u.param(params, 'numMasters', params.num_masters), 'num_masters');
local workers = u.toCount(u.param(params, 'numWorkers', params.num_workers), 'num_workers');
local image = params.image;
local imageGpu = u.orDefault(u.param(params, 'imageGpu', params.image_gpu), image);
local img = if gpus > 0 then imageGpu else image;
local args = u.toArray(params.args);
local command = local c = u.toArray(u.param(params, 'command', null)); if c == [] then null else c;

if masters > 1 then error 'num_masters: a PyTorchJob has at most one master, got ' + masters
else tj.job('PyTorchJob', 'pytorchReplicaSpecs', 'pytorch', params, env, [
  { type: 'Master', count: masters, image: img, gpus: gpus, command: command, args: args },
  { type: 'Worker', count: workers, image: img, gpus: gpus, command: command, args: args },
])
