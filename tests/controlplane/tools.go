//go:build tools

// Package main: blank imports so `go mod tidy` keeps the modules kubectl needs
// (built by build.sh kubectl from this same module set).
package main

import (
	_ "k8s.io/kubernetes/cmd/kubectl"
)
