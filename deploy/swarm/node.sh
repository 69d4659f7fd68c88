#!/usr/bin/env bash
# Entrypoint of every Outpost service of the Swarm stack (deploy/stack.yml mounts it as a Docker config, so the image
# stays the one of deploy/Dockerfile): `control-plane`, `origin`, `edge`, or `health` (the healthcheck of whatever
# role this task runs). It writes the role's YAML into a tmpfs and runs `java -jar outpost.jar ROLE`.
#
# Secrets are files, never environment variables (docker inspect would show those): /run/secrets/<name> of
#   outpost_api_token (scopes read, purge, push, config), outpost_admin_token, outpost_node_token (nodes -> control
#   plane), outpost_edge_token (control plane -> edges' admin API), outpost_origin_token (the origin's asset API),
#   outpost_steering_token, outpost_db_password (the control planes' PostgreSQL role)
# Plain settings (environment, set in stack.yml):
#   OUTPOST_ID          node id (edges: "<region>-{{.Task.Slot}}", unique per task slot)
#   OUTPOST_REGION      this node's region
#   OUTPOST_REGIONS     "us=198.51.100.0/24 eu=203.0.113.0/24,2001:db8::/32 ap=..." client networks per region
#   OUTPOST_LATENCY     "us-eu=40 us-ap=90 eu-ap=120" one-way ms, the control plane's steering table only
#   OUTPOST_CP_URL      how nodes reach the control planes: the service name, one virtual IP over every task
#   OUTPOST_ORIGIN_URL, OUTPOST_SITE_HOSTS, OUTPOST_HEARTBEAT_MILLIS, OUTPOST_CACHE_BYTES
#   OUTPOST_DB_URL, OUTPOST_DB_USER, OUTPOST_DB_POOL   the control planes' store (jdbc:postgresql://...)
#   OUTPOST_EDGE_PUBLIC_URL  the URL steering sends clients to (default http://<task address>:8080)
# The address a node advertises (OUTPOST_ADDR) is found at start: the source address of its route to the control
# plane's service, i.e. its address on the network the control planes reach it on.
set -euo pipefail
role=${1:-help}
conf_dir=/tmp/outpost            # a tmpfs in stack.yml: the written YAML holds the tokens
secrets=${OUTPOST_SECRETS_DIR:-/run/secrets}
mkdir -p "$conf_dir"
log() { echo "swarm-node[$role]: $*" >&2; }

secret() {
    local file=$secrets/outpost_$1
    [ -s "$file" ] || { log "secret outpost_$1 missing ($file): grant it to this service in stack.yml"; exit 1; }
    tr -d '\n' < "$file"
}

yaml_list() { echo "[$(echo "$1" | sed 's/,/, /g')]"; }

