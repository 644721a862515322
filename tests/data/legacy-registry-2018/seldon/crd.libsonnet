// The SeldonDeployment custom resource definition (apiextensions.k8s.io/v1beta1).
local k = import "k.libsonnet";
local podTemplate = import "json/pod-template-spec-validation.json";

local crd = k.apiextensions.v1beta1.customResourceDefinition;

local specSchema = {
  type: "object",
  properties: {
    annotations: { type: "object" },
    name: { type: "string" },
    oauth_key: { type: "string" },
    oauth_secret: { type: "string" },
    predictors: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "graph"],
        properties: {
          componentSpec: podTemplate,
          graph: { type: "object" },
          name: { type: "string" },
          replicas: { type: "integer" },
        },
      },
    },
  },
};

{
  seldonDeployment::
    crd.new()
    + crd.mixin.metadata.withName("seldondeployments.machinelearning.seldon.io")
    + crd.mixin.spec.withGroup("machinelearning.seldon.io").withVersion("v1alpha1").withScope("Namespaced")
    + crd.mixin.spec.names.withKind("SeldonDeployment")
    + crd.mixin.spec.names.withPlural("seldondeployments")
    + crd.mixin.spec.names.withSingular("seldondeployment")
    + crd.mixin.spec.names.withShortNames("sdep")
    + crd.mixin.spec.validation.openAPIV3Schema.mixinInstance({ properties: { spec: specSchema } }),
}
