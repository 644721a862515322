// @apiVersion 0.1
// @name io.ksonnet.pkg.seldon
// @description Seldon Core 2 (release 2.10.0), the current Seldon Core generation: the CRDs Model,
//   Server, ServerConfig, Pipeline, Experiment, SeldonRuntime and SeldonConfig (mlops.seldon.io/v1alpha1),
//   the controller Deployment seldon-v2-controller-manager with its RBAC (namespaced Role, or a
//   ClusterRole with clusterwide=true), SeldonConfig default (scheduler, envoy, model and pipeline
//   gateways, dataflow engine), ServerConfig mlserver, and unless turned off SeldonRuntime seldon (which
//   starts those components in the namespace) and Server mlserver (MLServer replicas models load on).
//   Models work without Kafka; Pipelines need Kafka at kafkaBootstrap (without it the Kafka-based
//   components are disabled).
// @shortDescription Seldon Core 2 controller, CRDs, runtime and an MLServer server.
// @requires kafkaBootstrap set: a Kafka cluster reachable at kafkaBootstrap (for Pipelines; e.g. Strimzi)
// @param name string Name of the component (the objects have fixed names).
// @optionalParam namespace string null Namespace of the controller and runtime; null means the environment's namespace.
// @optionalParam clusterwide string false Let the controller manage SeldonRuntimes of every namespace (ClusterRole) instead of its own (Role).
// @optionalParam runtime string true Create SeldonRuntime seldon, which starts the scheduler, envoy and gateways here (true or false).
// @optionalParam server string true Create Server mlserver, the MLServer replicas models load on (true or false).
// @optionalParam serverReplicas number 1 Replicas of Server mlserver.
// @optionalParam serviceType string ClusterIP Type of Service seldon-mesh (the inference endpoint): ClusterIP, NodePort or LoadBalancer.
// @optionalParam kafkaBootstrap string null Kafka bootstrap servers (host:port) for Pipelines; null disables the Kafka-based components.
// @optionalParam logLevel string info Log level of the controller and components.
// @optionalParam controllerImage string docker.io/seldonio/seldonv2-controller:2.10.0 Image of the controller.
// @optionalParam schedulerImage string docker.io/seldonio/seldon-scheduler:2.10.0 Image of the scheduler.
// @optionalParam envoyImage string docker.io/seldonio/seldon-envoy:2.10.0 Image of the inference proxy.
// @optionalParam modelgatewayImage string docker.io/seldonio/seldon-modelgateway:2.10.0 Image of the model gateway (Kafka).
// @optionalParam pipelinegatewayImage string docker.io/seldonio/seldon-pipelinegateway:2.10.0 Image of the pipeline gateway (Kafka).
// @optionalParam dataflowImage string docker.io/seldonio/seldon-dataflow-engine:2.10.0 Image of the dataflow engine (Kafka).
// @optionalParam rcloneImage string docker.io/seldonio/seldon-rclone:2.10.0 Image that downloads model artifacts on servers.
// @optionalParam agentImage string docker.io/seldonio/seldon-agent:2.10.0 Image of the agent beside each inference server.
// @optionalParam mlserverImage string docker.io/seldonio/mlserver:1.7.1 Image of MLServer in ServerConfig mlserver.
// @optionalParam mlserverCapabilities string mlserver,alibi-detect,alibi-explain,huggingface,lightgbm,mlflow,python,sklearn,spark-mlib,xgboost What MLServer servers can load (matched against Model requirements).
// @optionalParam mlserverMemory string 1Gi Memory of each MLServer container (request and limit).

local u = import 'kubeflow/common/util.libsonnet';
local seldon = import 'kubeflow/seldon/seldon.libsonnet';

u.list(seldon.core(params, env))