# the address others reach this task at: the source of its route to the control planes' virtual IP
own_address() {
    local host=${OUTPOST_CP_URL#*://} vip address tries=0
    host=${host%%[:/]*}
    while :; do
        vip=$(getent ahostsv4 "$host" | awk 'NR == 1 { print $1 }')
        if [ -n "$vip" ]; then
            address=$(ip -4 -o route get "$vip" | awk '{ for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1) }')
            [ -n "$address" ] && { echo "$address"; return; }
        fi
        tries=$((tries + 1)); [ "$tries" -lt 120 ] || { log "cannot resolve $host (no live task yet?) to find this task's address"; exit 1; }
        sleep 1
    done
}

write_control_plane() {
    local entry a b first="" name
    local -A pairs=()
    {
        cat <<YAML
listen: 0.0.0.0:8000
steeringListen: 0.0.0.0:8001
data: /var/lib/outpost/cp
store:
  engine: postgresql
  url: ${OUTPOST_DB_URL:?}
  user: ${OUTPOST_DB_USER:-outpost}
  passwordFile: $secrets/outpost_db_password
  poolSize: ${OUTPOST_DB_POOL:-4}
  connectTimeout: 5s
tokens:
  - {name: ops, token: $(secret api_token), scopes: [read, purge, push, config]}
  - {name: admin, token: $(secret admin_token), scopes: [admin]}
  - {name: nodes, token: $(secret node_token), scopes: [node]}
  - {name: steering, token: $(secret steering_token), scopes: [steering]}
edgeToken: $(secret edge_token)
heartbeat:
  interval: ${OUTPOST_HEARTBEAT_MILLIS:-1000}ms
  timeout: $(( ${OUTPOST_HEARTBEAT_MILLIS:-1000} * 3 ))ms
regions:
YAML
        for entry in ${OUTPOST_REGIONS:?}; do
            name=${entry%%=*}
            [ -n "$first" ] || first=$name
            echo "  - name: $name"
            echo "    cidrs: $(yaml_list "${entry#*=}")"
        done
        echo "defaultRegion: ${OUTPOST_DEFAULT_REGION:-$first}"
        echo "latency:"
        for entry in ${OUTPOST_LATENCY:-}; do
            a=${entry%%-*}; b=${entry#*-}; b=${b%%=*}
            pairs[$a]="${pairs[$a]:+${pairs[$a]}, }$b: ${entry#*=}ms"
        done
        for a in "${!pairs[@]}"; do echo "  $a: {${pairs[$a]}}"; done
        cat <<YAML
origins:
  - id: primary
    hosts: $(yaml_list "${OUTPOST_SITE_HOSTS:-www.example.com}")
    url: ${OUTPOST_ORIGIN_URL:?}
    token: $(secret origin_token)
YAML
    } > "$conf_dir/control-plane.yml"
}

write_origin() {
    cat > "$conf_dir/origin.yml" <<YAML
listen: 0.0.0.0:8080
data: /srv/outpost/site
apiToken: $(secret origin_token)
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
  token: $(secret node_token)
  initialBackoff: 200ms
  maxBackoff: 5s
YAML
}

write_edge() {
    local address public
    address=$(own_address)
    public=${OUTPOST_EDGE_PUBLIC_URL:-http://$address:8080}
    cat > "$conf_dir/edge.yml" <<YAML
id: ${OUTPOST_ID:?}
region: ${OUTPOST_REGION:?}
listen: 0.0.0.0:8080
admin:
  listen: 0.0.0.0:9081
  token: $(secret edge_token)
cache:
  maxBytes: ${OUTPOST_CACHE_BYTES:-67108864}
controlPlane:
  url: ${OUTPOST_CP_URL:?}
  token: $(secret node_token)
  heartbeat: ${OUTPOST_HEARTBEAT_MILLIS:-1000}ms
  maxBackoff: 2s
  publicUrl: $public
  adminUrl: http://$address:9081
  configCache: $conf_dir/services.json
services:
  - name: site
    hosts: $(yaml_list "${OUTPOST_SITE_HOSTS:-www.example.com},$address")
    origins: [${OUTPOST_ORIGIN_URL:?}]
YAML
    log "advertising $public (admin http://$address:9081)"
}

health() {
    case "$(cat "$conf_dir/role" 2>/dev/null)" in
        origin) curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8080/_origin/health ;;
        edge) curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:9081/_edge/health ;;
        control-plane) curl -fsS -o /dev/null --max-time 2 -H "Authorization: Bearer $(secret api_token)" \
            http://127.0.0.1:8000/api/v1/nodes ;;
        *) false ;;
    esac
}

case "$role" in
    control-plane | origin | edge)
        echo "$role" > "$conf_dir/role"
        "write_${role//-/_}"
        log "starting $role ${OUTPOST_ID:-} (region ${OUTPOST_REGION:-none}); JAVA_OPTS=${JAVA_OPTS:-}"
        # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
        exec java ${JAVA_OPTS:-} -jar /opt/outpost/outpost.jar "$role" --config "$conf_dir/$role.yml"
        ;;
    health) health ;;
    help | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) exec "$@" ;;
esac
