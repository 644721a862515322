// @apiVersion 0.1
// @name io.ksonnet.pkg.notebook
// @description A per-user Jupyter notebook server: a StatefulSet of one pod (with a workspace
//   volume of `disk` at /home/jovyan) and a Service; with virtualService=true and host, an Istio
//   VirtualService bound to the platform's Gateway that routes /notebook/<user>/<name>/ to it.
//   Never open: auth=token (default) makes Jupyter require the token stored in Secret
//   tokenSecret (key token; create it first); auth=gateway leaves sign-in to the mesh and adds an
//   Istio AuthorizationPolicy admitting only the owner (header userIdHeader = userId, from the
//   gateway). The pod requests `cpu`, `memory` and `gpus` (GPU notebooks go to GPU nodes, CPU
//   notebooks prefer CPU nodes), is pinned to `group`'s nodes when given, and mounts the user's,
//   group's and global claims at /mnt/user, /mnt/group and /mnt/global.
// @shortDescription Per-user Jupyter notebook, token or gateway sign-in.
// @requires virtualService=true or auth=gateway: Istio (networking.istio.io, security.istio.io)
// @param name string Name of the notebook (StatefulSet and Service).
// @param user string Owner of the notebook (a DNS label); part of the URL and of the storage claims.
// @optionalParam namespace string null Namespace (null means the environment's namespace).
// @optionalParam image string quay.io/jupyter/scipy-notebook:2026-10-05 Notebook image (Jupyter Docker Stacks; Kubeflow's notebook images need auth=gateway).
// @optionalParam auth string token Sign-in: token (Jupyter asks for the token of tokenSecret) or gateway (the mesh signs users in; only the owner is admitted).
// @optionalParam tokenSecret string null Secret holding the Jupyter token under key token (auth=token); null means <name>-token.
// @optionalParam userId string null Identity the gateway's authenticator reports for the owner (auth=gateway); null means user.
// @optionalParam userIdHeader string kubeflow-userid Request header carrying that identity (auth=gateway).
// @optionalParam gatewayPrincipal string cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account Mesh identity of the gateway allowed to forward (auth=gateway).
// @optionalParam cpu string 1 CPU request (null: none).
// @optionalParam memory string 2Gi Memory request and limit (null: none).
// @optionalParam gpus number 0 GPUs (nvidia.com/gpu) for the notebook.
// @optionalParam disk string 10Gi Size of the notebook's workspace volume at /home/jovyan (null: no workspace volume).
// @optionalParam storageClassName string null Storage class of the workspace volume (null: the cluster default).
// @optionalParam group string null Resource group; the pod requires nodes labelled with it and mounts its claim.
// @optionalParam globalStorage string true Mount the global claim.
// @optionalParam virtualService string false Emit the Istio VirtualService (requires Istio and host).
// @optionalParam gateway string kubeflow/kubeflow-gateway Istio Gateway (<namespace>/<name>) the route is bound to.
// @optionalParam host string null Host names the route answers for, comma-separated (required with virtualService=true; no catch-all default).
// @optionalParam serviceType string ClusterIP Type of the Service.
// @optionalParam imagePullPolicy string IfNotPresent Image pull policy.

local notebook = import 'kubeflow/notebook/notebook.libsonnet';

notebook.list(params, env)
