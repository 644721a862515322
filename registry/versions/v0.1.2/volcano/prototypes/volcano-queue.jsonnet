// @apiVersion 0.1
// @name io.ksonnet.pkg.volcano-queue
// @description A Volcano Queue (scheduling.volcano.sh/v1beta1, cluster scoped) for a team or
//   project: its weight sets its share of the cluster, capability caps its CPU, memory and GPUs,
//   and reclaimable lets other queues take back resources it uses beyond its share. Jobs select it
//   with their `queue` param.
// @shortDescription Volcano queue with weight and capability.
// @param name string Name of the queue.
// @optionalParam weight number 1 Share of the cluster relative to other queues (positive integer).
// @optionalParam cpu string null CPU capability, e.g. 64 (null: no cap).
// @optionalParam memory string null Memory capability, e.g. 256Gi (null: no cap).
// @optionalParam gpus string null GPU capability, a non-negative integer (null: no cap; 0: no GPUs).
// @optionalParam reclaimable string true Whether other queues may reclaim resources lent by this queue.

local volcano = import 'kubeflow/volcano/volcano.libsonnet';

volcano.queue(params)
