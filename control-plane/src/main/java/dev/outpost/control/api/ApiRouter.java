package dev.outpost.control.api;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.PeerCertificates;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.JoinRequest;
import dev.outpost.common.wire.InvalidationEntry.Kind;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.ControlPlaneTls;
import dev.outpost.control.Scope;
import dev.outpost.control.assets.OriginWriter;
import dev.outpost.control.assets.RecentWrites;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.steering.Cidr;
import dev.outpost.control.steering.Decision;
import dev.outpost.control.tls.NodeIssuer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.io.IOException;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REST API under {@code /api/v1}: picks the endpoint by method and path, authenticates with the scope it
 * needs, reads and validates the body, and answers JSON. Runs on a worker thread (bodies are read blocking and
 * {@code ?wait=} blocks); every error is an {@link ApiException} turned into JSON by the error-mapping handler.
 */
final class ApiRouter implements HttpHandler {
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final Pattern ENTRY = Pattern.compile("/api/v1/(purges|pushes)/([^/]+)");
    private static final Pattern HEARTBEAT = Pattern.compile("/api/v1/nodes/([^/]+)/heartbeat");
    private static final Pattern NODE = Pattern.compile("/api/v1/nodes/([^/]+)");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ControlPlaneConfig config;
    private final Auth auth;
    private final RateLimiter rateLimiter;
    private final EntryEndpoints entries;
    private final InvalidationLog log;
    private final Dispatcher dispatcher;
    private final Registry registry;
    private final SteeringHandler steering;
    private final AssetsEndpoint assets;
    private final Optional<NodeIssuer> issuer;
    private final boolean nodeListener;

