// @apiVersion 0.1
// @name io.ksonnet.pkg.credentials-pod-preset
// @description A PodPreset that mounts a secret into labelled pods.
// @shortDescription Credentials for pods.
// @param name string Name of the PodPreset
// @param secret string Name of the secret to mount

{
  apiVersion: "settings.k8s.io/v1alpha1",
  kind: "PodPreset",
  metadata: { name: params.name },
  spec: {
    selector: { matchLabels: { "credentials": params.name } },
    volumeMounts: [{ name: "secret", mountPath: "/secret" }],
    volumes: [{ name: "secret", secret: { secretName: params.secret } }],
  },
}
