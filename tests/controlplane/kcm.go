package main

import (
	"context"
	"fmt"
	"os"

	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmconfig "k8s.io/kubernetes/cmd/kube-controller-manager/app/config"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
)

// defaultControllers is what kfctl's tests need: status for workloads,
// cascading deletes (GC), namespace deletion, default service accounts.
var defaultControllers = []string{
	"deployment-controller",
	"replicaset-controller",
	"statefulset-controller",
	"daemonset-controller",
	"job-controller",
	"cronjob-controller",
	"ttl-after-finished-controller",
	"garbage-collector-controller",
	"namespace-controller",
	"serviceaccount-controller",
	"endpointslice-controller",
	"disruption-controller",
	"resourcequota-controller",
	"clusterrole-aggregation-controller",
	"pod-garbage-collector-controller",
	// every namespace gets the kube-root-ca.crt ConfigMap, as in a real cluster
	"root-ca-certificate-publisher-controller",
}

// kcmRunner runs kube-controller-manager in this process. Its options are
// created before the apiserver parses its flags (shared component globals)
// and its fields are set directly: no flag parsing, no --feature-gates.
type kcmRunner struct {
	opts *kcmoptions.KubeControllerManagerOptions
	cfg  *kcmconfig.Config
}

func newKCM(controllers []string) (*kcmRunner, error) {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return nil, err
	}
	s.Generic.Controllers = controllers
	s.Generic.LeaderElection.LeaderElect = false
	s.SecureServing.BindPort = 0 // no HTTPS endpoint at all
	return &kcmRunner{opts: s}, nil
}

func (k *kcmRunner) configure(ctx context.Context, kubeconfig, caFile string) error {
	k.opts.Generic.ClientConnection.Kubeconfig = kubeconfig
	k.opts.SAController.RootCAFile = caFile
	// High enough that GC / namespace deletion are not throttled in tests.
	k.opts.Generic.ClientConnection.QPS = 200
	k.opts.Generic.ClientConnection.Burst = 400
	c, err := k.opts.Config(ctx, kcmapp.KnownControllers(), kcmapp.ControllersDisabledByDefault(), kcmapp.ControllerAliases())
	if err != nil {
		return err
	}
	k.cfg = c
	return nil
}

func (k *kcmRunner) run(ctx context.Context) error {
	fmt.Fprintln(os.Stderr, "kfctl-testcp: starting kube-controller-manager")
	return kcmapp.Run(ctx, k.cfg.Complete())
}
