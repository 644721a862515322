// @apiVersion 0.1
// @name io.ksonnet.pkg.pytorch-operator
// @description Installs PyTorchJob support: the CustomResourceDefinition pytorchjobs.kubeflow.org (v1,
//   with a structural schema) and the Kubeflow training operator as Deployment pytorch-operator,
//   restricted to PyTorchJobs, with its ServiceAccount, ClusterRole and ClusterRoleBinding. Needs the
//   tf-job package installed too (it provides the operator library). Independent of tf-job-operator:
//   both can run in one cluster.
// @shortDescription PyTorchJob CRD and the training operator that runs PyTorchJobs.
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace of the operator; null means the environment's namespace.
// @optionalParam disks string null Unused; kept for compatibility with the 2018 prototype.
// @optionalParam cloud string null Cloud the cluster runs on (gke, aks, acsengine, or null). aks and acsengine mount the host's NVIDIA driver paths into the operator.
// @optionalParam pytorchJobImage string kubeflow/training-operator:v1-855e096 Image of the training operator (v1.7.0, serves kubeflow.org/v1).
// @optionalParam pytorchDefaultImage string null Unused by the v1 operator; kept for compatibility with the 2018 prototype.
// @optionalParam gangScheduler string null Gang scheduler the operator uses for PyTorchJobs with a schedulingPolicy: volcano, scheduler-plugins, or null for none.

local u = import 'kubeflow/common/util.libsonnet';
local op = import 'kubeflow/pytorch-job/pytorch-operator.libsonnet';

u.list(op.all(params, u.namespace(params, env)))
