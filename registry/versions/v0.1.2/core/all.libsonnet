// kubeflow/core/all.libsonnet: everything kubeflow-core emits, in order:
// JupyterHub, the training operator serving TFJob (tf-job package) and, unless pytorchJob is false,
// PyTorchJob (its CRD from the pytorch-job package), Ambassador, NFS disks, Spartakus.
local u = import 'kubeflow/common/util.libsonnet';
local tfop = import 'kubeflow/tf-job/tf-job-operator.libsonnet';
local pytorch = import 'kubeflow/pytorch-job/pytorch-operator.libsonnet';
local jupyterhub = import 'kubeflow/core/jupyterhub.libsonnet';
local ambassador = import 'kubeflow/core/ambassador.libsonnet';
local nfs = import 'kubeflow/core/nfs.libsonnet';
local spartakus = import 'kubeflow/core/spartakus.libsonnet';

{
  // Defaults of every param, for callers that pass a partial params object.
  defaults:: {
    namespace: 'null',
    disks: 'null',
    cloud: 'null',
    tfAmbassadorServiceType: 'ClusterIP',
    tfJobImage: tfop.defaults.tfJobImage,
    tfDefaultImage: 'null',
    tfJobUiServiceType: 'ClusterIP',
    jupyterHubServiceType: 'ClusterIP',
    jupyterHubImage: 'gcr.io/kubeflow/jupyterhub-k8s:1.0.1',
    jupyterHubAuthenticator: 'null',
    jupyterNotebookPVCMount: 'null',
    jupyterNotebookPVCSize: '10Gi',
    jupyterNotebookRegistry: 'gcr.io',
    jupyterNotebookRepoName: 'kubeflow-images-public',
    AmbassadorImage: 'quay.io/datawire/ambassador:0.30.1',
    StatsdImage: 'quay.io/datawire/statsd:0.30.1',
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
      // The v0.2 name AmbassadorServiceType wins when it is set.
      ambassadorServiceType: u.param(p0, 'AmbassadorServiceType', p0.tfAmbassadorServiceType),
      ambassadorImage: p0.AmbassadorImage,
      statsdImage: p0.StatsdImage,
    };
    jupyterhub.all(p, ns, disks)
    + tfop.all({
      tfJobImage: p.tfJobImage,
      tfDefaultImage: p.tfDefaultImage,
      tfJobUiServiceType: p.tfJobUiServiceType,
      cloud: p.cloud,
    } + (if std.objectHas(p, 'tfJobUiImage') then { tfJobUiImage: p.tfJobUiImage } else {})
      + (if std.objectHas(p, 'gangScheduler') then { gangScheduler: p.gangScheduler } else {}), ns,
      extraJobs=if u.toBool(p.pytorchJob, 'pytorchJob')
      then [{ crd: pytorch.crd, scheme: 'pytorchjob', plural: 'pytorchjobs' }] else [])
    + ambassador.all(p, ns)
    + nfs.all(u.dnsLabel(p.name, 'name'), ns, disks)
    + spartakus.all(ns, p.reportUsage, p.usageId),

  list(params, env):: u.list($.parts(params, env)),
}
