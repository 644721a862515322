// The dashboard in the v0.3 style: objects assembled from ksonnet-lib builders.
local k = import "k.libsonnet";
local util = import "kubeflow/core/util.libsonnet";

local deployment = k.apps.v1beta1.deployment;
local podSpec = deployment.mixin.spec.template.spec;
local container = podSpec.containersType;
local service = k.core.v1.service;
local servicePort = service.mixin.spec.portsType;
local role = k.rbac.v1beta1.role;
local clusterRole = k.rbac.v1.clusterRole;

{
  local labels = { app: "centraldashboard" },

  list(namespace, image, replicas):: util.list([
    $.serviceAccount(namespace),
    $.deployment(namespace, image, replicas),
    $.service(namespace),
    $.role(namespace),
    $.clusterRole,
  ]),

  serviceAccount(namespace):: k.core.v1.serviceAccount.new("centraldashboard")
                              + k.core.v1.serviceAccount.mixin.metadata.withNamespace(namespace),

  deployment(namespace, image, replicas)::
    local main = container.new("centraldashboard", image)
                 + container.withCommand(["npm", "start"])
                 + container.withEnv([container.envType.fromFieldPath("POD_NAMESPACE", "metadata.namespace")])
                 + container.mixin.resources.withLimitsMixin({ cpu: "500m", memory: "512Mi" })
                 + container.withPorts(container.portsType.new(8082))
                 + container.withVolumeMounts(container.volumeMountsType.new("config", "/etc/dashboard", true));
    deployment.new("centraldashboard", replicas, main, labels)
    + deployment.mixin.metadata.withNamespace(namespace)
    + deployment.mixin.metadata.withLabelsMixin(labels)
    + deployment.mixin.spec.selector.withMatchLabels(labels)
    + deployment.mixin.spec.template.metadata.withLabels(labels)
    + podSpec.withServiceAccountName("centraldashboard")
    + podSpec.withVolumesMixin([podSpec.volumesType.fromConfigMap("config", "centraldashboard-config", [])])
    + deployment.mapContainers(function(c) c + container.withImagePullPolicy("IfNotPresent")),

  service(namespace)::
    service.new("centraldashboard", labels, servicePort.newNamed("http", 80, 8082))
    + service.mixin.metadata.withNamespace(namespace)
    + service.mixin.metadata.withAnnotationsMixin({
      "getambassador.io/config": std.join("\n", [
        "---",
        "apiVersion: ambassador/v0",
        "kind:  Mapping",
        "name: centralui-mapping",
        "prefix: /",
        "rewrite: /",
        "service: centraldashboard." + namespace,
      ]),
    }),

  role(namespace)::
    role.new()
    + role.mixin.metadata.withName("centraldashboard")
    + role.mixin.metadata.withNamespace(namespace)
    + role.withRulesMixin([
      role.rulesType.new() + role.rulesType.withApiGroups("") + role.rulesType.withResources(["pods", "pods/log"])
      + role.rulesType.withVerbs(["get", "list", "watch"]),
    ]),

  clusterRole::
    clusterRole.new()
    + clusterRole.mixin.metadata.mixinInstance({ name: "centraldashboard", labels: labels })
    + clusterRole.withRules([{ apiGroups: [""], resources: ["namespaces", "events"], verbs: ["get", "list", "watch"] }]),
}
