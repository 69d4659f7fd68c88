package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.RouteTable;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.ControlPlaneTls;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;

/**
 * Which listener takes node traffic, for the table of one listener. With TLS configured, registrations and
 * heartbeats come only over the mutual-TLS node listener, from the node the client certificate was issued to
 * ({@link CertifiedNode}); origin change notices too, unless {@code tls.allowPlainOriginEvents}. Without TLS the
 * plain API listener takes them with the bearer token alone.
 */
final class ListenerRules {
    private final ControlPlaneConfig config;
    private final boolean tls;
    private final boolean nodeListener;

    /**
     * @param tls          whether the control plane has a CA (a {@code tls} block)
     * @param nodeListener true for the mutual-TLS node listener's table (every client showed a certificate from our
     *                     CA)
     */
    ListenerRules(ControlPlaneConfig config, boolean tls, boolean nodeListener) {
        this.config = config;
        this.tls = tls;
        this.nodeListener = nodeListener;
    }

    /** With TLS configured, node traffic must come over mutual TLS, never over the plain API listener. */
    HandlerWrapper nodeListenerOnly() {
        return next -> exchange -> {
            if (tls && !nodeListener) {
                throw new ApiException(403, "client_certificate_required", "node traffic goes to the mutual-TLS node "
                        + "listener (" + config.tls().map(ControlPlaneTls::nodeListen).orElse("") + ") with a "
                        + "certificate from this control plane's CA; join first (POST /api/v1/join)");
            }
            next.handleRequest(exchange);
        };
    }

    /** Origin change notices: as node traffic, unless the plain listener is allowed to take them. */
    HandlerWrapper originEvents() {
        return next -> exchange -> {
            if (!config.tls().map(ControlPlaneTls::allowPlainOriginEvents).orElse(true) && tls && !nodeListener) {
                throw new ApiException(403, "client_certificate_required", "with tls configured, origin change "
                        + "notices go to the mutual-TLS node listener (" + config.tls().get().nodeListen()
                        + ") with the origin's certificate (or set tls.allowPlainOriginEvents: true)");
            }
            next.handleRequest(exchange);
        };
    }

    /** On the node listener, the client certificate must name the node of path parameter {@code parameter}. */
    HandlerWrapper certifiedAs(String parameter, String action) {
        return next -> exchange -> {
            certify(exchange, RouteTable.parameter(exchange, parameter), action);
            next.handleRequest(exchange);
        };
    }

    /** On the node listener, the client certificate must name the origin the notice speaks for. */
    HandlerWrapper certifiedOrigin(String action) {
        return next -> exchange -> {
            certify(exchange, Origins.of(exchange).id(), action);
            next.handleRequest(exchange);
        };
    }

    /** On the node listener, the client certificate must name {@code id}; see {@link CertifiedNode}. */
    void certify(HttpServerExchange exchange, String id, String action) {
        if (nodeListener) {
            CertifiedNode.require(exchange, id, action);
        }
    }
}
