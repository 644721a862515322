local env = std.extVar("__ksonnet/environments");
local params = std.extVar("__ksonnet/params").components["mnist-train"];

local u = import 'kubeflow/common/util.libsonnet';
local plat = import 'kubeflow/common/platform.libsonnet';
local tj = import 'kubeflow/tf-job/training-job.libsonnet';

local gpus = plat.gpus(params.num_gpus, 'num_gpus');
local masters = u.toCount(params.num_masters, 'num_masters');
local image = u.orDefault(params.image, 'tensorflow/tensorflow:2.15.0');
local imageGpu = u.orDefault(params.image_gpu,
                             if u.isNull(params.image) then 'tensorflow/tensorflow:2.15.0-gpu' else params.image);
local args = u.toArray(params.args);

if masters > 1 then error 'num_masters: a TFJob has at most one chief, got ' + masters
else tj.job('TFJob', 'tfReplicaSpecs', 'tensorflow', params, env, [
  { type: 'Chief', count: masters, image: image, gpus: 0, args: args },
  { type: 'PS', count: u.toCount(params.num_ps, 'num_ps'), image: image, gpus: 0, args: args },
  { type: 'Worker', count: u.toCount(params.num_workers, 'num_workers'),
    image: if gpus > 0 then imageGpu else image, gpus: gpus, args: args },
])
