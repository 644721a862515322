// kubeflow/seldon/seldon.libsonnet: Seldon Core 2 (release 2.10.0, checked 2026-12-06).
//
// Seldon Core 2 is the current Seldon Core generation: models are artifacts (storageUri) loaded into
// shared inference servers (MLServer, Triton) instead of one Deployment per model image.
//
// crds: Model, Server, ServerConfig, Pipeline, Experiment, SeldonRuntime, SeldonConfig
//   (mlops.seldon.io/v1alpha1). Structural schemas typed where users write fields; pod specs are
//   kept as given.
// core(): the CRDs, the controller (seldon-v2-controller-manager) with the RBAC its release grants,
//   SeldonConfig `default` (the runtime components: scheduler, envoy, gateways, dataflow engine),
//   ServerConfig `mlserver`, and, by default, SeldonRuntime `seldon` and Server `mlserver`.
// serveSimple(): a Model (and, for a custom server image, its own Server).
local u = import 'kubeflow/common/util.libsonnet';
local s = u.schema;

{
  group:: 'mlops.seldon.io',
  version:: 'v1alpha1',
  apiVersion:: $.group + '/' + $.version,
  release:: '2.10.0',
  images:: {
    controller: 'docker.io/seldonio/seldonv2-controller:' + $.release,
    scheduler: 'docker.io/seldonio/seldon-scheduler:' + $.release,
    envoy: 'docker.io/seldonio/seldon-envoy:' + $.release,
    modelgateway: 'docker.io/seldonio/seldon-modelgateway:' + $.release,
    pipelinegateway: 'docker.io/seldonio/seldon-pipelinegateway:' + $.release,
    dataflow: 'docker.io/seldonio/seldon-dataflow-engine:' + $.release,
    rclone: 'docker.io/seldonio/seldon-rclone:' + $.release,
    agent: 'docker.io/seldonio/seldon-agent:' + $.release,
    mlserver: 'docker.io/seldonio/mlserver:1.7.1',
  },
  // The runtime components that talk to Kafka (disabled by a SeldonRuntime override without one).
  kafkaComponents:: ['seldon-modelgateway', 'seldon-pipelinegateway', 'seldon-dataflow-engine'],

  // ---------------------------------------------------------------------------------------------
  // CRDs

  nullableStrMap:: s.strMap() + { nullable: true },
  podSpec:: s.any('Pod spec (merged with the one of the referenced config by container name).'),
  claimTemplates:: s.arr(s.obj({ name: s.str(), spec: s.any() }, required=['name'], open=true)),
  refs:: s.obj({ modelRef: s.str(), pipelineRef: s.str() }),
  scale:: { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
  ready(type):: [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="' + type + '")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],

  modelSpec:: s.obj({
    storageUri: s.str('Where the model artifact is: gs://, s3://, https://, ... (read by rclone).'),
    artifactVersion: s.int('Version folder to take from the storage bucket.'),
    schemaUri: s.str(),
    secretName: s.str('Secret with rclone settings for storageUri.'),
    requirements: s.strs('Capabilities a Server needs to load the model (sklearn, xgboost, tensorflow, ...).'),
    memory: s.intOrString('Memory the model needs on a server.'),
    server: s.str('Name of the Server to load the model on; empty lets the scheduler choose.'),
    modelType: s.str(),
    preloaded: s.bool(),
    dedicated: s.bool(),
    replicas: s.int('Replicas (default 1).', 0),
    minReplicas: s.int(null, 0),
    maxReplicas: s.int(null, 0),
    logger: s.obj({ percent: s.int(null, 0, 100) }),
    explainer: s.obj({ type: s.str(), modelRef: s.str(), pipelineRef: s.str() }),
    llm: $.refs,
    parameters: s.arr(s.obj({ name: s.str(), value: s.str() }, required=['name', 'value'])),
    dataflow: s.obj({ cleanTopicsOnDelete: s.bool() }),
  }, required=['storageUri'], desc='A model artifact served by a Server.', open=true),

  serverSpec:: s.obj({
    serverConfig: s.str('Name of the ServerConfig this server starts from (mlserver, triton).'),
    replicas: s.int(null, 0),
    minReplicas: s.int(null, 0),
    maxReplicas: s.int(null, 0),
    capabilities: s.strs('Replace the capabilities of the ServerConfig.'),
    extraCapabilities: s.strs('Add to the capabilities of the ServerConfig.'),
    imageOverrides: s.obj({ agent: s.any(), rclone: s.any() }),
    podSpec: $.podSpec,
    disableAutoUpdate: s.bool(),
  }, required=['serverConfig'], desc='A set of inference server replicas models are loaded on.', open=true),

  pipelineStep:: {
    name: s.str('Model or pipeline of the step.'),
    inputs: s.strs('Steps whose outputs this step reads (step or step.outputs.tensor).'),
    inputsJoinType: s.str(),
    joinWindowMs: s.int(),
    tensorMap: s.strMap(),
    triggers: s.strs(),
    triggersJoinType: s.str(),
    batch: s.obj({ size: s.int(), windowMs: s.int(), rolling: s.bool() }),
  },

  pipelineSpec:: s.obj({
    steps: s.arr(s.obj($.pipelineStep, required=['name'], open=true)),
    output: s.obj({ steps: s.strs(), stepsJoin: s.str(), joinWindowMs: s.int(), tensorMap: s.strMap() }, open=true),
  }, required=['steps'], desc='A data-flow graph of models (runs on Kafka).', open=true),

  experimentSpec:: s.obj({
    default: s.str('Candidate that keeps the traffic when the experiment ends.'),
    resourceType: s.str('model or pipeline.'),
    candidates: s.arr(s.obj({ name: s.str(), weight: s.int(null, 0) }, required=['name', 'weight'])),
    mirror: s.obj({ name: s.str(), percent: s.int(null, 0, 100) }, required=['name', 'percent']),
  }, required=['candidates'], desc='A traffic split between models or pipelines.', open=true),

  runtimeConfig:: s.obj({
    agentConfig: s.obj({ rclone: s.obj({ config: s.strs(), config_secrets: s.strs() }, open=true) }, open=true),
    kafkaConfig: s.obj({
      'bootstrap.servers': s.str(),
      consumerGroupIdPrefix: s.str(),
      debug: s.str(),
      topicPrefix: s.str(),
      consumer: s.quantities(),
      producer: s.quantities(),
      streams: s.quantities(),
      topics: s.quantities(),
    }, open=true),
    serviceConfig: s.obj({ grpcServicePrefix: s.str(), serviceType: s.str() }, open=true),
    tracingConfig: s.obj({ disable: s.bool(), otelExporterEndpoint: s.str(), otelExporterProtocol: s.str(), ratio: s.str() }, open=true),
    scalingConfig: s.any(),
  }, open=true),

  runtimeSpec:: s.obj({
    seldonConfig: s.str('Name of the SeldonConfig to run.'),
    config: $.runtimeConfig,
    disableAutoUpdate: s.bool(),
    overrides: s.arr(s.obj({
      name: s.str(), disable: s.bool(), replicas: s.int(null, 0), serviceType: s.str(), podSpec: $.podSpec,
    }, required=['name'], open=true)),
  }, required=['seldonConfig'], desc='The Seldon Core 2 runtime of one namespace.', open=true),

  configSpec:: s.obj({
    components: s.arr(s.obj({
      name: s.str(), replicas: s.int(null, 0), podSpec: $.podSpec, volumeClaimTemplates: $.claimTemplates,
      labels: $.nullableStrMap, annotations: $.nullableStrMap,
    }, required=['name'], open=true)),
    config: $.runtimeConfig,
  }, desc='The components a SeldonRuntime creates.', open=true),

  crd(kind, plural, spec, shortNames=null, printerColumns=null, scale=false)::
    u.crd($.group, kind, plural, [
      u.crdVersion($.version, s.resource(spec, desc=kind + ' (Seldon Core 2).'), printerColumns=printerColumns)
      + (if scale then { subresources+: $.scale } else {}),
    ], shortNames=shortNames),

  crds:: [
    $.crd('Model', 'models', $.modelSpec, ['mlm'], $.ready('ModelReady'), scale=true),
    $.crd('Server', 'servers', $.serverSpec, ['mls'], $.ready('Ready'), scale=true),
    $.crd('ServerConfig', 'serverconfigs', s.obj({ podSpec: $.podSpec, volumeClaimTemplates: $.claimTemplates },
                                                   required=['podSpec'], open=true)),
    $.crd('Pipeline', 'pipelines', $.pipelineSpec, ['mlp'], $.ready('PipelineReady')),
    $.crd('Experiment', 'experiments', $.experimentSpec, ['mlx'], $.ready('ExperimentReady')),
    $.crd('SeldonRuntime', 'seldonruntimes', $.runtimeSpec),
    $.crd('SeldonConfig', 'seldonconfigs', $.configSpec),
  ],

  // ---------------------------------------------------------------------------------------------
  // Controller and its RBAC (the namespaced manager role of the release; a ClusterRole of the same
  // rules when clusterwide).

  kinds:: ['experiments', 'models', 'pipelines', 'seldonconfigs', 'seldonruntimes', 'serverconfigs', 'servers'],
  all:: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  rules:: [
    u.rule([''], ['configmaps', 'secrets', 'serviceaccounts', 'services'], $.all),
    u.rule([''], ['events'], ['create', 'patch']),
    u.rule(['apps'], ['deployments', 'statefulsets'], $.all),
    u.rule(['apps'], ['deployments/status', 'statefulsets/status'], ['get']),
    u.rule(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']),
    u.rule([$.group], $.kinds, $.all),
    u.rule([$.group], [k + '/finalizers' for k in $.kinds], ['update']),
    u.rule([$.group], [k + '/status' for k in $.kinds], ['get', 'patch', 'update']),
    u.rule(['rbac.authorization.k8s.io'], ['roles', 'rolebindings'], $.all),
  ],
  sa:: 'seldon-v2-controller-manager',
  labels:: { 'control-plane': 'v2-controller-manager' },
  nonRoot:: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true },

  controller(p, ns)::
    local clusterwide = u.toBool(p.clusterwide, 'clusterwide');
    local subject = [u.saSubject($.sa, ns)];
    [
      u.serviceAccount($.sa, ns),
      u.role('seldon-v2-leader-election-role', ns, [
        u.rule([''], ['configmaps'], $.all),
        u.rule(['coordination.k8s.io'], ['leases'], $.all),
        u.rule([''], ['events'], ['create', 'patch']),
      ]),
      u.roleBinding('seldon-v2-leader-election-rolebinding', ns, 'Role', 'seldon-v2-leader-election-role', subject),
    ] + (if clusterwide then [
      u.clusterRole('seldon-v2-manager-role', $.rules + [u.rule([''], ['namespaces'], ['get', 'list', 'watch'])]),
      u.clusterRoleBinding('seldon-v2-manager-rolebinding', 'seldon-v2-manager-role', subject),
    ] else [
      u.role('seldon-v2-manager-role', ns, $.rules),
      u.roleBinding('seldon-v2-manager-rolebinding', ns, 'Role', 'seldon-v2-manager-role', subject),
    ]) + [
      u.deployment($.sa, ns, $.labels, {
        serviceAccountName: $.sa,
        securityContext: $.nonRoot,
        terminationGracePeriodSeconds: 10,
        containers: [{
          name: 'manager',
          image: p.controllerImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['/manager'],
          args: [
            '--health-probe-bind-address=:8081',
            '--leader-elect',
            '--namespace=$(POD_NAMESPACE)',
            '--clusterwide=$(CLUSTERWIDE)',
            '--watch-namespaces=$(WATCH_NAMESPACES)',
            '--log-level=$(LOG_LEVEL)',
            '--use-deployments-for-servers=false',
          ],
          env: [
            { name: 'CLUSTERWIDE', value: std.toString(clusterwide) },
            { name: 'WATCH_NAMESPACES', value: '' },
            { name: 'LOG_LEVEL', value: p.logLevel },
            { name: 'CONTROL_PLANE_SECURITY_PROTOCOL', value: 'PLAINTEXT' },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: 8081 }, initialDelaySeconds: 15, periodSeconds: 20 },
          readinessProbe: { httpGet: { path: '/readyz', port: 8081 }, initialDelaySeconds: 5, periodSeconds: 10 },
          resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '64Mi' } },
          securityContext: { allowPrivilegeEscalation: false },
        }],
      }),
    ],

  // ---------------------------------------------------------------------------------------------
  // SeldonConfig `default`: the pods a SeldonRuntime creates. Plain-text control and data plane
  // (the release's default); no usage reporting (the release's hodometer is left out).

  env(m):: [{ name: k, value: m[k] } for k in std.objectFields(m)],
  fieldEnv(name, path):: { name: name, valueFrom: { fieldRef: { fieldPath: path } } },
  health:: {
    livenessProbe: { httpGet: { path: '/live', port: 'health' }, periodSeconds: 5 },
    readinessProbe: { httpGet: { path: '/ready', port: 'health' }, periodSeconds: 5 },
  },
  configVolumes(names):: [{ name: n + '-config-volume', configMap: { name: 'seldon-' + n } } for n in names],
  configMounts(names):: [{ name: n + '-config-volume', mountPath: '/mnt/' + n } for n in names],
  component(name, container, replicas=1, sa='seldon-scheduler', volumes=[], claims=null, annotations=null):: u.compact({
    name: name,
    replicas: replicas,
    annotations: annotations,
    podSpec: u.compact({
      serviceAccountName: sa,
      securityContext: $.nonRoot,
      terminationGracePeriodSeconds: 5,
      containers: [container + { imagePullPolicy: 'IfNotPresent' }],
      volumes: if volumes == [] then null else volumes,
    }),
    volumeClaimTemplates: claims,
  }),
  gatewayArgs:: [
    '--scheduler-host=seldon-scheduler',
    '--scheduler-plaintxt-port=9004',
    '--envoy-host=seldon-mesh',
    '--envoy-port=80',
    '--kafka-config-path=/mnt/kafka/kafka.json',
    '--tracing-config-path=/mnt/tracing/tracing.json',
    '--log-level=$(LOG_LEVEL)',
    '--health-probe-port=9999',
  ],
  mem(m, cpu):: { requests: { cpu: cpu, memory: m }, limits: { memory: m } },

  components(p):: [
    $.component('seldon-scheduler', {
      name: 'scheduler',
      image: p.schedulerImage,
      command: ['/bin/scheduler'],
      args: [
        '--pipeline-gateway-host=seldon-pipelinegateway',
        '--tracing-config-path=/mnt/tracing/tracing.json',
        '--kafka-config-path=/mnt/kafka/kafka.json',
        '--db-path=/mnt/scheduler/db',
        '--allow-plaintxt=true',
        '--log-level=$(LOG_LEVEL)',
        '--health-probe-port=9999',
      ],
      env: $.env({ LOG_LEVEL: p.logLevel, CONTROL_PLANE_SECURITY_PROTOCOL: 'PLAINTEXT', ENVOY_SECURITY_PROTOCOL: 'PLAINTEXT' })
           + [$.fieldEnv('POD_NAMESPACE', 'metadata.namespace')],
      ports: [
        { name: 'xds', containerPort: 9002 },
        { name: 'scheduler', containerPort: 9004 },
        { name: 'agent', containerPort: 9005 },
        { name: 'dataflow', containerPort: 9008 },
        { name: 'health', containerPort: 9999 },
      ],
      resources: $.mem('1Gi', '100m'),
      volumeMounts: $.configMounts(['kafka', 'tracing']) + [{ name: 'scheduler-state', mountPath: '/mnt/scheduler' }],
    } + $.health, volumes=$.configVolumes(['kafka', 'tracing']), claims=[{
      name: 'scheduler-state',
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }]),
    $.component('seldon-envoy', {
      name: 'envoy',
      image: p.envoyImage,
      env: $.env({ ENVOY_SECURITY_PROTOCOL: 'PLAINTEXT' }),
      ports: [{ name: 'http', containerPort: 9000 }, { name: 'envoy-stats', containerPort: 9003 }],
      readinessProbe: { httpGet: { path: '/ready', port: 'envoy-stats' }, initialDelaySeconds: 10, periodSeconds: 5 },
      resources: $.mem('128Mi', '100m'),
    }, sa=null, annotations={ 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '9003', 'prometheus.io/scrape': 'true' }),
    $.component('seldon-modelgateway', {
      name: 'modelgateway',
      image: p.modelgatewayImage,
      command: ['/bin/modelgateway'],
      args: $.gatewayArgs,
      env: $.env({ LOG_LEVEL: p.logLevel, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', CONTROL_PLANE_SECURITY_PROTOCOL: 'PLAINTEXT' })
           + [$.fieldEnv('POD_NAME', 'metadata.name'), $.fieldEnv('POD_NAMESPACE', 'metadata.namespace')],
      ports: [{ name: 'health', containerPort: 9999 }],
      resources: $.mem('1G', '100m'),
      volumeMounts: $.configMounts(['kafka', 'tracing']),
    } + $.health, volumes=$.configVolumes(['kafka', 'tracing'])),
    $.component('seldon-pipelinegateway', {
      name: 'pipelinegateway',
      image: p.pipelinegatewayImage,
      command: ['/bin/pipelinegateway'],
      args: ['--http-port=9010', '--grpc-port=9011', '--metrics-port=9006'] + $.gatewayArgs,
      env: $.env({ LOG_LEVEL: p.logLevel, KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', CONTROL_PLANE_SECURITY_PROTOCOL: 'PLAINTEXT',
                   ENVOY_SECURITY_PROTOCOL: 'PLAINTEXT' })
           + [$.fieldEnv('POD_NAME', 'metadata.name'), $.fieldEnv('POD_IP', 'status.podIP'),
              $.fieldEnv('POD_NAMESPACE', 'metadata.namespace')],
      ports: [
        { name: 'http', containerPort: 9010 },
        { name: 'grpc', containerPort: 9011 },
        { name: 'metrics', containerPort: 9006 },
        { name: 'health', containerPort: 9999 },
      ],
      resources: $.mem('1G', '100m'),
      volumeMounts: $.configMounts(['kafka', 'tracing']),
    } + $.health, volumes=$.configVolumes(['kafka', 'tracing'])),
    $.component('seldon-dataflow-engine', {
      name: 'dataflow-engine',
      image: p.dataflowImage,
      env: $.env({
        SELDON_KAFKA_BOOTSTRAP_SERVERS: u.orDefault(p.kafkaBootstrap, ''),
        SELDON_KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
        SELDON_UPSTREAM_HOST: 'seldon-scheduler',
        SELDON_UPSTREAM_PORT: '9008',
        SELDON_LOG_LEVEL_APP: 'INFO',
      }) + [$.fieldEnv('SELDON_POD_NAMESPACE', 'metadata.namespace')],
      resources: $.mem('1G', '100m'),
    }),
  ],

  // ServerConfig `mlserver`: rclone (fetches storageUri), the agent (loads models, talks to the
  // scheduler) and MLServer itself, sharing a model volume.
  mlserverPod(p, models='mlserver-models')::
    local stop = { preStop: { httpGet: { path: 'terminate', port: 9007 } } };
    {
      serviceAccountName: 'seldon-server',
      securityContext: $.nonRoot,
      terminationGracePeriodSeconds: 120,
      containers: [
        {
          name: 'rclone',
          image: p.rcloneImage,
          imagePullPolicy: 'IfNotPresent',
          env: $.env({ RCLONE_LOG_LEVEL: 'INFO' }),
          ports: [{ name: 'rclone', containerPort: 5572, protocol: 'TCP' }],
          lifecycle: stop,
          readinessProbe: { tcpSocket: { port: 5572 }, initialDelaySeconds: 5, periodSeconds: 5 },
          resources: $.mem('128Mi', '50m'),
          volumeMounts: [{ name: models, mountPath: '/mnt/agent' }],
        },
        {
          name: 'agent',
          image: p.agentImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/agent'],
          args: ['--tracing-config-path=/mnt/tracing/tracing.json'],
          env: $.env({
            SELDON_SERVER_CAPABILITIES: p.mlserverCapabilities,
            SELDON_SERVER_TYPE: 'mlserver',
            SELDON_OVERCOMMIT_PERCENTAGE: '10',
            SELDON_LOG_LEVEL: p.logLevel,
            SELDON_SERVER_HTTP_PORT: '9000',
            SELDON_SERVER_GRPC_PORT: '9500',
            SELDON_REVERSE_PROXY_HTTP_PORT: '9001',
            SELDON_REVERSE_PROXY_GRPC_PORT: '9501',
            SELDON_SCHEDULER_HOST: 'seldon-scheduler',
            SELDON_SCHEDULER_PORT: '9005',
            SELDON_METRICS_PORT: '9006',
            SELDON_DRAINER_PORT: '9007',
            SELDON_READINESS_PORT: '9008',
            SELDON_ENVOY_HOST: 'seldon-mesh',
            SELDON_ENVOY_PORT: '80',
            CONTROL_PLANE_SECURITY_PROTOCOL: 'PLAINTEXT',
            ENVOY_SECURITY_PROTOCOL: 'PLAINTEXT',
          }) + [
            $.fieldEnv('POD_NAME', 'metadata.name'),
            $.fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
            { name: 'MEMORY_REQUEST', valueFrom: { resourceFieldRef: { containerName: 'mlserver', resource: 'requests.memory' } } },
          ],
          ports: [
            { name: 'grpc', containerPort: 9501, protocol: 'TCP' },
            { name: 'http', containerPort: 9001, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9006, protocol: 'TCP' },
            { name: 'readiness-port', containerPort: 9008 },
          ],
          lifecycle: stop,
          readinessProbe: { httpGet: { path: '/ready', port: 9008 }, periodSeconds: 5, failureThreshold: 1 },
          startupProbe: { httpGet: { path: '/ready', port: 9008 }, periodSeconds: 15, failureThreshold: 60 },
          resources: $.mem('1Gi', '200m'),
          volumeMounts: [
            { name: models, mountPath: '/mnt/agent' },
            { name: 'config-volume', mountPath: '/mnt/config' },
            { name: 'tracing-config-volume', mountPath: '/mnt/tracing' },
          ],
        },
        {
          name: 'mlserver',
          image: p.mlserverImage,
          imagePullPolicy: 'IfNotPresent',
          env: $.env({
            MLSERVER_HTTP_PORT: '9000',
            MLSERVER_GRPC_PORT: '9500',
            MLSERVER_MODELS_DIR: '/mnt/agent/models',
            MLSERVER_MODEL_PARALLEL_WORKERS: '1',
            MLSERVER_LOAD_MODELS_AT_STARTUP: 'false',
          }),
          ports: [
            { name: 'server-grpc', containerPort: 9500, protocol: 'TCP' },
            { name: 'server-http', containerPort: 9000, protocol: 'TCP' },
            { name: 'server-metrics', containerPort: 8082 },
          ],
          lifecycle: stop,
          livenessProbe: { httpGet: { path: '/v2/health/live', port: 'server-http' } },
          readinessProbe: { httpGet: { path: '/v2/health/live', port: 'server-http' }, initialDelaySeconds: 5, periodSeconds: 5 },
          resources: $.mem(p.mlserverMemory, '100m'),
          volumeMounts: [{ name: models, mountPath: '/mnt/agent', readOnly: true }],
        },
      ],
      volumes: [
        { name: 'config-volume', configMap: { name: 'seldon-agent' } },
        { name: 'tracing-config-volume', configMap: { name: 'seldon-tracing' } },
      ],
    },

  defaults:: {
    clusterwide: false,
    runtime: true,
    server: true,
    serverReplicas: 1,
    serviceType: 'ClusterIP',
    kafkaBootstrap: null,
    logLevel: 'info',
    controllerImage: $.images.controller,
    schedulerImage: $.images.scheduler,
    envoyImage: $.images.envoy,
    modelgatewayImage: $.images.modelgateway,
    pipelinegatewayImage: $.images.pipelinegateway,
    dataflowImage: $.images.dataflow,
    rcloneImage: $.images.rclone,
    agentImage: $.images.agent,
    mlserverImage: $.images.mlserver,
    mlserverCapabilities: 'mlserver,alibi-detect,alibi-explain,huggingface,lightgbm,mlflow,python,sklearn,spark-mlib,xgboost',
    mlserverMemory: '1Gi',
  },

  core(params, env)::
    local p = $.defaults + { [k]: params[k] for k in std.objectFields(params) if !u.isNull(params[k]) };
    local ns = u.namespace(params, env);
    local kafka = !u.isNull(p.kafkaBootstrap);
    local serviceType = p.serviceType;
    if !std.member(['ClusterIP', 'NodePort', 'LoadBalancer'], serviceType) then
      error 'serviceType: expected ClusterIP, NodePort or LoadBalancer, got "' + serviceType + '"'
    else
    local config = {
      agentConfig: { rclone: { config_secrets: [] } },
      kafkaConfig: {
        'bootstrap.servers': if kafka then p.kafkaBootstrap else '',
        topicPrefix: 'seldon',
        consumer: { 'auto.offset.reset': 'earliest', 'session.timeout.ms': '6000' },
        producer: { 'linger.ms': '0' },
        topics: { numPartitions: '1', replicationFactor: '1' },
      },
      serviceConfig: { grpcServicePrefix: '', serviceType: serviceType },
      tracingConfig: { disable: true, otelExporterEndpoint: '', ratio: '0' },
    };
    $.crds + $.controller(p, ns) + [
      u.object($.apiVersion, 'SeldonConfig', 'default', ns) + { spec: { components: $.components(p), config: config } },
      u.object($.apiVersion, 'ServerConfig', 'mlserver', ns) + {
        spec: {
          podSpec: $.mlserverPod(p),
          volumeClaimTemplates: [{
            name: 'mlserver-models',
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          }],
        },
      },
    ] + (if u.toBool(p.runtime, 'runtime') then [
      u.object($.apiVersion, 'SeldonRuntime', 'seldon', ns) + {
        spec: u.compact({
          seldonConfig: 'default',
          config: { serviceConfig: { serviceType: serviceType } },
          overrides: if kafka then null else [{ name: c, disable: true } for c in $.kafkaComponents],
        }),
      },
    ] else []) + (if u.toBool(p.server, 'server') then [
      u.object($.apiVersion, 'Server', 'mlserver', ns) + {
        spec: { serverConfig: 'mlserver', replicas: u.toCount(p.serverReplicas, 'serverReplicas') },
      },
    ] else []),

  // ---------------------------------------------------------------------------------------------
  // serve-simple: one Model; with `image`, a Server of its own running that MLServer image.

  serveSimple(params, env)::
    local name = u.dnsLabel(params.name, 'name');
    local ns = u.namespace(params, env);
    local image = u.param(params, 'image', null);
    local reqs = [std.stripChars(r, ' ') for r in std.split(u.orDefault(u.param(params, 'requirements', 'sklearn'), ''), ',')];
    local memory = u.param(params, 'memory', null);
    local replicas = u.toCount(u.orDefault(u.param(params, 'replicas', 1), 1), 'replicas');
    if u.isNull(u.param(params, 'storageUri', null)) then error 'storageUri: the model artifact location is required'
    else [
      if !u.isNull(image) then u.object($.apiVersion, 'Server', name, ns, { app: 'seldon' }) + {
        spec: {
          serverConfig: 'mlserver',
          replicas: replicas,
          podSpec: { containers: [{ name: 'mlserver', image: image }] },
        },
      },
      u.object($.apiVersion, 'Model', name, ns, { app: 'seldon' }) + {
        spec: u.compact({
          storageUri: params.storageUri,
          requirements: [r for r in reqs if r != ''],
          replicas: replicas,
          memory: if u.isNull(memory) then null else memory,
          server: if u.isNull(image) then null else name,
        }),
      },
    ],
}
