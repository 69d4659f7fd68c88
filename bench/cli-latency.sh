#!/usr/bin/env bash
# How long `./outpost purge|push|status` take from the shell to the exit code, against a real control plane on
# loopback (issue 20, "A CLI that answers at once"). Run from anywhere, after ./outpost has built the jar once:
#
#   bench/cli-latency.sh                 hyperfine, 3 warm-up runs and 20 measured runs per command
#   RUNS=5 bench/cli-latency.sh          fewer runs
#   COMPARE_WITH=/tmp/old bench/cli-latency.sh   the same commands through another checkout's ./outpost too
#                                        (e.g. git archive <commit> | tar -x -C /tmp/old, built once by its ./outpost)
#
# Needs hyperfine (Debian: apt-get install hyperfine). Starts one control plane from cli/target/outpost.jar on
# 127.0.0.1:$CLI_BENCH_PORT (default 18431) with its data in a temporary folder, and stops it (by its PID) on exit.
# Every command runs a bounded number of times; nothing but 127.0.0.1 is contacted.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
PORT=${CLI_BENCH_PORT:-18431}
TOKEN=cli-bench-token-0123456789
jar=$root/cli/target/outpost.jar
command -v hyperfine >/dev/null || { echo "cli-latency: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
[ -f "$jar" ] || "$root/outpost" --version >/dev/null # builds the jar the way a user's first call does

# shellcheck source=../scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
outpost_find_jdk
work=$(mktemp -d)
plane=
stop() { # never fails: under set -e, a failing wait here ended the script before the folder was removed
    if [ -n "$plane" ]; then
        kill "$plane" 2>/dev/null || true
        wait "$plane" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT
cat > "$work/cp.yml" <<EOF
listen: 127.0.0.1:$PORT
data: data
tokens:
  - {name: bench, token: $TOKEN, scopes: [read, purge, push]}
regions: [{name: local, cidrs: [127.0.0.0/8]}]
EOF
"$JAVA_HOME/bin/java" -jar "$jar" control-plane --config "$work/cp.yml" > "$work/cp.log" 2>&1 &
plane=$!
for _ in $(seq 1 300); do # up to 30 s for the control plane to listen
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    kill -0 "$plane" 2>/dev/null || { cat "$work/cp.log" >&2; exit 1; }
    sleep 0.1
done

export OUTPOST_API=http://127.0.0.1:$PORT OUTPOST_TOKEN=$TOKEN
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
commands=()
for checkout in "$root" ${COMPARE_WITH:-}; do
    [ "$checkout" = "$root" ] || "$checkout/outpost" --version >/dev/null # builds that checkout's jar if needed
    commands+=("$checkout/outpost status"
        "$checkout/outpost purge --url http://www.example.com/app.js"
        "$checkout/outpost push --url http://www.example.com/big.js"
        "$checkout/outpost --version")
done
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-markdown "$work/table.md" "${commands[@]}"
cat "$work/table.md"
