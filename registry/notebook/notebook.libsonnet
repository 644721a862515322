// kubeflow/notebook/notebook.libsonnet
//
// A per-user Jupyter server: StatefulSet (one pod, a workspace volume claim per notebook),
// Service, and, when asked for, an Istio VirtualService that routes
// https://<host>/notebook/<user>/<name>/ from the platform's Gateway to it. Access is never open:
// auth=token (default) makes Jupyter require the token of a Secret; auth=gateway leaves sign-in to
// the mesh and admits only the owner (an Istio AuthorizationPolicy on the user-id header the
// gateway's authenticator sets). Placement (group, GPU nodes) and the shared storage mounts come
// from kubeflow/common.
local u = import 'kubeflow/common/util.libsonnet';
local p = import 'kubeflow/common/platform.libsonnet';

{
  port:: 8888,
  servicePort:: 80,
  container:: 'notebook',

  // An explicitly empty group is a mistake (leave it unset or name a group).
  group(x)::
    if std.type(x) == 'string' && x != 'null' && u.trim(x) == '' then
      error 'group: must not be empty (leave it unset or name a resource group)'
    else p.group(x, false, 'group'),

  config(params, env):: {
    local cfg = self,
    name: u.dnsLabel(params.name, 'name'),
    namespace: u.orDefault(u.namespace(params, env), 'default'),
    settings: p.settings(params),
    user:
      local x = p.user(std.get(params, 'user', null), 'user');
      if x == null then error 'user: the notebook owner is required (a DNS label, e.g. alice)' else x,
    group: $.group(std.get(params, 'group', null)),
    gpus: p.gpus(u.param(params, 'gpus', 0), 'gpus'),
    cpu: u.param(params, 'cpu', null),
    memory: u.param(params, 'memory', null),
    image: params.image,
    imagePullPolicy: u.param(params, 'imagePullPolicy', 'IfNotPresent'),
    disk: u.param(params, 'disk', null),
    storageClassName: u.param(params, 'storageClassName', null),
    storage: p.storage(self.settings, self.user, self.group, u.param(params, 'globalStorage', true)),
    prefix: '/notebook/' + self.user + '/' + self.name + '/',
    virtualService: u.toBool(u.param(params, 'virtualService', false), 'virtualService'),
    gateway: u.param(params, 'gateway', 'kubeflow/kubeflow-gateway'),
    hosts: u.toArray(u.param(params, 'host', null)),
    auth: u.orDefault(u.param(params, 'auth', 'token'), 'token'),
    tokenSecret: u.orDefault(u.param(params, 'tokenSecret', null), cfg.name + '-token'),
    userId: u.orDefault(u.param(params, 'userId', null), cfg.user),
    userIdHeader: u.orDefault(u.param(params, 'userIdHeader', null), 'kubeflow-userid'),
    gatewayPrincipal: u.orDefault(u.param(params, 'gatewayPrincipal', null),
                                  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'),
    serviceType: u.param(params, 'serviceType', 'ClusterIP'),
    labels: {
      app: 'notebook',
      'notebook-name': cfg.name,
      'platform/user': cfg.user,
    },
  },

  // Jupyter options: serve under the routed prefix. NOTEBOOK_ARGS is read by the Jupyter Docker
  // Stacks images, NB_PREFIX by Kubeflow's images. auth=token: Jupyter requires the token of the
  // Secret (JUPYTER_TOKEN; the pod does not start without the Secret). auth=gateway: no Jupyter
  // token; the AuthorizationPolicy admits only the owner, through the gateway.
  env(cfg):: [
    { name: 'NB_PREFIX', value: std.rstripChars(cfg.prefix, '/') },
    { name: 'NOTEBOOK_ARGS', value: std.join(' ', ['--ServerApp.base_url=' + cfg.prefix] + (
      if cfg.auth == 'gateway' then ["--ServerApp.token=''", "--ServerApp.password=''"] else []
    )) },
  ] + (if cfg.auth == 'token' then [
    { name: 'JUPYTER_TOKEN', valueFrom: { secretKeyRef: { name: cfg.tokenSecret, key: 'token' } } },
  ] else []),

  // Container resources, or null when there is nothing to request.
  local resources(cfg) =
    local requests = u.compact({ cpu: cfg.cpu, memory: cfg.memory });
    local limits = u.compact({ memory: cfg.memory }) + p.gpuLimits(cfg.settings, cfg.gpus);
    local r = u.compact({
      requests: if requests == {} then null else requests,
      limits: if limits == {} then null else limits,
    });
    if r == {} then null else r,

  podSpec(cfg)::
    local workspace = if cfg.disk == null then [] else [{ name: 'workspace', mountPath: '/home/jovyan' }];
    local spec = {
      // OnRootMismatch: no recursive chown of the (large, shared) storage volumes on every start.
      securityContext: { fsGroup: 100, fsGroupChangePolicy: 'OnRootMismatch' },
      containers: [u.compact({
        name: $.container,
        image: cfg.image,
        imagePullPolicy: cfg.imagePullPolicy,
        env: $.env(cfg),
        ports: [{ name: 'notebook-port', containerPort: $.port, protocol: 'TCP' }],
        resources: resources(cfg),
        volumeMounts: if workspace == [] then null else workspace,
        readinessProbe: {
          // /api answers without a token (it reports the server version only).
          httpGet: { path: cfg.prefix + 'api', port: $.port },
          initialDelaySeconds: 5,
          periodSeconds: 10,
        },
      })],
    } + p.placement(cfg.settings, cfg.gpus, cfg.group, true, null);
    p.attachStorage(spec, cfg.storage),

  statefulSet(cfg)::
    u.statefulSet(cfg.name, cfg.namespace, cfg.labels, $.podSpec(cfg), cfg.name) + (
      if cfg.disk == null then {} else {
        spec+: {
          volumeClaimTemplates: [{
            metadata: { name: 'workspace', labels: cfg.labels },
            spec: u.compact({
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: cfg.disk } },
              storageClassName: cfg.storageClassName,
            }),
          }],
        },
      }
    ),

  service(cfg)::
    u.service(cfg.name, cfg.namespace, cfg.labels, [
      { name: 'http-' + $.container, port: $.servicePort, targetPort: $.port, protocol: 'TCP' },
    ], cfg.serviceType, cfg.labels),

  virtualService(cfg)::
    u.object('networking.istio.io/v1beta1', 'VirtualService', 'notebook-' + cfg.user + '-' + cfg.name,
             cfg.namespace, cfg.labels) + {
      spec: {
        hosts: cfg.hosts,
        gateways: [cfg.gateway],
        http: [{
          match: [{ uri: { prefix: cfg.prefix } }],
          rewrite: { uri: cfg.prefix },
          route: [{
            destination: {
              host: cfg.name + '.' + cfg.namespace + '.svc.cluster.local',
              port: { number: $.servicePort },
            },
          }],
          timeout: '300s',
        }],
      },
    },

  // auth=gateway: only the owner, coming through the gateway with its user-id header, reaches the pod.
  authorizationPolicy(cfg)::
    u.object('security.istio.io/v1', 'AuthorizationPolicy', 'notebook-' + cfg.user + '-' + cfg.name,
             cfg.namespace, cfg.labels) + {
      spec: {
        selector: { matchLabels: { 'notebook-name': cfg.name, 'platform/user': cfg.user } },
        action: 'ALLOW',
        rules: [{
          from: [{ source: { principals: [cfg.gatewayPrincipal] } }],
          when: [{ key: 'request.headers[' + cfg.userIdHeader + ']', values: [cfg.userId] }],
        }],
      },
    },

  check(cfg)::
    if !std.member(['token', 'gateway'], cfg.auth) then
      error 'auth: expected token or gateway, got "' + cfg.auth + '"'
    else if cfg.virtualService && cfg.hosts == [] then
      error 'host: give the host name(s) the route answers for (there is no catch-all default)'
    else if cfg.auth == 'gateway' && !cfg.virtualService then
      error 'auth: gateway sign-in needs the route (virtualService=true and host)'
    else cfg,

  objects(params, env)::
    local cfg = $.check($.config(params, env));
    [$.statefulSet(cfg), $.service(cfg)]
    + (if cfg.virtualService then [$.virtualService(cfg)] else [])
    + (if cfg.auth == 'gateway' then [$.authorizationPolicy(cfg)] else []),

  list(params, env):: u.list($.objects(params, env)),
}
