// @apiVersion 0.1
// @name io.ksonnet.pkg.seldon
// @description Seldon Core, the model-serving operator: CRD seldondeployments.machinelearning.seldon.io
//   (v1alpha1, structural schema), Deployment seldon-cluster-manager (the operator, which turns
//   SeldonDeployments into Deployments and Services), Deployment and Service redis, RBAC for the
//   operator (ServiceAccount, ClusterRole and ClusterRoleBinding seldon) when withRbac is true, and the
//   API front end (Deployment and Service seldon-apiserver) when withApife is true.
// @shortDescription Seldon Core model-serving operator.
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam withRbac string true Create the ServiceAccount, ClusterRole and ClusterRoleBinding seldon (true or false).
// @optionalParam withApife string false Deploy the API front end seldon-apiserver (true or false).
// @optionalParam apifeImage string seldonio/apife:0.1.5 Image of the API front end.
// @optionalParam apifeServiceType string NodePort Service type of seldon-apiserver.
// @optionalParam operatorImage string seldonio/cluster-manager:0.1.5 Image of the cluster manager (operator).
// @optionalParam operatorSpringOpts string null SPRING_OPTS of the cluster manager.
// @optionalParam operatorJavaOpts string null JAVA_OPTS of the cluster manager.
// @optionalParam engineImage string seldonio/engine:0.1.5 Image of the engine the operator adds to each predictor.

local u = import 'kubeflow/common/util.libsonnet';
local seldon = import 'kubeflow/seldon/seldon.libsonnet';

u.list(seldon.core(params, env))
