// TFJob custom resource, its operator and the operator's dashboard Service. Mostly literal objects,
// finished off with ksonnet-lib setters the way 2018 libraries did.
local k = import "k.libsonnet";

local deployment = k.extensions.v1beta1.deployment;
local service = k.core.v1.service;
local binding = k.rbac.v1beta1.clusterRoleBinding;

{
  all(params):: [
    $.parts(params.namespace).crd,
    $.parts(params.namespace).config(params.cloud, params.tfDefaultImage),
    $.parts(params.namespace).serviceAccount,
    $.parts(params.namespace).clusterRole,
    $.parts(params.namespace).clusterRoleBinding,
    $.parts(params.namespace).operator(params.tfJobImage),
    $.parts(params.namespace).dashboardService(params.tfJobUiServiceType),
  ],

  parts(namespace):: {
    crd: {
      apiVersion: "apiextensions.k8s.io/v1beta1",
      kind: "CustomResourceDefinition",
      metadata: {
        name: "tfjobs.kubeflow.org",
      },
      spec: {
        group: "kubeflow.org",
        version: "v1alpha1",
        names: {
          kind: "TFJob",
          singular: "tfjob",
          plural: "tfjobs",
        },
      },
    },

    // The operator reads its settings from a file mounted from this ConfigMap.
    config(cloud, defaultImage):: {
      local settings = {
        grpcServerFilePath: "/opt/mlkube/grpc_tensorflow_server/grpc_tensorflow_server.py",
      } + (if defaultImage != "null" then { tfImage: defaultImage } else {})
        + (if cloud == "aks" || cloud == "acsengine" then {
             accelerators: {
               "alpha.kubernetes.io/nvidia-gpu": {
                 volumes: [{ name: "nvidia", mountPath: "/usr/local/nvidia", hostPath: "/usr/local/nvidia" }],
               },
             },
           } else {}),
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "tf-job-operator-config",
        namespace: namespace,
      },
      data: {
        "controller_config_file.yaml": std.manifestJson(settings),
      },
    },

    serviceAccount: k.core.v1.serviceAccount.new("tf-job-operator")
                    + k.core.v1.serviceAccount.mixin.metadata.withNamespace(namespace)
                    + k.core.v1.serviceAccount.mixin.metadata.withLabels({ app: "tf-job-operator" }),

    clusterRole: {
      apiVersion: "rbac.authorization.k8s.io/v1beta1",
      kind: "ClusterRole",
      metadata: {
        name: "tf-job-operator",
        labels: { app: "tf-job-operator" },
      },
      rules: [
        { apiGroups: ["kubeflow.org"], resources: ["tfjobs"], verbs: ["*"] },
        { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["*"] },
        { apiGroups: [""], resources: ["configmaps", "pods", "services", "events"], verbs: ["*"] },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: ["*"] },
      ],
    },

    clusterRoleBinding: binding.new()
                        + binding.mixin.metadata.withName("tf-job-operator")
                        + binding.mixin.metadata.withLabels({ app: "tf-job-operator" })
                        + binding.mixin.roleRef.withApiGroup("rbac.authorization.k8s.io")
                        + binding.mixin.roleRef.withKind("ClusterRole")
                        + binding.mixin.roleRef.withName("tf-job-operator")
                        + binding.withSubjects([{ kind: "ServiceAccount", name: "tf-job-operator", namespace: namespace }]),

    operator(image):: {
      apiVersion: "extensions/v1beta1",
      kind: "Deployment",
      metadata: {
        name: "tf-job-operator",
      },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { name: "tf-job-operator" } },
          spec: {
            containers: [
              {
                name: "tf-job-operator",
                image: image,
                command: [
                  "/opt/mlkube/tf-operator",
                  "--controller-config-file=/etc/config/controller_config_file.yaml",
                  "--alsologtostderr",
                  "-v=1",
                ],
                env: [
                  { name: "MY_POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "MY_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                ],
                volumeMounts: [{ name: "config-volume", mountPath: "/etc/config" }],
              },
            ],
            volumes: [{ name: "config-volume", configMap: { name: "tf-job-operator-config" } }],
          },
        },
      },
    } + deployment.mixin.metadata.withNamespace(namespace)
      + deployment.mixin.spec.template.spec.withServiceAccountName("tf-job-operator"),

    dashboardService(serviceType):: {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "tf-job-dashboard",
        annotations: {
          "getambassador.io/config": std.join("\n", [
            "---",
            "apiVersion: ambassador/v0",
            "kind:  Mapping",
            "name: tfjobs-ui-mapping",
            "prefix: /tfjobs/",
            "rewrite: /tfjobs/",
            "service: tf-job-dashboard." + namespace,
          ]),
        },
      },
      spec: {
        ports: [{ port: 80, targetPort: 8080 }],
        selector: { name: "tf-job-dashboard" },
      },
    } + service.mixin.metadata.withNamespace(namespace)
      + service.mixin.spec.withType(serviceType),
  },
}
