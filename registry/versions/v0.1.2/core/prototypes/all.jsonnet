// @apiVersion 0.1
// @name io.ksonnet.pkg.kubeflow-core
// @description Kubeflow core components: JupyterHub (ConfigMap jupyterhub-config, Services tf-hub-0 and
//   tf-hub-lb, StatefulSet tf-hub and its RBAC), the TFJob operator with its CRD and dashboard (from the
//   tf-job package), the Ambassador gateway (Services ambassador, ambassador-admin, k8s-dashboard and
//   Deployment ambassador), NFS shared disks when `disks` is set, and the spartakus usage reporter when
//   reportUsage is true. Needs the common and tf-job packages installed.
// @shortDescription Kubeflow core components (JupyterHub, TFJob operator, Ambassador).
// @param name string Name of the component; also names the NFS provisioner's ServiceAccount and Role.
// @optionalParam namespace string null Namespace of the objects; null means the environment's namespace.
// @optionalParam disks string null Comma-separated GCE persistent disk names shared over NFS; each gets a provisioner, Service, StorageClass and ReadWriteMany claim and is mounted at /mnt/<disk> in notebooks.
// @optionalParam cloud string null Cloud the cluster runs on: gke, aks, acsengine or null. aks/acsengine give the TFJob operator the host's NVIDIA driver volumes and turn off TLS to the Kubernetes dashboard route.
// @optionalParam tfAmbassadorServiceType string ClusterIP Service type of ambassador (the v0.2 name AmbassadorServiceType is honoured when set).
// @optionalParam tfJobImage string kubeflow/training-operator:v1-855e096 Image of the TFJob (training) operator.
// @optionalParam tfDefaultImage string null Default TensorFlow image written to the operator config.
// @optionalParam tfJobUiServiceType string ClusterIP Service type of tf-job-dashboard.
// @optionalParam jupyterHubServiceType string ClusterIP Service type of tf-hub-lb (ClusterIP, NodePort or LoadBalancer).
// @optionalParam jupyterHubImage string gcr.io/kubeflow/jupyterhub-k8s:1.0.1 JupyterHub image.
// @optionalParam jupyterHubAuthenticator string null Authenticator: null for a dummy one, iap for Google IAP (user from x-goog-authenticated-user-email).
// @optionalParam jupyterNotebookPVCMount string null Path at which every spawned notebook mounts its own PersistentVolumeClaim (e.g. /home/jovyan/work); null for no notebook claim.
// @optionalParam jupyterNotebookPVCSize string 10Gi Size of each notebook's claim (with jupyterNotebookPVCMount).
// @optionalParam jupyterNotebookRegistry string gcr.io Registry of the notebook images offered by the spawner.
// @optionalParam jupyterNotebookRepoName string kubeflow-images-public Repository of the notebook images.
// @optionalParam AmbassadorImage string quay.io/datawire/ambassador:0.30.1 Ambassador image.
// @optionalParam StatsdImage string quay.io/datawire/statsd:0.30.1 Ambassador statsd sidecar image.
// @optionalParam reportUsage string false Whether to deploy spartakus-volunteer to report anonymous usage (true or false).
// @optionalParam usageId string unknown_cluster Cluster id reported by spartakus (--cluster-id).
// @optionalParam pytorchJob string true Whether the training operator also serves PyTorchJob (installs the pytorchjobs.kubeflow.org CRD of the pytorch-job package); set false when a pytorch-operator component installs it instead.

local core = import 'kubeflow/core/all.libsonnet';

core.list(params, env)
