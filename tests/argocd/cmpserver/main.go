// Command argocd-cmp-server: Argo CD's Config Management Plugin sidecar server, built from the Argo CD
// module (the `argocd` binary dispatches to the same command when called by this name). The kfctl tests
// run it with deploy/argocd/plugin.yaml as its configuration.
package main

import (
	"os"

	"github.com/argoproj/argo-cd/v3/cmd/argocd-cmp-server/commands"
)

func main() {
	if err := commands.NewCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
