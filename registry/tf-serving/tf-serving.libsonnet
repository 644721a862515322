// kubeflow/tf-serving/tf-serving.libsonnet (version 2026.12.0)
//
// TensorFlow Serving 2.19.1: Deployment and Service <name>. The model server answers gRPC on 8500 and
// REST on 8501; the Service keeps the 2018 ports (9000 gRPC, 8000 HTTP) so clients keep working.
// Model sources: gs://... read by the server itself (credentials from a Secret with cloud=gcp); s3://...
// copied by an init container (the AWS CLI) into the pod before the server starts, since TF Serving 2.x
// has no S3 filesystem; a PersistentVolumeClaim (modelStorageType=nfs, nfsPVC) mounted at nfsMountPath.
// `params` is the component's params merged over `defaults`, so any key set with `kfctl param set`
// (declared or not) takes effect, as in 2018.
local u = import 'kubeflow/common/util.libsonnet';
local plat = import 'kubeflow/common/platform.libsonnet';

{
  defaults:: {
    namespace: 'null',
    modelName: 'null',
    modelPath: 'null',
    modelStorageType: 'cloud',
    nfsPVC: 'null',
    nfsMountPath: '/mnt',
    numGpus: 0,
    serviceType: 'ClusterIP',
    defaultCpuImage: 'tensorflow/serving:2.19.1',
    defaultGpuImage: 'tensorflow/serving:2.19.1-gpu',
    modelServerImage: 'null',
    s3FetchImage: 'amazon/aws-cli:2.37.5',
    cloud: 'null',
    gcpCredentialSecretName: 'null',
    gcpCredentialFileName: 'key.json',
    s3Enable: false,
    s3SecretName: 'null',
    s3SecretAccesskeyidKeyName: 'AWS_ACCESS_KEY_ID',
    s3SecretSecretaccesskeyKeyName: 'AWS_SECRET_ACCESS_KEY',
    s3AwsRegion: 'us-west-1',
    s3UseHttps: true,
    s3VerifySsl: true,
    s3Endpoint: 's3.us-west-1.amazonaws.com',
    group: 'null',
  },

  grpcPort:: 8500,
  restPort:: 8501,
  localModels:: '/models',

  // Resolved settings from params and env.
  settings(params, env)::
    local p = $.defaults + params;
    local name = u.dnsLabel(p.name, 'name');
    local modelName = u.orDefault(p.modelName, name);
    local gpus = plat.gpus(p.numGpus, 'numGpus');
    local path = u.orDefault(p.modelPath, $.localModels + '/' + modelName);
    local s3 = std.startsWith(path, 's3://');
    p {
      name: name,
      ns: u.namespace(p, env),
      modelName: modelName,
      modelPath: path,
      s3Path: s3,
      // What the server reads: the S3 copy lands in an emptyDir at /models/<modelName>.
      servedPath: if s3 then $.localModels + '/' + modelName else path,
      gpus: gpus,
      image: u.orDefault(p.modelServerImage, if gpus > 0 then p.defaultGpuImage else p.defaultCpuImage),
      nfs:
        if p.modelStorageType == 'nfs' then
          if u.isNull(p.nfsPVC) then error 'nfsPVC: modelStorageType is nfs, so nfsPVC must name the claim that holds the model'
          else if s3 then error 'modelPath: an s3:// path cannot be read from the claim nfsPVC'
          else true
        else if p.modelStorageType == 'cloud' then false
        else error 'modelStorageType: expected cloud or nfs, got "' + p.modelStorageType + '"',
      gcp: p.cloud == 'gcp' && !u.isNull(p.gcpCredentialSecretName),
      s3Creds: u.toBool(p.s3Enable, 's3Enable'),
      groupName: plat.group(p.group),
    },

  s3Env(s)::
    (if s.s3Creds then [
       { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: s.s3SecretName, key: s.s3SecretAccesskeyidKeyName } } },
       { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: s.s3SecretName, key: s.s3SecretSecretaccesskeyKeyName } } },
     ] else [])
    + [{ name: 'AWS_REGION', value: s.s3AwsRegion }],

  // Copies s3://bucket/path (every version folder under it) into /models/<modelName>.
  s3Fetch(s):: {
    name: 'model-fetch',
    image: s.s3FetchImage,
    command: ['aws', 's3', 'sync', s.modelPath, s.servedPath]
             + (if u.isNull(s.s3Endpoint) then []
                else ['--endpoint-url', (if u.toBool(s.s3UseHttps, 's3UseHttps') then 'https://' else 'http://') + s.s3Endpoint])
             + (if u.toBool(s.s3VerifySsl, 's3VerifySsl') then [] else ['--no-verify-ssl']),
    env: $.s3Env(s),
    volumeMounts: [{ name: 'models', mountPath: $.localModels }],
    securityContext: $.containerSecurity,
  },

  containerSecurity:: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },

  modelServer(s)::
    local env =
      if s.gcp then [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/secret/gcp-credentials/' + s.gcpCredentialFileName }] else [];
    local mounts =
      (if s.nfs then [{ name: 'nfs', mountPath: s.nfsMountPath }] else [])
      + (if s.s3Path then [{ name: 'models', mountPath: $.localModels, readOnly: true }] else [])
      + (if s.gcp then [{ name: 'gcp-credentials', mountPath: '/secret/gcp-credentials', readOnly: true }] else []);
    u.compact({
      name: s.name,
      image: s.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/usr/bin/tensorflow_model_server'],
      args: ['--port=' + $.grpcPort, '--rest_api_port=' + $.restPort,
             '--model_name=' + s.modelName, '--model_base_path=' + s.servedPath],
      ports: [{ name: 'grpc', containerPort: $.grpcPort }, { name: 'http', containerPort: $.restPort }],
      env: if env == [] then null else env,
      readinessProbe: { httpGet: { path: '/v1/models/' + s.modelName, port: $.restPort }, periodSeconds: 10 },
      resources: {
        requests: { cpu: '1', memory: '1Gi' },
        limits: { cpu: '4', memory: '4Gi' } + plat.gpuLimits(plat.defaults, s.gpus),
      },
      securityContext: $.containerSecurity,
      volumeMounts: if mounts == [] then null else mounts,
    }),

  service(s)::
    u.service(s.name, s.ns, { app: s.name }, [
      { name: 'grpc-tf-serving', port: 9000, targetPort: $.grpcPort },
      { name: 'http-tf-serving', port: 8000, targetPort: $.restPort },
    ], type=s.serviceType, labels={ app: s.name }),

  deployment(s)::
    local volumes =
      (if s.nfs then [{ name: 'nfs', persistentVolumeClaim: { claimName: s.nfsPVC } }] else [])
      + (if s.s3Path then [{ name: 'models', emptyDir: {} }] else [])
      + (if s.gcp then [{ name: 'gcp-credentials', secret: { secretName: s.gcpCredentialSecretName } }] else []);
    u.deployment(s.name, s.ns, { app: s.name }, u.compact({
      initContainers: if s.s3Path then [$.s3Fetch(s)] else null,
      containers: [$.modelServer(s)],
      volumes: if volumes == [] then null else volumes,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    }) + plat.placement(plat.settings(s), s.gpus, s.groupName, preferCpu=false)),

  all(params, env)::
    local s = $.settings(params, env);
    [$.service(s), $.deployment(s)],
}
