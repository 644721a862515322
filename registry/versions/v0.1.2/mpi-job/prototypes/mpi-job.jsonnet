// @apiVersion 0.1
// @name io.ksonnet.pkg.mpi-job
// @description An MPIJob (kubeflow.org/v2beta1) for Horovod all-reduce training: one launcher running
//   mpirun over `workers` workers with `slotsPerWorker` processes each. Workers request
//   `gpusPerWorker` GPUs and are placed on GPU nodes, packed onto as few nodes as possible; the
//   launcher asks only for CPU and prefers CPU nodes (falling back to GPU nodes). With `group` every
//   pod is pinned to that resource group's nodes; the user's, group's and global claims are mounted
//   into every pod. With scheduler=volcano the job is gang scheduled (runPolicy.schedulingPolicy; the
//   MPI operator must run with gangScheduler=volcano and creates the PodGroup).
// @shortDescription MPI (Horovod) training job.
// @param name string Name of the MPIJob.
// @optionalParam namespace string null Namespace (null means the environment's namespace).
// @optionalParam image string mpioperator/tensorflow-benchmarks:latest Image of the workers (and of the launcher unless launcherImage is set).
// @optionalParam launcherImage string null Image of the launcher (null: same as image).
// @optionalParam command string python,scripts/tf_cnn_benchmarks/tf_cnn_benchmarks.py,--model=resnet101,--batch_size=64,--variable_update=horovod Training program, comma-separated (or an array), run under mpirun.
// @optionalParam workerCommand string null Command of the workers, comma-separated (null: the image's entrypoint, which must start sshd).
// @optionalParam mpirun string true Wrap command in mpirun -np <workers*slotsPerWorker> (false: the launcher runs command as is).
// @optionalParam workers number 2 Number of worker pods.
// @optionalParam slotsPerWorker number 1 MPI processes per worker (usually the GPUs per worker).
// @optionalParam gpusPerWorker number 1 GPUs requested by each worker (0 for CPU-only training).
// @optionalParam workerCpu string 1 CPU request of each worker (null: none).
// @optionalParam workerMemory string 4Gi Memory request and limit of each worker (null: none).
// @optionalParam launcherCpu string 500m CPU request of the launcher (null: none).
// @optionalParam launcherMemory string 1Gi Memory request and limit of the launcher (null: none).
// @optionalParam imagePullPolicy string IfNotPresent Image pull policy of all containers.
// @optionalParam group string null Resource group; pods require nodes labelled with it.
// @optionalParam user string null Owner; mounts the user's claim (and the global one).
// @optionalParam globalStorage string true Mount the global claim when user or group is set.
// @optionalParam packWorkers string true Prefer packing GPU workers onto the same nodes.
// @optionalParam scheduler string null Scheduler of the pods; volcano enables gang scheduling.
// @optionalParam queue string null Volcano queue of the job.
// @optionalParam minAvailable number 0 Pods that must start together (0: all, launcher included).
// @optionalParam priorityClass string null PriorityClass of the job's PodGroup.
// @optionalParam cleanPodPolicy string Running Pods deleted when the job ends: None, Running or All.
// @optionalParam mpiImplementation string OpenMPI OpenMPI, Intel or MPICH.

local mpi = import 'kubeflow/mpi-job/mpi-job.libsonnet';

mpi.job(params, env)
