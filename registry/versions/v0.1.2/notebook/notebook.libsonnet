// kubeflow/notebook/notebook.libsonnet
//
// A per-user Jupyter server: StatefulSet (one pod, a workspace volume claim per notebook),
// Service, and an Istio VirtualService that routes https://<host>/notebook/<user>/<name>/ from the
// platform's Gateway to it. Placement (group, GPU nodes) and the shared storage mounts come from
// kubeflow/common.
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
    virtualService: u.toBool(u.param(params, 'virtualService', true), 'virtualService'),
    gateway: u.param(params, 'gateway', 'kubeflow/kubeflow-gateway'),
    hosts: u.toArray(u.param(params, 'host', '*')),
    serviceType: u.param(params, 'serviceType', 'ClusterIP'),
    labels: {
      app: 'notebook',
      'notebook-name': cfg.name,
      'platform/user': cfg.user,
    },
  },

  // Jupyter options: serve under the routed prefix; access control is the Gateway's job.
  // NOTEBOOK_ARGS is read by the Jupyter Docker Stacks images, NB_PREFIX by Kubeflow's images.
  env(cfg):: [
    { name: 'NB_PREFIX', value: std.rstripChars(cfg.prefix, '/') },
    { name: 'NOTEBOOK_ARGS', value: std.join(' ', [
      '--ServerApp.base_url=' + cfg.prefix,
      "--ServerApp.token=''",
      "--ServerApp.password=''",
      "--ServerApp.allow_origin='*'",
    ]) },
    { name: 'JUPYTER_ENABLE_LAB', value: 'yes' },
  ],

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

  objects(params, env)::
    local cfg = $.config(params, env);
    [$.statefulSet(cfg), $.service(cfg)] + (if cfg.virtualService then [$.virtualService(cfg)] else []),

  list(params, env):: u.list($.objects(params, env)),
}
