#!/usr/bin/env bash
# Warm restart of an edge's disk tier with a control plane (issue 15): an edge holding RESTART_BYTES (1 GiB) of
# objects on its disk tier is killed with SIGKILL, a set of its objects is purged through the control plane while
# it is down, and it is started again on the same directory; prints, as one JSON line, the time from the process's
# start to its first answer and to its first disk hit, and how many purged objects it served with their old body
# (must be 0). What it does, step by step: bench/tools/restart.py. bench/run.sh runs it as phase `restart`; alone:
#
#   bench/restart.sh                                  1 GiB of 64 KiB objects (16,384 files), 500 purged
#   RESTART_BYTES=$((256<<20)) RESTART_OBJECT_BYTES=4096 bench/restart.sh       other shapes
#
# Knobs (environment): RESTART_BYTES, RESTART_OBJECT_BYTES, RESTART_PURGED, RESTART_DIR (the edge's disk and the
# control plane's data: a real disk, /var/tmp/outpost-bench-restart by default), RESTART_ORIGIN_DIR (tmpfs),
# RESTART_KEEP=1 (keep the files), OUTPOST_JAR, SERVER_CPU (the edge) and CLIENT_CPU (origin, control plane, client).
# Ports 18090-18092 and 19091 on 127.0.0.1. Needs nginx, taskset and a built cli/target/outpost.jar.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
if [ -z "${JAVA_HOME:-}" ]; then
    . "$root/scripts/find-jdk.sh"
    outpost_find_jdk
fi
export JAVA_HOME
export OUTPOST_JAR=${OUTPOST_JAR:-$root/cli/target/outpost.jar}
[ -f "$OUTPOST_JAR" ] || "$root/outpost" --version >/dev/null # builds the jar when missing
exec python3 "$here/tools/restart.py"
