// CustomResourceDefinitions of the SageMaker operator (group sagemaker.aws.amazon.com, version v1).
// Schemas are structural (apiextensions.k8s.io/v1). They type the fields kfctl's prototypes emit
// and the fields the operator needs to create a SageMaker resource; every object also keeps
// unknown fields, so newer operator fields pass through untouched.
local s = {
  str: { type: "string" },
  strMin(n): { type: "string", minLength: n },
  int: { type: "integer", format: "int64" },
  intMin(n): { type: "integer", format: "int64", minimum: n },
  bool: { type: "boolean" },
  enum(values): { type: "string", enum: values },
  s3: { type: "string", pattern: "^(https|s3)://([^/]+)/?(.*)$" },
  arr(items, minItems=0): { type: "array", items: items } + (if minItems > 0 then { minItems: minItems } else {}),
  obj(props, required=[]): {
    type: "object",
    properties: props,
    "x-kubernetes-preserve-unknown-fields": true,
  } + (if required != [] then { required: required } else {}),
  any: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
};

// Shared pieces of the SageMaker API.
local nameValue = s.obj({ name: s.str, value: s.str });
local tags = s.arr(s.obj({ key: s.strMin(1), value: s.str }, ["key", "value"]));
local vpcConfig = s.obj({ securityGroupIds: s.arr(s.str, 1), subnets: s.arr(s.str, 1) }, ["securityGroupIds", "subnets"]);
local endpointOverride = { type: "string", pattern: "^(https|http)://.*$" };
local algorithmSpecification = s.obj({
  algorithmName: s.strMin(1),
  trainingImage: s.strMin(1),
  trainingInputMode: s.enum(["File", "Pipe"]),
  metricDefinitions: s.arr(s.obj({ name: s.strMin(1), regex: s.strMin(1) }, ["name", "regex"])),
}, ["trainingInputMode"]);
local channel = s.obj({
  channelName: s.strMin(1),
  compressionType: s.enum(["None", "Gzip"]),
  contentType: s.str,
  inputMode: s.enum(["Pipe", "File"]),
  recordWrapperType: s.str,
  dataSource: s.obj({
    s3DataSource: s.obj({
      s3DataType: s.enum(["S3Prefix", "ManifestFile", "AugmentedManifestFile"]),
      s3Uri: s.s3,
      s3DataDistributionType: s.enum(["FullyReplicated", "ShardedByS3Key"]),
      attributeNames: s.arr(s.str),
    }, ["s3DataType", "s3Uri"]),
    fileSystemDataSource: s.any,
  }),
}, ["channelName", "dataSource"]);
local outputDataConfig = s.obj({ kmsKeyId: s.str, s3OutputPath: s.s3 }, ["s3OutputPath"]);
local resourceConfig = s.obj({
  instanceCount: s.intMin(1),
  instanceType: s.strMin(1),
  volumeSizeInGB: s.intMin(1),
  volumeKmsKeyId: s.str,
}, ["instanceCount", "instanceType", "volumeSizeInGB"]);
local stoppingCondition = s.obj({ maxRuntimeInSeconds: s.intMin(1), maxWaitTimeInSeconds: s.intMin(1) });
local trainingCommon = {
  algorithmSpecification: algorithmSpecification,
  checkpointConfig: s.obj({ localPath: s.str, s3Uri: s.s3 }, ["s3Uri"]),
  enableInterContainerTrafficEncryption: s.bool,
  enableManagedSpotTraining: s.bool,
  enableNetworkIsolation: s.bool,
  inputDataConfig: s.arr(channel, 1),
  outputDataConfig: outputDataConfig,
  resourceConfig: resourceConfig,
  roleArn: s.strMin(20),
  stoppingCondition: stoppingCondition,
  vpcConfig: vpcConfig,
};
local productionVariant = s.obj({
  acceleratorType: s.str,
  initialInstanceCount: s.intMin(1),
  // The operator uses an integer weight (no floats in its API); traffic is weight / sum of weights.
  initialVariantWeight: s.int,
  instanceType: s.str,
  modelName: s.strMin(1),
  variantName: s.strMin(1),
}, ["initialInstanceCount", "instanceType", "modelName", "variantName"]);
local container = s.obj({
  containerHostname: s.str,
  environment: s.arr(nameValue),
  image: s.str,
  modelDataUrl: s.str,
  modelPackageName: s.str,
});
local range(required) = s.arr(s.obj({ name: s.str, minValue: s.str, maxValue: s.str, scalingType: s.str }, required));

