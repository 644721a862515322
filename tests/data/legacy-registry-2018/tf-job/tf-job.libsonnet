// Builders for TFJob (kubeflow.org/v1alpha1) objects.
local k = import "k.libsonnet";
local util = import "kubeflow/tf-job/util.libsonnet";

{
  // One entry of spec.replicaSpecs; a replica count of 0 gives {} so std.prune drops it.
  replica(replicaType, number, args, image, numGpus=0)::
    local container = {
      name: "tensorflow",
      image: image,
      args: args,
      [if numGpus > 0 then "resources"]: { limits: { "nvidia.com/gpu": numGpus } },
    };
    if number > 0 then {
      replicas: number,
      tfReplicaType: replicaType,
      template: {
        spec: {
          containers: [container],
          restartPolicy: "OnFailure",
        },
      },
    } else {},

  tfJob(name, namespace, replicas, chief):: {
    apiVersion: "kubeflow.org/v1alpha1",
    kind: "TFJob",
    metadata: {
      name: name,
      namespace: namespace,
    },
    spec: {
      replicaSpecs: replicas,
      terminationPolicy: { chief: chief },
    },
  },

  // Parameters of the generic prototype -> a List holding one TFJob.
  fromParams(params, namespace)::
    local args = util.toArray(params.args);
    local workerImage = if params.num_gpus > 0 then params.image_gpu else params.image;
    local chief =
      if params.num_masters == 1 then { replicaName: "MASTER", replicaIndex: 0 }
      else { replicaName: "WORKER", replicaIndex: 0 };
    k.core.v1.list.new([
      $.tfJob(params.name, namespace, [
        $.replica("MASTER", params.num_masters, args, params.image),
        $.replica("WORKER", params.num_workers, args, workerImage, params.num_gpus),
        $.replica("PS", params.num_ps, args, params.image),
      ], chief),
    ]),
}
