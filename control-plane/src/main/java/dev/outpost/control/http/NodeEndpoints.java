package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RouteTable;
import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.control.stats.TrafficStats;
import io.undertow.util.HttpString;
import java.util.Optional;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.registry.Registry;
import io.undertow.server.HttpServerExchange;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * The node registry's resource: {@code GET /api/v1/nodes}, {@code POST /api/v1/nodes/register}, {@code POST
 * /api/v1/nodes/{id}/heartbeat} and {@code DELETE /api/v1/nodes/{id}}. The route table has checked the listener,
 * the token and the body; a registration is held to its certificate here, once its body names the node.
 */
final class NodeEndpoints {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final ControlPlaneConfig config;
    private final Registry registry;
    private final ListenerRules listener;
    private final TrafficStats traffic;

    NodeEndpoints(ControlPlaneConfig config, Registry registry, ListenerRules listener, TrafficStats traffic) {
        this.config = config;
        this.registry = registry;
        this.listener = listener;
        this.traffic = traffic;
    }

    /** {@code GET /api/v1/nodes}. */
    void list(HttpServerExchange exchange) {
        HttpJson.send(exchange, 200, new Views.Nodes(registry.statuses()));
    }

    /** {@code POST /api/v1/nodes/register}. */
    void register(HttpServerExchange exchange) {
        NodeRegistration registration = checked(JsonBody.read(exchange, NodeRegistration.class));
        listener.certify(exchange, registration.id(), "register as node");
        HttpJson.send(exchange, 200, registry.register(registration));
    }

    /** {@code POST /api/v1/nodes/{id}/heartbeat}. */
    void heartbeat(HttpServerExchange exchange) {
        String id = RouteTable.parameter(exchange, "id");
        Heartbeat beat = JsonBody.read(exchange, Heartbeat.class);
        HeartbeatReply reply = registry.heartbeat(id, beat).orElseThrow(() -> new ApiException(404,
                "unknown_node", "node '" + id + "' is not registered (it was removed, or the control plane lost its "
                + "node store); register again"));
        // counted only for a node the registry knows; a batch sent again (lost reply) is counted once
        Optional.ofNullable(beat.traffic()).ifPresent(batch -> traffic.accept(id, batch));
        exchange.getResponseHeaders().put(new HttpString(Heartbeat.TRAFFIC_HEADER), "1");
        HttpJson.send(exchange, 200, reply);
    }

    /** {@code DELETE /api/v1/nodes/{id}}. */
    void remove(HttpServerExchange exchange) {
        String id = RouteTable.parameter(exchange, "id");
        if (!registry.remove(id)) {
            throw ApiException.notFound("no node '" + id + "'");
        }
        HttpJson.send(exchange, 200, new Views.Removed(id, true));
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
        if (r.kind() == NodeRegistration.Kind.ORIGIN && r.role() == NodeRegistration.Role.SHIELD) {
            throw ApiException.badRequest("bad_node", "role: only an edge can be a shield; origin '" + r.id()
                    + "' registered with role shield");
        }
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
}
