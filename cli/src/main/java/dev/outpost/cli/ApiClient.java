package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * The control-plane API as the client commands use it: base URL and bearer token from flags or the environment
 * ({@code OUTPOST_API}, {@code OUTPOST_TOKEN}); JSON in, JSON out; an error answer becomes one readable line.
 * A picocli mixin, so every client command takes the same two flags.
 */
final class ApiClient {
    static final String DEFAULT_API = "http://127.0.0.1:8000";

    @Option(names = "--api", paramLabel = "URL",
            description = "control-plane API base URL (env OUTPOST_API; default " + DEFAULT_API + ")")
    Optional<URI> api = Optional.empty();

    @Option(names = "--token", paramLabel = "TOKEN", description = "API token (env OUTPOST_TOKEN)")
    Optional<String> token = Optional.empty();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A failed call: the HTTP status and the API's error code and message. */
    static class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    /** The request may have arrived but its answer did not (not a refused connection): safe to repeat with a key. */
    static final class Lost extends Failure {
        Lost(String message) {
            super(message);
        }
    }

    JsonNode get(String path, Duration timeout) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), timeout);
    }

    /**
     * Posts with a fresh {@code Idempotency-Key}, and sends the very same request again (same key) when the answer
     * was lost on the way (timeout, reset connection): the control plane then answers with the entry the first try
     * made instead of logging a second one.
     */
    JsonNode post(String path, Object body) {
        String key = java.util.UUID.randomUUID().toString();
        byte[] json = Json.bytes(body);
        Failure lost = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json)), Duration.ofSeconds(30));
            } catch (Lost e) {
                lost = e;
            }
        }
        throw lost;
    }

    private URI uri(String path) {
        String base = api.or(() -> Optional.ofNullable(System.getenv("OUTPOST_API")).map(URI::create))
                .map(URI::toString).orElse(DEFAULT_API);
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    private JsonNode send(HttpRequest.Builder request, Duration timeout) {
        String secret = token.or(() -> Optional.ofNullable(System.getenv("OUTPOST_TOKEN")))
                .orElseThrow(() -> new Failure("give --token TOKEN or set OUTPOST_TOKEN"));
        request.header("Authorization", "Bearer " + secret).timeout(timeout);
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.ConnectException e) {
            throw new Failure("cannot reach the control plane at " + uri("") + ": " + e);
        } catch (IOException e) {
            throw new Lost("no answer from the control plane at " + uri("") + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (RuntimeException e) {
            throw new Failure("HTTP " + response.statusCode() + " with a body that is not JSON");
        }
        if (response.statusCode() >= 400) {
            throw new Failure("HTTP " + response.statusCode() + " " + text(body, "error") + ": "
                    + text(body, "message")
                    + response.headers().firstValue("Retry-After").map(s -> " (retry after " + s + " s)").orElse(""));
        }
        return body;
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? "-" : value.asString();
    }
}
