// @apiVersion 0.1
// @name io.ksonnet.pkg.kubeflow-core
// @description The TFJob custom resource with its operator, dashboard Service and RBAC, plus an
//   optional anonymous usage reporter.
// @shortDescription TFJob operator, dashboard and usage reporting.
// @param name string Name to give the component
// @optionalParam namespace string null Namespace for the objects; null means the environment's namespace
// @optionalParam cloud string null Cloud the cluster runs on (aks and acsengine mount GPU drivers)
// @optionalParam tfJobImage string gcr.io/kubeflow-images-public/tf_operator:v20180329-a7511ff Operator image
// @optionalParam tfDefaultImage string null TensorFlow image for jobs that do not name one
// @optionalParam tfJobUiServiceType string ClusterIP Service type of the TFJob dashboard
// @optionalParam reportUsage string false Whether to run the usage reporter
// @optionalParam usageId string unknown_cluster Cluster id sent by the usage reporter

local k = import "k.libsonnet";
local all = import "kubeflow/core/all.libsonnet";

local namespace = import 'param://namespace';

// An explicit namespace param wins over the environment's.
local resolved = params + {
  namespace: if namespace == "null" then env.namespace else namespace,
};

std.prune(k.core.v1.list.new(all.parts(resolved).all))
