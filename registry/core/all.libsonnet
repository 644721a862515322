// kubeflow/core/all.libsonnet: everything kubeflow-core emits, in order:
// JupyterHub, the training operator serving TFJob (tf-job package) and, unless pytorchJob is false,
// PyTorchJob (its CRD from the pytorch-job package), the gateway, NFS disks, Spartakus.
local u = import 'kubeflow/common/util.libsonnet';
local tfop = import 'kubeflow/tf-job/tf-job-operator.libsonnet';
local pytorch = import 'kubeflow/pytorch-job/pytorch-operator.libsonnet';
local jupyterhub = import 'kubeflow/core/jupyterhub.libsonnet';
local gateway = import 'kubeflow/core/gateway.libsonnet';
local nfs = import 'kubeflow/core/nfs.libsonnet';
local spartakus = import 'kubeflow/core/spartakus.libsonnet';

{
  // Defaults of every param, for callers that pass a partial params object.
  defaults:: {
    namespace: 'null',
    disks: 'null',
    cloud: 'null',
    tfJobImage: tfop.defaults.tfJobImage,
    tfDefaultImage: 'null',
    webhookFailurePolicy: 'Fail',
    jupyterHubServiceType: 'ClusterIP',
    jupyterHubImage: 'quay.io/jupyterhub/k8s-hub:4.4.2',
    jupyterHubProxyImage: 'quay.io/jupyterhub/configurable-http-proxy:5.2.0',
    jupyterHubAuthenticator: 'native',
    jupyterHubAdminUsers: 'admin',
    jupyterNotebookPVCMount: 'null',
    jupyterNotebookPVCSize: '10Gi',
    jupyterNotebookRegistry: 'quay.io',
    jupyterNotebookRepoName: 'jupyter',
    jupyterNotebookTag: '2025-07-07',
    gateway: 'envoy',
    gatewayImage: 'envoyproxy/envoy:v1.36.2',
    gatewayServiceType: 'ClusterIP',
    gatewayHosts: 'null',
    gatewayIstioGateway: 'kubeflow/kubeflow-gateway',
    reportUsage: false,
    usageId: 'unknown_cluster',
    pytorchJob: true,
  },

  parts(params, env)::
    local p0 = $.defaults + params;
    local ns = u.namespace(p0, env);
    local disks = [u.dnsLabel(d, 'disks') for d in u.toArray(p0.disks)];
    local p = p0 {
      cloud: if u.isNull(p0.cloud) then 'null' else p0.cloud,
    };
    jupyterhub.all(p, ns, disks)
    + tfop.all({
      tfJobImage: p.tfJobImage,
      tfDefaultImage: p.tfDefaultImage,
      cloud: p.cloud,
      webhookFailurePolicy: p.webhookFailurePolicy,
    } + (if std.objectHas(p, 'gangScheduler') then { gangScheduler: p.gangScheduler } else {}), ns,
      extraJobs=if u.toBool(p.pytorchJob, 'pytorchJob')
      then [{ crd: pytorch.crd, kind: 'PyTorchJob' }] else [])
    + gateway.all(p, ns)
    + nfs.all(u.dnsLabel(p.name, 'name'), ns, disks)
    + spartakus.all(ns, p.reportUsage, p.usageId),

  list(params, env):: u.list($.parts(params, env)),
}
