#!/usr/bin/env bash
# Entrypoint of the stack's PostgreSQL image (postgres.Dockerfile). `serve`: on first start (an empty $PGDATA) runs
# initdb, creates the role and database the control planes use (OUTPOST_DB_USER / OUTPOST_DB_NAME, default outpost)
# with the password read from OUTPOST_DB_PASSWORD_FILE (a Docker secret), and lets that role in from anywhere with
# scram-sha-256 (every other remote login is refused); then runs postgres in the foreground as the postgres user.
# `health`: pg_isready on the loopback, and the outpost database accepting that role.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
data=${PGDATA:-/var/lib/postgresql/data}
user=${OUTPOST_DB_USER:-outpost}
db=${OUTPOST_DB_NAME:-outpost}
log() { echo "postgres-entrypoint: $*" >&2; }

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

init_cluster() {
    local password_file=${OUTPOST_DB_PASSWORD_FILE:?the password file of role $user, e.g. /run/secrets/outpost_db_password}
    [ -s "$password_file" ] || { log "$password_file is missing or empty"; exit 1; }
    log "initialising a new cluster in $data"
    install -d -o postgres -g postgres -m 0700 "$data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '*'
password_encryption = scram-sha-256
log_connections = off
log_min_messages = warning
CONF
    cat > "$data/pg_hba.conf" <<HBA
local all postgres peer
host  $db $user 127.0.0.1/32 scram-sha-256
host  $db $user 0.0.0.0/0    scram-sha-256
host  $db $user ::/0         scram-sha-256
HBA
    # a first start on a unix socket only, to create the role and the database, then stopped again
    as_postgres "$bin/pg_ctl" -D "$data" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
    local password
    password=$(tr -d '\n' < "$password_file")
    as_postgres psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -q -v user="$user" -v db="$db" -v password="$password" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
    as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    log "role $user and database $db created"
}

case "${1:-serve}" in
    serve)
        if [ ! -s "$data/PG_VERSION" ]; then init_cluster; fi
        install -d -o postgres -g postgres /var/run/postgresql
        log "starting $("$bin/postgres" --version) on $data"
        exec setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$data"
        ;;
    health) "$bin/pg_isready" -q -h 127.0.0.1 -U "$user" -d "$db" ;;
    *) exec "$@" ;;
esac