    /**
     * @param issuer       the CA and join rules, when TLS is configured
     * @param nodeListener true on the mutual-TLS node listener (every client showed a certificate from our CA);
     *                     with TLS configured, registrations and heartbeats are taken only there
     */
    ApiRouter(ControlPlaneConfig config, RateLimiter rateLimiter, InvalidationLog log, Dispatcher dispatcher,
            Registry registry, SteeringHandler steering, OriginWriter originWriter, RecentWrites recentWrites,
            Optional<NodeIssuer> issuer, boolean nodeListener) {
        this.issuer = issuer;
        this.nodeListener = nodeListener;
        this.config = config;
        this.auth = new Auth(config.tokens());
        this.rateLimiter = rateLimiter;
        this.entries = new EntryEndpoints(config, rateLimiter, log, dispatcher, recentWrites);
        this.log = log;
        this.dispatcher = dispatcher;
        this.registry = registry;
        this.steering = steering;
        this.assets = new AssetsEndpoint(originWriter, recentWrites, dispatcher);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = exchange.getRequestPath();
        HttpString method = exchange.getRequestMethod();
        Matcher entry = ENTRY.matcher(path);
        Matcher heartbeat = HEARTBEAT.matcher(path);
        Matcher node = NODE.matcher(path);
        if (path.equals("/api/v1/purges")) {
            if (method.equals(Methods.POST)) {
                entries.purge(exchange, require(exchange, Scope.PURGE));
            } else {
                allow(method, Methods.GET);
                require(exchange, Scope.READ);
                entries.listing(exchange, Kind.PURGE);
            }
        } else if (path.equals("/api/v1/pushes")) {
            if (method.equals(Methods.POST)) {
                entries.push(exchange, require(exchange, Scope.PUSH));
            } else {
                allow(method, Methods.GET);
                require(exchange, Scope.READ);
                entries.listing(exchange, Kind.PUSH);
            }
        } else if (entry.matches()) {
            allow(method, Methods.GET);
            require(exchange, Scope.READ);
            entries.show(exchange, entry.group(1).equals("purges") ? Kind.PURGE : Kind.PUSH, entry.group(2));
        } else if (path.equals("/api/v1/nodes")) {
            allow(method, Methods.GET);
            require(exchange, Scope.READ);
            HttpJson.send(exchange, 200, new Views.Nodes(registry.statuses()));
        } else if (path.equals("/api/v1/nodes/register")) {
            allow(method, Methods.POST);
            requireNodeListener(exchange);
            require(exchange, Scope.NODE);
            NodeRegistration registration = checked(body(exchange, NodeRegistration.class));
            requireCertificateFor(exchange, registration.id(), "register as node");
            HttpJson.send(exchange, 200, registry.register(registration));
        } else if (heartbeat.matches()) {
            allow(method, Methods.POST);
            requireNodeListener(exchange);
            require(exchange, Scope.NODE);
            String id = heartbeat.group(1);
            requireCertificateFor(exchange, id, "heartbeat as node");
            Heartbeat beat = body(exchange, Heartbeat.class);
            HttpJson.send(exchange, 200, registry.heartbeat(id, beat).orElseThrow(() -> new ApiException(404,
                    "unknown_node", "node '" + id + "' is not registered (it was removed, or the control plane lost its "
                    + "node store); register again")));
        } else if (node.matches()) {
            allow(method, Methods.DELETE);
            require(exchange, Scope.ADMIN);
            String id = node.group(1);
            if (!registry.remove(id)) {
                throw ApiException.notFound("no node '" + id + "'");
            }
            HttpJson.send(exchange, 200, new Views.Removed(id, true));
        } else if (path.equals("/api/v1/origin-events")) {
            allow(method, Methods.POST);
            if (!config.tls().map(ControlPlaneTls::allowPlainOriginEvents).orElse(true) && issuer.isPresent()
                    && !nodeListener) {
                throw new ApiException(403, "client_certificate_required", "with tls configured, origin change "
                        + "notices go to the mutual-TLS node listener (" + config.tls().get().nodeListen()
                        + ") with the origin's certificate (or set tls.allowPlainOriginEvents: true)");
            }
            Principal who = require(exchange, Scope.NODE, Scope.PURGE);
            ControlPlaneConfig.Origin origin = origin(exchange);
            requireCertificateFor(exchange, origin.id(), "send change notices for origin");
            entries.originEvent(exchange, who, origin);
        } else if (path.startsWith(AssetsEndpoint.PREFIX + "/")) {
            allow(method, Methods.PUT);
            Principal who = require(exchange, Scope.PUSH);
            ControlPlaneConfig.Origin origin = origin(exchange);
            limit(exchange, who, "push", config.rateLimits().pushesPerMinute());
            assets.put(exchange, origin, who);
        } else if (path.equals("/api/v1/join-tokens")) {
            allow(method, Methods.POST);
            require(exchange, Scope.ADMIN);
            HttpJson.send(exchange, 201, issuer(path).createToken(body(exchange, NodeIssuer.TokenRequest.class)));
        } else if (path.equals("/api/v1/join")) {
            allow(method, Methods.POST);
            NodeIssuer nodes = issuer(path);
            JoinRequest join = body(exchange, JoinRequest.class);
            HttpJson.send(exchange, 200, nodes.join(join.token(), join.csr()));
        } else if (path.equals("/api/v1/certificates/renew")) {
            allow(method, Methods.POST);
            NodeIssuer nodes = issuer(path);
            X509Certificate current = PeerCertificates.leaf(exchange).orElseThrow(() -> new ApiException(403,
                    "client_certificate_required", "renewals are taken only on the mutual-TLS node listener ("
                            + config.tls().map(ControlPlaneTls::nodeListen).orElse("") + "), authenticated by the "
                            + "certificate being renewed"));
            HttpJson.send(exchange, 200, nodes.renew(current, body(exchange, JoinRequest.class).csr()));
        } else if (path.equals("/api/v1/ca")) {
            allow(method, Methods.GET);
            X509Certificate ca = issuer(path).caCertificate();
            HttpJson.send(exchange, 200, new Views.Ca(Pem.encode(ca), Certificates.sha256(ca)));
        } else if (path.equals("/api/v1/route")) {
            allow(method, Methods.GET);
            require(exchange, Scope.READ);
            route(exchange);
        } else {
            throw ApiException.notFound("no such endpoint: " + method + " " + path);
        }
    }

    private NodeIssuer issuer(String path) {
        return issuer.orElseThrow(() -> new ApiException(404, "tls_not_configured", path
                + " needs the control plane's CA; add a tls block to its config"));
    }

    /** With TLS configured, node traffic must come over mutual TLS, never over the plain API listener. */
    private void requireNodeListener(HttpServerExchange exchange) {
        if (issuer.isPresent() && !nodeListener) {
            throw new ApiException(403, "client_certificate_required", "node traffic goes to the mutual-TLS node "
                    + "listener (" + config.tls().map(ControlPlaneTls::nodeListen).orElse("") + ") with a "
                    + "certificate from this control plane's CA; join first (POST /api/v1/join)");
        }
    }

    /** On the node listener, the client certificate must name {@code id}; see {@link CertifiedNode}. */
    private void requireCertificateFor(HttpServerExchange exchange, String id, String action) {
        if (nodeListener) {
            CertifiedNode.require(exchange, id, action);
        }
    }

