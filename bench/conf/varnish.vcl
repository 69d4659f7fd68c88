vcl 4.1;
# Varnish as a caching reverse proxy: defaults (request coalescing via the waiting list is built in), malloc
# storage of the configured size (set on the command line), PURGE from localhost. X-Cache is the hit header.
backend origin { .host = "127.0.0.1"; .port = "@ORIGIN_PORT@"; }
acl purgers { "127.0.0.1"; }
sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) { return (synth(405)); }
        return (purge);
    }
}
sub vcl_deliver {
    if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
}
