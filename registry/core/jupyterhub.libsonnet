// kubeflow/core/jupyterhub.libsonnet: JupyterHub of kubeflow-core.
//
// Objects: ConfigMap jupyterhub-config, Services tf-hub-0 (headless) and tf-hub-lb, StatefulSet tf-hub
// (JupyterHub 5 from Zero to JupyterHub's k8s-hub image, with configurable-http-proxy beside it),
// PersistentVolumeClaim hub-db-dir (the hub's database: users and their sign-ups survive restarts),
// Role jupyter-role, ServiceAccount jupyter-hub, RoleBinding jupyter-role.
//
// Authentication (jupyterHubAuthenticator): native (default; NativeAuthenticator: people sign up, an
// admin of jupyterHubAdminUsers authorizes them), iap (the user from the x-goog-authenticated-user-email
// header Google IAP sets; only safe behind IAP) or dummy (anyone with any password: development only).
//
// Notebook storage: with jupyterNotebookPVCMount set, the spawner creates one PVC per user server
// (claim-<user><server>, jupyterNotebookPVCSize) and mounts it at that path in every notebook pod.
// Each NFS disk d of `disks` is mounted at /mnt/<d> (claim d).
local u = import 'kubeflow/common/util.libsonnet';

{
  labels:: { app: 'tf-hub' },
  containerSecurity:: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },

  authenticatorLines(p)::
    local auth = if u.isNull(p.jupyterHubAuthenticator) then 'native' else p.jupyterHubAuthenticator;
    local admins = [u.dnsLabel(a, 'jupyterHubAdminUsers') for a in u.toArray(p.jupyterHubAdminUsers)];
    [
      'c.Authenticator.admin_users = ' + std.manifestPython(admins),
    ] + (
      if auth == 'native' then [
        "c.JupyterHub.authenticator_class = 'nativeauthenticator.NativeAuthenticator'",
        'c.NativeAuthenticator.open_signup = False',
        'c.NativeAuthenticator.minimum_password_length = 12',
        'c.NativeAuthenticator.check_common_password = True',
        'c.NativeAuthenticator.allowed_failed_logins = 5',
      ] else if auth == 'iap' then [
        'from jupyterhub.auth import Authenticator',
        'from jupyterhub.handlers import BaseHandler',
        '',
        '',
        'class IapLoginHandler(BaseHandler):',
        '    async def get(self):',
        "        email = self.request.headers.get('x-goog-authenticated-user-email', '')",
        "        name = email.split(':')[-1].split('@')[0]",
        '        if not name:',
        "            raise __import__('tornado.web').web.HTTPError(401, 'no IAP user header')",
        '        user = await self.login_user({"name": name})',
        '        self.redirect(self.get_next_url(user))',
        '',
        '',
        'class IapAuthenticator(Authenticator):',
        '    def get_handlers(self, app):',
        "        return [(r'/login', IapLoginHandler)]",
        '',
        '    async def authenticate(self, handler, data):',
        "        return data['name']",
        '',
        '',
        'c.JupyterHub.authenticator_class = IapAuthenticator',
        'c.Authenticator.allow_all = True',
      ] else if auth == 'dummy' then [
        "c.JupyterHub.authenticator_class = 'dummy'",
        'c.Authenticator.allow_all = True',
      ] else error 'jupyterHubAuthenticator must be native, iap or dummy, got ' + auth
    ),

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
    ] + $.authenticatorLines(p)
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
    local env = [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NOTEBOOK_TAG', value: p.jupyterNotebookTag },
      { name: 'NOTEBOOK_PVC_MOUNT', value: std.toString(p.jupyterNotebookPVCMount) },
      { name: 'CLOUD_NAME', value: std.toString(p.cloud) },
      { name: 'REGISTRY', value: p.jupyterNotebookRegistry },
      { name: 'REPO_NAME', value: p.jupyterNotebookRepoName },
    ];
    [
      u.configMap('jupyterhub-config', ns, { 'jupyterhub_config.py': $.config(p, disks) }),
      u.service('tf-hub-0', ns, $.labels, [{ name: 'hub', port: 8000 }], clusterIP='None', labels=$.labels),
      u.service('tf-hub-lb', ns, $.labels, [{ name: 'hub', port: 80, targetPort: 8000 }],
                type=p.jupyterHubServiceType, labels={ app: 'tf-hub-lb' }),
      u.pvc('hub-db-dir', ns, '1Gi', labels=$.labels),
      u.statefulSet('tf-hub', ns, $.labels, {
        serviceAccountName: 'jupyter-hub',
        securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        // A per-pod token between the hub and its proxy, never stored in the cluster.
        initContainers: [{
          name: 'proxy-token',
          image: p.jupyterHubImage,
          command: ['python3', '-c', "import secrets; open('/var/run/hub-proxy/token', 'w').write(secrets.token_hex(32))"],
          volumeMounts: [{ name: 'proxy-token', mountPath: '/var/run/hub-proxy' }],
          securityContext: $.containerSecurity,
        }],
        containers: [{
          name: 'tf-hub',
          image: p.jupyterHubImage,
          command: ['jupyterhub', '-f', '/etc/config/jupyterhub_config.py'],
          env: env,
          ports: [{ name: 'api', containerPort: 8081 }],
          readinessProbe: { httpGet: { path: '/hub/health', port: 8081 }, periodSeconds: 10 },
          volumeMounts: [
            { name: 'config-volume', mountPath: '/etc/config' },
            { name: 'proxy-token', mountPath: '/var/run/hub-proxy', readOnly: true },
            { name: 'hub-db', mountPath: '/srv/jupyterhub' },
          ],
          securityContext: $.containerSecurity,
        }, {
          name: 'proxy',
          image: p.jupyterHubProxyImage,
          command: ['sh', '-c', 'CONFIGPROXY_AUTH_TOKEN="$(cat /var/run/hub-proxy/token)" exec configurable-http-proxy '
                                + '--ip=0.0.0.0 --port=8000 --api-ip=127.0.0.1 --api-port=8001 '
                                + '--default-target=http://127.0.0.1:8081 --error-target=http://127.0.0.1:8081/hub/error'],
          ports: [{ name: 'hub', containerPort: 8000 }],
          readinessProbe: { tcpSocket: { port: 8000 }, periodSeconds: 10 },
          volumeMounts: [{ name: 'proxy-token', mountPath: '/var/run/hub-proxy', readOnly: true }],
          securityContext: $.containerSecurity,
        }],
        volumes: [
          { name: 'config-volume', configMap: { name: 'jupyterhub-config' } },
          { name: 'proxy-token', emptyDir: { medium: 'Memory' } },
          { name: 'hub-db', persistentVolumeClaim: { claimName: 'hub-db-dir' } },
        ],
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
