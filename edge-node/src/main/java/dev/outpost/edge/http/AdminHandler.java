package dev.outpost.edge.http;

import dev.outpost.common.auth.BearerCredentials;
import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.edge.cache.Purger;
import dev.outpost.edge.cache.Pusher;
import dev.outpost.edge.control.AppliedSequence;
import dev.outpost.edge.origin.Prefetcher;
import dev.outpost.edge.origin.Routes;
import dev.outpost.edge.tls.UploadedCertificates;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The admin API (bearer token): purge, prefetch and push, each a thin adapter over {@link Purger},
 * {@link Prefetcher} and {@link Pusher}. A purge or prefetch carrying {@value #SEQUENCE_HEADER} (a live push from
 * the control plane) passes the {@link AppliedSequence} gate, so it is applied once and in order with the
 * heartbeat catch-up. Runs behind a blocking dispatch (see {@link EdgeHandlers}).
 */
public final class AdminHandler implements HttpHandler {
    /** Sent by the control plane on live pushes: the entry's sequence in its invalidation log. */
    public static final String SEQUENCE_HEADER = "X-Outpost-Sequence";
    private static final int MAX_JSON_BYTES = 1024 * 1024;
    private static final String CERTIFICATES = "/_edge/certificates/";

    /** Body of {@code POST /_edge/prefetch}. */
    public record PrefetchRequest(List<String> urls) {
        public PrefetchRequest {
            if (urls == null || urls.isEmpty()) {
                throw new IllegalArgumentException("urls must list at least one URL");
            }
            urls = List.copyOf(urls);
        }
    }

    /** Answer to a sequenced purge or prefetch that was applied before: acknowledged, not applied again. */
    public record AlreadyApplied(long sequence, long appliedSequence, boolean alreadyApplied) {
    }

    /** Answer of {@code PUT /_edge/objects}. */
    public record PushAnswer(String key, int bytes, boolean stored) {
    }

    private final byte[] token;
    private final Routes routes;
    private final Purger purger;
    private final Prefetcher prefetcher;
    private final Pusher pusher;
    private final long maxObjectBytes;
    private final AppliedSequence applied;
    private final Optional<UploadedCertificates> certificates;

    /** Body of {@code PUT /_edge/certificates/{host}}: a leaf-first PEM chain and its unencrypted PEM key. */
    public record CertificateUpload(String certificate, String key) {
    }

    /** Answer of {@code GET /_edge/certificates}. */
    public record CertificateList(List<UploadedCertificates.Served> certificates) {
    }

    /** Answer of {@code DELETE /_edge/certificates/{host}}. */
    public record CertificateRemoved(String host, boolean removed) {
    }

    public AdminHandler(String token, Routes routes, Purger purger, Prefetcher prefetcher, Pusher pusher,
            long maxObjectBytes, AppliedSequence applied) {
        this(token, routes, purger, prefetcher, pusher, maxObjectBytes, applied, Optional.empty());
    }

    /** @param certificates per-host certificate uploads, when the edge has TLS configured */
    public AdminHandler(String token, Routes routes, Purger purger, Prefetcher prefetcher, Pusher pusher,
            long maxObjectBytes, AppliedSequence applied, Optional<UploadedCertificates> certificates) {
        this.certificates = certificates;
        this.token = sha256(token);
        this.routes = routes;
        this.purger = purger;
        this.prefetcher = prefetcher;
        this.pusher = pusher;
        this.maxObjectBytes = maxObjectBytes;
        this.applied = applied;
    }

