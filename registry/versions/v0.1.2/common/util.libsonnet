// kubeflow/common/util.libsonnet
//
// Small plain-object helpers shared by every package of kfctl's built-in `kubeflow` registry.
// Nothing here depends on ksonnet-lib (k.libsonnet): every constructor returns a plain Kubernetes
// object so renders stay fast. Fields whose value would be null are left out, never emitted as null.
{
  // ---------------------------------------------------------------------------------------------
  // Values as they arrive from params.libsonnet.
  //
  // `ks generate` writes an optional string param whose default is `null` as the STRING "null", and
  // `param set` may write booleans and numbers either raw or quoted. These helpers accept all forms.

  // True for null, "null" and "" (the three ways a param can say "not set").
  isNull(x):: x == null || x == 'null' || x == '',

  // x unless it is unset (see isNull), else `default`.
  orDefault(x, default):: if self.isNull(x) then default else x,

  // params[key] when the params object has it and it is set, else `default`. Use it for params a
  // prototype does not declare (they may still be set with `kfctl param set`).
  param(params, key, default=null)::
    if std.objectHas(params, key) && !self.isNull(params[key]) then params[key] else default,

  // Boolean from a bool, a string or a number.
  //   true/"true"/"True"/"yes"/"1"/non-zero number  -> true
  //   false/"false"/"no"/"0"/0/null/"null"/""        -> false
  // Any other string fails evaluation with a message naming it (`what` says which param).
  toBool(x, what='value')::
    if std.type(x) == 'boolean' then x
    else if x == null then false
    else if std.type(x) == 'number' then x != 0
    else if std.type(x) == 'string' then
      local l = std.asciiLower(x);
      if std.member(['true', 'yes', '1', 'on'], l) then true
      else if std.member(['false', 'no', '0', 'off', 'null', ''], l) then false
      else error what + ': expected true or false, got "' + x + '"'
    else error what + ': expected true or false, got a ' + std.type(x),

  // Integer from a number or a numeric string; fails evaluation with a clear message otherwise.
  toInt(x, what='value')::
    local n =
      if std.type(x) == 'number' then x
      else if std.type(x) == 'string' && std.length(x) > 0
              && std.all([std.member('0123456789', c) for c in std.stringChars(if x[0] == '-' then x[1:] else x)])
              && x != '-' then std.parseInt(x)
      else error what + ': expected an integer, got ' + std.toString(x);
    if std.floor(n) != n then error what + ': expected an integer, got ' + std.toString(x) else n,

  // Non-negative integer (GPU counts, replica counts, ...).
  toCount(x, what='value')::
    local n = self.toInt(x, what);
    if n < 0 then error what + ': must be a non-negative integer, got ' + std.toString(x) else n,

  // Array from an array, a comma-separated string ("a,b"), or unset (-> []). Items are trimmed and
  // empty items dropped.
  toArray(x)::
    if x == null then []
    else if std.type(x) == 'array' then x
    else if std.type(x) == 'string' then
      if self.isNull(x) then []
      else [s for s in [self.trim(p) for p in std.split(x, ',')] if s != '']
    else [x],

  trim(s):: std.stripChars(s, ' \t\n'),

  upper(s):: std.asciiUpper(s),

  // The namespace objects go to: params.namespace unless unset, else the environment's namespace.
  namespace(params, env)::
    if std.objectHas(params, 'namespace') && !self.isNull(params.namespace) then params.namespace
    else if env != null && std.objectHas(env, 'namespace') && !self.isNull(env.namespace) then env.namespace
    else null,

  // ---------------------------------------------------------------------------------------------
  // Name validation (Kubernetes DNS-1123 rules), failing evaluation with a clear message.

  isDnsLabel(s)::
    std.type(s) == 'string' && std.length(s) > 0 && std.length(s) <= 63
    && std.all([std.member('abcdefghijklmnopqrstuvwxyz0123456789-', c) for c in std.stringChars(s)])
    && s[0] != '-' && s[std.length(s) - 1] != '-',

  dnsLabel(s, what='name')::
    if self.isDnsLabel(s) then s
    else error what + ': "' + std.toString(s) + '" is not a valid name (lower-case letters, digits and "-", '
               + 'at most 63 characters, starting and ending with a letter or digit)',

  // ---------------------------------------------------------------------------------------------
  // Lists.

  // Drops nulls from an array and flattens nested arrays one level, so parts can be written as
  // `[a, if c then b, [c1, c2]]`.
  items(xs):: std.flattenArrays([
    if std.type(x) == 'array' then [y for y in x if y != null] else [x]
    for x in xs if x != null
  ]),

  // A v1 List of the given objects (nulls dropped, nested arrays flattened one level).
  list(xs):: { apiVersion: 'v1', kind: 'List', items: $.items(xs) },

  // Object without its null-valued fields (only the top level; empty objects stay, unlike std.prune).
  compact(o):: { [k]: o[k] for k in std.objectFields(o) if o[k] != null },

  // ---------------------------------------------------------------------------------------------
  // Object constructors. All return plain objects.

  meta(name, namespace=null, labels=null, annotations=null)::
    $.compact({ name: name, namespace: namespace, labels: labels, annotations: annotations }),

  object(apiVersion, kind, name, namespace=null, labels=null, annotations=null):: {
    apiVersion: apiVersion,
    kind: kind,
    metadata: $.meta(name, namespace, labels, annotations),
  },

  configMap(name, namespace, data, labels=null)::
    $.object('v1', 'ConfigMap', name, namespace, labels) + { data: data },

  serviceAccount(name, namespace, labels=null)::
    $.object('v1', 'ServiceAccount', name, namespace, labels),

  // ports: [{name, port, targetPort?, protocol?}]
  service(name, namespace, selector, ports, type='ClusterIP', labels=null, annotations=null, clusterIP=null)::
    $.object('v1', 'Service', name, namespace, labels, annotations) + {
      spec: $.compact({ type: type, selector: selector, ports: ports, clusterIP: clusterIP }),
    },

  podTemplate(labels, spec, annotations=null):: {
    metadata: $.compact({ labels: labels, annotations: annotations }),
    spec: spec,
  },

  // Deployment whose selector is exactly `labels` (so selector and template labels always match).
  deployment(name, namespace, labels, podSpec, replicas=1, podAnnotations=null, objectLabels=null)::
    $.object('apps/v1', 'Deployment', name, namespace, if objectLabels == null then labels else objectLabels) + {
      spec: {
        replicas: replicas,
        selector: { matchLabels: labels },
        template: $.podTemplate(labels, podSpec, podAnnotations),
      },
    },

  statefulSet(name, namespace, labels, podSpec, serviceName, replicas=1, podAnnotations=null)::
    $.object('apps/v1', 'StatefulSet', name, namespace, labels) + {
      spec: {
        replicas: replicas,
        serviceName: serviceName,
        selector: { matchLabels: labels },
        updateStrategy: { type: 'RollingUpdate' },
        template: $.podTemplate(labels, podSpec, podAnnotations),
      },
    },

  pvc(name, namespace, size, accessModes=['ReadWriteOnce'], storageClassName=null, labels=null)::
    $.object('v1', 'PersistentVolumeClaim', name, namespace, labels) + {
      spec: $.compact({
        accessModes: accessModes,
        resources: { requests: { storage: size } },
        storageClassName: storageClassName,
      }),
    },

  // RBAC (rbac.authorization.k8s.io/v1). `rules`: [{apiGroups, resources, verbs}].
  rule(apiGroups, resources, verbs):: { apiGroups: apiGroups, resources: resources, verbs: verbs },

  clusterRole(name, rules, labels=null)::
    $.object('rbac.authorization.k8s.io/v1', 'ClusterRole', name, null, labels) + { rules: rules },

  role(name, namespace, rules, labels=null)::
    $.object('rbac.authorization.k8s.io/v1', 'Role', name, namespace, labels) + { rules: rules },

  saSubject(name, namespace):: { kind: 'ServiceAccount', name: name, namespace: namespace },

  clusterRoleBinding(name, roleName, subjects, labels=null)::
    $.object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', name, null, labels) + {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: subjects,
    },

  // roleKind: 'Role' or 'ClusterRole'.
  roleBinding(name, namespace, roleKind, roleName, subjects, labels=null)::
    $.object('rbac.authorization.k8s.io/v1', 'RoleBinding', name, namespace, labels) + {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
      subjects: subjects,
    },

  // ---------------------------------------------------------------------------------------------
  // CustomResourceDefinitions (apiextensions.k8s.io/v1) and structural-schema shorthands.

  // versions: [crdVersion(...)]
  crd(group, kind, plural, versions, scope='Namespaced', shortNames=null, singular=null, categories=null, labels=null)::
    $.object('apiextensions.k8s.io/v1', 'CustomResourceDefinition', plural + '.' + group, null, labels) + {
      spec: {
        group: group,
        scope: scope,
        names: $.compact({
          kind: kind,
          listKind: kind + 'List',
          plural: plural,
          singular: if singular == null then std.asciiLower(kind) else singular,
          shortNames: shortNames,
          categories: categories,
        }),
        versions: versions,
      },
    },

  crdVersion(name, schema, storage=true, served=true, status=true, printerColumns=null):: $.compact({
    name: name,
    served: served,
    storage: storage,
    schema: { openAPIV3Schema: schema },
    subresources: if status then { status: {} } else null,
    additionalPrinterColumns: printerColumns,
  }),

  // Schema shorthands. Every object schema is structural; `open: true` keeps unknown fields.
  schema:: {
    str(desc=null, enum=null, pattern=null):: $.compact({ type: 'string', description: desc, enum: enum, pattern: pattern }),
    int(desc=null, min=null, max=null):: $.compact({ type: 'integer', description: desc, minimum: min, maximum: max }),
    num(desc=null):: $.compact({ type: 'number', description: desc }),
    bool(desc=null):: $.compact({ type: 'boolean', description: desc }),
    intOrString(desc=null):: $.compact({ 'x-kubernetes-int-or-string': true, description: desc }),
    arr(items, desc=null):: $.compact({ type: 'array', items: items, description: desc }),
    strs(desc=null):: self.arr({ type: 'string' }, desc),
    map(values, desc=null):: $.compact({ type: 'object', additionalProperties: values, description: desc }),
    strMap(desc=null):: self.map({ type: 'string' }, desc),
    // Any JSON object whose content the API server keeps as is (pod templates and the like).
    any(desc=null):: $.compact({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: desc }),
    obj(props, required=null, desc=null, open=false):: $.compact({
      type: 'object',
      description: desc,
      properties: props,
      required: required,
      'x-kubernetes-preserve-unknown-fields': if open then true else null,
    }),
    // Resource quantities (cpu: 1, memory: 1Gi).
    quantities(desc=null):: self.map({ 'x-kubernetes-int-or-string': true }, desc),
    // Top-level schema of a custom resource: apiVersion, kind, metadata, spec, status.
    resource(spec, status=null, desc=null):: $.schema.obj({
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: spec,
      status: if status == null then $.schema.any() else status,
    }, desc=desc),
  },
}
