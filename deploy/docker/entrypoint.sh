#!/usr/bin/env bash
# Entrypoint of the Outpost image: `origin`, `edge`, `control-plane`, `steering` (a region's steering instance: 302 on
# 8001, DNS on 53, following the control plane's state), `site` (defines the demo site's delivery service through
# the control plane's API, then exits), `client` (a shell box with curl that sleeps),
# `prometheus` (Debian's Prometheus server scraping every node, with /opt/outpost/prometheus.yml or OUTPOST_CONFIG) or
# `health` (the healthcheck of whatever role this container runs). Anything else is run as a command.
#
# The role's YAML is written from environment variables (below) unless OUTPOST_CONFIG names a file (mounted), which
# is then used as it is. Before the role starts, the WAN latency to the other regions is set up (setup_latency).
#
# Topology, the same in every container (docker-compose.yml sets it once):
#   OUTPOST_REGIONS   "us=10.230.1.0/24,10.231.1.0/24 eu=... ap=..."  region -> its networks (first region = default)
#   OUTPOST_LATENCY   "us-eu=40 us-ap=90 eu-ap=120"                   one-way delay in ms per region pair
#   OUTPOST_LATENCY_MODE  auto (netem if the kernel has it, else the NFQUEUE delayer) | netem | nfqueue | off
# This container:
#   OUTPOST_REGION, OUTPOST_ID, OUTPOST_ADDR (the address advertised to others). An edge may leave out both: its id
#   is then <region>-<hostname> (the container's, unique per replica and kept across restarts) and its address the
#   one it claims in its region's slice of the backbone (claim_region_address), so one service scales with --scale.
# Wiring and secrets (the compose file has local-only defaults):
#   OUTPOST_CP_URL, OUTPOST_ORIGIN_URL, OUTPOST_SITE_HOSTS, OUTPOST_API_TOKEN (purge/push/read), OUTPOST_ADMIN_TOKEN,
#   OUTPOST_NODE_TOKEN, OUTPOST_EDGE_TOKEN, OUTPOST_ORIGIN_TOKEN, OUTPOST_HEARTBEAT_MILLIS, OUTPOST_CACHE_BYTES,
#   OUTPOST_STEERING_TOKEN (scope steering: what steering instances read the control plane's state with),
#   OUTPOST_DISK_DIR (an edge's disk tier: its own directory <dir>/<id> in it), OUTPOST_DISK_BYTES (its size),
#   OUTPOST_CDN_NAME (the name DNS steers, default cdn.outpost.test)
# Mutual TLS between the control plane and the edges: OUTPOST_TLS=on (the compose file's default; off: plain HTTP as
#   before). The control plane then runs its CA and a node listener on 8443 (OUTPOST_CP_NODE_URL for the others,
#   default https://<host of OUTPOST_CP_URL>:8443), and each edge, at a start without a valid certificate for its
#   address, makes its own one-time join token (enroll_edge) with the enrollment token in OUTPOST_ENROLL_TOKEN_FILE
#   (a Docker secret, default /run/secrets/enroll-token), joins, and keeps its key in OUTPOST_TLS_DIR.
# A client's resolver: OUTPOST_RESOLVER (its region's steering instance; written to /etc/resolv.conf).
# An origin replica: OUTPOST_REPLICA_OF (the primary's URL; its name in the group is OUTPOST_ID) and OUTPOST_SITE_DIR.
# An edge's origins, in order: OUTPOST_EDGE_ORIGINS ("http://a:8080, http://b:8080"), else OUTPOST_ORIGIN_URL, only
#   with OUTPOST_EDGE_SERVICES=file; otherwise an edge has no services of its own and runs the control plane's.
# The `site` role: OUTPOST_EDGE_ADDRS (every edge's address, served as a Host too: a steering 302 names it),
#   OUTPOST_EDGE_HOST_RANGE ("128-255": every address an edge may claim, host numbers in each region's first CIDR,
#   served as Hosts), OUTPOST_REGION_ORIGINS ("eu=http://a:8080,http://b:8080 ap=..."): a region's own origins
#   in place of OUTPOST_ORIGIN_URL, and OUTPOST_SHIELD_REGION (the site's shieldRegion; empty: no shield tier).
# A shield (the tier the other edges fetch their misses from): an edge with OUTPOST_ROLE=shield (default edge).
# Prometheus: OUTPOST_PROMETHEUS_DATA (default /var/lib/outpost/prometheus), OUTPOST_PROMETHEUS_RETENTION (7d).
set -euo pipefail
role=${1:-help}
conf_dir=/tmp/outpost
mkdir -p "$conf_dir"

