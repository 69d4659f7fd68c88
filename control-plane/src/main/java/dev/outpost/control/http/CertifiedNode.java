package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.PeerCertificates;
import dev.outpost.control.tls.NodeIssuer;
import io.undertow.server.HttpServerExchange;
import java.security.cert.X509Certificate;

/**
 * Holds node traffic on the mutual-TLS node listener to the node its client certificate was issued to (the
 * {@code outpost:node:<id>} URI the CA put in it at the join): one node's genuine certificate cannot register,
 * heartbeat or send change notices as another. The plain listener takes node traffic only without TLS (or origin
 * events with {@code tls.allowPlainOriginEvents}), where there is no certificate to hold it to.
 */
final class CertifiedNode {
    private CertifiedNode() {
    }

    /**
     * 403 {@code node_id_mismatch} unless the presented certificate names {@code id}; 403 {@code node_id_missing}
     * for a certificate without a node id (issued before ids were bound; the node joins again).
     */
    static void require(HttpServerExchange exchange, String id, String action) {
        X509Certificate presented = PeerCertificates.leaf(exchange).orElseThrow(() -> new ApiException(403,
                "client_certificate_required", "the node listener needs a client certificate from this control "
                        + "plane's CA"));
        String certified = NodeIssuer.nodeId(presented);
        if (!certified.equals(id)) {
            throw new ApiException(403, "node_id_mismatch", "the client certificate was issued to node '"
                    + certified + "'; it may not " + action + " '" + id + "' (each node uses the certificate its "
                    + "own join token bought)");
        }
    }
}
