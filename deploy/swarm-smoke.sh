#!/usr/bin/env bash
# End-to-end test of the Swarm stack (deploy/stack.yml) on a one-node swarm: initialises a swarm when the engine is in
# none (advertising the docker0 address, else loopback), labels the node with every region (one node plays them
# all), builds what is missing (the jar, the base image, the Outpost and PostgreSQL images), creates the secrets,
# deploys the stack and waits until every task is healthy. Then, from a box on the stack's overlay network: every
# edge serves the site (miss then hit), steering answers (302, and /api/v1/route per region), a purge completes on
# every edge; one control-plane task is killed (docker kill) and purges and steering still work through the service
# name (a virtual IP, or every live task by DNS); Swarm starts a new task, and a purge after that completes on every
# edge too.
# Always removes what it made (stack, secrets, config, the box, the labels it added) and leaves the swarm only when
# it initialised it. Prints a summary; exits non-zero on any failure. Every wait is bounded and says what it awaited.
#
# Settings: OUTPOST_SWARM_STACK (stack name, default outpostswarm), OUTPOST_SWARM_KEEP=1 (leave it running).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DOCKER_BUILDKIT=0
stack=${OUTPOST_SWARM_STACK:-outpostswarm}
export OUTPOST_IMAGE=outpost:swarm-smoke OUTPOST_POSTGRES_IMAGE=outpost-postgres:swarm-smoke
export OUTPOST_SECRET_PREFIX=$stack
export OUTPOST_NODE_SH_VERSION=$(sha256sum deploy/swarm/node.sh | cut -c1-12)
host=www.example.com
object=/assets/app.js
regions=(us eu ap)
declare -A region_client=([us]=198.51.100.7 [eu]=203.0.113.7 [ap]=192.0.2.7)   # in stack.yml's OUTPOST_REGIONS
secret_names=(api_token admin_token node_token edge_token origin_token steering_token db_password)
labels=(outpost.db outpost.origin outpost.region.us outpost.region.eu outpost.region.ap)
probe=$stack-probe
started=$(date +%s)

say() { echo "swarm-smoke [$(( $(date +%s) - started ))s]: $*"; }
results=()
failures=0
record() {  # record NAME ok|FAIL DETAIL
    results+=("$(printf '%-46s %-5s %s' "$1" "$2" "$3")")
    [ "$2" = ok ] || failures=$((failures + 1))
    say "$2  $1  $3"
}
check() { local name=$1 detail=$2; shift 2; if "$@"; then record "$name" ok "$detail"; else record "$name" FAIL "$detail"; fi; }
fatal() { record "$1" FAIL "$2"; exit 1; }
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

# --- teardown: everything this run made, and nothing else ----------------------------------------------------------
we_initialised=
node_id=
added_labels=()
deployed=
teardown() {
    local rc=$? t0
    t0=$(date +%s)
    if [ "${OUTPOST_SWARM_KEEP:-}" = 1 ] && [ -n "$deployed" ]; then
        say "leaving stack $stack running (OUTPOST_SWARM_KEEP=1): docker stack rm $stack; docker rm -f $probe"
    else
        if [ -n "$deployed" ] && [ "$failures" -gt 0 ]; then
            for service in $(docker stack services -q "$stack" 2>/dev/null); do
                docker service logs --tail 40 --no-task-ids "$service" 2>&1
            done > "/tmp/$stack-logs.txt"
            docker stack ps --no-trunc "$stack" >> "/tmp/$stack-logs.txt" 2>&1
            say "service logs (last 40 lines each) and tasks in /tmp/$stack-logs.txt"
        fi
        docker rm -f "$probe" >/dev/null 2>&1
        if [ -n "$deployed" ]; then
            docker stack rm "$stack" >/dev/null 2>&1
            # the stack's networks go only once its containers are gone
            for _ in $(seq 60); do
                [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$stack")" ] &&
                    [ -z "$(docker network ls -q --filter "label=com.docker.stack.namespace=$stack")" ] && break
                sleep 1
            done
            docker network ls -q --filter "label=com.docker.stack.namespace=$stack" | xargs -r docker network rm >/dev/null 2>&1
            docker volume ls -q --filter "label=com.docker.stack.namespace=$stack" | xargs -r docker volume rm >/dev/null 2>&1
        fi
        for name in "${secret_names[@]}"; do docker secret rm "${stack}_$name" >/dev/null 2>&1; done
        for label in "${added_labels[@]}"; do docker node update --label-rm "$label" "$node_id" >/dev/null 2>&1; done
        if [ -n "$we_initialised" ]; then
            docker swarm leave --force >/dev/null 2>&1 && say "left the swarm this run initialised"
        fi
        say "teardown took $(( $(date +%s) - t0 )) s"
    fi
    [ "$rc" -ne 0 ] && [ "$failures" -eq 0 ] && results+=("stopped early (exit code $rc)") && failures=1
    echo
    echo "================ Outpost Swarm smoke summary ================"
    printf '%-46s %-5s %s\n' check result detail
    printf '%s\n' "${results[@]}"
    printf 'total %d s, failures: %d\n' $(( $(date +%s) - started )) "$failures"
    [ "$failures" -eq 0 ] || exit 1
}
trap teardown EXIT
trap 'exit 130' INT TERM

