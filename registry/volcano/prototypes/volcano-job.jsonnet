// @apiVersion 0.1
// @name io.ksonnet.pkg.volcano-job
// @description A Volcano batch Job (batch.volcano.sh/v1alpha1): tasks of `replicas` pods each, all
//   scheduled together by the Volcano scheduler (minAvailable pods start together, or none do), in a
//   queue. The default is one task `worker` running `image` with `command`; `tasks` gives several
//   (e.g. a ps and workers, or an MPI master and workers) as [{name, replicas, image, command, gpus}].
//   The svc and env plugins give every pod the host names and task indexes of the others.
// @shortDescription A gang-scheduled Volcano batch job.
// @requires Volcano (batch.volcano.sh; the volcano prototype of this package)
// @param name string Name of the job.
// @optionalParam namespace string null Namespace of the job; null means the environment's namespace.
// @optionalParam image string busybox:1.36 Image of tasks that name none.
// @optionalParam command string null Comma-separated command of tasks that name none (null: the image's entrypoint).
// @optionalParam replicas number 1 Pods of the default task.
// @optionalParam gpus number 0 GPUs per pod of the default task.
// @optionalParam tasks array null Tasks: [{"name": "ps", "replicas": 1, "image": "...", "command": [...], "gpus": 0}, ...]; null: one task "worker".
// @optionalParam queue string default Volcano queue of the job.
// @optionalParam minAvailable number 0 Pods that must start together; 0 means all of them.
// @optionalParam maxRetry number 3 Restarts of the job before it fails.
// @optionalParam priorityClass string null PriorityClass of the job.

local u = import 'kubeflow/common/util.libsonnet';
local volcano = import 'kubeflow/volcano/volcano.libsonnet';

volcano.job(params, u.namespace(params, env))
