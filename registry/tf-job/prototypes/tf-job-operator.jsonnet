// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-job-operator
// @description Installs TFJob support: the CustomResourceDefinition tfjobs.kubeflow.org (v1, with a
//   structural schema), the Kubeflow training operator v1.9.3 as Deployment training-operator (TFJob
//   scheme; with its ServiceAccount, ClusterRole, ClusterRoleBinding and validating webhook: Secret,
//   Service, ValidatingWebhookConfiguration) and ConfigMap tf-job-operator-config. A cluster runs one
//   training operator: use this prototype, pytorch-operator or kubeflow-core in an environment.
// @shortDescription TFJob CRD and the training operator that runs TFJobs.
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace of the operator; null means the environment's namespace.
// @optionalParam cloud string null Cloud the cluster runs on (gke, aks, acsengine, or null). aks and acsengine mount the host's NVIDIA driver paths into the operator and list them in its config.
// @optionalParam tfJobImage string kubeflow/training-operator:v1.9.3 Image of the training operator (v1.9.3, serves kubeflow.org/v1).
// @optionalParam tfDefaultImage string null Default TensorFlow image written to the operator config (informational for the v1 operator).
// @optionalParam gangScheduler string null Gang scheduler the operator uses for TFJobs with a schedulingPolicy: volcano, scheduler-plugins, or null for none.
// @optionalParam webhookFailurePolicy string Fail What the API server does with TFJobs while the operator's webhook does not answer: Fail (refuse them, upstream's setting) or Ignore.

local u = import 'kubeflow/common/util.libsonnet';
local op = import 'kubeflow/tf-job/tf-job-operator.libsonnet';

u.list(op.all(params, u.namespace(params, env)))
