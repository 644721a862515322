// @apiVersion 0.1
// @name io.ksonnet.pkg.argo-workflow
// @description An Argo Workflow (argoproj.io/v1alpha1) running a list of steps. `steps` is a JSON array:
//   each item is a step {"name", "image", "command", "args", "env", "gpus"} (all but name optional) or an
//   array of such steps that run in parallel; items run in order. Each step becomes a container
//   template; the entry template `main` sequences them. Steps with gpus > 0 require GPU nodes; group
//   pins every step to the group's nodes; user/group mount the shared storage claims in every step.
// @shortDescription An Argo Workflow made of sequential (or parallel) container steps.
// @param name string Name of the Workflow.
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam steps array [{"name":"hello","command":["echo","hello"]}] Steps as a JSON array (see the description).
// @optionalParam image string busybox:1.36 Image of steps that name none.
// @optionalParam serviceAccountName string null ServiceAccount the workflow's pods run as; null for the namespace default.
// @optionalParam group string null Resource group: every step requires nodes labelled <groupLabelKey>=<group>; mounts the group's claim.
// @optionalParam user string null Owner: mounts claim user-<user> at /mnt/user (and the global claim at /mnt/global).
// @optionalParam globalStorage string true Mount the global claim at /mnt/global when user or group is set (true or false).
// @optionalParam groupLabelKey string platform/group Node label key holding a node's resource group.
// @optionalParam gpuLabelKey string nvidia.com/gpu.present Node label key marking GPU nodes.
// @optionalParam gpuLabelValue string true Value of gpuLabelKey on GPU nodes.

local argo = import 'kubeflow/argo/argo.libsonnet';

argo.workflow(params, env)
