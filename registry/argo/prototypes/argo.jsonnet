// @apiVersion 0.1
// @name io.ksonnet.pkg.argo
// @description Argo Workflows: the CRDs of argoproj.io/v1alpha1 (Workflow, CronWorkflow, WorkflowTemplate,
//   ClusterWorkflowTemplate and the controller's internal kinds), ConfigMap workflow-controller-configmap,
//   Deployment workflow-controller with ServiceAccount, ClusterRole and ClusterRoleBinding argo, and the
//   Argo UI (argo server) as Deployment and Service argo-ui with ServiceAccount, ClusterRole and
//   ClusterRoleBinding argo-ui.
// @shortDescription Argo Workflows controller, UI and CRDs.
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam workflowControllerImage string quay.io/argoproj/workflow-controller:v3.7.14 Image of the workflow controller.
// @optionalParam executorImage string quay.io/argoproj/argoexec:v3.7.14 Image of the executor the controller adds to workflow pods.
// @optionalParam uiImage string quay.io/argoproj/argocli:v3.7.14 Image of the Argo server (UI).
// @optionalParam uiServiceType string NodePort Service type of argo-ui.
// @optionalParam imageTag string null Tag for all three images at once (the v0.2 param); null keeps the image params.

local u = import 'kubeflow/common/util.libsonnet';
local argo = import 'kubeflow/argo/argo.libsonnet';

u.list(argo.install(params, env))
