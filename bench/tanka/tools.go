//go:build tools

// Package main: a blank import so `go mod tidy` keeps the modules Tanka's `tk` command needs
// (built by build.sh from this module set, pinned to Tanka v0.38.0).
package main

import (
	_ "github.com/grafana/tanka/cmd/tk"
)
