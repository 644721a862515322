// @apiVersion 0.1
// @name io.ksonnet.pkg.seldon-serve-simple
// @description A SeldonDeployment that serves one model image.
// @shortDescription Serve a single model with Seldon.
// @param name string Name of the SeldonDeployment
// @param image string Image holding the model
// @optionalParam namespace string null Namespace; null means the environment's namespace
// @optionalParam replicas number 1 Number of replicas
// @optionalParam endpoint string REST Endpoint type of the model (REST or GRPC)

local k = import "k.libsonnet";
local serve = import "kubeflow/seldon/serve-simple.libsonnet";

local namespaceParam = import 'param://namespace';
local namespace = if namespaceParam == "null" then env.namespace else namespaceParam;

k.core.v1.list.new([
  serve.seldonDeployment(import 'param://name', namespace, import 'param://image',
                         import 'param://replicas', import 'param://endpoint'),
])
