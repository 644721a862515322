// Installation of the SageMaker operator: namespace, CRDs, the controller's ServiceAccount
// (bound to an IAM role through EKS IAM roles for service accounts), RBAC and the controller.
local crds = import "kubeflow/sagemaker/crds.libsonnet";
local util = import "kubeflow/sagemaker/util.libsonnet";

{
  serviceAccountName:: "sagemaker-k8s-operator-default",
  defaultNamespace:: "sagemaker-k8s-operator-system",

  // params: name, roleArn, namespace, image, sageMakerEndpoint, createNamespace
  parts(params):: {
    local proto = "sagemaker-operator",
    local roleArn = util.required(proto, "roleArn", std.get(params, "roleArn", null),
                                  "the IAM role ARN the operator assumes, e.g. arn:aws:iam::123456789012:role/my-role"),
    local ns = if util.isUnset(std.get(params, "namespace", "null")) then $.defaultNamespace else params.namespace,
    local endpoint = std.get(params, "sageMakerEndpoint", "null"),
    local labels = { app: "sagemaker-k8s-operator", "control-plane": "controller-manager" },
    local prefix = "sagemaker-k8s-operator-",
    local sa = $.serviceAccountName,
    local createNs = std.member(["true", "True", "TRUE"], std.toString(std.get(params, "createNamespace", "true"))),

    namespace:: if createNs then {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns, labels: { "control-plane": "controller-manager" } },
    } else null,

    crds:: crds.all,

    serviceAccount:: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: {
        name: sa,
        namespace: ns,
        annotations: { "eks.amazonaws.com/role-arn": roleArn },
      },
    },

    clusterRole:: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: prefix + "manager-role" },
      local resources = ["batchtransformjobs", "endpointconfigs", "hostingdeployments",
                         "hyperparametertuningjobs", "models", "trainingjobs"],
      rules: [
        {
          apiGroups: [crds.group],
          resources: resources,
          verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
        },
        {
          apiGroups: [crds.group],
          resources: [r + "/status" for r in resources],
          verbs: ["get", "patch", "update"],
        },
        {
          apiGroups: [""],
          resources: ["events"],
          verbs: ["create", "patch"],
        },
      ],
    },

    clusterRoleBinding:: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: prefix + "manager-rolebinding" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: prefix + "manager-role" },
      subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
    },

    // Leader election works on ConfigMaps/Leases in the operator's own namespace.
    leaderRole:: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: prefix + "leader-election-role", namespace: ns },
      rules: [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
        { apiGroups: [""], resources: ["configmaps/status"], verbs: ["get", "patch", "update"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      ],
    },

    leaderRoleBinding:: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: prefix + "leader-election-rolebinding", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: prefix + "leader-election-role" },
      subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
    },

    deployment:: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: prefix + "controller-manager", namespace: ns, labels: labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: labels },
          spec: {
            serviceAccountName: sa,
            terminationGracePeriodSeconds: 10,
            containers: [{
              name: "manager",
              image: params.image,
              command: ["/manager"],
              args: ["--metrics-addr=127.0.0.1:8080", "--enable-leader-election"],
              env: [{
                name: "AWS_DEFAULT_SAGEMAKER_ENDPOINT",
                value: if util.isUnset(endpoint) then "" else endpoint,
              }],
              resources: {
                limits: { cpu: "100m", memory: "64Mi" },
                requests: { cpu: "100m", memory: "32Mi" },
              },
            }],
          },
        },
      },
    },

    all:: [self.namespace] + self.crds + [
      self.serviceAccount,
      self.clusterRole,
      self.clusterRoleBinding,
      self.leaderRole,
      self.leaderRoleBinding,
      self.deployment,
    ],
  },

  list(params):: {
    apiVersion: "v1",
    kind: "List",
    items: [o for o in $.parts(params).all if o != null],
  },
}
