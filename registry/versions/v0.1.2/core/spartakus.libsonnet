// kubeflow/core/spartakus.libsonnet: anonymous usage reporting (only when reportUsage is true).
local u = import 'kubeflow/common/util.libsonnet';

{
  image:: 'gcr.io/google_containers/spartakus-amd64:v1.0.0',

  all(ns, reportUsage, usageId)::
    if !u.toBool(reportUsage, 'reportUsage') then []
    else
      local labels = { app: 'spartakus' };
      [
        u.clusterRole('spartakus', [u.rule([''], ['nodes'], ['get', 'list'])], labels),
        u.clusterRoleBinding('spartakus', 'spartakus', [u.saSubject('spartakus', ns)], labels),
        u.serviceAccount('spartakus', ns, labels),
        u.deployment('spartakus-volunteer', ns, { app: 'spartakus-volunteer' }, {
          serviceAccountName: 'spartakus',
          containers: [{
            name: 'volunteer',
            image: $.image,
            args: [
              'volunteer',
              '--cluster-id=' + usageId,
              '--database=https://stats-collector.kubeflow.org',
            ],
          }],
        }),
      ],
}
