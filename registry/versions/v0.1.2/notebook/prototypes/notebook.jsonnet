// @apiVersion 0.1
// @name io.ksonnet.pkg.notebook
// @description A per-user Jupyter notebook server: a StatefulSet of one pod (with a workspace
//   volume of `disk` at /home/jovyan), a Service, and an Istio VirtualService bound to the
//   platform's Gateway that routes /notebook/<user>/<name>/ to it. The pod requests `cpu`, `memory`
//   and `gpus` (GPU notebooks go to GPU nodes, CPU notebooks prefer CPU nodes), is pinned to
//   `group`'s nodes when given, and mounts the user's, group's and global claims at /mnt/user,
//   /mnt/group and /mnt/global. Istio must be installed for the VirtualService (virtualService=false
//   leaves it out).
// @shortDescription Per-user Jupyter notebook behind the Istio gateway.
// @param name string Name of the notebook (StatefulSet and Service).
// @param user string Owner of the notebook (a DNS label); part of the URL and of the storage claims.
// @optionalParam namespace string null Namespace (null means the environment's namespace).
// @optionalParam image string quay.io/jupyter/scipy-notebook:latest Notebook image (Jupyter Docker Stacks or Kubeflow notebook images).
// @optionalParam cpu string 1 CPU request (null: none).
// @optionalParam memory string 2Gi Memory request and limit (null: none).
// @optionalParam gpus number 0 GPUs (nvidia.com/gpu) for the notebook.
// @optionalParam disk string 10Gi Size of the notebook's workspace volume at /home/jovyan (null: no workspace volume).
// @optionalParam storageClassName string null Storage class of the workspace volume (null: the cluster default).
// @optionalParam group string null Resource group; the pod requires nodes labelled with it and mounts its claim.
// @optionalParam globalStorage string true Mount the global claim.
// @optionalParam virtualService string true Emit the Istio VirtualService (requires Istio's CRDs).
// @optionalParam gateway string kubeflow/kubeflow-gateway Istio Gateway (<namespace>/<name>) the route is bound to.
// @optionalParam host string * Host names the route answers for, comma-separated (* for any).
// @optionalParam serviceType string ClusterIP Type of the Service.
// @optionalParam imagePullPolicy string IfNotPresent Image pull policy.

local notebook = import 'kubeflow/notebook/notebook.libsonnet';

notebook.list(params, env)