    @Override
    public void handleRequest(HttpServerExchange ex) throws Exception {
        // Both sides hashed: the comparison takes the same time whatever the length or prefix of the guess.
        Optional<byte[]> given = BearerCredentials.token(ex.getRequestHeaders().getFirst(Headers.AUTHORIZATION))
                .map(AdminHandler::sha256);
        if (given.isEmpty() || !MessageDigest.isEqual(token, given.get())) {
            throw new ApiException(401, "unauthorized", "admin requests need 'Authorization: Bearer <admin token>'");
        }
        String method = ex.getRequestMethod().toString();
        switch (ex.getRequestPath()) {
            case "/_edge/purge" -> {
                requireMethod(method, "POST");
                Purger.Request request = HttpJson.read(body(ex, MAX_JSON_BYTES), Purger.Request.class);
                try {
                    HttpJson.send(ex, 200, sequenced(ex, () -> purger.purge(request)));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("bad_purge", e.getMessage());
                }
            }
            case "/_edge/prefetch" -> {
                requireMethod(method, "POST");
                PrefetchRequest request = HttpJson.read(body(ex, MAX_JSON_BYTES), PrefetchRequest.class);
                HttpJson.send(ex, 200, sequenced(ex, () -> prefetcher.prefetch(request.urls(), Requests.client(ex))));
            }
            case "/_edge/objects" -> {
                requireMethod(method, "PUT");
                URI url = pushUrl(ex);
                Pusher.Result result = pusher.push(url, Requests.fields(ex), body(ex, maxObjectBytes));
                if (!result.stored()) {
                    throw new ApiException(422, "not_storable", "the cache rules refuse to store this object: "
                            + result.reason().orElse("unknown"));
                }
                HttpJson.send(ex, 201, new PushAnswer(result.key(), result.bytes(), true));
            }
            case "/_edge/certificates" -> {
                requireMethod(method, "GET");
                HttpJson.send(ex, 200, new CertificateList(certificates().list()));
            }
            default -> {
                if (ex.getRequestPath().startsWith(CERTIFICATES)) {
                    certificate(ex, method, ex.getRequestPath().substring(CERTIFICATES.length()));
                } else {
                    throw ApiException.notFound("no admin endpoint " + ex.getRequestPath());
                }
            }
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private void certificate(HttpServerExchange ex, String method, String host) throws IOException {
        UploadedCertificates uploads = certificates();
        try {
            if (method.equals("PUT")) {
                CertificateUpload upload = HttpJson.read(body(ex, MAX_JSON_BYTES), CertificateUpload.class);
                HttpJson.send(ex, 200, uploads.put(host, upload.certificate(), upload.key()));
            } else if (method.equals("DELETE")) {
                if (!uploads.remove(host)) {
                    throw ApiException.notFound("no certificate uploaded for '" + host + "'");
                }
                HttpJson.send(ex, 200, new CertificateRemoved(host, true));
            } else {
                throw new ApiException(405, "method_not_allowed", "use PUT or DELETE");
            }
        } catch (UploadedCertificates.Refused e) {
            throw ApiException.badRequest(e.code(), e.getMessage());
        }
    }

    private UploadedCertificates certificates() {
        return certificates.orElseThrow(() -> new ApiException(404, "tls_not_configured",
                "certificate uploads need a tls block (tls.dir) in the edge config"));
    }

    /** Applies at once without a sequence header (an operator's call); through the gate with one. */
    private Object sequenced(HttpServerExchange ex, Supplier<?> apply) {
        String header = ex.getRequestHeaders().getFirst(SEQUENCE_HEADER);
        if (header == null) {
            return apply.get();
        }
        long sequence;
        try {
            sequence = Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            sequence = -1;
        }
        if (sequence <= 0) {
            throw ApiException.badRequest("bad_sequence", SEQUENCE_HEADER + " must be a positive number, was '"
                    + header + "'");
        }
        long s = sequence;
        return switch (applied.apply(sequence, apply)) {
            case AppliedSequence.Applied<?> a -> a.result();
            case AppliedSequence.AlreadyApplied<?> a -> new AlreadyApplied(s, a.highest(), true);
            case AppliedSequence.NotRegistered<?> n -> throw new ApiException(409, "not_registered",
                    "entry " + s + " not applied: this edge has not registered with a control plane yet, so it "
                            + "takes sequenced entries from its heartbeat catch-up");
        };
    }

    private URI pushUrl(HttpServerExchange ex) {
        Deque<String> param = ex.getQueryParameters().get("url");
        if (param == null || param.isEmpty()) {
            throw ApiException.badRequest("missing_url", "PUT /_edge/objects needs ?url=<absolute URL>");
        }
        URI url;
        try {
            url = URI.create(param.getFirst());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("bad_url", "url '" + param.getFirst() + "' is not a URL");
        }
        if (url.getHost() == null || routes.find(url.getHost()).isEmpty()) {
            throw new ApiException(404, "unknown_host", "url '" + url + "' names no host this edge serves");
        }
        return url;
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "method_not_allowed", "use " + expected);
        }
    }

    private static byte[] body(HttpServerExchange ex, long limit) throws IOException {
        byte[] body = ex.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            throw new ApiException(413, "body_too_large", "request bodies here are limited to " + limit + " bytes");
        }
        return body;
    }

}
