#!/usr/bin/env bash
# Build Tanka's `tk` (pinned by go.mod here, v0.38.0) for the show benchmark.
# Output: ${KFCTL_CACHE_DIR:-$HOME/.cache/kfctl-test}/tk, rebuilt only when the stamp (sha256 of go.mod,
# go.sum, tools.go, this script's flags and the Go version) changes. The last stdout line is the binary's path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_dir="${KFCTL_CACHE_DIR:-$HOME/.cache/kfctl-test}"
if ! command -v go >/dev/null 2>&1; then
  echo "build.sh: 'go' not found on PATH (needed to build tk)" >&2
  exit 127
fi
export GOCACHE="${GOCACHE:-$HOME/.cache/go-build}"
mkdir -p "$cache_dir"
out="$cache_dir/tk"
stamp_file="$cache_dir/tk.stamp"
pkg="github.com/grafana/tanka/cmd/tk"
ldflags="-s -w -X github.com/grafana/tanka/pkg/tanka.CurrentVersion=v0.38.0"
stamp="$(
  cd "$here"
  { echo "pkg=$pkg ldflags=$ldflags"; go env GOVERSION GOOS GOARCH; sha256sum go.mod go.sum tools.go; } \
    | sha256sum | cut -d' ' -f1
)"
if [[ -x "$out" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
  echo "build.sh: tk is up to date ($out)" >&2
  echo "$out"
  exit 0
fi
echo "build.sh: building tk -> $out" >&2
start=$(date +%s)
tmp_out="$out.tmp.$$"
trap 'rm -f "$tmp_out"' EXIT
(
  cd "$here"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    go build -trimpath -ldflags "$ldflags" -o "$tmp_out" "$pkg"
)
mv -f "$tmp_out" "$out"
echo "$stamp" > "$stamp_file"
echo "build.sh: built tk in $(( $(date +%s) - start ))s" >&2
echo "$out"
