#!/usr/bin/env bash
# MissTtfb with nginx beside the edge (issue 22): the same origin, the same sizes and the same timing, nginx's
# leaders and followers on their own URLs, asked just after the edge's. nginx runs bench/conf/nginx.conf (the
# configuration of bench/run.sh's nginx target: proxy_cache on tmpfs, proxy_cache_lock, keep-alive to the origin;
# every setting and why: bench/peers.md), one worker, not pinned (neither is the edge in MissTtfb).
#
#   bench/miss-ttfb-peer.sh [MissTtfb options...]        e.g. --repeats 30, --wire
#
# Needs nginx with the cache-purge module (libnginx-mod-http-cache-purge, which the config loads) and a JDK >= 21
# on PATH or in JAVA_HOME; builds nothing: run `./mvnw -B -q -pl bench -am package -DskipTests` first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=${BENCH_JAR:-$here/target/benchmarks.jar}
[ -f "$jar" ] || { echo "no $jar: ./mvnw -B -q -pl bench -am package -DskipTests" >&2; exit 1; }
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ORIGIN_PORT=$(free_port)
LISTEN_PORT=$(free_port)
TDIR=$(mktemp -d /dev/shm/miss-ttfb-peer.XXXXXX) # tmpfs, as the nginx target's cache in bench/run.sh
CACHE_DIR=$TDIR/cache
CACHE_BYTES=$((1024 * 1024 * 1024)) # the edge's memory tier in MissTtfb
TCP_NOPUSH=off
chmod 755 "$TDIR" # nginx's workers (not root) write under it; nginx makes cache/ and tmp/ itself, for them
text=$(<"$here/conf/nginx.conf")
for v in ORIGIN_PORT LISTEN_PORT TDIR CACHE_DIR CACHE_BYTES TCP_NOPUSH; do
    text=${text//@$v@/${!v}}
done
printf '%s\n' "$text" >"$TDIR/nginx.conf"
nginx -c "$TDIR/nginx.conf" -g 'daemon off;' 2>"$TDIR/stderr.log" &
nginx_pid=$!
trap 'kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$TDIR"' EXIT
for _ in $(seq 1 50); do # nginx answers (a 502 while the origin is not up yet is an answer)
    curl -s -o /dev/null "http://127.0.0.1:$LISTEN_PORT/" && break
    sleep 0.1
done
"$java" -cp "$jar" dev.outpost.bench.MissTtfb --origin-port "$ORIGIN_PORT" --peer-port "$LISTEN_PORT" "$@"
