// @apiVersion 0.1
// @name io.ksonnet.pkg.storage
// @description The platform's shared CephFS storage as statically bound PersistentVolume and
//   PersistentVolumeClaim pairs in three scopes: one per user (<rootPath>/user/<user>, claim
//   user-<user>), one per group (<rootPath>/group/<group>, claim group-<group>) and one global
//   (<rootPath>/global, claim global). Each PV carries a claimRef to its PVC and each PVC names its
//   PV, so they bind to each other only. Jobs and notebooks of the registry mount these claims at
//   /mnt/user, /mnt/group and /mnt/global. Claim names follow kubeflow/common's settings.
// @shortDescription CephFS user/group/global volumes and claims.
// @requires driver=csi: the ceph-csi CephFS driver (CSIDriver cephfs.csi.ceph.com) on the nodes
// @param name string Name of the component.
// @optionalParam namespace string null Namespace of the claims, i.e. of the workloads (null means the environment's namespace).
// @optionalParam users string null Users to create a volume for, comma-separated.
// @optionalParam groups string null Groups to create a volume for, comma-separated.
// @optionalParam global string true Create the global volume.
// @optionalParam driver string csi Volume source: csi (ceph-csi static volume) or cephfs (the in-tree CephFS source, which kubelets of Kubernetes 1.31 and later cannot mount).
// @optionalParam monitors string null Ceph monitors, comma-separated host:port (required for driver=cephfs).
// @optionalParam rootPath string /platform CephFS directory holding user/, group/ and global.
// @optionalParam secretName string ceph-secret Secret with the Ceph key (key `key` for cephfs; userID/userKey for csi).
// @optionalParam secretNamespace string null Namespace of that Secret (null: the claims' namespace).
// @optionalParam cephUser string admin Ceph (rados) user of the cephfs mounts.
// @optionalParam clusterID string null ceph-csi cluster ID (required for driver=csi).
// @optionalParam fsName string cephfs CephFS file system name (driver=csi).
// @optionalParam csiDriver string cephfs.csi.ceph.com CSI driver name (driver=csi).
// @optionalParam userSize string 100Gi Capacity of each user volume.
// @optionalParam groupSize string 1Ti Capacity of each group volume.
// @optionalParam globalSize string 10Ti Capacity of the global volume.
// @optionalParam globalReadOnly string false Mount the global volume read-only (ReadOnlyMany).
// @optionalParam storageClassName string null Storage class of PVs and PVCs (null: "" = no dynamic provisioning).
// @optionalParam reclaimPolicy string Retain What happens to a PV when its claim is deleted: Retain or Delete.

local storage = import 'kubeflow/storage/storage.libsonnet';

storage.list(params, env)
