// kubeflow/core/nfs.libsonnet: NFS shared disks of kubeflow-core (`disks` param).
//
// For the disk list D (nothing when empty): ServiceAccount and Role <name>, RoleBinding and
// ClusterRoleBinding <name>-nfs-role (the latter to system:persistent-volume-provisioner), and per disk d:
// StorageClass d-nfs (provisioner d/nfs), PersistentVolumeClaim d (ReadWriteMany), Service d-service and
// Deployment d-provisioner (an NFS provisioner exporting GCE persistent disk d).
local u = import 'kubeflow/common/util.libsonnet';

{
  image:: 'quay.io/kubernetes_incubator/nfs-provisioner:v1.0.8',

  perDisk(d, ns, sa)::
    local labels = { app: d + '-provisioner' };
    [
      u.object('storage.k8s.io/v1', 'StorageClass', d + '-nfs') + { provisioner: d + '/nfs' },
      u.pvc(d, ns, '1Mi', ['ReadWriteMany'], storageClassName=d + '-nfs'),
      u.service(d + '-service', ns, labels, [
        { name: 'nfs', port: 2049 },
        { name: 'mountd', port: 20048 },
        { name: 'rpcbind', port: 111 },
        { name: 'rpcbind-udp', port: 111, protocol: 'UDP' },
      ], labels=labels),
      u.deployment(d + '-provisioner', ns, labels, {
        serviceAccountName: sa,
        containers: [{
          name: 'nfs-provisioner',
          image: $.image,
          args: ['-provisioner=' + d + '/nfs'],
          env: [
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'SERVICE_NAME', value: d + '-service' },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          ports: [
            { name: 'nfs', containerPort: 2049 },
            { name: 'mountd', containerPort: 20048 },
            { name: 'rpcbind', containerPort: 111 },
            { name: 'rpcbind-udp', containerPort: 111, protocol: 'UDP' },
          ],
          securityContext: { capabilities: { add: ['DAC_READ_SEARCH', 'SYS_RESOURCE'] } },
          volumeMounts: [{ name: 'export-volume', mountPath: '/export' }],
        }],
        volumes: [{ name: 'export-volume', gcePersistentDisk: { pdName: d } }],
      }) + { spec+: { strategy: { type: 'Recreate' } } },
    ],

  all(name, ns, disks)::
    if disks == [] then []
    else [
      u.serviceAccount(name, ns),
      // Leader election of the provisioners.
      u.role(name, ns, [u.rule([''], ['endpoints'], ['get', 'list', 'watch', 'create', 'update', 'patch'])]),
      u.roleBinding(name + '-nfs-role', ns, 'Role', name, [u.saSubject(name, ns)]),
      u.clusterRoleBinding(name + '-nfs-role', 'system:persistent-volume-provisioner', [u.saSubject(name, ns)]),
    ] + std.flattenArrays([$.perDisk(d, ns, name) for d in disks]),
}