    private Principal require(HttpServerExchange exchange, Scope... scopes) {
        return auth.require(Optional.ofNullable(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION)),
                scopes);
    }

    private void limit(HttpServerExchange exchange, Principal who, String action, int perMinute) {
        limit(rateLimiter, who, action, perMinute);
    }

    /** Takes one call from the token's budget for {@code action}; 429 with Retry-After when it is used up. */
    static void limit(RateLimiter rateLimiter, Principal who, String action, int perMinute) {
        OptionalLong retryAfter = rateLimiter.tryAcquire(who.name() + "/" + action, perMinute);
        if (retryAfter.isPresent()) {
            long seconds = retryAfter.getAsLong();
            throw new ApiException(429, "rate_limited", "token '" + who.name() + "' may " + action + " "
                    + perMinute + " times per minute; retry in " + seconds + " s")
                    .withHeader("Retry-After", Long.toString(seconds));
        }
    }

    private static void allow(HttpString method, HttpString allowed) {
        if (!method.equals(allowed)) {
            throw new ApiException(405, "method_not_allowed", "use " + allowed + " here, not " + method)
                    .withHeader("Allow", allowed.toString());
        }
    }

    /** The whole request body, at most {@code max} bytes (413 {@code body_too_large} beyond). */
    static byte[] bytes(HttpServerExchange exchange, int max) throws IOException {
        if (!exchange.isBlocking()) {
            exchange.startBlocking();
        }
        long declared = exchange.getRequestContentLength();
        if (declared > max) {
            exchange.setPersistent(false); // the unread body must not be taken for the next request
            throw new ApiException(413, "body_too_large", "request body is larger than " + max + " bytes");
        }
        byte[] bytes = exchange.getInputStream().readNBytes(max + 1);
        if (bytes.length > max) {
            exchange.setPersistent(false);
            throw new ApiException(413, "body_too_large", "request body is larger than " + max + " bytes");
        }
        return bytes;
    }

    private static <T> T body(HttpServerExchange exchange, Class<T> type) throws IOException {
        HttpJson.requireJsonContentType(exchange);
        return parse(bytes(exchange, MAX_BODY_BYTES), type);
    }

    static <T> T parse(byte[] bytes, Class<T> type) {
        if (bytes.length == 0) {
            throw ApiException.badRequest("bad_json", "request body is empty; expected a JSON object");
        }
        T value = HttpJson.read(bytes, type);
        if (value == null) {
            throw ApiException.badRequest("bad_json", "request body is null; expected a JSON object");
        }
        return value;
    }

    private NodeRegistration checked(NodeRegistration r) {
        if (r.id() == null || !NODE_ID.matcher(r.id()).matches()) {
            throw ApiException.badRequest("bad_node", "id must be 1..64 letters, digits, '.', '_' or '-', was '"
                    + r.id() + "'");
        }
        if (r.region() == null || !config.regionNames().contains(r.region())) {
            throw ApiException.badRequest("unknown_region", "region: '" + r.region()
                    + "' is not a configured region " + config.regionNames());
        }
        checkHttpUrl("publicUrl", r.publicUrl());
        r.adminUrl().ifPresent(u -> checkHttpUrl("adminUrl", u));
        if (r.appliedSequence() < 0) {
            throw ApiException.badRequest("bad_node", "appliedSequence must be >= 0, was " + r.appliedSequence());
        }
        return r;
    }

    private static void checkHttpUrl(String field, URI url) {
        if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                || url.getHost() == null) {
            throw ApiException.badRequest("bad_url", field + ": '" + url + "' is not an absolute http(s) URL");
        }
    }

    /** The origin named by {@code ?origin=}, or the only one configured. */
    private ControlPlaneConfig.Origin origin(HttpServerExchange exchange) {
        Optional<String> originId = query(exchange, "origin");
        List<ControlPlaneConfig.Origin> origins = config.origins();
        if (originId.isPresent()) {
            return origins.stream().filter(o -> o.id().equals(originId.get())).findFirst()
                    .orElseThrow(() -> ApiException.badRequest("unknown_origin", "origin: '" + originId.get()
                            + "' is not configured; known: " + origins.stream().map(o -> o.id()).toList()));
        }
        if (origins.size() == 1) {
            return origins.get(0);
        }
        throw ApiException.badRequest("unknown_origin", "origin: name the origin with ?origin=<id>; known: "
                + origins.stream().map(o -> o.id()).toList());
    }

    private void route(HttpServerExchange exchange) {
        String url = query(exchange, "url").orElseThrow(() -> ApiException.badRequest("missing_url",
                "url: give the URL to route, e.g. ?url=http://www.example.com/app.js"));
        EntryRequests.checkUrl("url", url);
        URI uri = URI.create(url);
        String peer = query(exchange, "client").map(c -> {
            if (Cidr.literal(c).isEmpty()) {
                throw ApiException.badRequest("bad_client", "client must be an IPv4 or IPv6 address, was '" + c
                        + "'");
            }
            return c;
        }).orElseGet(() -> SteeringHandler.peer(exchange));
        String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        Decision decision = query(exchange, "client").isPresent()
                ? steering.decideFor(peer, uri.getHost(), rawPath)
                : steering.decide(exchange, peer, uri.getHost(), rawPath);
        HttpJson.send(exchange, 200, Views.Route.of(decision,
                SteeringHandler.location(decision, rawPath, uri.getRawQuery())));
    }

    static Optional<String> query(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }
}
