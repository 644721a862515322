// One SeldonDeployment with a single predictor running the model image.
{
  seldonDeployment(name, namespace, image, replicas, endpoint):: {
    apiVersion: "machinelearning.seldon.io/v1alpha1",
    kind: "SeldonDeployment",
    metadata: {
      name: name,
      namespace: namespace,
      labels: { app: "seldon" },
    },
    spec: {
      name: name,
      annotations: { project_name: name, deployment_version: "v1" },
      predictors: [
        {
          name: name,
          replicas: replicas,
          annotations: { predictor_version: "v1" },
          componentSpec: {
            spec: {
              containers: [{ image: image, imagePullPolicy: "Always", name: name }],
              terminationGracePeriodSeconds: 1,
            },
          },
          graph: {
            name: name,
            type: "MODEL",
            endpoint: { type: endpoint },
            children: [],
          },
        },
      ],
    },
  },
}
