// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-job
// @description A TensorFlow training job: one TFJob (kubeflow.org/v1) with Chief, PS and Worker replica
//   specs (replica types with count 0 are left out). Workers get num_gpus GPUs each and image_gpu when
//   num_gpus > 0; Chief and PS run on CPU and prefer CPU nodes. Platform options: group pins every pod
//   to the nodes of a resource group, GPU workers require GPU nodes and are packed together, user/group
//   mount the shared storage claims, and scheduler=volcano gang-schedules the job (the training operator
//   creates the PodGroup from spec.runPolicy.schedulingPolicy).
// @shortDescription A TensorFlow training job (TFJob) with chief, parameter servers and workers.
// @param name string Name of the TFJob.
// @optionalParam namespace string null Namespace of the job; null means the environment's namespace.
// @optionalParam args string null Comma-separated arguments of the training container, e.g. --epochs=5,--lr=0.1.
// @optionalParam command string null Comma-separated command of the training container (replaces the image's entrypoint), e.g. python,/opt/train.py; args follow it.
// @optionalParam image string null Training image; null uses tensorflow/tensorflow:2.21.0.
// @optionalParam image_gpu string null Image of GPU workers; null uses image when set, else tensorflow/tensorflow:2.21.0-gpu.
// @optionalParam num_masters number 1 Number of chief replicas (0 or 1).
// @optionalParam num_ps number 0 Number of parameter servers.
// @optionalParam num_workers number 0 Number of workers.
// @optionalParam num_gpus number 0 GPUs per worker (a non-negative integer); > 0 places workers on GPU nodes.
// @optionalParam group string null Resource group: every pod requires nodes labelled <groupLabelKey>=<group>, and the group's storage claim is mounted.
// @optionalParam user string null Owner of the job: mounts claim user-<user> at /mnt/user (and the global claim at /mnt/global).
// @optionalParam globalStorage string true Mount the global claim at /mnt/global when user or group is set (true or false).
// @optionalParam packWorkers string true Prefer to put GPU workers of this job on the same nodes (true or false).
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

local gpus = plat.gpus(params.num_gpus, 'num_gpus');
local masters = u.toCount(params.num_masters, 'num_masters');
local image = u.orDefault(params.image, 'tensorflow/tensorflow:2.21.0');
local imageGpu = u.orDefault(params.image_gpu,
                             if u.isNull(params.image) then 'tensorflow/tensorflow:2.21.0-gpu' else params.image);
local args = u.toArray(params.args);
local command = local c = u.toArray(u.param(params, 'command', null)); if c == [] then null else c;

if masters > 1 then error 'num_masters: a TFJob has at most one chief, got ' + masters
else tj.job('TFJob', 'tfReplicaSpecs', 'tensorflow', params, env, [
  { type: 'Chief', count: masters, image: image, gpus: 0, command: command, args: args },
  { type: 'PS', count: u.toCount(params.num_ps, 'num_ps'), image: image, gpus: 0, command: command, args: args },
  { type: 'Worker', count: u.toCount(params.num_workers, 'num_workers'),
    image: if gpus > 0 then imageGpu else image, gpus: gpus, command: command, args: args },
])
