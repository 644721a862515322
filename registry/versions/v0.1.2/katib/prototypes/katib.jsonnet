// @apiVersion 0.1
// @name io.ksonnet.pkg.katib
// @description Installs Katib (hyperparameter search): the Experiment, Suggestion and Trial CRDs
//   (kubeflow.org/v1beta1, structural schemas), the katib-config ConfigMap (suggestion algorithms,
//   metrics collectors, trial job kinds incl. MPIJob v2beta1), katib-controller (Deployment, Service,
//   RBAC, and the experiment/pod admission webhooks whose certificate the controller generates
//   itself), katib-db-manager and a MySQL database for the observation logs.
// @shortDescription Katib hyperparameter search (controller, CRDs, database).
// @param name string Name of the component.
// @optionalParam namespace string null Namespace of Katib (null means the environment's namespace).
// @optionalParam registry string docker.io/kubeflowkatib Registry of the Katib images.
// @optionalParam tag string v0.17.0 Tag of the Katib images.
// @optionalParam mysqlImage string mysql:8.0 Image of the observation-log database.
// @optionalParam mysqlPassword string katib-change-me Root password of the database (stored in Secret katib-mysql-secrets).
// @optionalParam dbSize string 10Gi Size of the database volume.
// @optionalParam storageClassName string null Storage class of the database volume (null: cluster default).
// @optionalParam webhooks string true Install the admission webhooks (experiment validation/defaulting, metrics-collector injection).
// @optionalParam injectionLabel string katib.kubeflow.org/metrics-collector-injection Namespace label (value enabled) selecting namespaces whose trial pods get the metrics collector.

local katib = import 'kubeflow/katib/katib.libsonnet';

katib.list(params, env)