local specs = {
  TrainingJob: s.obj(trainingCommon {
    hyperParameters: s.arr(nameValue),
    region: s.strMin(1),
    sageMakerEndpoint: endpointOverride,
    tags: tags,
    trainingJobName: { type: "string", maxLength: 63 },
    debugHookConfig: s.any,
    debugRuleConfigurations: s.arr(s.any),
    tensorBoardOutputConfig: s.any,
  }, ["algorithmSpecification", "outputDataConfig", "region", "resourceConfig", "roleArn", "stoppingCondition"]),

  HyperparameterTuningJob: s.obj({
    hyperParameterTuningJobName: s.str,
    region: s.strMin(1),
    sageMakerEndpoint: endpointOverride,
    tags: tags,
    hyperParameterTuningJobConfig: s.obj({
      strategy: s.str,
      trainingJobEarlyStoppingType: s.str,
      hyperParameterTuningJobObjective: s.obj({ metricName: s.strMin(1), type: s.str }, ["metricName", "type"]),
      resourceLimits: s.obj({
        maxNumberOfTrainingJobs: s.intMin(1),
        maxParallelTrainingJobs: s.intMin(1),
      }, ["maxNumberOfTrainingJobs", "maxParallelTrainingJobs"]),
      parameterRanges: s.obj({
        categoricalParameterRanges: s.arr(s.obj({ name: s.str, values: s.arr(s.str, 1) }, ["name", "values"])),
        continuousParameterRanges: range(["maxValue", "minValue", "name", "scalingType"]),
        integerParameterRanges: range(["maxValue", "minValue", "name", "scalingType"]),
      }),
    }, ["resourceLimits", "strategy"]),
    trainingJobDefinition: s.obj(trainingCommon { staticHyperParameters: s.arr(nameValue) },
                                 ["algorithmSpecification", "outputDataConfig", "resourceConfig", "roleArn", "stoppingCondition"]),
    warmStartConfig: s.any,
  }, ["hyperParameterTuningJobConfig", "region"]),

  HostingDeployment: s.obj({
    endpointName: { type: "string", maxLength: 63 },
    kmsKeyId: s.str,
    region: s.strMin(1),
    sageMakerEndpoint: endpointOverride,
    tags: tags,
    models: s.arr(s.obj({
      name: s.str,
      executionRoleArn: s.strMin(20),
      primaryContainer: s.str,
      containers: s.arr(container, 1),
      enableNetworkIsolation: s.bool,
      vpcConfig: vpcConfig,
    }, ["executionRoleArn", "name"])),
    productionVariants: s.arr(productionVariant, 1),
  }, ["models", "productionVariants", "region"]),

  BatchTransformJob: s.obj({
    transformJobName: { type: "string", maxLength: 63 },
    modelName: s.str,
    region: s.strMin(1),
    sageMakerEndpoint: endpointOverride,
    tags: tags,
    batchStrategy: s.str,
    maxConcurrentTransforms: s.int,
    maxPayloadInMB: s.int,
    environment: s.arr(nameValue),
    dataProcessing: s.any,
    transformInput: s.obj({
      compressionType: s.enum(["None", "Gzip"]),
      contentType: s.str,
      splitType: s.str,
      dataSource: s.obj({
        s3DataSource: s.obj({
          s3DataType: s.enum(["S3Prefix", "ManifestFile", "AugmentedManifestFile"]),
          s3Uri: s.s3,
        }, ["s3DataType", "s3Uri"]),
      }, ["s3DataSource"]),
    }, ["dataSource"]),
    transformOutput: s.obj({ accept: s.str, assembleWith: s.str, kmsKeyId: s.str, s3OutputPath: s.s3 }, ["s3OutputPath"]),
    transformResources: s.obj({ instanceCount: s.intMin(1), instanceType: s.strMin(1), volumeKmsKeyId: s.str },
                              ["instanceCount", "instanceType"]),
  }, ["modelName", "region", "transformInput", "transformOutput", "transformResources"]),

  Model: s.obj({
    region: s.strMin(1),
    sageMakerEndpoint: endpointOverride,
    executionRoleArn: s.strMin(20),
    primaryContainer: container,
    containers: s.arr(container),
    enableNetworkIsolation: s.bool,
    vpcConfig: vpcConfig,
    tags: tags,
  }, ["executionRoleArn", "region"]),

  EndpointConfig: s.obj({
    region: s.strMin(1),
    sageMakerEndpoint: endpointOverride,
    kmsKeyId: s.str,
    productionVariants: s.arr(productionVariant, 1),
    tags: tags,
  }, ["productionVariants", "region"]),
};

