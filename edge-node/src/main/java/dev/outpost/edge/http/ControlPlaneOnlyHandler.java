package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.PeerCertificates;
import dev.outpost.common.tls.Certificates;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.security.cert.X509Certificate;

/**
 * On a mutual-TLS admin listener: lets through only a client whose certificate (already verified against our CA
 * by the handshake) is the control plane's, i.e. carries {@link Certificates#CONTROL_PLANE_NAME}, which the CA
 * never issues to a node. Another node's certificate gets 403 {@code not_control_plane}.
 */
final class ControlPlaneOnlyHandler implements HttpHandler {
    private final HttpHandler next;

    ControlPlaneOnlyHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        X509Certificate peer = PeerCertificates.leaf(exchange).orElseThrow(() -> new ApiException(403,
                "client_certificate_required", "this admin listener takes only the control plane's certificate"));
        if (!Certificates.dnsNames(peer).contains(Certificates.CONTROL_PLANE_NAME)) {
            throw new ApiException(403, "not_control_plane", "the client certificate ("
                    + peer.getSubjectX500Principal().getName() + ") is not the control plane's");
        }
        next.handleRequest(exchange);
    }
}
