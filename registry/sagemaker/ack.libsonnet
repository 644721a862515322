// kubeflow/sagemaker/ack.libsonnet: resources of the AWS Controllers for Kubernetes (ACK) SageMaker
// controller (API group sagemaker.services.k8s.aws/v1alpha1), which AWS recommends in place of the
// SageMaker Operators for Kubernetes. Field names follow the SageMaker API in ACK's casing (roleARN,
// s3URI, volumeSizeInGB). The controller and its CRDs come from ACK's own release (Helm chart
// sagemaker-chart); this package only writes the resources.
local util = import "kubeflow/sagemaker/util.libsonnet";
local u = import "kubeflow/common/util.libsonnet";

local apiVersion = "sagemaker.services.k8s.aws/v1alpha1";
local meta(params) = u.compact({ name: u.dnsLabel(params.name, "name"),
                                 namespace: if u.isNull(std.get(params, "namespace", null)) then null else params.namespace });
local need(params, key) =
  if u.isNull(std.get(params, key, null)) then error "%s: give --%s" % [params.name, key] else params[key];

{
  trainingJob(params)::
    local prefix = if u.isNull(std.get(params, "s3Prefix", null)) then "" else params.s3Prefix + "/";
    local base = "s3://" + need(params, "s3Bucket") + "/" + prefix;
    local hp = std.get(params, "hyperParameters", {});
    {
      apiVersion: apiVersion,
      kind: "TrainingJob",
      metadata: meta(params),
      spec: {
        trainingJobName: params.name,
        roleARN: need(params, "roleArn"),
        algorithmSpecification: {
          trainingImage: need(params, "trainingImage"),
          trainingInputMode: params.trainingInputMode,
        },
        inputDataConfig: [
          {
            channelName: c,
            contentType: params.contentType,
            dataSource: { s3DataSource: { s3DataType: "S3Prefix", s3URI: base + c + "/",
                                          s3DataDistributionType: "FullyReplicated" } },
          }
          for c in u.toArray(params.channels)
        ],
        outputDataConfig: { s3OutputPath: base + "models/" },
        resourceConfig: {
          instanceType: params.instanceType,
          instanceCount: u.toInt(params.instanceCount, "instanceCount"),
          volumeSizeInGB: u.toInt(params.volumeSizeInGB, "volumeSizeInGB"),
        },
        stoppingCondition: { maxRuntimeInSeconds: u.toInt(params.maxRuntimeInSeconds, "maxRuntimeInSeconds") },
      } + (if hp == {} || hp == null then {} else { hyperParameters: { [k]: util.stringify(hp[k]) for k in std.objectFields(hp) } }),
    },

  // Model, EndpointConfig and Endpoint named <name>: a real-time endpoint serving one model.
  endpoint(params)::
    local name = u.dnsLabel(params.name, "name");
    local env = std.get(params, "environment", {});
    [
      {
        apiVersion: apiVersion,
        kind: "Model",
        metadata: meta(params),
        spec: {
          modelName: name,
          executionRoleARN: need(params, "roleArn"),
          primaryContainer: {
            image: need(params, "image"),
            modelDataURL: need(params, "modelDataUrl"),
          } + (if env == {} || env == null then {} else { environment: { [k]: util.stringify(env[k]) for k in std.objectFields(env) } }),
        },
      },
      {
        apiVersion: apiVersion,
        kind: "EndpointConfig",
        metadata: meta(params),
        spec: {
          endpointConfigName: name,
          productionVariants: [{
            variantName: params.variantName,
            modelName: name,
            instanceType: params.instanceType,
            initialInstanceCount: u.toInt(params.initialInstanceCount, "initialInstanceCount"),
            initialVariantWeight: 1,
          }],
        },
      },
      {
        apiVersion: apiVersion,
        kind: "Endpoint",
        metadata: meta(params),
        spec: { endpointName: name, endpointConfigName: name },
      },
    ],
}
