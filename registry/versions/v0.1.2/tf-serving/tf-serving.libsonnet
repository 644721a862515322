// kubeflow/tf-serving/tf-serving.libsonnet
//
// TensorFlow Serving: Deployment and Service <name>. `params` is the component's params merged over
// `defaults`, so any key set with `kfctl param set` (declared or not) takes effect, as in 2018.
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
    deployHttpProxy: false,
    httpProxyImage: 'gcr.io/kubeflow-images-public/tf-model-server-http-proxy:v20180327-995786ec',
    serviceType: 'ClusterIP',
    defaultCpuImage: 'gcr.io/kubeflow-images-public/tf-model-server-cpu:v20180327-995786ec',
    defaultGpuImage: 'gcr.io/kubeflow-images-public/tf-model-server-gpu:v20180327-995786ec',
    modelServerImage: 'null',
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

  // Resolved settings from params and env.
  settings(params, env)::
    local p = $.defaults + params;
    local name = u.dnsLabel(p.name, 'name');
    local modelName = u.orDefault(p.modelName, name);
    local gpus = plat.gpus(p.numGpus, 'numGpus');
    p {
      name: name,
      ns: u.namespace(p, env),
      modelName: modelName,
      modelPath: u.orDefault(p.modelPath, '/models/' + modelName),
      gpus: gpus,
      image: u.orDefault(p.modelServerImage, if gpus > 0 then p.defaultGpuImage else p.defaultCpuImage),
      nfs:
        if p.modelStorageType == 'nfs' then
          if u.isNull(p.nfsPVC) then error 'nfsPVC: modelStorageType is nfs, so nfsPVC must name the claim that holds the model'
          else true
        else if p.modelStorageType == 'cloud' then false
        else error 'modelStorageType: expected cloud or nfs, got "' + p.modelStorageType + '"',
      gcp: p.cloud == 'gcp' && !u.isNull(p.gcpCredentialSecretName),
      s3: u.toBool(p.s3Enable, 's3Enable'),
      httpProxy: u.toBool(p.deployHttpProxy, 'deployHttpProxy'),
      groupName: plat.group(p.group),
    },

  s3Env(s):: [
    { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: s.s3SecretName, key: s.s3SecretAccesskeyidKeyName } } },
    { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: s.s3SecretName, key: s.s3SecretSecretaccesskeyKeyName } } },
    { name: 'AWS_REGION', value: s.s3AwsRegion },
    { name: 'S3_REGION', value: s.s3AwsRegion },
    { name: 'S3_USE_HTTPS', value: if u.toBool(s.s3UseHttps, 's3UseHttps') then '1' else '0' },
    { name: 'S3_VERIFY_SSL', value: if u.toBool(s.s3VerifySsl, 's3VerifySsl') then '1' else '0' },
    { name: 'S3_ENDPOINT', value: s.s3Endpoint },
  ],

  modelServer(s)::
    local env =
      (if s.gcp then [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/secret/gcp-credentials/' + s.gcpCredentialFileName }] else [])
      + (if s.s3 then $.s3Env(s) else []);
    local mounts =
      (if s.nfs then [{ name: 'nfs', mountPath: s.nfsMountPath }] else [])
      + (if s.gcp then [{ name: 'gcp-credentials', mountPath: '/secret/gcp-credentials', readOnly: true }] else []);
    u.compact({
      name: s.name,
      image: s.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/usr/bin/tensorflow_model_server'],
      args: ['--port=9000', '--model_name=' + s.modelName, '--model_base_path=' + s.modelPath],
      ports: [{ containerPort: 9000 }],
      env: if env == [] then null else env,
      resources: {
        requests: { cpu: '1', memory: '1Gi' },
        limits: { cpu: '4', memory: '4Gi' } + plat.gpuLimits(plat.defaults, s.gpus),
      },
      volumeMounts: if mounts == [] then null else mounts,
    }),

  httpProxy(s):: {
    name: s.name + '-http-proxy',
    image: s.httpProxyImage,
    imagePullPolicy: 'IfNotPresent',
    command: ['python', '/usr/src/app/server.py', '--port=8000', '--rpc_port=9000', '--rpc_timeout=10.0'],
    ports: [{ containerPort: 8000 }],
    resources: { requests: { cpu: '500m', memory: '500Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  },

  service(s)::
    local mapping(n, method, rewrite) = std.join('\n', [
      '---',
      'apiVersion: ambassador/v0',
      'kind:  Mapping',
      'name: tfserving-' + n + '-' + s.name,
      'prefix: /models/' + s.name + '/',
      'rewrite: ' + rewrite,
      'method: ' + method,
      'service: ' + s.name + '.' + s.ns + ':8000',
    ]);
    u.service(s.name, s.ns, { app: s.name }, [
      { name: 'grpc-tf-serving', port: 9000, targetPort: 9000 },
      { name: 'http-tf-serving-proxy', port: 8000, targetPort: 8000 },
    ], type=s.serviceType, labels={ app: s.name }, annotations={
      'getambassador.io/config': std.join('\n', [
        mapping('get', 'GET', '/'),
        mapping('predict', 'POST', '/model/' + s.name + ':predict'),
      ]),
    }),

  deployment(s)::
    local volumes =
      (if s.nfs then [{ name: 'nfs', persistentVolumeClaim: { claimName: s.nfsPVC } }] else [])
      + (if s.gcp then [{ name: 'gcp-credentials', secret: { secretName: s.gcpCredentialSecretName } }] else []);
    u.deployment(s.name, s.ns, { app: s.name }, u.compact({
      containers: [$.modelServer(s)] + (if s.httpProxy then [$.httpProxy(s)] else []),
      volumes: if volumes == [] then null else volumes,
      securityContext: { runAsUser: 1000, fsGroup: 1000 },
    }) + plat.placement(plat.settings(s), s.gpus, s.groupName, preferCpu=false)),

  all(params, env)::
    local s = $.settings(params, env);
    [$.service(s), $.deployment(s)],
}
