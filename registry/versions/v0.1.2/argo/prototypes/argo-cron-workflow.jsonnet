// @apiVersion 0.1
// @name io.ksonnet.pkg.argo-cron-workflow
// @description An Argo CronWorkflow (argoproj.io/v1alpha1) that starts a Workflow of the given steps on a
//   cron schedule, e.g. for scheduled retraining. `steps` and the platform params work as in
//   argo-workflow. A schedule with spaces ("0 3 * * 1") is set with param set after generate; the
//   default @daily needs no quoting.
// @shortDescription A scheduled Argo Workflow (CronWorkflow).
// @param name string Name of the CronWorkflow.
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam schedule string @daily Cron schedule: five cron fields or @hourly, @daily, @weekly, @monthly.
// @optionalParam timezone string null IANA time zone of the schedule (e.g. Europe/Berlin); null for the controller's.
// @optionalParam concurrencyPolicy string Forbid What to do when a run is still going at the next time: Allow, Forbid or Replace.
// @optionalParam suspend string false Suspend the schedule (true or false).
// @optionalParam successfulJobsHistoryLimit number 3 Finished successful workflows to keep.
// @optionalParam failedJobsHistoryLimit number 1 Failed workflows to keep.
// @optionalParam steps array [{"name":"hello","command":["echo","hello"]}] Steps as a JSON array (see argo-workflow).
// @optionalParam image string busybox:1.36 Image of steps that name none.
// @optionalParam serviceAccountName string null ServiceAccount the workflow's pods run as; null for the namespace default.
// @optionalParam group string null Resource group: every step requires nodes labelled <groupLabelKey>=<group>; mounts the group's claim.
// @optionalParam user string null Owner: mounts claim user-<user> at /mnt/user (and the global claim at /mnt/global).
// @optionalParam globalStorage string true Mount the global claim at /mnt/global when user or group is set (true or false).
// @optionalParam groupLabelKey string platform/group Node label key holding a node's resource group.
// @optionalParam gpuLabelKey string nvidia.com/gpu.present Node label key marking GPU nodes.
// @optionalParam gpuLabelValue string true Value of gpuLabelKey on GPU nodes.

local argo = import 'kubeflow/argo/argo.libsonnet';

argo.cronWorkflow(params, env)
