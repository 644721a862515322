// @apiVersion 0.1
// @name io.ksonnet.pkg.seldon-serve-simple
// @description Serves one model image with Seldon Core: a SeldonDeployment (machinelearning.seldon.io/v1alpha1)
//   <name> with one predictor whose graph is a single MODEL unit (REST or GRPC endpoint). With pvcName
//   set, also a PersistentVolumeClaim of that name, mounted at /mnt in the model container.
// @shortDescription A SeldonDeployment serving a single model image.
// @param name string Name of the SeldonDeployment.
// @param image string Docker image of the model (built with Seldon's wrappers).
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam replicas number 1 Replicas of the predictor.
// @optionalParam endpoint string REST Endpoint type of the model: REST or GRPC.
// @optionalParam pvcName string null Name of a PersistentVolumeClaim to create and mount at /mnt; null for none.
// @optionalParam pvcSize string 10Gi Size of that claim.

local u = import 'kubeflow/common/util.libsonnet';
local seldon = import 'kubeflow/seldon/seldon.libsonnet';

u.list(seldon.serveSimple(params, env))
