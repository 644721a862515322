// @apiVersion 0.1
// @name io.ksonnet.pkg.volcano
// @description Installs the Volcano batch scheduler: the scheduler (Deployment, ServiceAccount, RBAC,
//   ConfigMap with volcano-scheduler.conf, metrics Service), the controller manager (Volcano jobs,
//   PodGroups, queues, job GC) and the CRDs Queue and PodGroup (scheduling.volcano.sh/v1beta1),
//   Job (batch.volcano.sh/v1alpha1), Command (bus.volcano.sh/v1alpha1) and Numatopology
//   (nodeinfo.volcano.sh/v1alpha1), plus the `default` queue. Pods opt in with
//   schedulerName: volcano. The admission webhooks are not installed (they need TLS certificates
//   generated at install time); ValidatingAdmissionPolicies evaluated by the API server take over
//   their main checks. See the package README.
// @shortDescription Volcano batch scheduler (gang scheduling, queues).
// @param name string Name of the component.
// @optionalParam namespace string volcano-system Namespace of the scheduler and controllers.
// @optionalParam createNamespace string true Whether to emit the Namespace object.
// @optionalParam schedulerImage string volcanosh/vc-scheduler:v1.11.0 Scheduler image.
// @optionalParam controllerImage string volcanosh/vc-controller-manager:v1.11.0 Controller manager image.
// @optionalParam schedulerName string volcano Scheduler name pods use to opt in.
// @optionalParam actions string enqueue,allocate,backfill Scheduling actions, in order (comma-separated).
// @optionalParam binpack string true Enable the binpack plugin (fill nodes before using new ones).
// @optionalParam schedulerConf string null Complete volcano-scheduler.conf text replacing the generated one.
// @optionalParam controllers string gc-controller,job-controller,pg-controller,queue-controller Controllers the controller manager runs.
// @optionalParam defaultQueue string true Emit the `default` Queue (weight 1, reclaimable).
// @optionalParam admissionPolicies string true Install ValidatingAdmissionPolicies (CEL, no certificates) checking Volcano jobs and protecting the default queue.
// @optionalParam logLevel number 3 Log verbosity of scheduler and controllers.

local volcano = import 'kubeflow/volcano/volcano.libsonnet';

volcano.list(params, env)
