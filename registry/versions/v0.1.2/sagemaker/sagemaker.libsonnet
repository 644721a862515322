// Builders for SageMaker operator job objects (sagemaker.aws.amazon.com/v1). Each takes the
// component's params object (as ks/kfctl passes it) and returns one Kubernetes object.
local util = import "kubeflow/sagemaker/util.libsonnet";

{
  apiVersion:: "sagemaker.aws.amazon.com/v1",

  local meta(params) = { name: params.name } + util.namespaceField(std.get(params, "namespace", "null")),

  local region(proto, params) = util.required(proto, "region", std.get(params, "region", null), "the AWS region, e.g. us-east-1"),
  local role(proto, params) = util.required(proto, "roleArn", std.get(params, "roleArn", null),
                                            "the SageMaker execution role ARN SageMaker assumes to run the job"),

  local toInt(proto, params, name, min=1) = util.toInt(proto, name, params[name], min),

  // Pieces shared by TrainingJob and the tuning job's training definition.
  local trainingCore(proto, params) = {
    local bucket = util.required(proto, "s3Bucket", std.get(params, "s3Bucket", null), "the S3 bucket holding data and models"),
    local prefix = if util.isUnset(std.get(params, "s3Prefix", "")) then "" else params.s3Prefix,
    local channels = util.toList(std.get(params, "channels", "train,validation")),
    algorithmSpecification: {
      trainingImage: util.required(proto, "trainingImage", std.get(params, "trainingImage", null), "the training container image"),
      trainingInputMode: params.trainingInputMode,
    },
    outputDataConfig: {
      s3OutputPath: util.s3Uri(bucket, prefix, "models"),
    },
    inputDataConfig: [
      {
        channelName: c,
        dataSource: {
          s3DataSource: {
            s3DataType: "S3Prefix",
            s3Uri: util.s3Uri(bucket, prefix, c),
            s3DataDistributionType: std.get(params, "s3DataDistributionType", "FullyReplicated"),
          },
        },
        contentType: params.contentType,
        compressionType: std.get(params, "compressionType", "None"),
      }
      for c in channels
    ],
    resourceConfig: {
      instanceCount: toInt(proto, params, "instanceCount"),
      instanceType: params.instanceType,
      volumeSizeInGB: toInt(proto, params, "volumeSizeInGB"),
    },
    stoppingCondition: {
      maxRuntimeInSeconds: toInt(proto, params, "maxRuntimeInSeconds"),
    },
  },

  trainingJob(params):: {
    local proto = "sagemaker-training-job",
    local hp = util.nameValueList(proto, "hyperParameters", std.get(params, "hyperParameters", {})),
    apiVersion: $.apiVersion,
    kind: "TrainingJob",
    metadata: meta(params),
    spec: {
      roleArn: role(proto, params),
      region: region(proto, params),
    } + trainingCore(proto, params) + (if hp == [] then {} else { hyperParameters: hp }),
  },

  // parameterRanges: {<hyperparameter>: {type: "integer"|"continuous"|"categorical",
  //                   min, max, scaling (Auto|Linear|Logarithmic|ReverseLogarithmic), values: [...]}}
  local ranges(proto, rs) =
    local known = ["integer", "continuous", "categorical"];
    local check(name, r) =
      if !std.isObject(r) then error "%s: parameterRanges.%s must be an object like {type: \"integer\", min: 1, max: 10}" % [proto, name]
      else if !std.member(known, std.get(r, "type", "")) then
        error "%s: parameterRanges.%s.type must be one of %s, got %s" % [proto, name, std.join(", ", known), std.manifestJsonMinified(std.get(r, "type", null))]
      else r;
    local numeric(kind) = [
      {
        local r = check(n, rs[n]),
        name: n,
        minValue: if std.objectHas(r, "min") then util.stringify(r.min) else error "%s: parameterRanges.%s needs min" % [proto, n],
        maxValue: if std.objectHas(r, "max") then util.stringify(r.max) else error "%s: parameterRanges.%s needs max" % [proto, n],
        scalingType: std.get(r, "scaling", "Auto"),
      }
      for n in std.objectFields(rs)
      if check(n, rs[n]).type == kind
    ];
    local categorical = [
      {
        local r = check(n, rs[n]),
        name: n,
        values: if std.isArray(std.get(r, "values", null)) && std.length(r.values) > 0 then [util.stringify(v) for v in r.values]
        else error "%s: parameterRanges.%s needs a non-empty values list" % [proto, n],
      }
      for n in std.objectFields(rs)
      if check(n, rs[n]).type == "categorical"
    ];
    local out = {
      integerParameterRanges: numeric("integer"),
      continuousParameterRanges: numeric("continuous"),
      categoricalParameterRanges: categorical,
    };
    if !std.isObject(rs) || std.length(std.objectFields(rs)) == 0 then
      error "%s: param parameterRanges must name at least one hyperparameter to tune" % proto
    else { [k]: out[k] for k in std.objectFields(out) if out[k] != [] },

  hyperParameterTuningJob(params):: {
    local proto = "sagemaker-hyperparameter-tuning-job",
    local rs = if std.isString(params.parameterRanges) then std.parseJson(params.parameterRanges) else params.parameterRanges,
    local static = util.nameValueList(proto, "staticHyperParameters", std.get(params, "staticHyperParameters", {})),
    apiVersion: $.apiVersion,
    // The operator spells the kind with a lower-case "p".
    kind: "HyperparameterTuningJob",
    metadata: meta(params),
    spec: {
      region: region(proto, params),
      hyperParameterTuningJobConfig: {
        strategy: params.strategy,
        hyperParameterTuningJobObjective: {
          type: params.objectiveType,
          metricName: params.objectiveMetric,
        },
        resourceLimits: {
          maxNumberOfTrainingJobs: toInt(proto, params, "maxNumberOfTrainingJobs"),
          maxParallelTrainingJobs: toInt(proto, params, "maxParallelTrainingJobs"),
        },
        parameterRanges: ranges(proto, rs),
        trainingJobEarlyStoppingType: params.earlyStopping,
      },
      trainingJobDefinition: {
        roleArn: role(proto, params),
      } + trainingCore(proto, params) + (if static == [] then {} else { staticHyperParameters: static }),
    },
  },

  hostingDeployment(params):: {
    local proto = "sagemaker-hosting-deployment",
    local modelName = if util.isUnset(params.modelName) then params.name else params.modelName,
    local envList = util.nameValueList(proto, "environment", std.get(params, "environment", {})),
    local endpointName = std.get(params, "endpointName", "null"),
    apiVersion: $.apiVersion,
    kind: "HostingDeployment",
    metadata: meta(params),
    spec: {
      region: region(proto, params),
      models: [{
        name: modelName,
        executionRoleArn: role(proto, params),
        primaryContainer: "main",
        containers: [{
          containerHostname: "main",
          image: util.required(proto, "image", std.get(params, "image", null), "the inference container image"),
          modelDataUrl: util.required(proto, "modelDataUrl", std.get(params, "modelDataUrl", null),
                                      "the S3 URI of the model artifact, e.g. s3://bucket/path/model.tar.gz"),
        } + (if envList == [] then {} else { environment: envList })],
      }],
      productionVariants: [{
        variantName: params.variantName,
        modelName: modelName,
        instanceType: params.instanceType,
        initialInstanceCount: toInt(proto, params, "initialInstanceCount"),
        initialVariantWeight: 1,
      }],
    } + (if util.isUnset(endpointName) then {} else { endpointName: endpointName }),
  },

  batchTransformJob(params):: {
    local proto = "sagemaker-batch-transform-job",
    local envList = util.nameValueList(proto, "environment", std.get(params, "environment", {})),
    apiVersion: $.apiVersion,
    kind: "BatchTransformJob",
    metadata: meta(params),
    spec: {
      region: region(proto, params),
      modelName: util.required(proto, "modelName", std.get(params, "modelName", null), "the SageMaker model to run"),
      transformInput: {
        contentType: params.contentType,
        compressionType: params.compressionType,
        splitType: params.splitType,
        dataSource: {
          s3DataSource: {
            s3DataType: "S3Prefix",
            s3Uri: util.required(proto, "inputS3Uri", std.get(params, "inputS3Uri", null), "the S3 prefix of the input records"),
          },
        },
      },
      transformOutput: {
        s3OutputPath: util.required(proto, "outputS3Uri", std.get(params, "outputS3Uri", null), "the S3 prefix for the results"),
      },
      transformResources: {
        instanceCount: toInt(proto, params, "instanceCount"),
        instanceType: params.instanceType,
      },
    } + (if envList == [] then {} else { environment: envList }),
  },
}
