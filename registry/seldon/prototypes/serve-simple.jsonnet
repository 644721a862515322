// @apiVersion 0.1
// @name io.ksonnet.pkg.seldon-serve-simple
// @description Serves one model with Seldon Core 2: a Model (mlops.seldon.io/v1alpha1) <name> whose
//   artifact at storageUri is loaded on a Server with the requirements' capabilities (by default the
//   shared Server mlserver of the core prototype). With image set, also a Server <name> running that
//   MLServer-compatible image, and the Model is pinned to it. Requests go to Service seldon-mesh
//   (Open Inference Protocol, REST and gRPC) with header Seldon-Model: <name>.
// @shortDescription A Seldon Core 2 Model serving one model artifact.
// @requires Seldon Core 2 (mlops.seldon.io; the core prototype of this package)
// @param name string Name of the Model.
// @param storageUri string Where the model artifact is: gs://BUCKET/PATH, s3://BUCKET/PATH, https://...
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam replicas number 1 Replicas of the model (and of its own Server with image).
// @optionalParam requirements string sklearn Comma-separated capabilities the server needs (sklearn, xgboost, tensorflow, ...).
// @optionalParam memory string null Memory the model needs (e.g. 500Mi); null keeps Seldon's default.
// @optionalParam image string null An MLServer-compatible image for a Server of this model's own; null uses the shared servers.

local u = import 'kubeflow/common/util.libsonnet';
local seldon = import 'kubeflow/seldon/seldon.libsonnet';

u.list(seldon.serveSimple(params, env))
