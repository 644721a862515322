// @apiVersion 0.1
// @name io.ksonnet.pkg.mpi-operator
// @description Installs the Kubeflow MPI operator (v2): the MPIJob CRD (kubeflow.org/v2beta1, with
//   a structural schema), its ServiceAccount, ClusterRole/ClusterRoleBinding, aggregated edit/view
//   roles and the controller Deployment. Set gangScheduler=volcano on clusters running Volcano so
//   that the operator creates a PodGroup for every MPIJob that asks for gang scheduling.
// @shortDescription Kubeflow MPI operator (MPIJob v2beta1).
// @param name string Name of the component.
// @optionalParam namespace string null Namespace of the operator (null means the environment's namespace).
// @optionalParam image string mpioperator/mpi-operator:0.6.0 Operator image.
// @optionalParam gangScheduler string null Gang scheduler the operator creates PodGroups for: volcano or scheduler-plugins (null: none).
// @optionalParam threadiness number 2 Worker threads of the controller.

local operator = import 'kubeflow/mpi-job/mpi-operator.libsonnet';

operator.list(params, env)
