#!/usr/bin/env bash
# What a disk-tier hit, and the disk write after a miss, cost the edge (issue 15): a memory tier of 1 MiB over 5000
# objects of 1-4 KiB, a disk tier on tmpfs holding all of them, an nginx origin on tmpfs. Run as root, by hand:
#
#   bench/disk-hit-cost.sh JAR [JAR ...]     e.g. a build before and after a change to the disk tier, interleaved
#   STRACE=1 bench/disk-hit-cost.sh JAR      also a hit round under strace -f -c: system calls per request
#   PROFILE=1 bench/disk-hit-cost.sh JAR     also a hit round and a fill round under perf record -g (frame pointers,
#                                            perf map; the fill round's report by thread)
#
# Per jar and repeat, on a fresh edge: a warm-up (a fill pass and WARM hit rounds over other URLs, for the JIT),
# then one measured fill round (5000 distinct URLs: misses, each written to disk) and one measured hit round
# (HITS requests over the 5000 just written, in an order that visits every one equally: disk hits, a few memory
# hits). The edge is pinned to SERVER_CPU, the origin and wrk to CLIENT_CPU (as bench/run.sh does). CPU is the
# edge process's user+system time (/proc), by thread group too; switches are perf's context-switches of the edge
# process; disk and memory hits are the edge's own counters. Everything started here is stopped by PID on exit;
# every load round is bounded in count and time; the run directory is removed at the end.
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,15p "$0"; exit 2; }
RUN=${BENCH_RUN_DIR:-/dev/shm/outpost-disk-cost}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
OBJECTS=5000
STEP=7919 # prime to OBJECTS: each pass visits every object once, in an order unlike the fill's
WARM=${WARM:-6}
HITS=${HITS:-40000}
STRACE_HITS=${STRACE_HITS:-5000}
REPEATS=${REPEATS:-2}
CONNECTIONS=${CONNECTIONS:-64}
ORIGIN_PORT=${ORIGIN_PORT:-18580}
EDGE_PORT=${EDGE_PORT:-18581}
EXTRA_YAML=${EXTRA_YAML:-} # more cache.disk keys (indented four spaces), e.g. for an A/B of a setting
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/origin.sh"
java=$(ls -d /usr/lib/jvm/temurin-25-jdk-amd64/bin/java 2>/dev/null || command -v java)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT

mkdir -p "$RUN/data" "$RUN/tmp"
python3 - "$RUN/data" "$OBJECTS" <<'PY'
import os, random, sys
random.seed(15)
for i in range(1, int(sys.argv[2]) + 1):
    with open(os.path.join(sys.argv[1], "obj-%d.bin" % i), "wb") as f:
        f.write(os.urandom(random.randint(1024, 4096)))
PY
start_origin d

round() { # round PREFIX STEP TOTAL: prints "answers non200 seconds"
    # wrk's thread stops after TOTAL answers but the process runs to its -d cap: ended once the line is out.
    # Emptied here, not by the background job's redirect: that may run late on a loaded machine, and the wait below
    # then found the previous round's line and reported it (a fill round of "0 writes of 20000").
    : >"$RUN/wrk.txt"
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d100s -s "$here/lua/disk.lua" \
        "http://127.0.0.1:$EDGE_PORT" "$1" "$OBJECTS" "$2" "$3" >"$RUN/wrk.txt" 2>&1 &
    local w=$!
    for _ in $(seq 1000); do
        grep -q '^DISK' "$RUN/wrk.txt" && break
        kill -0 "$w" 2>/dev/null || break
        sleep 0.1
    done
    kill "$w" 2>/dev/null || true
    wait "$w" 2>/dev/null || true
    awk '/^DISK/ {print $2, $3, $4}' "$RUN/wrk.txt"
}

metric() { # metric NAME: the edge's counter
    curl -s "http://127.0.0.1:$EDGE_PORT/_edge/metrics" | awk -v m="$1" '$1 == m {printf "%d\n", $2}'
}

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

