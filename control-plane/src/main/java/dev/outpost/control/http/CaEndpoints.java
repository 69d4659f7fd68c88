package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.PeerCertificates;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.wire.JoinRequest;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.ControlPlaneTls;
import dev.outpost.control.Scope;
import dev.outpost.control.tls.NodeIssuer;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The CA's resources: {@code POST /api/v1/join-tokens}, {@code POST /api/v1/join}, {@code POST
 * /api/v1/certificates/renew} and {@code GET /api/v1/ca}. Each route declares {@link #configured} (404
 * {@code tls_not_configured} without a {@code tls} block); a renewal also {@link #clientCertificate}. A token with
 * scope {@code enroll} (and not {@code admin}) makes join tokens only for node ids that no healthy registered node
 * (heard from within {@code heartbeat.timeout}) and no configured origin has: a node that enrols itself cannot mint a
 * certificate naming a node that is running, while an edge restarted with a new address may join again once its old
 * registration went silent.
 */
final class CaEndpoints {
    private final ControlPlaneConfig config;
    private final Optional<NodeIssuer> issuer;
    private final Predicate<String> idInUse; // a healthy registered node or a configured origin has this id

    CaEndpoints(ControlPlaneConfig config, Optional<NodeIssuer> issuer, Predicate<String> idInUse) {
        this.config = config;
        this.issuer = issuer;
        this.idInUse = idInUse;
    }

    /** The route needs the control plane's CA. */
    HandlerWrapper configured() {
        return next -> exchange -> {
            if (issuer.isEmpty()) {
                throw new ApiException(404, "tls_not_configured", exchange.getRequestPath()
                        + " needs the control plane's CA; add a tls block to its config");
            }
            next.handleRequest(exchange);
        };
    }

    /** The route is authenticated by the client certificate (only the mutual-TLS node listener asks for one). */
    HandlerWrapper clientCertificate() {
        return next -> exchange -> {
            if (PeerCertificates.leaf(exchange).isEmpty()) {
                throw new ApiException(403, "client_certificate_required", "renewals are taken only on the "
                        + "mutual-TLS node listener (" + config.tls().map(ControlPlaneTls::nodeListen).orElse("")
                        + "), authenticated by the certificate being renewed");
            }
            next.handleRequest(exchange);
        };
    }

    /** {@code POST /api/v1/join-tokens}. */
    void createToken(HttpServerExchange exchange) {
        NodeIssuer.TokenRequest request = JsonBody.read(exchange, NodeIssuer.TokenRequest.class);
        if (!Auth.principal(exchange).may(Scope.ADMIN) && request.node() != null
                && idInUse.test(request.node())) {
            throw new ApiException(403, "node_in_use", "node '" + request.node() + "' is a healthy registered node "
                    + "or a configured origin: a token with scope enroll makes join tokens only for ids not in use "
                    + "(a registered node qualifies once silent for heartbeat.timeout); an admin token may always");
        }
        HttpJson.send(exchange, 201, issuer().createToken(request));
    }

    /** {@code POST /api/v1/join}. */
    void join(HttpServerExchange exchange) {
        JoinRequest join = JsonBody.read(exchange, JoinRequest.class);
        HttpJson.send(exchange, 200, issuer().join(join.token(), join.csr()));
    }

    /** {@code POST /api/v1/certificates/renew}. */
    void renew(HttpServerExchange exchange) {
        X509Certificate current = PeerCertificates.leaf(exchange).orElseThrow();
        HttpJson.send(exchange, 200, issuer().renew(current, JsonBody.read(exchange, JoinRequest.class).csr()));
    }

    /** {@code GET /api/v1/ca}. */
    void show(HttpServerExchange exchange) {
        X509Certificate ca = issuer().caCertificate();
        HttpJson.send(exchange, 200, new Views.Ca(Pem.encode(ca), Certificates.sha256(ca)));
    }

    private NodeIssuer issuer() {
        return issuer.orElseThrow(); // the route's configured() let the call through only with a CA
    }
}
