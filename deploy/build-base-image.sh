#!/usr/bin/env bash
# Builds the Java 21 runtime image that deploy/Dockerfile starts FROM, for machines that cannot pull from a registry.
# It is a Debian trixie minbase root file system (debootstrap) with Debian's openjdk-21-jre-headless and the tools the
# containers use (iproute2, iptables, curl, python3-minimal for the latency delayer, prometheus for the `prometheus`
# role), imported and tagged with exactly
# the name the Dockerfile's FROM uses, so the Dockerfile stays the standard one that also builds against the real
# registry image. Does nothing when that image exists already (--force rebuilds it).
#
# Needs: root, debootstrap, a Docker engine, and HTTP access to a Debian mirror (DEBIAN_MIRROR, default deb.debian.org).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=$(awk 'toupper($1) == "FROM" { print $2; exit }' "$here/Dockerfile")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-trixie}
packages=openjdk-21-jre-headless,iproute2,iptables,curl,ca-certificates,python3-minimal,procps,prometheus

if [ "${1:-}" != --force ] && docker image inspect "$image" >/dev/null 2>&1; then
    echo "base image $image exists; nothing to do (--force rebuilds it)"
    exit 0
fi
command -v debootstrap >/dev/null || {
    echo "build-base-image: debootstrap is needed (apt-get install debootstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "build-base-image: debootstrap needs root" >&2; exit 1; }

started=$(date +%s)
rootfs=$(mktemp -d /tmp/outpost-base.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "debootstrap $suite ($mirror) with $packages into $rootfs ..."
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" > "$rootfs.log" 2>&1 || {
    tail -30 "$rootfs.log" >&2; echo "build-base-image: debootstrap failed (log: $rootfs.log)" >&2; exit 1; }
rm -f "$rootfs.log"
# What a registry base image would not carry either: package caches, docs, man pages.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
       "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
java_home=$(cd "$rootfs" && ls -d usr/lib/jvm/java-21-openjdk-* | head -1)
[ -n "$java_home" ] || { echo "build-base-image: no JRE 21 in the root file system" >&2; exit 1; }
tar -C "$rootfs" -c . | docker import \
    --change "ENV JAVA_HOME=/$java_home" \
    --change "ENV PATH=/$java_home/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV LANG=C.UTF-8" \
    --change 'CMD ["jshell"]' \
    - "$image" >/dev/null
echo "built $image in $(( $(date +%s) - started )) s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1/1e6 }'))"
