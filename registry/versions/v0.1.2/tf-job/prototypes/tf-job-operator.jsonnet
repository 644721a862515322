// @apiVersion 0.1
// @name io.ksonnet.pkg.tf-job-operator
// @description Installs TFJob support: the CustomResourceDefinition tfjobs.kubeflow.org (v1, with a
//   structural schema), the Kubeflow training operator as Deployment tf-job-operator (TFJob only; with
//   its ServiceAccount, ClusterRole and ClusterRoleBinding), ConfigMap tf-job-operator-config and the
//   TFJob dashboard (Service and Deployment tf-job-dashboard). kubeflow-core includes the same objects,
//   so use either this prototype or kubeflow-core in one environment, not both.
// @shortDescription TFJob CRD and the training operator that runs TFJobs.
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace of the operator; null means the environment's namespace.
// @optionalParam cloud string null Cloud the cluster runs on (gke, aks, acsengine, or null). aks and acsengine mount the host's NVIDIA driver paths into the operator and list them in its config.
// @optionalParam tfJobImage string kubeflow/training-operator:v1-855e096 Image of the training operator (v1.7.0, serves kubeflow.org/v1).
// @optionalParam tfDefaultImage string null Default TensorFlow image written to the operator config (informational for the v1 operator).
// @optionalParam tfJobUi string true Whether to deploy the TFJob dashboard (true or false).
// @optionalParam tfJobUiImage string gcr.io/kubeflow-images-public/tf_operator:v20180329-a7511ff Image of the TFJob dashboard.
// @optionalParam tfJobUiServiceType string ClusterIP Service type of tf-job-dashboard (ClusterIP, NodePort or LoadBalancer).
// @optionalParam gangScheduler string null Gang scheduler the operator uses for TFJobs with a schedulingPolicy: volcano, scheduler-plugins, or null for none.

local u = import 'kubeflow/common/util.libsonnet';
local op = import 'kubeflow/tf-job/tf-job-operator.libsonnet';

u.list(op.all(params, u.namespace(params, env)))
