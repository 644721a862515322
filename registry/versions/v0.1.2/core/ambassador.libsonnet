// kubeflow/core/ambassador.libsonnet: the Ambassador API gateway of kubeflow-core.
//
// Objects: Services ambassador and ambassador-admin, Role / ServiceAccount / RoleBinding ambassador,
// Deployment ambassador (ambassador + statsd sidecar), Service k8s-dashboard (an Ambassador route to
// the Kubernetes dashboard in kube-system).
local u = import 'kubeflow/common/util.libsonnet';

{
  labels:: { service: 'ambassador' },

  all(p, ns)::
    local tls = !(p.cloud == 'aks' || p.cloud == 'acsengine');
    [
      u.service('ambassador', ns, $.labels, [{ name: 'ambassador', port: 80, targetPort: 80 }],
                type=p.ambassadorServiceType, labels=$.labels),
      u.service('ambassador-admin', ns, $.labels, [{ name: 'ambassador-admin', port: 8877, targetPort: 8877 }],
                labels={ service: 'ambassador-admin' }),
      u.role('ambassador', ns, [
        u.rule([''], ['services'], ['get', 'list', 'watch']),
        u.rule([''], ['configmaps'], ['create', 'update', 'patch', 'get', 'list', 'watch']),
        u.rule([''], ['secrets'], ['get', 'list', 'watch']),
      ]),
      u.serviceAccount('ambassador', ns),
      u.roleBinding('ambassador', ns, 'Role', 'ambassador', [u.saSubject('ambassador', ns)]),
      u.deployment('ambassador', ns, $.labels, {
        serviceAccountName: 'ambassador',
        containers: [
          {
            name: 'ambassador',
            image: p.ambassadorImage,
            env: [
              { name: 'AMBASSADOR_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'AMBASSADOR_SINGLE_NAMESPACE', value: 'true' },
            ],
            resources: { limits: { cpu: '1', memory: '400Mi' }, requests: { cpu: '200m', memory: '100Mi' } },
            livenessProbe: { httpGet: { path: '/ambassador/v0/check_alive', port: 8877 }, initialDelaySeconds: 30, periodSeconds: 30 },
            readinessProbe: { httpGet: { path: '/ambassador/v0/check_ready', port: 8877 }, initialDelaySeconds: 30, periodSeconds: 30 },
          },
          { name: 'statsd', image: p.statsdImage },
        ],
        restartPolicy: 'Always',
      }, replicas=3),
      u.service('k8s-dashboard', ns, { 'k8s-app': 'kubernetes-dashboard' },
                [{ port: 443, targetPort: 8443 }], labels={ 'k8s-app': 'kubernetes-dashboard' },
                annotations={ 'getambassador.io/config': std.join('\n', [
                  '---',
                  'apiVersion: ambassador/v0',
                  'kind:  Mapping',
                  'name: k8s-dashboard-ui-mapping',
                  'prefix: /k8s/ui/',
                  'rewrite: /',
                  'tls: ' + (if tls then 'true' else 'false'),
                  'service: kubernetes-dashboard.kube-system',
                ]) }),
    ],
}
