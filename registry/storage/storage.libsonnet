// kubeflow/storage/storage.libsonnet
//
// The platform's shared storage: CephFS directories exposed as statically bound
// PersistentVolume/PersistentVolumeClaim pairs in three scopes,
//   user U   -> <rootPath>/user/U   as claim <userClaimPrefix>U   (default user-U)
//   group G  -> <rootPath>/group/G  as claim <groupClaimPrefix>G  (default group-G)
//   global   -> <rootPath>/global   as claim <globalClaim>        (default global)
// Claim names come from kubeflow/common's settings, the same ones every job and notebook uses to
// mount them (at /mnt/user, /mnt/group and /mnt/global), so a workload of user U in group G finds
// its claims in its namespace.
local u = import 'kubeflow/common/util.libsonnet';
local p = import 'kubeflow/common/platform.libsonnet';

{
  drivers:: ['cephfs', 'csi'],

  config(params, env):: {
    local cfg = self,
    namespace: u.namespace(params, env),
    settings: p.settings(params),
    driver:
      local d = u.param(params, 'driver', 'csi');
      if std.member($.drivers, d) then d
      else error 'driver: expected ' + std.join(' or ', $.drivers) + ', got "' + d + '"',
    monitors:
      local m = u.toArray(u.param(params, 'monitors', null));
      if cfg.driver == 'cephfs' && m == [] then
        error 'monitors: the Ceph monitors (host:port, comma-separated) are required for driver=cephfs'
      else m,
    rootPath:
      local r = u.param(params, 'rootPath', '/');
      if !std.startsWith(r, '/') then error 'rootPath: must be an absolute path inside CephFS, got "' + r + '"'
      else std.rstripChars(r, '/'),
    secretName: u.param(params, 'secretName', 'ceph-secret'),
    secretNamespace: u.orDefault(std.get(params, 'secretNamespace', null), self.namespace),
    cephUser: u.param(params, 'cephUser', 'admin'),
    clusterID: u.param(params, 'clusterID', null),
    fsName: u.param(params, 'fsName', 'cephfs'),
    csiDriver: u.param(params, 'csiDriver', 'cephfs.csi.ceph.com'),
    storageClassName: u.orDefault(std.get(params, 'storageClassName', null), ''),
    reclaimPolicy: u.param(params, 'reclaimPolicy', 'Retain'),
    users: [p.user(x, 'users') for x in u.toArray(std.get(params, 'users', null))],
    groups: [p.group(x, true, 'groups') for x in u.toArray(std.get(params, 'groups', null))],
    global: u.toBool(u.param(params, 'global', true), 'global'),
    sizes: {
      user: u.param(params, 'userSize', '100Gi'),
      group: u.param(params, 'groupSize', '1Ti'),
      global: u.param(params, 'globalSize', '10Ti'),
    },
    globalReadOnly: u.toBool(u.param(params, 'globalReadOnly', false), 'globalReadOnly'),
  },

  // [{scope, owner, claim, path, size, readOnly}] of the volumes to create.
  volumes(cfg)::
    [{ scope: 'user', owner: x, claim: p.userClaim(cfg.settings, x), path: cfg.rootPath + '/user/' + x, size: cfg.sizes.user, readOnly: false }
     for x in cfg.users]
    + [{ scope: 'group', owner: x, claim: p.groupClaim(cfg.settings, x), path: cfg.rootPath + '/group/' + x, size: cfg.sizes.group, readOnly: false }
       for x in cfg.groups]
    + (if cfg.global then [{ scope: 'global', owner: null, claim: cfg.settings.globalClaim, path: cfg.rootPath + '/global',
                              size: cfg.sizes.global, readOnly: cfg.globalReadOnly }] else []),

  labels(v):: u.compact({
    'platform/storage-scope': v.scope,
    'platform/storage-owner': v.owner,
  }),

  // PersistentVolumes are cluster scoped: their names carry the claim's namespace so several
  // namespaces can each have claims called user-alice.
  pvName(cfg, v):: cfg.namespace + '-' + v.claim,

  source(cfg, v)::
    if cfg.driver == 'cephfs' then {
      cephfs: {
        monitors: cfg.monitors,
        path: if v.path == '' then '/' else v.path,
        user: cfg.cephUser,
        secretRef: { name: cfg.secretName, namespace: cfg.secretNamespace },
        readOnly: v.readOnly,
      },
    } else {
      csi: {
        driver: cfg.csiDriver,
        // ceph-csi static volumes: the handle only has to be unique; rootPath selects the directory.
        volumeHandle: $.pvName(cfg, v),
        readOnly: v.readOnly,
        volumeAttributes: {
          clusterID: if cfg.clusterID == null then error 'clusterID: the ceph-csi cluster ID is required for driver=csi' else cfg.clusterID,
          fsName: cfg.fsName,
          staticVolume: 'true',
          rootPath: if v.path == '' then '/' else v.path,
        },
        nodeStageSecretRef: { name: cfg.secretName, namespace: cfg.secretNamespace },
      },
    },

  pv(cfg, v):: u.object('v1', 'PersistentVolume', $.pvName(cfg, v), null, $.labels(v)) + {
    spec: {
      capacity: { storage: v.size },
      accessModes: [if v.readOnly then 'ReadOnlyMany' else 'ReadWriteMany'],
      persistentVolumeReclaimPolicy: cfg.reclaimPolicy,
      storageClassName: cfg.storageClassName,
      volumeMode: 'Filesystem',
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: cfg.namespace, name: v.claim },
    } + $.source(cfg, v),
  },

  pvc(cfg, v):: u.object('v1', 'PersistentVolumeClaim', v.claim, cfg.namespace, $.labels(v)) + {
    spec: {
      accessModes: [if v.readOnly then 'ReadOnlyMany' else 'ReadWriteMany'],
      resources: { requests: { storage: v.size } },
      storageClassName: cfg.storageClassName,
      volumeMode: 'Filesystem',
      volumeName: $.pvName(cfg, v),
    },
  },

  objects(params, env)::
    local cfg = $.config(params, env);
    local vs = $.volumes(cfg);
    local claims = [v.claim for v in vs];
    if vs == [] then error 'storage: nothing to create (set users, groups, or global=true)'
    else if std.length(std.set(claims)) != std.length(claims) then
      error 'storage: two volumes would share a claim name (' + std.join(', ', claims) + ')'
    else std.flattenArrays([[$.pv(cfg, v), $.pvc(cfg, v)] for v in vs]),

  list(params, env):: u.list($.objects(params, env)),
}
