// @apiVersion 0.1
// @name io.ksonnet.pkg.kubeflow-core
// @description Kubeflow core components: JupyterHub 5 (ConfigMap jupyterhub-config, Services tf-hub-0
//   and tf-hub-lb, StatefulSet tf-hub with its proxy, claim hub-db-dir and its RBAC) with sign-in on by
//   default, the training operator v1.9.3 serving TFJob and PyTorchJob with their CRDs (from the tf-job
//   and pytorch-job packages), the Envoy gateway (ConfigMap gateway-config, Service and Deployment
//   gateway; or an Istio VirtualService with gateway=istio), NFS shared disks when `disks` is set, and
//   the spartakus usage reporter when reportUsage is true. Needs the common, tf-job and pytorch-job
//   packages installed.
// @shortDescription Kubeflow core components (JupyterHub, training operator, gateway).
// @requires gateway=istio: Istio (networking.istio.io)
// @param name string Name of the component; also names the NFS provisioner's ServiceAccount and Role.
// @optionalParam namespace string null Namespace of the objects; null means the environment's namespace.
// @optionalParam disks string null Comma-separated GCE persistent disk names shared over NFS; each gets a provisioner, Service, StorageClass and ReadWriteMany claim and is mounted at /mnt/<disk> in notebooks.
// @optionalParam cloud string null Cloud the cluster runs on: gke, aks, acsengine or null. aks/acsengine give the training operator the host's NVIDIA driver volumes.
// @optionalParam tfJobImage string kubeflow/training-operator:v1.9.3 Image of the training operator.
// @optionalParam tfDefaultImage string null Default TensorFlow image written to the operator config.
// @optionalParam webhookFailurePolicy string Fail What the API server does with TFJobs and PyTorchJobs while the operator's webhook does not answer: Fail (upstream's setting) or Ignore.
// @optionalParam jupyterHubServiceType string ClusterIP Service type of tf-hub-lb (ClusterIP, NodePort or LoadBalancer).
// @optionalParam jupyterHubImage string quay.io/jupyterhub/k8s-hub:4.4.2 JupyterHub image (Zero to JupyterHub 4.4.2: JupyterHub 5, KubeSpawner, NativeAuthenticator).
// @optionalParam jupyterHubProxyImage string quay.io/jupyterhub/configurable-http-proxy:5.2.0 Image of the proxy running beside the hub.
// @optionalParam jupyterHubAuthenticator string native Sign-in: native (people sign up, an admin authorizes them), iap (Google IAP's user header; only behind IAP) or dummy (no password check; development only).
// @optionalParam jupyterHubAdminUsers string admin Comma-separated JupyterHub admins (with native: they authorize sign-ups; sign up as one of them first).
// @optionalParam jupyterNotebookPVCMount string null Path at which every spawned notebook mounts its own PersistentVolumeClaim (e.g. /home/jovyan/work); null for no notebook claim.
// @optionalParam jupyterNotebookPVCSize string 10Gi Size of each notebook's claim (with jupyterNotebookPVCMount).
// @optionalParam jupyterNotebookRegistry string quay.io Registry of the notebook images offered by the spawner.
// @optionalParam jupyterNotebookRepoName string jupyter Repository of the notebook images (tensorflow-notebook, pytorch-notebook, scipy-notebook).
// @optionalParam jupyterNotebookTag string 2025-07-07 Tag of the notebook images.
// @optionalParam gateway string envoy Gateway in front of JupyterHub: envoy (a Deployment of Envoy, no CRDs), istio (a VirtualService on an existing Istio Gateway) or none.
// @optionalParam gatewayImage string envoyproxy/envoy:v1.36.2 Envoy image of gateway=envoy.
// @optionalParam gatewayServiceType string ClusterIP Service type of the gateway Service (ClusterIP, NodePort or LoadBalancer).
// @optionalParam gatewayHosts string null Comma-separated host names the gateway answers; null: only its in-cluster names and localhost (kubectl port-forward). Required with gateway=istio.
// @optionalParam gatewayIstioGateway string kubeflow/kubeflow-gateway Istio Gateway (NAMESPACE/NAME) the VirtualService binds to, with gateway=istio.
// @optionalParam reportUsage string false Whether to deploy spartakus-volunteer to report anonymous usage (true or false).
// @optionalParam usageId string unknown_cluster Cluster id reported by spartakus (--cluster-id).
// @optionalParam pytorchJob string true Whether the training operator also serves PyTorchJob (installs the pytorchjobs.kubeflow.org CRD of the pytorch-job package).

local core = import 'kubeflow/core/all.libsonnet';

core.list(params, env)