// kind -> [plural, printer columns]
local kinds = {
  TrainingJob: ["trainingjobs", [
    { name: "Status", type: "string", jsonPath: ".status.trainingJobStatus" },
    { name: "Secondary-Status", type: "string", jsonPath: ".status.secondaryStatus" },
    { name: "Sagemaker-Job-Name", type: "string", jsonPath: ".status.sageMakerTrainingJobName" },
  ]],
  HyperparameterTuningJob: ["hyperparametertuningjobs", [
    { name: "Status", type: "string", jsonPath: ".status.hyperParameterTuningJobStatus" },
    { name: "Best-Training-Job", type: "string", jsonPath: ".status.bestTrainingJob.trainingJobName" },
    { name: "Sagemaker-Job-Name", type: "string", jsonPath: ".status.sageMakerHyperParameterTuningJobName" },
  ]],
  HostingDeployment: ["hostingdeployments", [
    { name: "Status", type: "string", jsonPath: ".status.endpointStatus" },
    { name: "Sagemaker-Endpoint-Name", type: "string", jsonPath: ".status.endpointName" },
  ]],
  BatchTransformJob: ["batchtransformjobs", [
    { name: "Status", type: "string", jsonPath: ".status.transformJobStatus" },
    { name: "Sagemaker-Job-Name", type: "string", jsonPath: ".status.sageMakerTransformJobName" },
  ]],
  Model: ["models", [
    { name: "Status", type: "string", jsonPath: ".status.status" },
    { name: "Sagemaker-Model-Name", type: "string", jsonPath: ".status.sageMakerModelName" },
  ]],
  EndpointConfig: ["endpointconfigs", [
    { name: "Status", type: "string", jsonPath: ".status.status" },
    { name: "Sagemaker-EndpointConfig-Name", type: "string", jsonPath: ".status.sageMakerEndpointConfigName" },
  ]],
};

{
  group:: "sagemaker.aws.amazon.com",
  version:: "v1",
  kinds:: std.objectFields(kinds),

  crd(kind):: {
    local plural = kinds[kind][0],
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: plural + "." + $.group },
    spec: {
      group: $.group,
      names: { kind: kind, listKind: kind + "List", plural: plural, singular: std.asciiLower(kind) },
      scope: "Namespaced",
      versions: [{
        name: $.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: kinds[kind][1] + [
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            required: ["spec"],
            properties: {
              apiVersion: s.str,
              kind: s.str,
              metadata: { type: "object" },
              spec: specs[kind],
              status: s.any,
            },
          },
        },
      }],
    },
  },

  all:: [self.crd(k) for k in self.kinds],
}