threads() { # threads PID: "group ticks" per thread group (IO threads, workers, disk writer, JIT, GC, other)
    for t in /proc/"$1"/task/*; do
        printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(sed 's/.*) //' "$t/stat" 2>/dev/null | awk '{print $12 + $13}')"
    done | awk -F'\t' '{
        g = $1; gsub(/[-0-9 ]+$/, "", g); gsub(/[^A-Za-z0-9]/, "_", g)
        if ($1 ~ /I\/O/) g = "io"; else if ($1 ~ /^disk-writer/) g = "writer"; else if ($1 ~ /Compiler/) g = "jit";
        else if ($1 ~ /GC|VM Thread/) g = "gc"; if (g == "") g = "other";
        s[g] += $2 } END { for (g in s) print g, s[g] }' | sort
}

drained() { # drained WRITES: waits (at most 30 s) until the edge counted that many disk writes
    for _ in $(seq 300); do
        [ "$(metric edge_disk_writes_total)" -ge "$1" ] && return 0
        sleep 0.1
    done
    echo "disk writes did not reach $1" >&2
}

report() { # report LABEL KIND ANSWERS SECONDS TICKS SWITCHES UNITS UNIT_NAME THREADS_BEFORE THREADS_AFTER
    python3 - "$@" "$(getconf CLK_TCK)" <<'PY'
import sys
label, kind, n, secs, ticks, sw, units, unit, t0, t1, tck = sys.argv[1:12]
n, secs, ticks, sw, units, tck = int(n), float(secs), int(ticks), int(sw), int(units), int(tck)
before = dict(l.split() for l in t0.splitlines() if len(l.split()) == 2)
after = dict(l.split() for l in t1.splitlines() if len(l.split()) == 2)
groups = " ".join("%s %.0f" % (g, (int(after[g]) - int(before.get(g, 0))) * 1e6 / tck / max(units, 1))
                  for g in sorted(after) if int(after[g]) - int(before.get(g, 0)) > 0)
print("%-28s %-5s req/s %7.0f  CPU ms/1000 req %6.1f  cs/req %5.2f  %s %5d of %5d  | us per %s by thread: %s"
      % (label, kind, n / secs, ticks * 1e6 / tck / n, sw / n, unit, units, n, unit, groups))
PY
}

measure() { # measure JAR REP
    local label edge
    label="$(basename "$1") #$2"
    rm -rf "$RUN/disk"
    cat >"$RUN/edge.yml" <<YML
id: disk-cost
listen: 127.0.0.1:$EDGE_PORT
services:
  - name: bench
    hosts: [127.0.0.1]
    origins: [http://127.0.0.1:$ORIGIN_PORT]
cache:
  maxBytes: 1048576    # ~250 of the 5000 objects: most hits come from disk
  disk:
    dir: $RUN/disk
    maxBytes: 268435456
$EXTRA_YAML
accessLog:
  destination: none
YML
    local profile_opts=()
    [ -z "${PROFILE:-}" ] || profile_opts=(-XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit)
    taskset -c "$SERVER_CPU" "$java" -Xms128m -Xmx128m -XX:+UseSerialGC -XX:MaxTenuringThreshold=2 \
        -XX:MaxDirectMemorySize=64m "${profile_opts[@]}" -jar "$1" edge --config "$RUN/edge.yml" >"$RUN/edge.log" 2>&1 &
    edge=$!
    pids+=("$edge")
    for _ in $(seq 150); do curl -s -o /dev/null "http://127.0.0.1:$EDGE_PORT/_edge/health" && break; sleep 0.2; done
    curl -s -o /dev/null "http://127.0.0.1:$EDGE_PORT/_edge/health" || { cat "$RUN/edge.log"; exit 1; }
    # Warm-up: the fill and hit paths compiled, on URLs of their own.
    round w1 1 "$OBJECTS" >/dev/null
    round w2 1 "$OBJECTS" >/dev/null
    drained $((2 * OBJECTS))
    for _ in $(seq "$WARM"); do round w1 "$STEP" 20000 >/dev/null; done
    local c0 c1 t0 t1 r n secs w0 w1 d0 d1 m0 m1
    # Fill: every request a miss, each object written to disk behind the response (the writer's CPU counts).
    w0=$(metric edge_disk_writes_total)
    c0=$(cpu "$edge"); t0=$(threads "$edge")
    perf stat -e context-switches -p "$edge" -o "$RUN/perf.txt" 2>/dev/null &
    local perf=$!
    r=$(round "m$2" 1 "$OBJECTS")
    drained $((w0 + OBJECTS))
    kill -INT "$perf"; wait "$perf" || true
    c1=$(cpu "$edge"); t1=$(threads "$edge")
    w1=$(metric edge_disk_writes_total)
    read -r n _ secs <<<"$r"
    report "$label" fill "$n" "$secs" $((c1 - c0)) "$(awk '/context-switches/ {gsub(",", "", $1); print $1}' "$RUN/perf.txt")" \
        $((w1 - w0)) write "$t0" "$t1"
    # Hits: the objects just written, every one visited equally; most answers are disk hits.
    d0=$(metric edge_disk_hits_total); m0=$(metric edge_store_hits_total)
    c0=$(cpu "$edge"); t0=$(threads "$edge")
    perf stat -e context-switches -p "$edge" -o "$RUN/perf.txt" 2>/dev/null &
    perf=$!
    r=$(round "m$2" "$STEP" "$HITS")
    kill -INT "$perf"; wait "$perf" || true
    c1=$(cpu "$edge"); t1=$(threads "$edge")
    d1=$(metric edge_disk_hits_total); m1=$(metric edge_store_hits_total)
    read -r n _ secs <<<"$r"
    report "$label" hits "$n" "$secs" $((c1 - c0)) "$(awk '/context-switches/ {gsub(",", "", $1); print $1}' "$RUN/perf.txt")" \
        $((d1 - d0)) disk-hit "$t0" "$t1"
    echo "    (memory hits in that round: $((m1 - m0)))"
    if [ -n "${STRACE:-}" ]; then
        strace -f -c -o "$RUN/strace.txt" -p "$edge" 2>/dev/null &
        local st=$!
        sleep 1
        d0=$(metric edge_disk_hits_total)
        r=$(round "m$2" "$STEP" "$STRACE_HITS")
        d1=$(metric edge_disk_hits_total)
        kill -INT "$st"; wait "$st" || true
        read -r n _ secs <<<"$r"
        echo "    strace, $n requests ($((d1 - d0)) disk hits): system calls per request"
        awk -v n="$n" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ {printf "      %-16s %6.2f\n", $NF, $4 / n}' \
            "$RUN/strace.txt" | sort -k2 -nr | head -10
    fi
    if [ -n "${PROFILE:-}" ]; then
        perf record -F 2000 -g -p "$edge" -o "$RUN/perf.data" 2>/dev/null &
        local pr=$!
        round "m$2" "$STEP" "$HITS" >/dev/null
        kill -INT "$pr"; wait "$pr" || true
        # And a fill round over URLs of its own: the misses and the writer thread's disk writes.
        w0=$(metric edge_disk_writes_total)
        perf record -F 2000 -g -p "$edge" -o "$RUN/perf-fill.data" 2>/dev/null &
        pr=$!
        round "f$2" 1 "$OBJECTS" >/dev/null
        drained $((w0 + OBJECTS))
        kill -INT "$pr"; wait "$pr" || true
    fi
    kill "$edge"; wait "$edge" 2>/dev/null || true
    if [ -n "${PROFILE:-}" ]; then
        local out=${PROFILE_OUT:-/tmp/disk-hit-profile-$(basename "$1" .jar)-$2.txt}
        # The whole reports (head would end perf report early, and pipefail this script with it).
        perf report -i "$RUN/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null >"$out" || true
        perf report -i "$RUN/perf.data" --children --sort symbol --stdio -g none 2>/dev/null >"${out%.txt}-children.txt" || true
        # The fill round by thread (comm) and symbol: the IO thread's misses, the disk writer's writes.
        perf report -i "$RUN/perf-fill.data" --no-children --sort comm,symbol --stdio -g none 2>/dev/null \
            >"${out%.txt}-fill.txt" || true
        perf report -i "$RUN/perf-fill.data" --children --sort comm,symbol --stdio -g none 2>/dev/null \
            >"${out%.txt}-fill-children.txt" || true
        rm -f "$RUN/perf.data" "$RUN/perf-fill.data" "/tmp/perf-$edge.map"
        echo "    profile: $out, ${out%.txt}-children.txt; fill round: ${out%.txt}-fill.txt, ${out%.txt}-fill-children.txt"
    fi
}

for rep in $(seq "$REPEATS"); do
    for jar in "$@"; do measure "$jar" "$rep"; done
done
