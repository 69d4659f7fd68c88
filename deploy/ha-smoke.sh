#!/usr/bin/env bash
# Smoke test of several control planes on one PostgreSQL database (docs/high-availability.md), on loopback and
# without Docker: a PostgreSQL from Debian's postgresql package (initdb into a temp directory, as the tests do), two
# control planes sharing it, an origin and three edges that fail over between the control planes
# (controlPlane.urls). A stream of purges is spread over both control planes; halfway through, one control plane is
# killed with SIGKILL (a client whose call breaks sends it again to the other, with the same Idempotency-Key).
# Every purge answered 202 must complete on all three edges. Prints `accepted N, completed N, lost 0` and exits
# non-zero on any loss (or when the set-up fails). Stops every process it started, by its PID, and removes its
# temp directory.
#
# Settings: OUTPOST_HA_PURGES (default 120), OUTPOST_JAR (the jar to run; default cli/target/outpost.jar, built
# when missing), OUTPOST_HA_KEEP=1 (leave the temp directory, with every process's log, for a look).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=../scripts/find-jdk.sh
. scripts/find-jdk.sh
outpost_find_jdk
java="$JAVA_HOME/bin/java"
jar=${OUTPOST_JAR:-$root/cli/target/outpost.jar}
purges=${OUTPOST_HA_PURGES:-120}
started=$(date +%s)
say() { echo "ha-smoke [$(( $(date +%s) - started ))s]: $*"; }
fail() { say "FAILED: $*"; exit 1; }

if [ ! -f "$jar" ]; then
    say "building $jar"
    OUTPOST_NEED_JAVAC=1 outpost_find_jdk
    ./mvnw -B -q -DskipTests -pl cli -am package >&2 || fail "the build failed"
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || fail "PostgreSQL is not installed (apt-get install postgresql; .ci/run does)"
command -v curl >/dev/null || fail "curl is needed"

