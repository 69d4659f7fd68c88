#!/usr/bin/env bash
# Runs the HTTP caching conformance suite (https://cache-tests.fyi, github.com/http-tests/cache-tests) against a
# freshly started Outpost edge. The suite is not part of this repository and this script never downloads it: give
# it the path of a checkout whose npm dependencies are installed (`git clone ... && cd cache-tests && npm install`).
#
#   scripts/cache-tests.sh /path/to/cache-tests [results.json]
#
# What it does, everything on loopback: starts the suite's own test server (the origin) on 127.0.0.1, an edge in
# front of it (a one-service config naming that server as the origin; `./outpost edge`, which builds the jar when
# it is stale), runs the suite's CLI against the edge, writes the raw results (JSON, one entry per test id) and
# prints a summary by the suite's own verdicts (pass, fail, optional_fail, yes/no for checks, setup_fail, ...).
# It stops what it started when it ends, also on Ctrl-C.
#
# Environment: ORIGIN_PORT (default 18600), EDGE_PORT (default 18601), NODE (default node), KEEP=1 keeps the work
# folder (edge config, edge and server logs, access log) and prints where it is.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
suite=${1:?usage: scripts/cache-tests.sh /path/to/cache-tests-checkout [results.json]}
suite=$(cd "$suite" && pwd)
out=${2:-$PWD/cache-tests-results-$(date -u +%Y%m%dT%H%M%SZ).json}
origin_port=${ORIGIN_PORT:-18600}
edge_port=${EDGE_PORT:-18601}
node=${NODE:-node}

[ -f "$suite/test-engine/server/server.mjs" ] && [ -f "$suite/test-engine/cli.mjs" ] || {
    echo "cache-tests: $suite does not look like a cache-tests checkout (no test-engine/server/server.mjs)" >&2
    exit 2
}
[ -d "$suite/node_modules" ] || {
    echo "cache-tests: $suite has no node_modules; run 'npm install' there first" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/outpost-cache-tests.XXXXXX")
server_pid=
edge_pid=
cleanup() { # never stops half-way (errexit): a killed process's wait status is not a failure here
    local pid
    for pid in "$edge_pid" "$server_pid"; do
        if [ -n "$pid" ]; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [ "${KEEP:-}" = 1 ]; then echo "cache-tests: work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The suite's server listens on every interface when given only a port; this preload binds it to loopback.
cat > "$work/loopback.mjs" <<'EOF'
import http from 'node:http'
const listen = http.Server.prototype.listen
http.Server.prototype.listen = function (port, ...rest) {
  return typeof port === 'number' || typeof port === 'string' ? listen.call(this, port, '127.0.0.1', ...rest)
    : listen.call(this, port, ...rest)
}
EOF

cat > "$work/edge.yml" <<EOF
id: cache-tests
listen: 127.0.0.1:$edge_port
services:
  - name: cache-tests
    hosts: [127.0.0.1, localhost]
    origins: [http://127.0.0.1:$origin_port]
accessLog:
  destination: $work/access.log
EOF

wait_for() { # url, what, seconds: waits for any HTTP answer
    for _ in $(seq 1 $(($3 * 2))); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.5
    done
    echo "cache-tests: $2 did not come up; see $work (KEEP=1 keeps it)" >&2
    return 1
}

(cd "$suite" && exec env npm_config_protocol=http npm_config_port="$origin_port" \
    npm_config_pidfile="$work/server.pid" "$node" --import "$work/loopback.mjs" test-engine/server/server.mjs) \
    > "$work/server.log" 2>&1 &
server_pid=$!
wait_for "http://127.0.0.1:$origin_port/" "the suite's server" 60

"$root/outpost" edge --config "$work/edge.yml" > "$work/edge.log" 2>&1 &
edge_pid=$!
wait_for "http://127.0.0.1:$edge_port/" "the edge" 900 # ./outpost builds the jar first when it is stale

echo "cache-tests: running the suite against the edge on 127.0.0.1:$edge_port (a few minutes) ..." >&2
# The CLI reads its settings as npm passes them (npm_config_*, else npm_package_config_*); an empty id runs all.
(cd "$suite" && env npm_config_base="http://127.0.0.1:$edge_port" npm_config_id= npm_package_config_id= \
    "$node" --no-warnings test-engine/cli.mjs) > "$out"
[ "$(head -c 1 "$out")" = "{" ] || { echo "cache-tests: the suite's CLI failed:" >&2; cat "$out" >&2; exit 1; }
echo "cache-tests: raw results in $out" >&2

# Summary by the suite's own verdicts (tests/index.mjs and test-engine/lib/results.mjs of the checkout).
"$node" --input-type=module - "$suite" "$out" <<'EOF'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
const [suite, file] = process.argv.slice(2)
const tests = (await import(pathToFileURL(path.join(suite, 'tests/index.mjs')))).default
const { determineTestResult, resultTypes } = await import(pathToFileURL(path.join(suite, 'test-engine/lib/results.mjs')))
const results = JSON.parse(fs.readFileSync(file, 'utf8'))
const names = new Map(Object.entries(resultTypes).map(([name, type]) => [type, name]))
const counts = {}
const notPassed = []
for (const suiteDef of tests) {
  for (const test of suiteDef.tests) {
    if (test.browser_only) continue
    const verdict = names.get(determineTestResult(tests, test.id, results)) ?? 'unknown'
    counts[verdict] = (counts[verdict] || 0) + 1
    if (verdict !== 'pass' && verdict !== 'yes') {
      const detail = Array.isArray(results[test.id]) ? results[test.id].join(': ') : ''
      notPassed.push(`${verdict.padEnd(16)} ${test.id}  ${detail}`)
    }
  }
}
console.log(Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', '))
notPassed.forEach(line => console.log(line))
EOF
