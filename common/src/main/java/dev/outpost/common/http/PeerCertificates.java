package dev.outpost.common.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.RenegotiationRequiredException;
import io.undertow.server.SSLSessionInfo;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;

/** The client certificate a mutual-TLS handshake verified for this exchange's connection, if any. */
public final class PeerCertificates {
    private PeerCertificates() {
    }

    /** The client's leaf certificate; empty on plain HTTP or when the client showed none. */
    public static Optional<X509Certificate> leaf(HttpServerExchange exchange) {
        SSLSessionInfo ssl = exchange.getConnection().getSslSessionInfo();
        if (ssl == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = ssl.getPeerCertificates();
            return chain != null && chain.length > 0 && chain[0] instanceof X509Certificate leaf ? Optional.of(leaf)
                    : Optional.empty();
        } catch (SSLPeerUnverifiedException | RenegotiationRequiredException e) {
            return Optional.empty();
        }
    }
}
