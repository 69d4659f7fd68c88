# The nginx origin of the bench scripts that measure the edge against files on tmpfs (miss-cost.sh,
# disk-hit-cost.sh). Sourced, not run: the caller sets RUN (its run directory, with data/ and tmp/ made), ORIGIN_PORT
# and CLIENT_CPU, and holds the array pids, whose processes its exit trap stops by PID.
#
# start_origin PREFIX: serves $RUN/data/NAME as /PREFIX/ANYTHING/NAME on 127.0.0.1:$ORIGIN_PORT, with
# Cache-Control: public, max-age=86400 on every answer; one nginx worker pinned to CLIENT_CPU (as bench/run.sh
# does), its PID added to pids.
start_origin() {
    local prefix=$1
    cat >"$RUN/origin.conf" <<CONF
worker_processes 1;
pid $RUN/origin.pid;
error_log $RUN/origin-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $RUN/tmp;
    proxy_temp_path $RUN/tmp;
    fastcgi_temp_path $RUN/tmp;
    uwsgi_temp_path $RUN/tmp;
    scgi_temp_path $RUN/tmp;
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        add_header Cache-Control "public, max-age=86400" always;
        location ~ ^/$prefix/[^/]+/(?<f>[^/]+)\$ { alias $RUN/data/\$f; }
    }
}
CONF
    taskset -c "$CLIENT_CPU" nginx -c "$RUN/origin.conf" -g 'daemon off;' &
    pids+=($!)
}
