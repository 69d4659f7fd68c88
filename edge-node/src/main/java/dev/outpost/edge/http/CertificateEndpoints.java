package dev.outpost.edge.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RouteTable;
import dev.outpost.edge.tls.UploadedCertificates;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The per-host certificates of the edge's HTTPS listener: {@code GET /_edge/certificates}, {@code PUT} and
 * {@code DELETE /_edge/certificates/{host}}. Each route declares {@link #configured} (404 {@code tls_not_configured}
 * without a {@code tls} block); an upload {@link UploadedCertificates} refuses is a 400 naming the part.
 */
final class CertificateEndpoints {
    /** Body of {@code PUT /_edge/certificates/{host}}: a leaf-first PEM chain and its unencrypted PEM key. */
    record CertificateUpload(String certificate, String key) {
    }

    /** Answer of {@code GET /_edge/certificates}. */
    record CertificateList(List<UploadedCertificates.Served> certificates) {
    }

    /** Answer of {@code DELETE /_edge/certificates/{host}}. */
    record CertificateRemoved(String host, boolean removed) {
    }

    private final Optional<UploadedCertificates> uploads;

    CertificateEndpoints(Optional<UploadedCertificates> uploads) {
        this.uploads = uploads;
    }

    /** The route needs the edge's TLS directory. */
    HandlerWrapper configured() {
        return next -> exchange -> {
            if (uploads.isEmpty()) {
                throw new ApiException(404, "tls_not_configured",
                        "certificate uploads need a tls block (tls.dir) in the edge config");
            }
            next.handleRequest(exchange);
        };
    }

    void list(HttpServerExchange exchange) {
        HttpJson.send(exchange, 200, new CertificateList(uploads.orElseThrow().list()));
    }

    void put(HttpServerExchange exchange) throws IOException {
        CertificateUpload upload = HttpJson.read(AdminBodies.read(exchange, AdminBodies.MAX_JSON_BYTES),
                CertificateUpload.class);
        HttpJson.send(exchange, 200, uploads.orElseThrow().put(RouteTable.parameter(exchange, "host"),
                upload.certificate(), upload.key()));
    }

    void remove(HttpServerExchange exchange) {
        String host = RouteTable.parameter(exchange, "host");
        if (!uploads.orElseThrow().remove(host)) {
            throw ApiException.notFound("no certificate uploaded for '" + host + "'");
        }
        HttpJson.send(exchange, 200, new CertificateRemoved(host, true));
    }
}
