#!/usr/bin/env bash
# Build the kfctl CMP sidecar image from deploy/argocd/Dockerfile with buildah (no daemon), then run
# `kfctl version` in it and check what Argo CD relies on (UID 999, plugin.yaml where the sidecar reads it).
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
