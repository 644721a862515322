// kubeflow/core/jupyterhub.libsonnet: JupyterHub of kubeflow-core.
//
// Objects: ConfigMap jupyterhub-config, Services tf-hub-0 (headless) and tf-hub-lb, StatefulSet tf-hub,
// Role jupyter-role, ServiceAccount jupyter-hub, RoleBinding jupyter-role.
//
// Notebook storage: with jupyterNotebookPVCMount set, the spawner creates one PVC per user server
// (claim-<user><server>, jupyterNotebookPVCSize) and mounts it at that path in every notebook pod.
// Each NFS disk d of `disks` is mounted at /mnt/<d> (claim d).
local u = import 'kubeflow/common/util.libsonnet';

{
  labels:: { app: 'tf-hub' },

  authenticatorLines(auth)::
    if auth == 'iap' then [
      "c.JupyterHub.authenticator_class = 'jhub_remote_user_authenticator.remote_user_auth.RemoteUserAuthenticator'",
      "c.RemoteUserAuthenticator.header_name = 'x-goog-authenticated-user-email'",
    ] else [
      "c.JupyterHub.authenticator_class = 'dummyauthenticator.DummyAuthenticator'",
    ],

  // Volumes and mounts of every spawned notebook pod (KubeSpawner expands {username}/{servername}).
  notebookVolumes(disks, pvcMount)::
    local pvc = !u.isNull(pvcMount);
    {
      volumes:
        [{ name: d, persistentVolumeClaim: { claimName: d } } for d in disks]
        + (if pvc then [{ name: 'volume-{username}{servername}',
                          persistentVolumeClaim: { claimName: 'claim-{username}{servername}' } }] else []),
      mounts:
        [{ name: d, mountPath: '/mnt/' + d } for d in disks]
        + (if pvc then [{ name: 'volume-{username}{servername}', mountPath: pvcMount }] else []),
    },

  config(p, disks)::
    local nv = $.notebookVolumes(disks, p.jupyterNotebookPVCMount);
    local pvc = !u.isNull(p.jupyterNotebookPVCMount);
    std.join('\n', [
      importstr 'kubeflow/core/jupyterhub_spawner.py',
      '######## Authenticator ######',
    ] + $.authenticatorLines(p.jupyterHubAuthenticator)
      + (if nv.volumes == [] then [] else [
           '###### Volumes #######',
           'c.KubeSpawner.volumes = ' + std.manifestPython(nv.volumes),
           'c.KubeSpawner.volume_mounts = ' + std.manifestPython(nv.mounts),
         ])
      + (if pvc then [
           '###### Notebook PVC #######',
           'c.KubeSpawner.storage_pvc_ensure = True',
           "c.KubeSpawner.pvc_name_template = 'claim-{username}{servername}'",
           "c.KubeSpawner.storage_capacity = '" + p.jupyterNotebookPVCSize + "'",
           "c.KubeSpawner.storage_access_modes = ['ReadWriteOnce']",
         ] else [])
      + ['']),

  all(p, ns, disks)::
    local mapping(name, prefix) = std.join('\n', [
      '---',
      'apiVersion: ambassador/v0',
      'kind:  Mapping',
      'name: ' + name,
      'prefix: ' + prefix,
      'rewrite: ' + prefix,
      'timeout_ms: 300000',
      'service: tf-hub-lb.' + ns,
    ]);
    local env = [
      { name: 'NOTEBOOK_PVC_MOUNT', value: std.toString(p.jupyterNotebookPVCMount) },
      { name: 'CLOUD_NAME', value: std.toString(p.cloud) },
      { name: 'REGISTRY', value: p.jupyterNotebookRegistry },
      { name: 'REPO_NAME', value: p.jupyterNotebookRepoName },
    ];
    [
      u.configMap('jupyterhub-config', ns, { 'jupyterhub_config.py': $.config(p, disks) }),
      u.service('tf-hub-0', ns, $.labels, [{ name: 'hub', port: 8000 }], clusterIP='None', labels=$.labels),
      u.service('tf-hub-lb', ns, $.labels, [{ name: 'hub', port: 80, targetPort: 8000 }],
                type=p.jupyterHubServiceType, labels={ app: 'tf-hub-lb' },
                annotations={ 'getambassador.io/config': std.join('\n', [
                  mapping('tf-hub-lb-hub-mapping', '/hub/'),
                  mapping('tf-hub-lb-user-mapping', '/user/'),
                ]) }),
      u.statefulSet('tf-hub', ns, $.labels, {
        serviceAccountName: 'jupyter-hub',
        containers: [{
          name: 'tf-hub',
          image: p.jupyterHubImage,
          command: ['jupyterhub', '-f', '/etc/config/jupyterhub_config.py'],
          env: env,
          ports: [{ name: 'hub', containerPort: 8000 }, { name: 'api', containerPort: 8081 }],
          volumeMounts: [{ name: 'config-volume', mountPath: '/etc/config' }],
        }],
        volumes: [{ name: 'config-volume', configMap: { name: 'jupyterhub-config' } }],
      }, serviceName='tf-hub-0'),
      // KubeSpawner creates, watches and deletes notebook pods, their PVCs and services.
      u.role('jupyter-role', ns, [
        u.rule([''], ['pods', 'persistentvolumeclaims', 'services', 'events', 'secrets', 'configmaps'],
               ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
      ]),
      u.serviceAccount('jupyter-hub', ns, $.labels),
      u.roleBinding('jupyter-role', ns, 'Role', 'jupyter-role', [u.saSubject('jupyter-hub', ns)]),
    ],
}