work=$(mktemp -d /tmp/outpost-ha-smoke.XXXXXX)
declare -A pids=()
cleanup() {
    local name
    for name in "${!pids[@]}"; do kill "${pids[$name]}" 2>/dev/null; done
    for _ in $(seq 20); do
        local alive=
        for name in "${!pids[@]}"; do kill -0 "${pids[$name]}" 2>/dev/null && alive=1; done
        [ -z "$alive" ] && break
        sleep 0.5
    done
    for name in "${!pids[@]}"; do kill -9 "${pids[$name]}" 2>/dev/null; done
    if [ "${OUTPOST_HA_KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap "exit 143" TERM INT

free_port() {
    local port
    for _ in $(seq 50); do
        port=$(( 20000 + RANDOM % 20000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    fail "no free port on 127.0.0.1"
}
# initdb and postgres refuse to run as root: as root they run as the postgres user (setpriv execs, so $! is theirs)
as_postgres() {
    if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}
run() {  # run NAME ARGS...: the jar in the background, its output in $work/NAME.log
    local name=$1; shift
    "$java" -Xmx256m -jar "$jar" "$@" >"$work/$name.log" 2>&1 &
    pids[$name]=$!
}

# --- PostgreSQL ------------------------------------------------------------------------------------------------------
mkdir -p "$work/pg"
if [ "$(id -u)" = 0 ]; then chmod 711 "$work"; chown postgres:postgres "$work/pg"; fi
as_postgres "$pgbin/initdb" -D "$work/pg/data" -U outpost --auth=trust --encoding=UTF8 --locale=C --no-sync \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; fail "initdb failed"; }
pg_port=$(free_port)
as_postgres "$pgbin/postgres" -D "$work/pg/data" -p "$pg_port" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories="$work/pg" -c fsync=off -c max_connections=100 >"$work/postgres.log" 2>&1 &
pids[postgres]=$!
for _ in $(seq 100); do "$pgbin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break; sleep 0.2; done
"$pgbin/psql" -q -h 127.0.0.1 -p "$pg_port" -U outpost -d postgres -c "CREATE DATABASE outpost" \
    || fail "PostgreSQL did not start: $(tail -5 "$work/postgres.log")"
say "PostgreSQL on 127.0.0.1:$pg_port"

# --- control planes, origin, edges -----------------------------------------------------------------------------------
ops=ops-token-0123456789
node=node-token-0123456789
edge_admin=edge-admin-token-0123456789
host=www.example.test
cp_ports=("$(free_port)" "$(free_port)")
cp_urls=("http://127.0.0.1:${cp_ports[0]}" "http://127.0.0.1:${cp_ports[1]}")
for i in 0 1; do
    cat >"$work/cp-$i.yml" <<EOF
listen: 127.0.0.1:${cp_ports[$i]}
data: $work/cp-data-$i
tokens:
  - {name: ops, token: $ops, scopes: [read, "purge:all", push]}
  - {name: nodes, token: $node, scopes: [node]}
edgeToken: $edge_admin
heartbeat: {interval: 250ms, timeout: 5s}
regions: [{name: eu, cidrs: [127.0.0.0/8]}]
rateLimits: {purgesPerMinute: 100000}
origins: [{id: primary, hosts: [$host]}]
delivery: {retryInitial: 100ms, retryMax: 1s, fenceAfter: 10m}
store: {engine: postgresql, url: "jdbc:postgresql://127.0.0.1:$pg_port/outpost", user: outpost, pollInterval: 250ms, instanceLease: 2s}
EOF
done
# the first one creates the schema; the second starts once it is there
run cp-0 control-plane --config "$work/cp-0.yml"
for _ in $(seq 480); do curl -fs -o /dev/null -H "Authorization: Bearer $ops" "${cp_urls[0]}/api/v1/nodes" && break; sleep 0.25; done
run cp-1 control-plane --config "$work/cp-1.yml"
mkdir -p "$work/site" && echo "v1" >"$work/site/app.js"
origin_port=$(free_port)
run origin origin --data "$work/site" --listen "127.0.0.1:$origin_port"
edges=(eu-1 eu-2 eu-3)
for i in 0 1 2; do
    id=${edges[$i]}
    cat >"$work/$id.yml" <<EOF
id: $id
region: eu
listen: 127.0.0.1:$(free_port)
admin: {listen: 127.0.0.1:$(free_port), token: $edge_admin}
services:
  - {name: site, hosts: [$host], origins: ["http://127.0.0.1:$origin_port"]}
controlPlane: {urls: ["${cp_urls[$(( i % 2 ))]}", "${cp_urls[$(( 1 - i % 2 ))]}"], token: $node, heartbeat: 250ms, maxBackoff: 1s}
EOF
    run "$id" edge --config "$work/$id.yml"
done

steerable_on() {  # the number of edges a control plane lists as healthy and caught up
    curl -fsS -H "Authorization: Bearer $ops" "$1/api/v1/nodes" 2>/dev/null \
        | grep -o '"healthy":true,"caughtUp":true' | wc -l
}
for url in "${cp_urls[@]}"; do
    for _ in $(seq 720); do [ "$(steerable_on "$url")" -ge 3 ] && break; sleep 0.25; done
    [ "$(steerable_on "$url")" -ge 3 ] || fail "the edges did not come up on $url (logs in $work)"
done
say "two control planes, three edges up"

# --- the stream ------------------------------------------------------------------------------------------------------
mkdir -p "$work/accepted"
purge() {  # purge N: to control plane N % 2, until a 202 (another control plane after a broken call); records it
    local n=$1 target=$(( $1 % 2 )) answer code
    for _ in $(seq 300); do
        answer=$(curl -sS -m 20 -w ' %{http_code}' -X POST -H "Authorization: Bearer $ops" \
            -H "Idempotency-Key: ha-smoke-$n" -H 'Content-Type: application/json' \
            -d "{\"urls\":[\"http://$host/p$n.js\"]}" "${cp_urls[$target]}/api/v1/purges" 2>/dev/null)
        code=${answer##* }
        case $code in
            200|202) echo "$answer" | grep -o '"sequence":[0-9]*' | cut -d: -f2 >"$work/accepted/$n"; return 0 ;;
            503) sleep 0.2 ;;
            *) target=$(( 1 - target )); sleep 0.1 ;;   # no answer: that control plane is gone
        esac
    done
    return 1
}
workers=4
for w in $(seq 0 $(( workers - 1 ))); do
    (
        for n in $(seq "$w" "$workers" $(( purges - 1 ))); do
            purge "$n" || echo "purge $n was never accepted" >&2
            [ "$n" = $(( purges / 2 )) ] && kill -9 "${pids[cp-0]}" 2>/dev/null
        done
    ) &
    pids[worker-$w]=$!
done
for w in $(seq 0 $(( workers - 1 ))); do wait "${pids[worker-$w]}"; unset "pids[worker-$w]"; done
kill -0 "${pids[cp-0]}" 2>/dev/null && fail "control plane 0 was not killed"
unset "pids[cp-0]"
say "cp-0 killed with SIGKILL halfway through the stream"

# --- every accepted purge completes on every edge --------------------------------------------------------------------
accepted=$(ls "$work/accepted" | wc -l)
completed=0
for file in "$work"/accepted/*; do
    sequence=$(cat "$file")
    status=
    for _ in $(seq 6); do
        status=$(curl -sS -m 20 -H "Authorization: Bearer $ops" "${cp_urls[1]}/api/v1/purges/p-$sequence?wait=10s" \
            | grep -o '"status":"[a-z]*"' | head -1)
        [ "$status" = '"status":"complete"' ] && break
    done
    if [ "$status" = '"status":"complete"' ]; then completed=$(( completed + 1 )); else say "p-$sequence: $status"; fi
done
distinct=$(cat "$work"/accepted/* | sort -u | wc -l)
lost=$(( accepted - completed ))
echo "accepted $accepted, completed $completed, lost $lost"
[ "$accepted" = "$purges" ] || fail "$(( purges - accepted )) of $purges purges were never accepted"
[ "$distinct" = "$accepted" ] || fail "two purges share a sequence"
[ "$lost" = 0 ] || fail "$lost accepted purges did not complete on every edge"
steer=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "${cp_urls[1]}/app.js")
[ "$steer" = 302 ] || fail "steering on the surviving control plane answered $steer"
say "passed: every purge answered 202 completed on all three edges; steering answers"
