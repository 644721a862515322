// @apiVersion 0.1
// @name io.ksonnet.pkg.inference-service
// @description One KServe InferenceService (serving.kserve.io/v1beta1) serving the model at storageUri
//   with the runtime of its format: tensorflow (TF Serving), pytorch (TorchServe), sklearn or xgboost
//   (KServe's servers). The storage initializer downloads the model (gs://, s3://, pvc://CLAIM/PATH,
//   https://) before the server starts. numGpus > 0 asks for GPUs.
// @shortDescription A KServe InferenceService for one model.
// @requires KServe (serving.kserve.io; the kserve prototype of this package)
// @param name string Name of the InferenceService.
// @param storageUri string Where the model is: gs://BUCKET/PATH, s3://BUCKET/PATH, pvc://CLAIM/PATH or https://...
// @optionalParam namespace string null Namespace; null means the environment's namespace.
// @optionalParam modelFormat string sklearn Model format: tensorflow, pytorch, sklearn or xgboost.
// @optionalParam runtime string null Serving runtime to use; null lets KServe pick one for the format.
// @optionalParam protocolVersion string null Inference protocol: v1 or v2; null keeps the runtime's default.
// @optionalParam minReplicas number 1 Fewest replicas.
// @optionalParam maxReplicas number null Most replicas (autoscaling); null keeps KServe's default.
// @optionalParam cpu string 1 CPU of each replica (request and limit).
// @optionalParam memory string 2Gi Memory of each replica (request and limit).
// @optionalParam numGpus number 0 GPUs per replica.
// @optionalParam serviceAccountName string null ServiceAccount whose credentials read the model (S3/GCS secrets attached to it).

local u = import 'kubeflow/common/util.libsonnet';
local k = import 'kubeflow/kserve/kserve.libsonnet';

k.inferenceService(params, u.namespace(params, env))
