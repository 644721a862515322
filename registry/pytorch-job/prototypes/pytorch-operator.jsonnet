// @apiVersion 0.1
// @name io.ksonnet.pkg.pytorch-operator
// @description Installs PyTorchJob support: the CustomResourceDefinition pytorchjobs.kubeflow.org (v1,
//   with a structural schema) and the Kubeflow training operator v1.9.3 as Deployment training-operator
//   (PyTorchJob scheme), with its ServiceAccount, ClusterRole, ClusterRoleBinding and validating
//   webhook (Secret, Service, ValidatingWebhookConfiguration). Needs the tf-job package installed too
//   (it provides the operator library). A cluster runs one training operator: use this prototype,
//   tf-job-operator or kubeflow-core in an environment, not two of them.
// @shortDescription PyTorchJob CRD and the training operator that runs PyTorchJobs.
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace of the operator; null means the environment's namespace.
// @optionalParam disks string null Unused; kept for compatibility with the 2018 prototype.
// @optionalParam cloud string null Cloud the cluster runs on (gke, aks, acsengine, or null). aks and acsengine mount the host's NVIDIA driver paths into the operator.
// @optionalParam pytorchJobImage string kubeflow/training-operator:v1.9.3 Image of the training operator (v1.9.3, serves kubeflow.org/v1).
// @optionalParam pytorchDefaultImage string null Unused by the v1 operator; kept for compatibility with the 2018 prototype.
// @optionalParam gangScheduler string null Gang scheduler the operator uses for PyTorchJobs with a schedulingPolicy: volcano, scheduler-plugins, or null for none.
// @optionalParam webhookFailurePolicy string Fail What the API server does with PyTorchJobs while the operator's webhook does not answer: Fail (refuse them, upstream's setting) or Ignore.

local u = import 'kubeflow/common/util.libsonnet';
local op = import 'kubeflow/pytorch-job/pytorch-operator.libsonnet';

u.list(op.all(params, u.namespace(params, env)))
