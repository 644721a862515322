#!/usr/bin/env bash
# Build Argo CD's argocd-cmp-server (from the Argo CD Go module, pinned in go.mod) and cmpclient, the
# test client that speaks to it as argocd-repo-server does.
#
#   tests/argocd/build.sh     -> builds both; prints the folder holding them (last line on stdout)
#
# Output goes to ${KFCTL_CACHE_DIR:-$HOME/.cache/kfctl-test}/argocd/, outside the checkout. The build is
# skipped when a stamp (sha256 of go.mod, go.sum, the Go sources and the build flags) matches the previous
# build. Everything but the last line goes to stderr. Cold: about 5.5 CPU-minutes (14 minutes measured on
# 2 cores shared with other builds); a rebuild after a change here: about 20 seconds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_dir="${KFCTL_CACHE_DIR:-$HOME/.cache/kfctl-test}"
out_dir="$cache_dir/argocd"

if ! command -v go >/dev/null 2>&1; then
  echo "argocd/build.sh: 'go' not found on PATH (Go >= 1.25 is needed to build argocd-cmp-server)" >&2
  exit 127
fi
# Keep Go's build cache in its usual place even when a test harness moves XDG_CACHE_HOME.
export GOCACHE="${GOCACHE:-$HOME/.cache/go-build}"

tags="grpcnotrace"
ldflags="-s -w"
stamp="$(
  cd "$here"
  {
    echo "tags=$tags ldflags=$ldflags"
    go env GOVERSION GOOS GOARCH
    sha256sum go.mod go.sum ./*/*.go
  } | sha256sum | cut -d' ' -f1
)"
stamp_file="$out_dir/stamp"
if [[ -x "$out_dir/argocd-cmp-server" && -x "$out_dir/cmpclient" && -f "$stamp_file" \
      && "$(cat "$stamp_file")" == "$stamp" ]]; then
  echo "argocd/build.sh: argocd-cmp-server is up to date ($out_dir)" >&2
  echo "$out_dir"
  exit 0
fi

mkdir -p "$out_dir"
tmp="$(mktemp -d "$out_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "argocd/build.sh: building argocd-cmp-server and cmpclient -> $out_dir" >&2
start=$(date +%s)
(
  cd "$here"
  # go.sum is committed: the build needs only the module proxy, never the checksum database.
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp/" ./cmpserver ./cmpclient
)
mv -f "$tmp/cmpserver" "$out_dir/argocd-cmp-server"
mv -f "$tmp/cmpclient" "$out_dir/cmpclient"
echo "$stamp" > "$stamp_file"
echo "argocd/build.sh: built in $(( $(date +%s) - start ))s" >&2
echo "$out_dir"
