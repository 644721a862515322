// @apiVersion 0.1
// @name io.ksonnet.pkg.kserve
// @description Installs KServe v0.20.0 in Standard mode (models run as plain Deployments, Services and
//   HorizontalPodAutoscalers; no Knative or Istio needed): the CRDs inferenceservices,
//   servingruntimes and clusterservingruntimes (serving.kserve.io), the controller Deployment
//   kserve-controller-manager with its RBAC, ConfigMap inferenceservice-config, the webhooks (their
//   certificate comes from cert-manager: Issuer selfsigned-issuer and Certificate serving-cert) and
//   ClusterServingRuntimes for tensorflow, pytorch, sklearn and xgboost models.
// @shortDescription KServe controller, CRDs and serving runtimes.
// @requires cert-manager (cert-manager.io/v1 Issuer and Certificate: the webhook certificate)
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace of the controller; null means the environment's namespace.
// @optionalParam controllerImage string kserve/kserve-controller:v0.20.0 Image of the controller.
// @optionalParam storageInitializerImage string kserve/storage-initializer:v0.20.0 Image that downloads models (storageUri) before the server starts.
// @optionalParam tensorflowImage string tensorflow/serving:2.19.1 Model server of the tensorflow runtime.
// @optionalParam torchserveImage string pytorch/torchserve-kfs:0.9.0 Model server of the pytorch runtime.
// @optionalParam sklearnImage string kserve/sklearnserver:v0.20.0 Model server of the sklearn runtime.
// @optionalParam xgboostImage string kserve/xgbserver:v0.20.0 Model server of the xgboost runtime.
// @optionalParam ingressClassName string null IngressClass for the Ingress of each InferenceService; null creates no Ingress (reach models through their Services).
// @optionalParam ingressDomain string example.com Domain of the InferenceService host names (with ingressClassName).
// @optionalParam runtimes string true Install the ClusterServingRuntimes (true or false).

local u = import 'kubeflow/common/util.libsonnet';
local k = import 'kubeflow/kserve/kserve.libsonnet';

local ns = u.namespace(params, env);
u.list(k.controller(params, ns) + (if u.toBool(params.runtimes, 'runtimes') then k.runtimes(params) else []))
