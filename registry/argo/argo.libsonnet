// kubeflow/argo/argo.libsonnet
//
// Argo Workflows: CRDs (argoproj.io/v1alpha1, owned by this package), the workflow controller, the
// Argo server/UI (Service and Deployment argo-ui), RBAC; and builders of Workflows and CronWorkflows
// from a list of steps, with the platform's placement and shared storage.
local u = import 'kubeflow/common/util.libsonnet';
local plat = import 'kubeflow/common/platform.libsonnet';
local sch = u.schema;

{
  version:: 'v3.7.14',
  defaults:: {
    workflowControllerImage: 'quay.io/argoproj/workflow-controller:' + $.version,
    executorImage: 'quay.io/argoproj/argoexec:' + $.version,
    uiImage: 'quay.io/argoproj/argocli:' + $.version,
    uiServiceType: 'NodePort',
    imageTag: 'null',
  },

  // ---------------------------------------------------------------------------------------------
  // CRDs. Fields the prototypes emit are typed; everything else is kept as given.

  stepSchema:: sch.obj({
    name: sch.str('Name of the step.'),
    template: sch.str('Template the step runs.'),
    arguments: sch.any(),
    when: sch.str(),
  }, open=true),

  templateSchema:: sch.obj({
    name: sch.str('Name of the template.'),
    steps: sch.arr(sch.arr($.stepSchema), 'Groups of steps: groups run in order, the steps of a group in parallel.'),
    container: sch.any('Container (core/v1 Container) the template runs.'),
    script: sch.any(),
    dag: sch.any(),
    affinity: sch.any(),
    tolerations: sch.arr(sch.any()),
    nodeSelector: sch.strMap(),
    inputs: sch.any(),
    outputs: sch.any(),
    metadata: sch.any(),
  }, open=true),

  workflowSpecSchema:: sch.obj({
    entrypoint: sch.str('Template the workflow starts with.'),
    serviceAccountName: sch.str(),
    templates: sch.arr($.templateSchema),
    arguments: sch.any(),
    volumes: sch.arr(sch.any()),
    volumeClaimTemplates: sch.arr(sch.any()),
    schedulerName: sch.str(),
    podGC: sch.any(),
    ttlStrategy: sch.any(),
    activeDeadlineSeconds: sch.int(),
    parallelism: sch.int(),
    workflowTemplateRef: sch.any(),
  }, open=true),

  // openRoot: keep unknown top-level fields (kinds whose data is not under spec/status).
  crdArgo(kind, plural, shortNames, spec, scope='Namespaced', status=true, printer=null, openRoot=false)::
    local root = sch.resource(spec, sch.any())
                 + (if openRoot then { 'x-kubernetes-preserve-unknown-fields': true } else {});
    u.crd('argoproj.io', kind, plural, [
      u.crdVersion('v1alpha1', root, status=status, printerColumns=printer),
    ], scope=scope, shortNames=shortNames),

  crds:: [
    $.crdArgo('Workflow', 'workflows', ['wf'], $.workflowSpecSchema, printer=[
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Age', type: 'date', jsonPath: '.status.startedAt' },
    ]),
    $.crdArgo('CronWorkflow', 'cronworkflows', ['cwf', 'cronwf'], sch.obj({
      schedule: sch.str('Cron schedule (standard five fields or @hourly/@daily/...).'),
      schedules: sch.strs('Several cron schedules (newer controllers).'),
      timezone: sch.str('IANA time zone of the schedule.'),
      concurrencyPolicy: sch.str('Allow, Forbid or Replace.', enum=['Allow', 'Forbid', 'Replace']),
      startingDeadlineSeconds: sch.int(min=0),
      successfulJobsHistoryLimit: sch.int(min=0),
      failedJobsHistoryLimit: sch.int(min=0),
      suspend: sch.bool(),
      workflowMetadata: sch.any(),
      workflowSpec: $.workflowSpecSchema,
    }, required=['workflowSpec'], open=true)),
    $.crdArgo('WorkflowTemplate', 'workflowtemplates', ['wftmpl'], $.workflowSpecSchema, status=false),
    $.crdArgo('ClusterWorkflowTemplate', 'clusterworkflowtemplates', ['clusterwftmpl', 'cwft'], $.workflowSpecSchema,
              scope='Cluster', status=false),
    // Internal kinds the v3 controller and executor exchange; kept schemaless.
    $.crdArgo('WorkflowTaskSet', 'workflowtasksets', ['wfts'], sch.any()),
    // Task results carry outputs, phase, message and progress at the top level.
    $.crdArgo('WorkflowTaskResult', 'workflowtaskresults', null, sch.any(), status=false, openRoot=true),
    $.crdArgo('WorkflowArtifactGCTask', 'workflowartifactgctasks', ['wfat'], sch.any()),
    $.crdArgo('WorkflowEventBinding', 'workfloweventbindings', ['wfeb'], sch.any(), status=false),
  ],

  // ---------------------------------------------------------------------------------------------
  // Controller and UI.

  controllerRules:: [
    u.rule([''], ['pods'], ['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']),
    u.rule([''], ['pods/exec'], ['create']),
    u.rule([''], ['configmaps'], ['get', 'watch', 'list']),
    u.rule([''], ['persistentvolumeclaims', 'persistentvolumeclaims/finalizers'], ['create', 'update', 'delete', 'get']),
    u.rule([''], ['serviceaccounts'], ['get', 'list']),
    u.rule([''], ['secrets'], ['get']),
    u.rule([''], ['events'], ['create', 'patch']),
    u.rule(['argoproj.io'], [
      'workflows', 'workflows/finalizers', 'workflowtasksets', 'workflowtasksets/finalizers',
      'workflowtaskresults', 'workflowartifactgctasks', 'workflowtemplates', 'workflowtemplates/finalizers',
      'clusterworkflowtemplates', 'clusterworkflowtemplates/finalizers', 'cronworkflows', 'cronworkflows/finalizers',
    ], ['get', 'list', 'watch', 'update', 'patch', 'delete', 'create', 'deletecollection']),
    u.rule(['coordination.k8s.io'], ['leases'], ['create', 'get', 'update']),
    u.rule(['policy'], ['poddisruptionbudgets'], ['create', 'get', 'delete']),
  ],

  uiRules:: [
    u.rule([''], ['pods', 'pods/log', 'events', 'configmaps'], ['get', 'list', 'watch']),
    u.rule([''], ['secrets'], ['get']),
    u.rule(['argoproj.io'], [
      'workflows', 'workflowtemplates', 'cronworkflows', 'clusterworkflowtemplates', 'workfloweventbindings',
    ], ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
  ],

  install(params, env)::
    local p = $.defaults + params;
    local ns = u.namespace(p, env);
    // v0.2's imageTag, when set, retags all three default images.
    local img(key, repo) =
      if !u.isNull(p.imageTag) && p[key] == $.defaults[key] then repo + ':' + p.imageTag else p[key];
    local controllerImage = img('workflowControllerImage', 'quay.io/argoproj/workflow-controller');
    local executorImage = img('executorImage', 'quay.io/argoproj/argoexec');
    local uiImage = img('uiImage', 'quay.io/argoproj/argocli');
    local cLabels = { app: 'workflow-controller' };
    local uiLabels = { app: 'argo-ui' };
    $.crds + [
      u.configMap('workflow-controller-configmap', ns, {
        // Settings of the controller (see the Argo docs for workflow-controller-configmap).
        executor: std.manifestYamlDoc({ imagePullPolicy: 'IfNotPresent' }) + '\n',
      }),
      u.serviceAccount('argo', ns),
      u.clusterRole('argo', $.controllerRules),
      u.clusterRoleBinding('argo', 'argo', [u.saSubject('argo', ns)]),
      u.deployment('workflow-controller', ns, cLabels, {
        serviceAccountName: 'argo',
        containers: [{
          name: 'workflow-controller',
          image: controllerImage,
          command: ['workflow-controller'],
          args: ['--configmap', 'workflow-controller-configmap', '--executor-image', executorImage],
          env: [
            { name: 'LEADER_ELECTION_IDENTITY', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
          ],
          ports: [{ name: 'metrics', containerPort: 9090 }, { containerPort: 6060 }],
          livenessProbe: { httpGet: { path: '/healthz', port: 6060 }, initialDelaySeconds: 90, periodSeconds: 60, timeoutSeconds: 30 },
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
          },
        }],
        securityContext: { runAsNonRoot: true },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
      }),
      u.serviceAccount('argo-ui', ns),
      u.clusterRole('argo-ui', $.uiRules),
      u.clusterRoleBinding('argo-ui', 'argo-ui', [u.saSubject('argo-ui', ns)]),
      u.deployment('argo-ui', ns, uiLabels, {
        serviceAccountName: 'argo-ui',
        containers: [{
          name: 'argo-server',
          image: uiImage,
          args: ['server', '--auth-mode=server', '--secure=false', '--namespaced=false'],
          ports: [{ name: 'web', containerPort: 2746 }],
          readinessProbe: { httpGet: { path: '/', port: 2746, scheme: 'HTTP' }, initialDelaySeconds: 10, periodSeconds: 20 },
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
          },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
        }],
        volumes: [{ name: 'tmp', emptyDir: {} }],
        securityContext: { runAsNonRoot: true },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
      }),
      u.service('argo-ui', ns, uiLabels, [{ name: 'web', port: 80, targetPort: 2746 }], type=p.uiServiceType, labels=uiLabels),
    ],

  // ---------------------------------------------------------------------------------------------
  // Workflows from steps.
  //
  // steps: array whose items are run in order; an item is a step {name, image?, command?, args?,
  // env?, gpus?} or an array of steps run in parallel. A step without image uses `defaultImage`.

  stepGroups(steps)::
    local s = if std.type(steps) == 'string' then std.parseJson(steps) else steps;
    if std.type(s) != 'array' || s == [] then error 'steps: expected a non-empty array of steps'
    else [if std.type(g) == 'array' then g else [g] for g in s],

  workflowSpec(params)::
    local name = u.dnsLabel(params.name, 'name');
    local groups = $.stepGroups(params.steps);
    local all = std.flattenArrays(groups);
    local names = [u.dnsLabel(std.get(st, 'name', ''), 'steps[].name') for st in all];
    local s = plat.settings(params);
    local group = plat.group(u.param(params, 'group', null));
    local user = plat.user(u.param(params, 'user', null));
    local storage = plat.storage(s, user, group, u.param(params, 'globalStorage', true));
    local defaultImage = u.param(params, 'image', 'busybox:1.36');
    local template(st) =
      local gpus = plat.gpus(std.get(st, 'gpus', 0), 'steps[' + st.name + '].gpus');
      {
        name: st.name,
        container: u.compact({
          image: std.get(st, 'image', defaultImage),
          command: std.get(st, 'command', null),
          args: std.get(st, 'args', null),
          env: std.get(st, 'env', null),
          resources: if gpus > 0 then { limits: plat.gpuLimits(s, gpus) } else null,
          volumeMounts: if storage.volumeMounts == [] then null else storage.volumeMounts,
        }),
      } + plat.placement(s, gpus, group);
    if std.length(std.set(names)) != std.length(names) then error 'steps: step names must be unique'
    else if std.member(names, 'main') then error 'steps: "main" is reserved for the workflow\'s entry template'
    else u.compact({
      entrypoint: 'main',
      serviceAccountName: u.param(params, 'serviceAccountName', null),
      volumes: if storage.volumes == [] then null else storage.volumes,
      templates: [{
        name: 'main',
        steps: [[{ name: st.name, template: st.name } for st in g] for g in groups],
      }] + [template(st) for st in all],
    }),

  workflow(params, env):: u.object('argoproj.io/v1alpha1', 'Workflow', u.dnsLabel(params.name, 'name'),
                                   u.namespace(params, env)) + { spec: $.workflowSpec(params) },

  cronWorkflow(params, env)::
    local policy = u.param(params, 'concurrencyPolicy', 'Allow');
    if !std.member(['Allow', 'Forbid', 'Replace'], policy) then
      error 'concurrencyPolicy: expected Allow, Forbid or Replace, got "' + policy + '"'
    else if u.isNull(params.schedule) then error 'schedule: a cron schedule is required'
    else u.object('argoproj.io/v1alpha1', 'CronWorkflow', u.dnsLabel(params.name, 'name'), u.namespace(params, env)) + {
      spec: u.compact({
        schedule: params.schedule,
        timezone: u.param(params, 'timezone', null),
        concurrencyPolicy: policy,
        suspend: u.toBool(u.param(params, 'suspend', false), 'suspend'),
        successfulJobsHistoryLimit: u.toCount(u.param(params, 'successfulJobsHistoryLimit', 3), 'successfulJobsHistoryLimit'),
        failedJobsHistoryLimit: u.toCount(u.param(params, 'failedJobsHistoryLimit', 1), 'failedJobsHistoryLimit'),
        workflowSpec: $.workflowSpec(params),
      }),
    },
}
