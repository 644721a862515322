// kubeflow/kserve/kserve.libsonnet: KServe v0.20.0 (checked 2026-12-06) in Standard mode.
//
// controller(): CRDs (InferenceService serving.kserve.io/v1beta1; ServingRuntime and
// ClusterServingRuntime v1alpha1), the controller Deployment kserve-controller-manager with its
// ServiceAccount, ClusterRole, ClusterRoleBinding and leader-election Role, ConfigMap
// inferenceservice-config (Standard mode: plain Deployments, Services and HPAs, no Knative; no Ingress
// unless ingressClassName is set), the webhook Service, its certificate from cert-manager (Issuer and
// Certificate, cert-manager.io/v1, injected into the webhook configurations), the validating webhook
// for InferenceServices and the mutating webhook that adds the storage initializer to model pods.
// runtimes(): ClusterServingRuntimes for tensorflow, pytorch, sklearn and xgboost models.
// inferenceService(): one InferenceService.
local u = import 'kubeflow/common/util.libsonnet';
local s = u.schema;

{
  version:: 'v0.20.0',
  images:: {
    controller: 'kserve/kserve-controller:' + $.version,
    storageInitializer: 'kserve/storage-initializer:' + $.version,
    sklearn: 'kserve/sklearnserver:' + $.version,
    xgboost: 'kserve/xgbserver:' + $.version,
    torchserve: 'pytorch/torchserve-kfs:0.9.0',
    tensorflow: 'tensorflow/serving:2.19.1',
  },
  formats:: ['tensorflow', 'pytorch', 'sklearn', 'xgboost'],
  labels:: { 'app.kubernetes.io/name': 'kserve', 'app.kubernetes.io/component': 'controller' },
  webhookService:: 'kserve-webhook-server-service',
  certSecret:: 'kserve-webhook-server-cert',

  // ---------------------------------------------------------------------------------------------
  // CRDs: typed where users write fields (the upstream examples: predictor.model.{modelFormat,
  // storageUri, runtime, protocolVersion, resources}, the per-framework predictor.<format> blocks,
  // replicas, scaling); the pod-spec parts the API also accepts are kept as given.

  resources:: s.obj({ limits: s.quantities(), requests: s.quantities() }, open=true),

  modelSpec:: s.obj({
    modelFormat: s.obj({ name: s.str('Model format: tensorflow, pytorch, sklearn, xgboost, onnx, ...'), version: s.str() },
                       required=['name']),
    runtime: s.str('ServingRuntime or ClusterServingRuntime to use; empty picks one supporting the format.'),
    storageUri: s.str('Where the model is: gs://, s3://, pvc://, https://, hf:// ...'),
    protocolVersion: s.str('Inference protocol: v1 or v2.', enum=['v1', 'v2', 'grpc-v1', 'grpc-v2']),
    runtimeVersion: s.str(),
    args: s.strs(),
    command: s.strs(),
    env: s.arr(s.any()),
    resources: $.resources,
  }, open=true),

  componentSpec(desc):: s.obj({
    model: $.modelSpec,
    tensorflow: $.modelSpec,
    pytorch: $.modelSpec,
    sklearn: $.modelSpec,
    xgboost: $.modelSpec,
    onnx: $.modelSpec,
    triton: $.modelSpec,
    minReplicas: s.int('Fewest replicas.', 0),
    maxReplicas: s.int('Most replicas.', 0),
    scaleTarget: s.int(),
    scaleMetric: s.str(),
    serviceAccountName: s.str(),
    containers: s.arr(s.any()),
    nodeSelector: s.strMap(),
    tolerations: s.arr(s.any()),
  }, desc=desc, open=true),

  crds:: [
    u.crd('serving.kserve.io', 'InferenceService', 'inferenceservices', [
      u.crdVersion('v1beta1', s.resource(s.obj({
        predictor: $.componentSpec('The model server.'),
        transformer: $.componentSpec('Pre- and post-processing in front of the predictor.'),
        explainer: $.componentSpec('Explanations of predictions.'),
      }, required=['predictor']), desc='InferenceService: a served model.'), printerColumns=[
        { name: 'URL', type: 'string', jsonPath: '.status.url' },
        { name: 'Ready', type: 'string', jsonPath: ".status.conditions[?(@.type=='Ready')].status" },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ]),
    ], shortNames=['isvc']),
  ] + [
    local kind = r[0], plural = r[1], scope = r[2];
    u.crd('serving.kserve.io', kind, plural, [
      u.crdVersion('v1alpha1', s.resource(s.obj({
        supportedModelFormats: s.arr(s.obj({
          name: s.str(), version: s.str(), autoSelect: s.bool(), priority: s.int(),
        }, required=['name'])),
        protocolVersions: s.strs(),
        multiModel: s.bool(),
        disabled: s.bool(),
        containers: s.arr(s.any()),
        volumes: s.arr(s.any()),
        nodeSelector: s.strMap(),
        tolerations: s.arr(s.any()),
        annotations: s.strMap(),
        labels: s.strMap(),
      }, required=['containers'], open=true), desc=kind + ': how to run a model server for some model formats.')),
    ], scope=scope)
    for r in [['ServingRuntime', 'servingruntimes', 'Namespaced'],
              ['ClusterServingRuntime', 'clusterservingruntimes', 'Cluster']]
  ],

  // ---------------------------------------------------------------------------------------------
  // Controller.

  rules:: [
    u.rule(['serving.kserve.io'], ['*'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule([''], ['configmaps', 'services', 'serviceaccounts', 'secrets'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule([''], ['events'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule([''], ['namespaces', 'pods', 'persistentvolumeclaims', 'persistentvolumes'], ['get', 'list', 'watch']),
    u.rule(['apps'], ['deployments'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['autoscaling'], ['horizontalpodautoscalers'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['networking.k8s.io'], ['ingresses'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['gateway.networking.k8s.io'], ['httproutes'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['gateway.networking.k8s.io'], ['gateways'], ['get', 'list', 'watch']),
    u.rule(['serving.knative.dev'], ['services', 'services/finalizers', 'services/status'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['networking.istio.io'], ['virtualservices', 'virtualservices/finalizers', 'virtualservices/status'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['keda.sh'], ['scaledobjects', 'scaledobjects/finalizers', 'scaledobjects/status'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['policy'], ['poddisruptionbudgets'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['opentelemetry.io'], ['opentelemetrycollectors', 'opentelemetrycollectors/finalizers'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    u.rule(['opentelemetry.io'], ['opentelemetrycollectors/status'], ['get', 'patch', 'update']),
    u.rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
    u.rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
  ],

  config(p):: {
    deploy: std.manifestJsonEx({ defaultDeploymentMode: 'Standard' }, '  '),
    storageInitializer: std.manifestJsonEx({
      image: p.storageInitializerImage,
      memoryRequest: '100Mi', memoryLimit: '1Gi', cpuRequest: '100m', cpuLimit: '1',
      enableDirectPvcVolumeMount: true,
    }, '  '),
    ingress: std.manifestJsonEx({
      ingressClassName: if u.isNull(p.ingressClassName) then '' else p.ingressClassName,
      disableIngressCreation: u.isNull(p.ingressClassName),
      disableIstioVirtualHost: true,
      ingressDomain: p.ingressDomain,
      urlScheme: 'http',
      domainTemplate: '{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}',
    }, '  '),
    credentials: std.manifestJsonEx({
      s3: { s3AccessKeyIDName: 'AWS_ACCESS_KEY_ID', s3SecretAccessKeyName: 'AWS_SECRET_ACCESS_KEY' },
      gcs: { gcsCredentialFileName: 'gcloud-application-credentials.json' },
    }, '  '),
  },

  webhookRule(resources, ops, group='serving.kserve.io', versions=['v1beta1']):: {
    apiGroups: [group], apiVersions: versions, operations: ops, resources: resources,
  },

  controller(p, ns)::
    local name = 'kserve-controller-manager';
    local inject = { 'cert-manager.io/inject-ca-from': ns + '/serving-cert' };
    local client(path) = { service: { name: $.webhookService, namespace: ns, path: path } };
    $.crds + [
      u.serviceAccount(name, ns, $.labels),
      u.clusterRole('kserve-manager-role', $.rules, $.labels),
      u.clusterRoleBinding('kserve-manager-rolebinding', 'kserve-manager-role', [u.saSubject(name, ns)], $.labels),
      u.role('kserve-leader-election-role', ns, [
        u.rule(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
        u.rule([''], ['events'], ['create', 'patch']),
      ], $.labels),
      u.roleBinding('kserve-leader-election-rolebinding', ns, 'Role', 'kserve-leader-election-role', [u.saSubject(name, ns)], $.labels),
      u.configMap('inferenceservice-config', ns, $.config(p), $.labels),
      u.object('cert-manager.io/v1', 'Issuer', 'selfsigned-issuer', ns, $.labels) + { spec: { selfSigned: {} } },
      u.object('cert-manager.io/v1', 'Certificate', 'serving-cert', ns, $.labels) + {
        spec: {
          commonName: $.webhookService + '.' + ns + '.svc',
          dnsNames: [$.webhookService + '.' + ns + '.svc', $.webhookService + '.' + ns + '.svc.cluster.local'],
          issuerRef: { kind: 'Issuer', name: 'selfsigned-issuer' },
          secretName: $.certSecret,
        },
      },
      u.service($.webhookService, ns, { 'control-plane': name }, [{ name: 'https', port: 443, targetPort: 9443 }], labels=$.labels),
      u.deployment(name, ns, { 'control-plane': name }, {
        serviceAccountName: name,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'manager',
          image: p.controllerImage,
          command: ['/manager'],
          args: ['--metrics-addr=127.0.0.1:8080', '--leader-elect'],
          env: [
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'SECRET_NAME', value: $.certSecret },
          ],
          ports: [{ name: 'webhook-server', containerPort: 9443 }],
          readinessProbe: { httpGet: { path: '/readyz', port: 8081 }, periodSeconds: 10 },
          livenessProbe: { httpGet: { path: '/healthz', port: 8081 }, initialDelaySeconds: 10, periodSeconds: 20 },
          resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '1Gi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          volumeMounts: [{ name: 'cert', mountPath: '/tmp/k8s-webhook-server/serving-certs', readOnly: true }],
        }],
        volumes: [{ name: 'cert', secret: { secretName: $.certSecret, defaultMode: 420 } }],
        terminationGracePeriodSeconds: 10,
      }, objectLabels=$.labels),
      u.object('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'inferenceservice.serving.kserve.io', null, $.labels, inject) + {
        webhooks: [{
          name: 'inferenceservice.kserve-webhook-server.validator',
          admissionReviewVersions: ['v1', 'v1beta1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          clientConfig: client('/validate-serving-kserve-io-v1beta1-inferenceservice'),
          rules: [$.webhookRule(['inferenceservices'], ['CREATE', 'UPDATE'])],
        }],
      },
      // Adds the storage initializer to the pods of InferenceServices (only those: objectSelector).
      u.object('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'inferenceservice.serving.kserve.io', null, $.labels, inject) + {
        webhooks: [{
          name: 'inferenceservice.kserve-webhook-server.pod-mutator',
          admissionReviewVersions: ['v1', 'v1beta1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          reinvocationPolicy: 'IfNeeded',
          clientConfig: client('/mutate-pods'),
          namespaceSelector: { matchExpressions: [{ key: 'control-plane', operator: 'DoesNotExist' }] },
          objectSelector: { matchExpressions: [{ key: 'serving.kserve.io/inferenceservice', operator: 'Exists' }] },
          rules: [$.webhookRule(['pods'], ['CREATE'], group='', versions=['v1'])],
        }, {
          name: 'inferenceservice.kserve-webhook-server.defaulter',
          admissionReviewVersions: ['v1', 'v1beta1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          clientConfig: client('/mutate-serving-kserve-io-v1beta1-inferenceservice'),
          rules: [$.webhookRule(['inferenceservices'], ['CREATE', 'UPDATE'])],
        }],
      },
    ] + [
      // The release's validators of the runtime kinds this package installs.
      local kind = r[0], plural = r[1];
      u.object('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', kind + '.serving.kserve.io', null, $.labels, inject) + {
        webhooks: [{
          name: kind + '.kserve-webhook-server.validator',
          admissionReviewVersions: ['v1', 'v1beta1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          clientConfig: client('/validate-serving-kserve-io-v1alpha1-' + kind),
          rules: [$.webhookRule([plural], ['CREATE', 'UPDATE'], versions=['v1alpha1'])],
        }],
      }
      for r in [['servingruntime', 'servingruntimes'], ['clusterservingruntime', 'clusterservingruntimes']]
    ],

  // ---------------------------------------------------------------------------------------------
  // Serving runtimes (cluster-wide, picked by model format).

  runtime(name, formats, image, args, ports, protocols=['v1']):: u.object('serving.kserve.io/v1alpha1', 'ClusterServingRuntime', name, null, $.labels) + {
    spec: {
      supportedModelFormats: [{ name: f[0], version: f[1], autoSelect: true, priority: 1 } for f in formats],
      protocolVersions: protocols,
      containers: [{
        name: 'kserve-container',
        image: image,
        args: args,
        ports: ports,
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
        securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
      }],
    },
  },

  runtimes(p):: [
    $.runtime('kserve-tensorflow-serving', [['tensorflow', '1'], ['tensorflow', '2']], p.tensorflowImage,
              ['--model_name={{.Name}}', '--port=9000', '--rest_api_port=8080', '--model_base_path=/mnt/models',
               '--rest_api_timeout_in_ms=60000'],
              [{ name: 'h2c', containerPort: 9000, protocol: 'TCP' }]),
    $.runtime('kserve-torchserve', [['pytorch', '1']], p.torchserveImage,
              ['torchserve', '--start', '--model-store=/mnt/models/model-store', '--ts-config=/mnt/models/config/config.properties'],
              [{ containerPort: 8080, protocol: 'TCP' }], protocols=['v1', 'v2', 'grpc-v2']),
    $.runtime('kserve-sklearnserver', [['sklearn', '1']], p.sklearnImage,
              ['--model_name={{.Name}}', '--model_dir=/mnt/models', '--http_port=8080'],
              [{ containerPort: 8080, protocol: 'TCP' }], protocols=['v1', 'v2']),
    $.runtime('kserve-xgbserver', [['xgboost', '1'], ['xgboost', '2']], p.xgboostImage,
              ['--model_name={{.Name}}', '--model_dir=/mnt/models', '--http_port=8080', '--nthread=1'],
              [{ containerPort: 8080, protocol: 'TCP' }], protocols=['v1', 'v2']),
  ],

  // ---------------------------------------------------------------------------------------------
  // One InferenceService.

  inferenceService(p, ns)::
    local format = p.modelFormat;
    local gpus = u.toCount(p.numGpus, 'numGpus');
    assert std.member($.formats, format) : 'modelFormat must be one of ' + std.join(', ', $.formats) + ', got ' + format;
    assert !u.isNull(p.storageUri) : 'storageUri: give the model location (gs://, s3://, pvc://NAME/PATH, https://)';
    u.object('serving.kserve.io/v1beta1', 'InferenceService', u.dnsLabel(p.name, 'name'), ns) + {
      spec: {
        predictor: u.compact({
          minReplicas: u.toCount(p.minReplicas, 'minReplicas'),
          maxReplicas: if u.isNull(p.maxReplicas) then null else u.toCount(p.maxReplicas, 'maxReplicas'),
          serviceAccountName: if u.isNull(p.serviceAccountName) then null else p.serviceAccountName,
          model: u.compact({
            modelFormat: { name: format },
            storageUri: p.storageUri,
            runtime: if u.isNull(p.runtime) then null else p.runtime,
            protocolVersion: if u.isNull(p.protocolVersion) then null else p.protocolVersion,
            resources: {
              requests: { cpu: p.cpu, memory: p.memory },
              limits: { cpu: p.cpu, memory: p.memory } + (if gpus > 0 then { 'nvidia.com/gpu': gpus } else {}),
            },
          }),
        }),
      },
    },
}