# --- the swarm --------------------------------------------------------------------------------------------------------
docker info >/dev/null 2>&1 || fatal "docker engine" "docker info fails: start dockerd first (.ci/run does)"
state=$(docker info -f '{{.Swarm.LocalNodeState}}')
if [ "$state" = inactive ]; then
    address=$(ip -4 -o addr show docker0 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
    docker swarm init --advertise-addr "${address:-127.0.0.1}" --listen-addr "${address:-127.0.0.1}:2377" >/dev/null 2>&1 ||
        docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null ||
        fatal "swarm init" "docker swarm init failed"
    we_initialised=1
    say "initialised a one-node swarm (advertising ${address:-127.0.0.1}); it is left again at the end"
elif [ "$state" = active ]; then
    [ "$(docker info -f '{{.Swarm.ControlAvailable}}')" = true ] ||
        fatal "swarm" "this engine is a swarm worker: run the test on a manager"
    say "using the swarm this engine is already in (it is not left at the end)"
else
    fatal "swarm" "the engine's swarm state is '$state'"
fi
node_id=$(docker info -f '{{.Swarm.NodeID}}')
for label in "${labels[@]}"; do
    if [ -z "$(docker node inspect -f "{{index .Spec.Labels \"$label\"}}" "$node_id")" ]; then
        docker node update --label-add "$label=true" "$node_id" >/dev/null || fatal "node labels" "cannot label $node_id"
        added_labels+=("$label")
    fi
done
record "one-node swarm, node labelled" ok "$(docker node inspect -f '{{.Description.Hostname}}' "$node_id"): ${labels[*]}"

# --- images and secrets ---------------------------------------------------------------------------------------------
t0=$(date +%s)
./outpost --version >/dev/null || fatal "jar build" "./outpost could not build the jar"
base=$(awk 'toupper($1) == "FROM" { print $2; exit }' deploy/Dockerfile)
if ! docker image inspect "$base" >/dev/null 2>&1; then
    say "base image $base missing: building it with deploy/build-base-image.sh"
    deploy/build-base-image.sh || fatal "base image" "deploy/build-base-image.sh failed"
fi
build_log=$(mktemp)
docker build -q -f deploy/Dockerfile -t "$OUTPOST_IMAGE" . >"$build_log" 2>&1 ||
    { cat "$build_log"; fatal "image build" "docker build -f deploy/Dockerfile failed"; }
docker build -q --build-arg "BASE=$base" -f deploy/swarm/postgres.Dockerfile -t "$OUTPOST_POSTGRES_IMAGE" deploy/swarm \
    >"$build_log" 2>&1 || { cat "$build_log"; fatal "image build" "docker build -f deploy/swarm/postgres.Dockerfile failed"; }
rm -f "$build_log"
record "images built" ok "$OUTPOST_IMAGE, $OUTPOST_POSTGRES_IMAGE in $(( $(date +%s) - t0 )) s"

# leftovers of an interrupted run of this stack
if docker stack ls --format '{{.Name}}' | grep -qx "$stack"; then
    say "removing a leftover stack $stack"; docker stack rm "$stack" >/dev/null; sleep 10
fi
docker rm -f "$probe" >/dev/null 2>&1
for name in "${secret_names[@]}"; do docker secret rm "${stack}_$name" >/dev/null 2>&1; done
declare -A secret_value
for name in "${secret_names[@]}"; do
    secret_value[$name]=$(openssl rand -hex 24)
    printf '%s' "${secret_value[$name]}" | docker secret create "${stack}_$name" - >/dev/null ||
        fatal "secrets" "docker secret create ${stack}_$name failed"
done
api_token=${secret_value[api_token]}

# --- deploy -----------------------------------------------------------------------------------------------------------
free_port() {
    local port
    for _ in $(seq 50); do
        port=$(( 20000 + RANDOM % 20000 ))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
    return 1
}
# Service names by virtual IP need the kernel's IPVS; without it (the CI machine's kernel) by DNS round robin, where
# the routing mesh (publish.yml's API and steering ports) cannot run either.
compose_files=(-c deploy/stack.yml)
if [ -e /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null; then
    export OUTPOST_ENDPOINT_MODE=vip OUTPOST_API_PORT=$(free_port) OUTPOST_STEERING_PORT=$(free_port) \
        OUTPOST_EDGE_PORT_US=$(free_port) OUTPOST_EDGE_PORT_EU=$(free_port) OUTPOST_EDGE_PORT_AP=$(free_port)
    compose_files+=(-c deploy/swarm/publish.yml)
    say "endpoint mode vip, with deploy/swarm/publish.yml (steering on port $OUTPOST_STEERING_PORT of every node)"
else
    export OUTPOST_ENDPOINT_MODE=dnsrr
    say "endpoint mode dnsrr: this kernel has no IPVS (no /proc/net/ip_vs), which virtual IPs and the routing mesh need"
fi
t0=$(date +%s)
deployed=1
deploy_log=$(mktemp)
docker stack deploy "${compose_files[@]}" "$stack" >"$deploy_log" 2>&1 ||
    { cat "$deploy_log"; fatal "stack deploy" "docker stack deploy failed: $(grep -m1 -i error "$deploy_log")"; }
rm -f "$deploy_log"

tasks_healthy() {  # every service at its replica count, and each running container of the stack healthy
    local want running healthy
    docker stack services "$stack" --format '{{.Replicas}}' | awk -F/ '$1 != $2 { bad = 1 } END { exit bad }' || return 1
    want=$(docker stack services "$stack" --format '{{.Replicas}}' | awk -F/ '{ n += $2 } END { print n + 0 }')
    running=$(docker ps -q --filter "label=com.docker.stack.namespace=$stack" | wc -l)
    healthy=$(docker ps -q --filter "label=com.docker.stack.namespace=$stack" --filter health=healthy | wc -l)
    [ "$running" -eq "$want" ] && [ "$healthy" -eq "$want" ]
}
wait_for() {  # wait_for SECONDS COMMAND...: true once COMMAND is, false after SECONDS
    local deadline=$(( $(date +%s) + $1 )); shift
    until "$@"; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 2; done
}
if ! wait_for 300 tasks_healthy; then
    docker stack ps "$stack" --format '{{.Name}} {{.CurrentState}} {{.Error}}' | head -30
    docker ps --filter "label=com.docker.stack.namespace=$stack" --format '{{.Names}} {{.Status}}'
    fatal "stack up" "not every task running and healthy within 300 s"
fi
record "stack up, every task healthy" ok "$(docker ps -q --filter "label=com.docker.stack.namespace=$stack" | wc -l) tasks: postgres, 2 control planes, origin, 3 edges in $(( $(date +%s) - t0 )) s"

# --- a box on the overlay network (an operator's shell inside the swarm) ----------------------------------------------
docker run -d --name "$probe" --network "${stack}_backbone" "$OUTPOST_IMAGE" client >/dev/null ||
    fatal "probe" "cannot start a box on ${stack}_backbone"
in_probe() { docker exec -i "$probe" "$@"; }
api() {  # api METHOD PATH [BODY]: the control planes' API through the service name (every live task)
    in_probe curl -sS --max-time 10 -X "$1" -H "Authorization: Bearer $api_token" -H 'Content-Type: application/json' \
        ${3:+--data "$3"} "http://control-plane:8000/api/v1$2"
}
edge_health() { in_probe curl -fsS --max-time 3 "http://edge-$1:9081/_edge/health"; }
fetch_cache() {  # fetch_cache REGION -> the X-Cache of a GET of the object on that region's edge
    in_probe curl -sS --max-time 10 -o /dev/null -D - -H "Host: $host" "http://edge-$1:8080$object" 2>/dev/null |
        tr -d '\r' | awk 'tolower($1) == "x-cache:" { c = $2 } END { print (c ? c : "-") }'
}
steer() {  # steer -> "STATUS EDGE" of a 302 from the steering listener, through the service name
    in_probe curl -sS --max-time 3 -o /dev/null -D - -H "Host: $host" "http://control-plane:8001$object" 2>/dev/null |
        tr -d '\r' | awk 'NR == 1 { s = $2 } tolower($1) == "x-outpost-steering:" { e = $2 } END { print (s ? s : "-"), (e ? e : "-") }'
}
routed() {  # routed REGION -> the edge chosen for a client of that region (/api/v1/route)
    api GET "/route?url=http://$host$object&client=${region_client[$1]}" 2>/dev/null | json "d['chosen']" 2>/dev/null
}
for _ in $(seq 30); do in_probe curl -s -o /dev/null --max-time 1 http://origin:8080/_origin/health && break; sleep 1; done

# --- steering and caching, before any failure ---------------------------------------------------------------------------
for region in "${regions[@]}"; do
    id=$(edge_health "$region" | json "d['id'] + ' ' + d['region']" 2>/dev/null)
    check "edge-$region healthy" "/_edge/health: ${id:-no answer}" [ "${id#* }" = "$region" ]
done
# Each region's client routed by /api/v1/route. The control planes share their registry (docs/high-availability.md),
# so each steers every client to its own region's edge: required by default; OUTPOST_SWARM_STRICT_STEERING=0 asks
# only for a live edge for every client (for a stack whose control planes do not share one store).
strict=${OUTPOST_SWARM_STRICT_STEERING:-1}
[ "$strict" = 0 ] && strict=
routes_ok() {
    local region chosen
    for region in "${regions[@]}"; do
        chosen=$(routed "$region")
        case "$chosen" in us-1 | eu-1 | ap-1) ;; *) return 1 ;; esac
        [ -z "$strict" ] || [ "${chosen%%-*}" = "$region" ] || return 1
    done
}
check_routes() {  # check_routes LABEL: waits (30 s at most) for routes_ok, then records every region's choice
    local t0 ok=false all="" region chosen own=0
    t0=$(date +%s)
    wait_for 30 routes_ok && ok=true
    for region in "${regions[@]}"; do
        chosen=$(routed "$region"); all="$all $region->${chosen:-none}"
        [ "${chosen%%-*}" = "$region" ] && own=$((own + 1))
    done
    check "$1" "/api/v1/route:$all ($own of 3 in the client's region${strict:+, required}; $(( $(date +%s) - t0 )) s)" $ok
}
check_routes "steering: every region's client -> a live edge"
read -r code edge < <(steer)
check "steering 302 (steering listener)" "$code X-Outpost-Steering: $edge" [ "$code" = 302 -a "$edge" != - ]
if [ "$OUTPOST_ENDPOINT_MODE" = vip ]; then
    answer=$(curl -sS --max-time 5 -o /dev/null -D - -H "Host: $host" "http://127.0.0.1:$OUTPOST_STEERING_PORT$object" 2>/dev/null |
        tr -d '\r' | awk 'NR == 1 { s = $2 } tolower($1) == "location:" { l = $2 } END { print s, l }')
    check "steering 302 through the routing mesh" "127.0.0.1:$OUTPOST_STEERING_PORT: $answer" [ "${answer%% *}" = 302 ]
fi
for region in "${regions[@]}"; do
    first=$(fetch_cache "$region"); second=$(fetch_cache "$region")
    check "miss then hit on edge-$region" "$first, $second" [ "$first" = MISS -a "$second" = HIT ]
done

# purge_everywhere LABEL: a purge of the object through the service name (retried while no control plane answers, 60 s at
# most), applied on every edge (each edge's own appliedSequence, 60 s at most), and the object a miss again
purge_everywhere() {
    local label=$1 t0 answer sequence id status region applied missing
    t0=$(date +%s%N)
    local tries=0
    for _ in $(seq 60); do
        tries=$((tries + 1))
        answer=$(api POST /purges "{\"urls\":[\"http://$host$object\"]}" 2>&1)
        sequence=$(echo "$answer" | json "d['sequence']" 2>/dev/null) && [ -n "$sequence" ] && break
        say "purge not accepted (try $tries): ${answer:0:160}"
        sleep 1
    done
    if [ -z "$sequence" ]; then record "$label" FAIL "no control plane accepted the purge in 60 s: ${answer:0:160}"; return; fi
    id=$(echo "$answer" | json "d['id']")
    local accepted_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    applied_everywhere() {
        for region in "${regions[@]}"; do
            applied=$(edge_health "$region" | json "d['appliedSequence']" 2>/dev/null)
            [ "${applied:-0}" -ge "$sequence" ] || return 1
        done
    }
    if ! wait_for 60 applied_everywhere; then
        missing=$(for region in "${regions[@]}"; do echo -n "edge-$region at $(edge_health "$region" | json "d['appliedSequence']" 2>/dev/null) "; done)
        record "$label" FAIL "purge $id (sequence $sequence) not applied on every edge in 60 s: $missing"; return
    fi
    local applied_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    status=$(api GET "/purges/$id?wait=10s" | json "d['status'] + ' %d/%d' % (d['edgesApplied'], d['edgesTotal'])" 2>/dev/null)
    local after=""
    for region in "${regions[@]}"; do after="$after $(fetch_cache "$region")"; done
    check "$label" "$id seq $sequence: accepted after ${accepted_ms} ms (try $tries), on all 3 edges after ${applied_ms} ms; control plane says ${status:-?}; then:$after" \
        [ "$after" = " MISS MISS MISS" ]
    for region in "${regions[@]}"; do fetch_cache "$region" >/dev/null; done   # cached again for the next purge
}
purge_everywhere "purge completes on every edge"

# --- one control-plane task killed ------------------------------------------------------------------------------------
cp_containers() { docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_control-plane"; }
victim=$(cp_containers | head -1)
victim_task=$(docker inspect -f '{{index .Config.Labels "com.docker.swarm.task.name"}}' "$victim")
docker kill "$victim" >/dev/null || fatal "kill a control plane" "docker kill $victim failed"
killed_at=$(date +%s%N)
say "killed control-plane task $victim_task (container ${victim:0:12})"
steered_again() { read -r code edge < <(steer); [ "$code" = 302 ]; }
if wait_for 60 steered_again; then
    check "steering after the kill" "302 to $edge, $(( ($(date +%s%N) - killed_at) / 1000000 )) ms after the kill" true
else
    record "steering after the kill" FAIL "no 302 from the steering service within 60 s (last: $code)"
fi
check_routes "steering after the kill: every region's client"
purge_everywhere "purge after the kill, on every edge"

# --- Swarm replaces the task ------------------------------------------------------------------------------------------
replaced() {
    local fresh
    fresh=$(docker ps -q --filter "label=com.docker.swarm.service.name=${stack}_control-plane" --filter health=healthy)
    [ "$(echo "$fresh" | grep -c .)" -eq 2 ] && ! echo "$fresh" | grep -q "^${victim:0:12}"
}
if wait_for 180 replaced; then
    check "Swarm restarted the control plane" "2 healthy tasks again, $(( ($(date +%s%N) - killed_at) / 1000000000 )) s after the kill" true
else
    record "Swarm restarted the control plane" FAIL "not 2 healthy control-plane tasks within 180 s of the kill"
fi
purge_everywhere "purge with both control planes back"
# Each control-plane task asked on its own address: both answer 302, since heartbeats to either are in the shared
# store (with OUTPOST_SWARM_STRICT_STEERING=0, one is enough).
per_task=$(in_probe sh -c 'for ip in $(getent ahostsv4 tasks.control-plane | awk "{ print \$1 }" | sort -u); do
    echo "$ip:$(curl -s -o /dev/null -w "%{http_code}" --max-time 3 -H "Host: '"$host"'" "http://$ip:8001'"$object"'")"; done' |
    tr '\n' ' ')
answering=$(echo "$per_task" | grep -o ':302' | wc -l)
check "steering with both back, per task" "$per_task($answering of 2 answer 302${strict:+, both required})" \
    [ "$answering" -ge "$([ -n "$strict" ] && echo 2 || echo 1)" ]
