// @apiVersion 0.1
// @name io.ksonnet.pkg.centraldashboard
// @description Landing page of the platform, built with ksonnet-lib constructors.
// @shortDescription Central dashboard
// @param name string Name to give the component
// @optionalParam image string gcr.io/kubeflow-images-public/centraldashboard:v0.3.0 Dashboard image
// @optionalParam replicas number 1 Number of dashboard replicas

local dashboard = import "kubeflow/core/centraldashboard.libsonnet";

local image = import 'param://image';
local replicas = import 'param://replicas';

dashboard.list(env.namespace, image, replicas)
