// kubeflow/katib/katib.libsonnet
//
// Installation of Katib (hyperparameter search): CRDs, the katib-config ConfigMap, katib-controller
// (Deployment, Service, RBAC, admission webhooks whose certificate the controller generates
// itself), katib-db-manager and the MySQL database holding observation logs.
local u = import 'kubeflow/common/util.libsonnet';
local crds = import 'kubeflow/katib/crds.libsonnet';

{
  crds:: crds,

  // Suggestion images per algorithm (image name under `registry`).
  suggestionImages:: {
    random: 'suggestion-hyperopt',
    tpe: 'suggestion-hyperopt',
    grid: 'suggestion-optuna',
    'multivariate-tpe': 'suggestion-optuna',
    hyperband: 'suggestion-hyperband',
    bayesianoptimization: 'suggestion-skopt',
    cmaes: 'suggestion-goptuna',
    sobol: 'suggestion-goptuna',
    enas: 'suggestion-enas',
    darts: 'suggestion-darts',
    pbt: 'suggestion-pbt',
  },

  // Job kinds trials may run: Kind.version.group as the controller expects them.
  trialResources:: [
    'Job.v1.batch',
    'TFJob.v1.kubeflow.org',
    'PyTorchJob.v1.kubeflow.org',
    'MPIJob.v2beta1.kubeflow.org',
  ],

  config(registry, tag):: {
    local image(n) = registry + '/' + n + ':' + tag,
    local restricted = {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    local podRestricted = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    apiVersion: 'config.kubeflow.org/v1beta1',
    kind: 'KatibConfig',
    init: {
      certGenerator: { enable: true },
      controller: { webhookPort: 8443, trialResources: $.trialResources },
    },
    runtime: {
      metricsCollectors: [
        { kind: 'StdOut', image: image('file-metrics-collector'), securityContext: restricted },
        { kind: 'File', image: image('file-metrics-collector'), securityContext: restricted },
        { kind: 'TensorFlowEvent', image: image('tfevent-metrics-collector'), securityContext: restricted,
          resources: { limits: { memory: '1Gi' } } },
      ],
      suggestions: [
        { algorithmName: a, image: image($.suggestionImages[a]), podSecurityContext: podRestricted }
        + (if a == 'pbt' then { persistentVolumeClaimSpec: {
             accessModes: ['ReadWriteMany'], resources: { requests: { storage: '5Gi' } },
           } } else {})
        for a in std.objectFields($.suggestionImages)
      ],
      earlyStoppings: [
        { algorithmName: 'medianstop', image: image('earlystopping-medianstop'), securityContext: restricted },
      ],
    },
  },

  // params: name, namespace, registry, tag, mysqlImage, mysqlPassword, dbSize, storageClassName,
  //         webhooks, injectionLabel
  parts(params, env):: {
    local ns = u.namespace(params, env),
    local registry = params.registry,
    local tag = params.tag,
    local image(n) = registry + '/' + n + ':' + tag,
    local webhooks = u.toBool(u.param(params, 'webhooks', true), 'webhooks'),
    local injectionLabel = u.param(params, 'injectionLabel', 'katib.kubeflow.org/metrics-collector-injection'),
    local all = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    local read = ['get', 'list', 'watch'],
    local ctlLabels = { 'katib.kubeflow.org/component': 'controller' },
    local dbmLabels = { 'katib.kubeflow.org/component': 'db-manager' },
    local mysqlLabels = { 'katib.kubeflow.org/component': 'mysql' },

    crds: crds.all,

    configMap: u.configMap('katib-config', ns, {
      'katib-config.yaml': std.manifestYamlDoc($.config(registry, tag), quote_keys=false),
    }),

    // ---- controller
    serviceAccount: u.serviceAccount('katib-controller', ns),
    clusterRole: u.clusterRole('katib-controller', [
      u.rule([''], ['services'], ['create', 'delete', 'get', 'list', 'watch']),
      u.rule([''], ['events'], ['create', 'patch', 'update']),
      u.rule([''], ['serviceaccounts', 'persistentvolumes', 'persistentvolumeclaims'], ['create', 'get', 'list', 'watch']),
      u.rule([''], ['namespaces', 'configmaps'], read),
      u.rule([''], ['pods', 'pods/status'], ['get']),
      u.rule([''], ['secrets'], ['get', 'list', 'patch', 'watch']),
      u.rule(['apps'], ['deployments'], ['create', 'delete', 'get', 'list', 'watch']),
      u.rule(['rbac.authorization.k8s.io'], ['roles', 'rolebindings'], ['create', 'get', 'list', 'watch']),
      u.rule(['batch'], ['jobs', 'cronjobs'], ['create', 'delete', 'get', 'list', 'watch']),
      u.rule(['kubeflow.org'], ['tfjobs', 'pytorchjobs', 'mpijobs', 'xgboostjobs'], ['create', 'delete', 'get', 'list', 'watch']),
      u.rule(['kubeflow.org'], [
        'experiments', 'experiments/status', 'experiments/finalizers',
        'trials', 'trials/status', 'trials/finalizers',
        'suggestions', 'suggestions/status', 'suggestions/finalizers',
      ], all),
      u.rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
             ['get', 'list', 'patch', 'watch']),
      u.rule(['coordination.k8s.io'], ['leases'], all),
    ]),
    clusterRoleBinding: u.clusterRoleBinding('katib-controller', 'katib-controller', [u.saSubject('katib-controller', ns)]),
    // Filled by the controller's certificate generator (the controller may only patch it).
    webhookSecret: u.object('v1', 'Secret', 'katib-webhook-cert', ns) + { type: 'Opaque' },
    controllerService: u.service('katib-controller', ns, ctlLabels, [
      { name: 'webhook', port: 443, targetPort: 8443, protocol: 'TCP' },
      { name: 'metrics', port: 8080, targetPort: 8080, protocol: 'TCP' },
    ], annotations={ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/scheme': 'http' }),
    controllerDeployment: u.deployment('katib-controller', ns, ctlLabels, {
      serviceAccountName: 'katib-controller',
      containers: [{
        name: 'katib-controller',
        image: image('katib-controller'),
        imagePullPolicy: 'IfNotPresent',
        command: ['./katib-controller'],
        args: ['--katib-config=/katib-config.yaml'],
        env: [{ name: 'KATIB_CORE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }],
        ports: [
          { name: 'webhook', containerPort: 8443, protocol: 'TCP' },
          { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
          { name: 'healthz', containerPort: 18080, protocol: 'TCP' },
        ],
        readinessProbe: { httpGet: { path: '/readyz', port: 'healthz' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 'healthz' } },
        volumeMounts: [
          { name: 'cert', mountPath: '/tmp/cert', readOnly: true },
          { name: 'katib-config', mountPath: '/katib-config.yaml', subPath: 'katib-config.yaml', readOnly: true },
        ],
      }],
      volumes: [
        { name: 'cert', secret: { secretName: 'katib-webhook-cert', defaultMode: 420 } },
        { name: 'katib-config', configMap: { name: 'katib-config' } },
      ],
    }, podAnnotations={ 'sidecar.istio.io/inject': 'false' }),

    local hook(name, path, resources, apiGroups, apiVersions, operations, selector=null) = u.compact({
      name: name,
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      admissionReviewVersions: ['v1', 'v1beta1'],
      clientConfig: { service: { name: 'katib-controller', namespace: ns, path: path, port: 443 } },
      rules: [{ apiGroups: apiGroups, apiVersions: apiVersions, operations: operations, resources: resources }],
      namespaceSelector: selector,
    }),
    validatingWebhook: if webhooks then
      u.object('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'katib.kubeflow.org') + {
        webhooks: [hook('validator.experiment.katib.kubeflow.org', '/validate-experiment', ['experiments'],
                        ['kubeflow.org'], ['v1beta1'], ['CREATE', 'UPDATE'])],
      } else null,
    mutatingWebhook: if webhooks then
      u.object('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'katib.kubeflow.org') + {
        webhooks: [
          hook('defaulter.experiment.katib.kubeflow.org', '/mutate-experiment', ['experiments'],
               ['kubeflow.org'], ['v1beta1'], ['CREATE', 'UPDATE']),
          hook('mutator.pod.katib.kubeflow.org', '/mutate-pod', ['pods'], [''], ['v1'], ['CREATE'],
               { matchLabels: { [injectionLabel]: 'enabled' } }),
        ],
      } else null,

    // ---- db-manager and MySQL (observation logs)
    mysqlSecret: u.object('v1', 'Secret', 'katib-mysql-secrets', ns) + {
      type: 'Opaque',
      stringData: { MYSQL_ROOT_PASSWORD: params.mysqlPassword },
    },
    mysqlPvc: u.pvc('katib-mysql', ns, params.dbSize, ['ReadWriteOnce'], u.param(params, 'storageClassName', null)),
    mysqlService: u.service('katib-mysql', ns, mysqlLabels, [{ name: 'dbapi', port: 3306, targetPort: 3306, protocol: 'TCP' }]),
    mysqlDeployment: u.deployment('katib-mysql', ns, mysqlLabels, {
      securityContext: { fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch' },
      containers: [{
        name: 'katib-mysql',
        image: params.mysqlImage,
        imagePullPolicy: 'IfNotPresent',
        args: ['--datadir', '/var/lib/mysql/datadir'],
        env: [
          { name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'katib-mysql-secrets', key: 'MYSQL_ROOT_PASSWORD' } } },
          { name: 'MYSQL_DATABASE', value: 'katib' },
        ],
        ports: [{ name: 'dbapi', containerPort: 3306 }],
        readinessProbe: {
          exec: { command: ['/bin/bash', '-c', 'mysql -h 127.0.0.1 -D "$MYSQL_DATABASE" -u root -p"$MYSQL_ROOT_PASSWORD" -e "SELECT 1"'] },
          initialDelaySeconds: 10,
          periodSeconds: 5,
          failureThreshold: 10,
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          runAsUser: 999,
          runAsGroup: 999,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        volumeMounts: [{ name: 'katib-mysql', mountPath: '/var/lib/mysql' }],
      }],
      volumes: [{ name: 'katib-mysql', persistentVolumeClaim: { claimName: 'katib-mysql' } }],
    }, podAnnotations={ 'sidecar.istio.io/inject': 'false' }) + { spec+: { strategy: { type: 'Recreate' } } },
    dbManagerService: u.service('katib-db-manager', ns, dbmLabels, [{ name: 'api', port: 6789, targetPort: 6789, protocol: 'TCP' }]),
    dbManagerDeployment: u.deployment('katib-db-manager', ns, dbmLabels, {
      containers: [{
        name: 'katib-db-manager',
        image: image('katib-db-manager'),
        imagePullPolicy: 'IfNotPresent',
        command: ['./katib-db-manager'],
        env: [
          { name: 'DB_NAME', value: 'mysql' },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'katib-mysql-secrets', key: 'MYSQL_ROOT_PASSWORD' } } },
          { name: 'KATIB_MYSQL_DB_HOST', value: 'katib-mysql' },
        ],
        ports: [{ name: 'api', containerPort: 6789 }],
        readinessProbe: { grpc: { port: 6789 }, initialDelaySeconds: 5 },
        livenessProbe: { grpc: { port: 6789 }, initialDelaySeconds: 10, periodSeconds: 60, failureThreshold: 5 },
      }],
    }, podAnnotations={ 'sidecar.istio.io/inject': 'false' }),

    all:: [
      self.crds, self.configMap,
      self.serviceAccount, self.clusterRole, self.clusterRoleBinding, self.webhookSecret,
      self.controllerService, self.controllerDeployment, self.validatingWebhook, self.mutatingWebhook,
      self.mysqlSecret, self.mysqlPvc, self.mysqlService, self.mysqlDeployment,
      self.dbManagerService, self.dbManagerDeployment,
    ],
  },

  list(params, env):: u.list($.parts(params, env).all),
}
