// Seldon's core objects: taken from the JSON template and adjusted with ksonnet-lib setters added
// on top of the plain JSON (every setter field is hidden, so only the patched values change).
local k = import "k.libsonnet";
local crd = import "kubeflow/seldon/crd.libsonnet";
local template = import "json/template.json";

local deployment = k.extensions.v1beta1.deployment;
local container = k.apps.v1beta1.deployment.mixin.spec.template.spec.containersType;
local service = k.core.v1.service;
local serviceAccount = k.core.v1.serviceAccount;
local clusterRoleBinding = k.rbac.v1beta1.clusterRoleBinding;

// The template object of the given kind and name.
local find(kind, name) =
  local hits = [x for x in template.items if x.kind == kind && x.metadata.name == name];
  if std.length(hits) == 1 then hits[0] else error "template has no " + kind + " " + name;

{
  parts(namespace):: {
    serviceAccount:: find("ServiceAccount", "seldon")
                     + serviceAccount.mixin.metadata.withNamespace(namespace),

    clusterRoleBinding:: find("ClusterRoleBinding", "seldon")
                         + clusterRoleBinding.mixin.metadata.withNamespace(namespace)
                         + clusterRoleBinding.withSubjects([
                           { kind: "ServiceAccount", name: "seldon", namespace: namespace },
                         ]),

    operator(image, engineImage, springOpts, javaOpts, withRbac)::
      local base = find("Deployment", "seldon-cluster-manager");
      local extraEnv = [{ name: "ENGINE_CONTAINER_IMAGE_AND_VERSION", value: engineImage }]
                       + (if javaOpts != "null" then [{ name: "JAVA_OPTS", value: javaOpts }] else [])
                       + (if springOpts != "null" then [{ name: "SPRING_OPTS", value: springOpts }] else []);
      local manager = base.spec.template.spec.containers[0]
                      + container.withImage(image)
                      + container.withImagePullPolicy("IfNotPresent")
                      + container.withEnvMixin(extraEnv);
      base
      + deployment.mixin.metadata.withNamespace(namespace)
      + deployment.mixin.spec.template.spec.withContainers([manager])
      + (if withRbac == "true" then deployment.mixin.spec.template.spec.withServiceAccountName("seldon") else {}),

    redisDeployment:: find("Deployment", "redis") + deployment.mixin.metadata.withNamespace(namespace),

    redisService:: find("Service", "redis") + service.mixin.metadata.withNamespace(namespace),

    apife(image, withRbac)::
      local base = find("Deployment", "seldon-apiserver");
      local front = base.spec.template.spec.containers[0] + container.withImage(image);
      base
      + deployment.mixin.metadata.withNamespace(namespace)
      + deployment.mixin.spec.template.spec.withContainers([front])
      + (if withRbac == "true" then deployment.mixin.spec.template.spec.withServiceAccountName("seldon") else {}),

    apifeService(serviceType):: find("Service", "seldon-apiserver")
                                + service.mixin.metadata.withNamespace(namespace)
                                + service.mixin.spec.withType(serviceType),

    crd:: crd.seldonDeployment,
  },
}
