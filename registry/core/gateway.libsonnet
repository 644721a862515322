// kubeflow/core/gateway.libsonnet: the gateway of kubeflow-core (in place of 2018's Ambassador 0.30).
//
// gateway=envoy (default): Envoy 1.36 with a static configuration, no CRDs and no cluster-wide rights:
// ConfigMap gateway-config, Deployment and Service gateway. It routes /hub/ and /user/ (WebSockets
// included, for notebook kernels) to JupyterHub's tf-hub-lb and redirects / to /hub/. It answers only
// the host names it is given: gatewayHosts, else the Service's in-cluster names and localhost (for
// `kubectl port-forward`); there is no catch-all host.
// gateway=istio: the same routes as an Istio VirtualService bound to an existing Istio Gateway
// (gatewayIstioGateway); needs Istio installed (the prototype says so, and apply checks it).
// gateway=none: nothing; reach JupyterHub through tf-hub-lb.
local u = import 'kubeflow/common/util.libsonnet';

{
  labels:: { app: 'gateway', 'app.kubernetes.io/name': 'gateway', 'app.kubernetes.io/part-of': 'kubeflow' },
  port:: 8080,

  hosts(p, ns)::
    if u.isNull(p.gatewayHosts) then
      ['gateway', 'gateway.' + ns, 'gateway.' + ns + '.svc', 'gateway.' + ns + '.svc.cluster.local', 'localhost', '127.0.0.1']
    else u.toArray(p.gatewayHosts),

  hubCluster(ns):: 'tf-hub-lb.' + ns + '.svc.cluster.local',

  envoyConfig(p, ns):: {
    static_resources: {
      listeners: [{
        name: 'http',
        address: { socket_address: { address: '0.0.0.0', port_value: $.port } },
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'gateway',
              strip_any_host_port: true,
              upgrade_configs: [{ upgrade_type: 'websocket' }],
              use_remote_address: true,
              route_config: {
                name: 'kubeflow',
                virtual_hosts: [{
                  name: 'kubeflow',
                  domains: $.hosts(p, ns),
                  routes: [
                    { match: { prefix: prefix }, route: { cluster: 'jupyterhub', timeout: '300s' } }
                    for prefix in ['/hub/', '/user/']
                  ] + [
                    { match: { path: '/' }, redirect: { path_redirect: '/hub/' } },
                  ],
                }],
              },
              http_filters: [{
                name: 'envoy.filters.http.router',
                typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
              }],
            },
          }],
        }],
      }],
      clusters: [{
        name: 'jupyterhub',
        type: 'STRICT_DNS',
        connect_timeout: '5s',
        load_assignment: {
          cluster_name: 'jupyterhub',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: {
            address: $.hubCluster(ns), port_value: 80,
          } } } }] }],
        },
      }],
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 9901 } } },
  },

  envoy(p, ns):: [
    u.configMap('gateway-config', ns, { 'envoy.yaml': std.manifestYamlDoc($.envoyConfig(p, ns), quote_keys=false) }, $.labels),
    u.service('gateway', ns, { app: 'gateway' }, [{ name: 'http', port: 80, targetPort: $.port }],
              type=p.gatewayServiceType, labels=$.labels),
    u.deployment('gateway', ns, { app: 'gateway' }, {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'envoy',
        image: p.gatewayImage,
        args: ['-c', '/etc/envoy/envoy.yaml', '--log-level', 'info'],
        ports: [{ name: 'http', containerPort: $.port }],
        readinessProbe: { tcpSocket: { port: $.port }, periodSeconds: 10 },
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                           capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'config', mountPath: '/etc/envoy', readOnly: true }],
      }],
      volumes: [{ name: 'config', configMap: { name: 'gateway-config' } }],
    }, replicas=2, objectLabels=$.labels),
  ],

  istio(p, ns):: [
    u.object('networking.istio.io/v1', 'VirtualService', 'jupyterhub', ns, $.labels) + {
      spec: {
        hosts: if u.isNull(p.gatewayHosts) then error 'gateway=istio needs gatewayHosts (the host names the Istio Gateway serves)'
               else u.toArray(p.gatewayHosts),
        gateways: [p.gatewayIstioGateway],
        http: [{
          match: [{ uri: { prefix: prefix } }],
          route: [{ destination: { host: $.hubCluster(ns), port: { number: 80 } } }],
          timeout: '300s',
        } for prefix in ['/hub/', '/user/']],
      },
    },
  ],

  all(p, ns)::
    if p.gateway == 'envoy' then $.envoy(p, ns)
    else if p.gateway == 'istio' then $.istio(p, ns)
    else if u.isNull(p.gateway) || p.gateway == 'none' then []
    else error 'gateway must be envoy, istio or none, got ' + p.gateway,
}
