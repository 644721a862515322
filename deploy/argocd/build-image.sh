#!/usr/bin/env bash
# Build the kfctl CMP sidecar image from deploy/argocd/Dockerfile with buildah (no daemon), then run
# `kfctl version` in it and check what Argo CD relies on (UID 999, plugin.yaml where the sidecar reads it).
# Then, unless KFCTL_IMAGE_SERVER_CHECK=0, run Argo CD's own argocd-cmp-server inside the image as the
# sidecar runs it (built by tests/argocd/build.sh, needs Go) and render this repository's reference app
# (environment nocloud) through it with tests/argocd's client, as argocd-repo-server would.
#
#   deploy/argocd/build-image.sh [TAG]        (default TAG: localhost/kfctl-argocd-cmp:dev)
#
# Needs root and Debian's buildah and debootstrap packages (apt-get install buildah debootstrap).
# When the Dockerfile's base image (python:3.11-slim-bookworm) cannot be pulled (a machine that reaches
# only package registries), KFCTL_IMAGE_BASE=debootstrap builds an equivalent base from Debian packages:
# bookworm's Python 3.11 with pip, like the python image a plain interpreter pip installs into. The
# Dockerfile itself is built unchanged either way (its BASE build argument names the base image).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tag="${1:-localhost/kfctl-argocd-cmp:dev}"
cache="${KFCTL_CACHE_DIR:-$HOME/.cache/kfctl-test}/image"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
base_args=()

for tool in buildah; do
  command -v "$tool" >/dev/null || { echo "build-image.sh: $tool not found (apt-get install buildah)" >&2; exit 127; }
done

if [ "${KFCTL_IMAGE_BASE:-pull}" = "debootstrap" ]; then
  command -v debootstrap >/dev/null || { echo "build-image.sh: debootstrap not found" >&2; exit 127; }
  base="localhost/kfctl-base:bookworm-python3.11"
  if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
    mkdir -p "$cache"
    rootfs="$cache/rootfs"
    if [ ! -f "$rootfs/.complete" ]; then
      rm -rf "$rootfs"
      echo "build-image.sh: debootstrap bookworm (python3, pip) -> $rootfs" >&2
      debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates bookworm "$rootfs" "$mirror" >&2
      # Like the python image: pip installs into this interpreter (no PEP 668 marker), `pip` is on PATH.
      rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
      rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
      touch "$rootfs/.complete"
    fi
    ctr="$(buildah from scratch)"
    trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
    mnt="$(buildah mount "$ctr")"
    tar -C "$rootfs" --exclude=./.complete -cf - . | tar -C "$mnt" -xf -
    buildah umount "$ctr" >/dev/null
    buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd python3 "$ctr"
    buildah commit -q "$ctr" "$base" >/dev/null
    buildah rm "$ctr" >/dev/null
    trap - EXIT
  fi
  base_args=(--build-arg "BASE=$base" --pull=false)
fi

# Behind a TLS-intercepting proxy pip needs the host's CA bundle: mounted for the build steps only.
if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then
  base_args+=(-v "$PIP_CERT:/etc/ssl/kfctl-build-ca.pem:ro" --build-arg PIP_CERT=/etc/ssl/kfctl-build-ca.pem)
fi

start=$(date +%s)
echo "build-image.sh: building $tag from deploy/argocd/Dockerfile" >&2
buildah bud --isolation chroot --network host --layers=false "${base_args[@]}" \
  -f "$here/Dockerfile" -t "$tag" "$repo" >&2
echo "build-image.sh: built $tag in $(( $(date +%s) - start ))s" >&2

# Run it as Argo CD runs the sidecar: as UID 999, with only /tmp writable for the cache.
ctr="$(buildah from "$tag")"
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
user="$(buildah inspect --format '{{.OCIv1.Config.User}}' "$tag")"
[ "$user" = "999:999" ] || { echo "build-image.sh: image user is '$user', not 999:999" >&2; exit 1; }
buildah run --isolation chroot "$ctr" -- test -r /home/argocd/cmp-server/config/plugin.yaml
buildah run --isolation chroot --user 999:999 "$ctr" -- kfctl version

[ "${KFCTL_IMAGE_SERVER_CHECK:-1}" = "0" ] && exit 0
argocd_dir="$(bash "$repo/tests/argocd/build.sh" | tail -n 1)"
work="$(mktemp -d /tmp/kfimg-XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  buildah rm "$ctr" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/plugins" "$work/repo"
chmod 0777 "$work/plugins"
cp -rL "$repo/app.yaml" "$repo/components" "$repo/environments" "$repo/lib" "$repo/vendor" "$work/repo/"
# The sidecar's command; Argo CD copies the binary into /var/run/argocd, mounted here under /opt/argocd
# (buildah's chroot isolation cannot mount below the /var/run symlink).
buildah run --isolation chroot --user 999:999 -v "$argocd_dir:/opt/argocd:ro" \
  -v "$work/plugins:/home/argocd/cmp-server/plugins" "$ctr" -- /opt/argocd/argocd-cmp-server \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 200); do [ -S "$work/plugins/kfctl.sock" ] && break; sleep 0.1; done
[ -S "$work/plugins/kfctl.sock" ] || { echo "build-image.sh: argocd-cmp-server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
app='{"metadata":{"name":"reference-nocloud"},"spec":{"project":"default","source":{"repoURL":"https://git.example.com/kfctl.git","path":".","targetRevision":"HEAD","plugin":{"name":"kfctl","env":[{"name":"KFCTL_ENV","value":"nocloud"}]}},"destination":{"server":"https://kubernetes.default.svc","namespace":"kubeflow"}}}'
req="{\"op\":\"generate\",\"socketDir\":\"$work/plugins\",\"repoPath\":\"$work/repo\",\"revision\":\"0123456789abcdef0123456789abcdef01234567\",\"kubeVersion\":\"1.36\",\"application\":$app}"
out="$(printf '%s' "$req" | "$argocd_dir/cmpclient")"
n="$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d.get("error"); print("ERROR: "+e if e else len(d["manifests"]))')"
case "$n" in
  ERROR*) echo "build-image.sh: $n" >&2; exit 1 ;;
esac
echo "argocd-cmp-server in $tag rendered $n objects of environment 'nocloud' (UID 999, plugin.yaml from the image)"