log() { echo "entrypoint[$role]: $*" >&2; }

# "us=a,b eu=c" -> prints the CIDRs of region $1, comma-separated
region_cidrs() {
    local entry
    for entry in ${OUTPOST_REGIONS:-}; do
        [ "${entry%%=*}" = "$1" ] && { echo "${entry#*=}"; return; }
    done
}
region_names() { local entry; for entry in ${OUTPOST_REGIONS:-}; do echo "${entry%%=*}"; done; }
# one-way delay between regions $1 and $2 (either order), empty when not configured
pair_delay() {
    local entry
    for entry in ${OUTPOST_LATENCY:-}; do
        case "${entry%%=*}" in "$1-$2" | "$2-$1") echo "${entry#*=}"; return ;; esac
    done
}

netem_available() {
    tc qdisc add dev lo root netem delay 0ms 2>/dev/null && tc qdisc del dev lo root 2>/dev/null
}

# Delays what crosses region boundaries. netem: on egress, per destination CIDR (prio band + u32 filter per remote
# region) on every interface. Fallback: iptables queues incoming packets from each remote region to its own NFQUEUE,
# and delayer.py releases them after the delay (see its docstring for why ingress).
setup_latency() {
    local mode=${OUTPOST_LATENCY_MODE:-auto} here=${OUTPOST_REGION:-} other delay cidr queue=100 band=2 specs=()
    [ "$mode" = off ] || [ -z "$here" ] || [ -z "${OUTPOST_LATENCY:-}" ] && return 0
    if [ "$mode" = auto ]; then
        if netem_available; then mode=netem; else mode=nfqueue; fi
    fi
    if [ "$mode" = netem ]; then
        local ifaces
        ifaces=$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); if ($2 != "lo") print $2 }')
        for dev in $ifaces; do
            tc qdisc add dev "$dev" root handle 1: prio bands 8 priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 || return 1
        done
    fi
    for other in $(region_names); do
        [ "$other" = "$here" ] && continue
        delay=$(pair_delay "$here" "$other")
        [ -n "$delay" ] && [ "$delay" != 0 ] || continue
        for cidr in $(region_cidrs "$other" | tr , ' '); do
            if [ "$mode" = netem ]; then
                for dev in $ifaces; do
                    tc filter add dev "$dev" parent 1: protocol ip prio 1 u32 match ip dst "$cidr" flowid "1:$band" || return 1
                done
            else
                iptables -t mangle -A PREROUTING -s "$cidr" -j NFQUEUE --queue-num "$queue" --queue-bypass || return 1
            fi
        done
        if [ "$mode" = netem ]; then
            for dev in $ifaces; do
                tc qdisc add dev "$dev" parent "1:$band" handle "$((band * 10)):" netem delay "${delay}ms" limit 100000 || return 1
            done
        else
            specs+=("$queue:$delay")
        fi
        log "latency to $other: ${delay} ms one way ($mode)"
        queue=$((queue + 1)); band=$((band + 1))
    done
    if [ "$mode" = nfqueue ] && [ ${#specs[@]} -gt 0 ]; then
        python3 /opt/outpost/delayer.py "${specs[@]}" &
        sleep 0.3
        kill -0 $! 2>/dev/null || return 1   # it exits at once when the kernel refuses the queue binding
    fi
    return 0
}

latency_failed() {
    log "could not set up the simulated WAN latency (tc/iptables need cap_add: [NET_ADMIN]);" \
        "set OUTPOST_LATENCY_MODE=off to run without it"
    exit 1
}

# A scaled edge has no fixed address: Docker gives it one from the backbone's dynamic range (10.230.0.K). It claims
# host number K in its region's slice (the first CIDR of its region, 10.230.2.0/24 for eu) as a second address on
# the same interface and makes it the source of everything it sends there, so the control plane, the steering
# table and the other containers' delayers (which match by source CIDR) place it in its region. K is unique on the
# backbone, so the claimed address is too; fixed nodes keep below .128 of their slice. Sets OUTPOST_ADDR.
claim_region_address() {
    local cidr slice dev addr len host route
    cidr=$(region_cidrs "${OUTPOST_REGION:?}" | cut -d, -f1)
    [ -n "$cidr" ] || { log "region $OUTPOST_REGION is not in OUTPOST_REGIONS"; return 1; }
    slice=${cidr%/*}; slice=${slice%.*}                      # 10.230.2
    read -r dev addr < <(ip -o -4 addr show | awk -v net="${slice%.*}." '{ split($4, a, "/") }
        index(a[1], net) == 1 { print $2, $4; exit }')
    [ -n "${addr:-}" ] || { log "no address on the network of $cidr"; return 1; }
    len=${addr#*/}; addr=${addr%/*}; host=${addr##*.}
    if [ "${addr%.*}" = "$slice" ]; then OUTPOST_ADDR=$addr; return 0; fi   # a fixed address in the slice already
    OUTPOST_ADDR=$slice.$host
    ip addr add "$OUTPOST_ADDR/$len" dev "$dev" 2>/dev/null ||
        ip -o -4 addr show dev "$dev" | grep -q " $OUTPOST_ADDR/" || { log "cannot add $OUTPOST_ADDR to $dev"; return 1; }
    route=$(ip -o -4 route show dev "$dev" scope link | awk -v a="$addr" '$0 ~ "src " a { print $1; exit }')
    [ -n "$route" ] || { log "no link route of $addr on $dev"; return 1; }
    ip route replace "$route" dev "$dev" proto kernel scope link src "$OUTPOST_ADDR" ||
        { log "cannot make $OUTPOST_ADDR the source address on $dev"; return 1; }
    log "claimed $OUTPOST_ADDR in region $OUTPOST_REGION (Docker gave $addr)"
}

yaml_list() { echo "[$(echo "$1" | sed 's/,/, /g')]"; }

write_origin() {
    cat > "$conf_dir/origin.yml" <<EOF
listen: 0.0.0.0:8080
data: ${OUTPOST_SITE_DIR:-/srv/outpost/site}
apiToken: ${OUTPOST_ORIGIN_TOKEN:?}
rules:
  - match: /assets/**
    cacheControl: public, max-age=31536000, immutable
    tags: [static]
  - match: "**/*.html"
    cacheControl: public, max-age=60, stale-while-revalidate=30, stale-if-error=86400
    tags: [html]
  - match: /data/**
    cacheControl: public, max-age=10
    tags: [data]
defaults:
  cacheControl: public, max-age=300
notifications:
  url: ${OUTPOST_CP_URL:?}/api/v1/origin-events
  token: ${OUTPOST_NODE_TOKEN:?}
  initialBackoff: 200ms
  maxBackoff: 5s
EOF
    if [ -n "${OUTPOST_REPLICA_OF:-}" ]; then
        cat >> "$conf_dir/origin.yml" <<EOF
replication:
  name: ${OUTPOST_ID:?}
  replicaOf: ${OUTPOST_REPLICA_OF}
EOF
    fi
}

write_edge() {
    local heartbeat=${OUTPOST_HEARTBEAT_MILLIS:-1000}
    cat > "$conf_dir/edge.yml" <<EOF
id: ${OUTPOST_ID:?}
region: ${OUTPOST_REGION:?}
role: ${OUTPOST_ROLE:-edge}
listen: 0.0.0.0:8080
admin:
  listen: 0.0.0.0:9081
  token: ${OUTPOST_EDGE_TOKEN:?}
cache:
  maxBytes: ${OUTPOST_CACHE_BYTES:-134217728}
EOF
    # the disk tier: one directory per edge id in the region's volume (replicas share the volume, never a directory)
    if [ -n "${OUTPOST_DISK_DIR:-}" ]; then
        mkdir -p "$OUTPOST_DISK_DIR/$OUTPOST_ID"
        cat >> "$conf_dir/edge.yml" <<EOF
  disk:
    dir: $OUTPOST_DISK_DIR/$OUTPOST_ID
    maxBytes: ${OUTPOST_DISK_BYTES:-268435456}
EOF
    fi
    cat >> "$conf_dir/edge.yml" <<EOF
controlPlane:
  url: ${OUTPOST_CP_URL:?}
  token: ${OUTPOST_NODE_TOKEN:?}
  heartbeat: ${heartbeat}ms
  maxBackoff: 2s
  publicUrl: http://${OUTPOST_ADDR:?}:8080
  adminUrl: $(tls_on && echo https || echo http)://${OUTPOST_ADDR:?}:9081   # TLS: the control plane only
  configCache: /tmp/outpost/services.json
EOF
    if tls_on; then
        enroll_edge || return 1
        cat >> "$conf_dir/edge.yml" <<EOF
tls:
  dir: ${OUTPOST_TLS_DIR:-/var/lib/outpost/edge-tls}
  addresses: [$OUTPOST_ADDR]
  controlPlaneUrl: $(cp_node_url)
EOF
        [ -z "$join_token" ] || printf '  joinToken: %s\n  caSha256: %s\n' "$join_token" "$ca_sha256" >> "$conf_dir/edge.yml"
    fi
    # Without OUTPOST_EDGE_SERVICES=file the edge runs the site's service the control plane hands it (the `site`
    # role defines it through the API); with it, its own file's, as before.
    if [ "${OUTPOST_EDGE_SERVICES:-control-plane}" = file ]; then
        cat >> "$conf_dir/edge.yml" <<EOF
services:
  - name: site
    hosts: $(yaml_list "${OUTPOST_SITE_HOSTS:-www.example.com},${OUTPOST_CDN_NAME:-cdn.outpost.test},${OUTPOST_ADDR:?}")
    origins: [${OUTPOST_EDGE_ORIGINS:-${OUTPOST_ORIGIN_URL:?}}]
EOF
    fi
}

tls_on() { [ "${OUTPOST_TLS:-off}" = on ]; }
cp_node_url() { local hostport=${OUTPOST_CP_URL#*://}; hostport=${hostport%%/*}; echo "${OUTPOST_CP_NODE_URL:-https://${hostport%:*}:8443}"; }
enroll_token() {
    local file=${OUTPOST_ENROLL_TOKEN_FILE:-/run/secrets/enroll-token}
    [ -r "$file" ] || { log "OUTPOST_TLS=on needs the enrollment token in $file (a Docker secret)"; return 1; }
    tr -d ' \r\n' < "$file"
}

# An edge's certificate, without a hand-made token per edge: when OUTPOST_TLS_DIR holds no certificate for this
# edge's id and address (first start, or a restart that got another address), the edge asks the control plane for a
# one-time join token for exactly its id and address, valid 10 minutes, with the enrollment token (scope enroll, read
# from a Docker secret file, sent over the backbone), and the edge joins with it at once. Sets join_token and
# ca_sha256 (empty when the stored certificate is still good).
enroll_edge() {
    local dir=${OUTPOST_TLS_DIR:-/var/lib/outpost/edge-tls} token answer tries=0
    join_token="" ca_sha256=""
    mkdir -p -m 700 "$dir"
    if [ -s "$dir/node.crt" ] && openssl x509 -in "$dir/node.crt" -noout -checkend 3600 >/dev/null 2>&1 &&
        openssl x509 -in "$dir/node.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:$OUTPOST_ADDR\b" &&
        openssl x509 -in "$dir/node.crt" -noout -ext subjectAltName 2>/dev/null | grep -q "outpost:node:$OUTPOST_ID\b"; then
        log "node certificate in $dir is valid for $OUTPOST_ID at $OUTPOST_ADDR: no join"
        return 0
    fi
    rm -f "$dir/node.key" "$dir/node.crt"
    token=$(enroll_token) || return 1
    while :; do
        answer=$(curl -fsS --max-time 5 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            -d "{\"node\":\"$OUTPOST_ID\",\"addresses\":[\"$OUTPOST_ADDR\"],\"ttl\":\"10m\"}" \
            "${OUTPOST_CP_URL:?}/api/v1/join-tokens" 2>&1) && break
        tries=$((tries + 1)); [ "$tries" -lt 60 ] || { log "no join token from the control plane: $answer"; return 1; }
        sleep 1
    done
    read -r join_token ca_sha256 < <(echo "$answer" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["token"], d["caSha256"])')
    log "join token made for $OUTPOST_ID at $OUTPOST_ADDR (CA $ca_sha256)"
}

# The demo site's delivery service, defined through the control plane's API as an operator would: created with
# If-None-Match: *, or put again with If-Match (nothing is logged when it did not change). Waits for the API.
define_site() {
    local url=${OUTPOST_CP_URL:?}/api/v1/services/site body etag code tries=0
    body=$(python3 -c '
import json, os
hosts = [h.strip() for h in (os.environ.get("OUTPOST_SITE_HOSTS", "www.example.com") + ","
         + os.environ.get("OUTPOST_CDN_NAME", "cdn.outpost.test") + ","
         + os.environ.get("OUTPOST_EDGE_ADDRS", "").replace(" ", ",")).split(",") if h.strip()]
if os.environ.get("OUTPOST_EDGE_HOST_RANGE"):
    low, high = (int(n) for n in os.environ["OUTPOST_EDGE_HOST_RANGE"].split("-"))
    for entry in os.environ.get("OUTPOST_REGIONS", "").split():
        first = entry.split("=", 1)[1].split(",")[0].split("/")[0].rsplit(".", 1)[0]
        hosts += ["%s.%d" % (first, n) for n in range(low, high + 1)]
regions = {}
for entry in os.environ.get("OUTPOST_REGION_ORIGINS", "").split():
    name, urls = entry.split("=", 1)
    regions[name] = [u.strip() for u in urls.split(",") if u.strip()]
site = {"name": "site", "hosts": list(dict.fromkeys(hosts)),
        "origins": [os.environ["OUTPOST_ORIGIN_URL"]], "regionOrigins": regions}
if os.environ.get("OUTPOST_SHIELD_REGION"):
    site["shieldRegion"] = os.environ["OUTPOST_SHIELD_REGION"]   # the shield tier: edges fetch through its shields
print(json.dumps(site))
')
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Authorization: Bearer ${OUTPOST_API_TOKEN:?}" \
            "$url") || code=000
        case "$code" in 200 | 404) break ;; esac
        tries=$((tries + 1)); [ "$tries" -lt 60 ] || { log "the control plane at $url never answered ($code)"; return 1; }
        sleep 1
    done
    etag=$(curl -s -D - -o /dev/null --max-time 5 -H "Authorization: Bearer $OUTPOST_API_TOKEN" "$url" |
        awk 'tolower($1) == "etag:" { print $2 }' | tr -d '\r')
    code=$(curl -s -o "$conf_dir/site.answer" -w '%{http_code}' --max-time 10 -X PUT \
        -H "Authorization: Bearer $OUTPOST_API_TOKEN" -H 'Content-Type: application/json' \
        -H "${etag:+If-Match: $etag}${etag:-If-None-Match: *}" --data "$body" "$url")
    case "$code" in
        200 | 201) log "site service defined: $(cat "$conf_dir/site.answer")" ;;
        *) log "defining the site service failed ($code): $(cat "$conf_dir/site.answer")"; return 1 ;;
    esac
}

write_control_plane() {
    local heartbeat=${OUTPOST_HEARTBEAT_MILLIS:-1000} name first="" a b entry
    {
        cat <<EOF
listen: 0.0.0.0:8000
steeringListen: 0.0.0.0:8001
data: ${OUTPOST_CP_DATA:-/var/lib/outpost/cp}
tokens:
  - name: ops
    token: ${OUTPOST_API_TOKEN:?}
    scopes: [read, purge, push, config]
  - name: admin
    token: ${OUTPOST_ADMIN_TOKEN:?}
    scopes: [admin]
  - name: nodes
    token: ${OUTPOST_NODE_TOKEN:?}
    scopes: [node]
  - name: steering
    token: ${OUTPOST_STEERING_TOKEN:?}
    scopes: [steering]
EOF
        if tls_on; then
            # join tokens for the edges (enroll_edge); origins keep sending change notices on the plain listener
            cat <<EOF
  - name: enroll
    token: $(enroll_token)
    scopes: [enroll]
tls:
  nodeListen: 0.0.0.0:8443
  addresses: [${OUTPOST_ADDR:?}, 127.0.0.1]
  maxJoinTokenTtl: 1h
  allowPlainOriginEvents: true
EOF
        fi
        cat <<EOF
edgeToken: ${OUTPOST_EDGE_TOKEN:?}
heartbeat:
  interval: ${heartbeat}ms
  timeout: ${OUTPOST_HEARTBEAT_TIMEOUT_MILLIS:-$((heartbeat * 3))}ms
regions:
EOF
        for name in $(region_names); do
            [ -n "$first" ] || first=$name
            echo "  - name: $name"
            echo "    cidrs: $(yaml_list "$(region_cidrs "$name")")"
        done
        echo "defaultRegion: $first"
        echo "latency:"
        local -A pairs=()
        for entry in ${OUTPOST_LATENCY:-}; do
            a=${entry%%-*}; b=${entry#*-}; b=${b%%=*}
            pairs[$a]="${pairs[$a]:+${pairs[$a]}, }$b: ${entry#*=}ms"
        done
        for a in "${!pairs[@]}"; do echo "  $a: {${pairs[$a]}}"; done
        cat <<EOF
origins:
  - id: primary
    hosts: $(yaml_list "${OUTPOST_SITE_HOSTS:-www.example.com}")
    url: ${OUTPOST_ORIGIN_URL:?}
    token: ${OUTPOST_ORIGIN_TOKEN:?}
EOF
    } > "$conf_dir/control-plane.yml"
}

# A steering instance: 302 and /api/v1/route on 8001, DNS for the CDN name on 53, from the control plane's state
write_steering() {
    local name=${OUTPOST_CDN_NAME:-cdn.outpost.test}
    cat > "$conf_dir/steering.yml" <<EOF
listen: 0.0.0.0:8001
controlPlanes: [${OUTPOST_CP_URL:?}]
token: ${OUTPOST_STEERING_TOKEN:?}
pollInterval: 2s
staleAfter: 30s
tokens:
  - {name: ops, token: ${OUTPOST_API_TOKEN:?}, scopes: [read]}
dns:
  listen: 0.0.0.0:53
  zone: ${name#*.}
  names: [$name]
  ttl: 10s
EOF
}

# Clients of DNS steering reach the edges on port 80 (a DNS answer carries no port): the edge listens on 8080.
redirect_http_port() {
    iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080
}

health() {
    case "$(cat "$conf_dir/role" 2>/dev/null)" in
        origin) curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8080/_origin/health ;;
        edge) curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8080/_edge/health ;;   # admin: TLS, the control plane's only
        control-plane) curl -fsS -o /dev/null --max-time 2 -H "Authorization: Bearer ${OUTPOST_API_TOKEN:?}" \
            http://127.0.0.1:8000/api/v1/nodes ;;
        steering) local code   # answering steering (302, or 503 no_edge): it has the control plane's state
            code=$(curl -s -o "$conf_dir/health.body" -w '%{http_code}' --max-time 2 http://127.0.0.1:8001/) &&
                { [ "$code" = 302 ] || { [ "$code" = 503 ] && ! grep -q no_state "$conf_dir/health.body"; }; } ;;
        client) true ;;
        prometheus) curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:9090/-/ready ;;
        *) false ;;
    esac
}

case "$role" in
    origin | edge | control-plane | steering)
        echo "$role" > "$conf_dir/role"
        config=${OUTPOST_CONFIG:-}
        if [ "$role" = edge ] && [ -z "${OUTPOST_ADDR:-}" ]; then claim_region_address || exit 1; fi
        if [ "$role" = edge ] && [ -z "${OUTPOST_ID:-}" ]; then   # us-3f2a9c1b7d4e, a shield us-shield-3f2a9c1b7d4e
            OUTPOST_ID=${OUTPOST_REGION:?}-$([ "${OUTPOST_ROLE:-edge}" = shield ] && echo shield-)$(hostname)
        fi
        if [ -z "$config" ]; then
            "write_${role//-/_}"
            config=$conf_dir/$role.yml
        fi
        setup_latency || latency_failed
        if [ "$role" = edge ]; then redirect_http_port || { log "cannot redirect port 80 to 8080 (iptables nat)"; exit 1; }; fi
        log "starting $role ${OUTPOST_ID:-} (region ${OUTPOST_REGION:-none}) with $config"
        # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
        exec java ${JAVA_OPTS:-} -jar /opt/outpost/outpost.jar "$role" --config "$config"
        ;;
    site) define_site ;;
    client)
        echo client > "$conf_dir/role"
        setup_latency || latency_failed
        if [ -n "${OUTPOST_RESOLVER:-}" ]; then
            # its region's steering instance answers the CDN name; the file is Docker's bind mount, rewritten in place
            echo "nameserver $OUTPOST_RESOLVER" > /etc/resolv.conf
            log "resolver: $OUTPOST_RESOLVER"
        fi
        log "client in region ${OUTPOST_REGION:-none} ready (docker exec ... curl)"
        trap 'exit 0' TERM INT
        sleep infinity &
        wait
        ;;
    prometheus)
        echo prometheus > "$conf_dir/role"
        log "starting Prometheus with ${OUTPOST_CONFIG:-/opt/outpost/prometheus.yml}"
        exec prometheus --config.file="${OUTPOST_CONFIG:-/opt/outpost/prometheus.yml}" \
            --storage.tsdb.path="${OUTPOST_PROMETHEUS_DATA:-/var/lib/outpost/prometheus}" \
            --storage.tsdb.retention.time="${OUTPOST_PROMETHEUS_RETENTION:-7d}" --web.listen-address=0.0.0.0:9090
        ;;
    health) health ;;
    help | --help)
        sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
        ;;
    *) exec "$@" ;;
esac
