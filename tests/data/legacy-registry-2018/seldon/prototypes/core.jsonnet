// @apiVersion 0.1
// @name io.ksonnet.pkg.seldon
// @description Seldon's cluster manager and redis, the SeldonDeployment resource definition, RBAC
//   for the manager and, optionally, the API front end.
// @shortDescription Seldon core components.
// @param name string Name to give the component
// @optionalParam namespace string null Namespace for the objects; null means the environment's namespace
// @optionalParam withRbac string true Whether to create the service account and cluster role binding
// @optionalParam withApife string false Whether to run the API front end
// @optionalParam apifeImage string seldonio/apife:0.1.5 Image of the API front end
// @optionalParam apifeServiceType string NodePort Service type of the API front end
// @optionalParam operatorImage string seldonio/cluster-manager:0.1.5 Image of the cluster manager
// @optionalParam operatorSpringOpts string null Extra Spring options for the cluster manager
// @optionalParam operatorJavaOpts string null Extra JVM options for the cluster manager
// @optionalParam engineImage string seldonio/engine:0.1.5 Image of the engine the manager starts

local k = import "k.libsonnet";
local core = import "kubeflow/seldon/core.libsonnet";

local namespaceParam = import 'param://namespace';
local namespace = if namespaceParam == "null" then env.namespace else namespaceParam;
local withRbac = import 'param://withRbac';
local withApife = import 'param://withApife';

local parts = core.parts(namespace);

local rbac = if withRbac == "true" then [parts.serviceAccount, parts.clusterRoleBinding] else [];
local frontEnd =
  if withApife == "true" then [
    parts.apife(import 'param://apifeImage', withRbac),
    parts.apifeService(import 'param://apifeServiceType'),
  ] else [];

std.prune(k.core.v1.list.new(rbac + [
  parts.operator(import 'param://operatorImage', import 'param://engineImage',
                 import 'param://operatorSpringOpts', import 'param://operatorJavaOpts', withRbac),
  parts.redisDeployment,
  parts.redisService,
  parts.crd,
] + frontEnd))
