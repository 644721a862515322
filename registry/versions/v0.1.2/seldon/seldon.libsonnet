// kubeflow/seldon/seldon.libsonnet
//
// Seldon Core 0.1 (the version Kubeflow v0.1 shipped): CRD seldondeployments.machinelearning.seldon.io
// (owned by this package), the cluster manager (the operator), redis, optional API front end, RBAC;
// and SeldonDeployment builders for the model prototypes.
local u = import 'kubeflow/common/util.libsonnet';
local sch = u.schema;

{
  group:: 'machinelearning.seldon.io',
  version:: 'v1alpha1',

  // Predictive-unit graph: a tree of units. The schema names the fields prototypes emit and keeps
  // nested children as given (a structural schema cannot recurse).
  graphSchema:: sch.obj({
    name: sch.str('Name of the unit (a container of componentSpec, or a built-in unit).'),
    type: sch.str('MODEL, ROUTER, COMBINER, TRANSFORMER or OUTPUT_TRANSFORMER.'),
    implementation: sch.str('Built-in implementation, e.g. RANDOM_ABTEST.'),
    endpoint: sch.obj({
      type: sch.str('REST or GRPC.', enum=['REST', 'GRPC']),
      service_host: sch.str(),
      service_port: sch.int(),
    }),
    parameters: sch.arr(sch.obj({ name: sch.str(), value: sch.str(), type: sch.str() })),
    children: sch.arr(sch.any()),
  }, required=['name'], open=true),

  crd:: u.crd($.group, 'SeldonDeployment', 'seldondeployments', [
    u.crdVersion($.version, sch.resource(sch.obj({
      name: sch.str('Name of the deployment.'),
      oauth_key: sch.str(),
      oauth_secret: sch.str(),
      annotations: sch.strMap(),
      predictors: sch.arr(sch.obj({
        name: sch.str(),
        replicas: sch.int(min=0),
        annotations: sch.strMap(),
        componentSpec: sch.any('Pod template (metadata and spec) of the predictor\'s containers.'),
        graph: $.graphSchema,
      }, required=['name', 'graph', 'componentSpec'], open=true), 'Predictors (one per model version / experiment arm).'),
    }, required=['predictors'], open=true), desc='SeldonDeployment: a graph of model servers, routers and combiners.')),
  ], shortNames=['sdep']),

  defaults:: {
    withRbac: true,
    withApife: false,
    apifeImage: 'seldonio/apife:0.1.5',
    apifeServiceType: 'NodePort',
    operatorImage: 'seldonio/cluster-manager:0.1.5',
    operatorSpringOpts: 'null',
    operatorJavaOpts: 'null',
    engineImage: 'seldonio/engine:0.1.5',
  },

  core(params, env)::
    local p = $.defaults + params;
    local ns = u.namespace(p, env);
    local rbac = u.toBool(p.withRbac, 'withRbac');
    local optEnv(name, v) = if u.isNull(v) then [] else [{ name: name, value: v }];
    local redisLabels = { app: 'redis-app' };
    [
      $.crd,
    ] + (if rbac then [
      u.serviceAccount('seldon', ns),
      u.clusterRole('seldon', [
        u.rule([$.group], ['seldondeployments', 'seldondeployments/status'], ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
        u.rule(['apps'], ['deployments'], ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
        u.rule([''], ['services', 'pods', 'endpoints', 'events', 'configmaps'], ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
        u.rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['get', 'list', 'watch']),
      ]),
      u.clusterRoleBinding('seldon', 'seldon', [u.saSubject('seldon', ns)]),
    ] else []) + [
      u.deployment('seldon-cluster-manager', ns, { app: 'seldon-cluster-manager-server' }, u.compact({
        serviceAccountName: if rbac then 'seldon' else null,
        containers: [{
          name: 'seldon-cluster-manager-container',
          image: p.operatorImage,
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'SELDON_CLUSTER_MANAGER_REDIS_HOST', value: 'redis' },
            { name: 'SELDON_CLUSTER_MANAGER_POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'ENGINE_CONTAINER_IMAGE_AND_VERSION', value: p.engineImage },
          ] + optEnv('JAVA_OPTS', p.operatorJavaOpts) + optEnv('SPRING_OPTS', p.operatorSpringOpts),
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
        }],
      })),
      u.deployment('redis', ns, redisLabels, {
        containers: [{ name: 'redis', image: 'redis:4.0.1', ports: [{ containerPort: 6379, protocol: 'TCP' }] }],
      }),
      u.service('redis', ns, redisLabels, [{ port: 6379, targetPort: 6379, protocol: 'TCP' }]),
    ] + (if u.toBool(p.withApife, 'withApife') then [
      u.deployment('seldon-apiserver', ns, { app: 'seldon-apiserver-container-app' }, u.compact({
        serviceAccountName: if rbac then 'seldon' else null,
        containers: [{
          name: 'seldon-apiserver-container',
          image: p.apifeImage,
          imagePullPolicy: 'IfNotPresent',
          env: [
            { name: 'SELDON_ENGINE_KAFKA_SERVER', value: 'kafka.kubeflow-seldon:9092' },
            { name: 'SELDON_CLUSTER_MANAGER_REDIS_HOST', value: 'redis' },
            { name: 'SELDON_CLUSTER_MANAGER_POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          ports: [{ containerPort: 8080, protocol: 'TCP' }, { containerPort: 5000, protocol: 'TCP' }],
        }],
      })),
      u.service('seldon-apiserver', ns, { app: 'seldon-apiserver-container-app' }, [
        { name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' },
        { name: 'grpc', port: 5000, targetPort: 5000, protocol: 'TCP' },
      ], type=p.apifeServiceType, labels={ app: 'seldon-apiserver-container-app' }),
    ] else []),

  // SeldonDeployment with one predictor serving `image` as a MODEL unit.
  serveSimple(params, env)::
    local name = u.dnsLabel(params.name, 'name');
    local ns = u.namespace(params, env);
    local pvc = u.param(params, 'pvcName', null);
    local endpoint = std.asciiUpper(u.orDefault(u.param(params, 'endpoint', 'REST'), 'REST'));
    if !std.member(['REST', 'GRPC'], endpoint) then error 'endpoint: expected REST or GRPC, got "' + params.endpoint + '"'
    else if u.isNull(params.image) then error 'image: the model image is required'
    else [
      if pvc != null then u.pvc(u.dnsLabel(pvc, 'pvcName'), ns, u.param(params, 'pvcSize', '10Gi')),
      u.object($.group + '/' + $.version, 'SeldonDeployment', name, ns, { app: 'seldon' }) + {
        spec: {
          name: name,
          annotations: { project_name: name, deployment_version: 'v1' },
          oauth_key: u.param(params, 'oauthKey', 'oauth-key'),
          oauth_secret: u.param(params, 'oauthSecret', 'oauth-secret'),
          predictors: [{
            name: name,
            replicas: u.toCount(params.replicas, 'replicas'),
            annotations: { predictor_version: 'v1' },
            componentSpec: {
              spec: u.compact({
                containers: [u.compact({
                  name: name,
                  image: params.image,
                  imagePullPolicy: 'Always',
                  volumeMounts: if pvc != null then [{ name: 'persistent-storage', mountPath: '/mnt' }] else null,
                })],
                terminationGracePeriodSeconds: 1,
                volumes: if pvc != null then [{ name: 'persistent-storage', persistentVolumeClaim: { claimName: pvc } }] else null,
              }),
            },
            graph: { name: name, type: 'MODEL', endpoint: { type: endpoint }, children: [] },
          }],
        },
      },
    ],
}
