package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * The control-plane API as the client commands use it: base URL and bearer token from flags or the environment
 * ({@code OUTPOST_API}, {@code OUTPOST_TOKEN}); JSON in, JSON out; a failed call becomes one line naming the URL
 * tried and the reason ({@link CallFailures}). A picocli mixin, so every client command takes the same flags,
 * {@code --json} included.
 */
final class ApiClient {
    static final String DEFAULT_API = "http://127.0.0.1:8000";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    @Option(names = "--api", paramLabel = "URL",
            description = "control-plane API base URL, http:// or https:// (env OUTPOST_API; default " + DEFAULT_API
                    + "); HOST:PORT alone is taken as http://HOST:PORT")
    Optional<String> api = Optional.empty();

    @Option(names = "--token", paramLabel = "TOKEN", description = "API token (env OUTPOST_TOKEN)")
    Optional<String> token = Optional.empty();

    @Option(names = "--json", description = "print the API's answer as one line of JSON and nothing else on "
            + "stdout (errors still go to stderr, with the same exit codes)")
    boolean json;

    /** Built on the first call: building one loads TLS and the trust store, which --help never needs. */
    private HttpClient http;

    /** A failed call: names the URL and why; nothing else to add for the user. */
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

    /**
     * Stops the client's selector thread. Needed for a quick exit, not only tidiness: System.exit waits up to 300 ms
     * for threads blocked in native code to settle (HotSpot's VM_Exit), and the selector waits in epoll.
     */
    void close() {
        if (http != null) {
            http.close();
            http = null;
        }
    }

    /** Whether the command prints the API's JSON instead of its table. */
    boolean json() {
        return json;
    }

    JsonNode get(String path, Duration timeout) {
        URI url = url(path);
        return send(url, HttpRequest.newBuilder(url).GET(), timeout);
    }

    /**
     * Posts with a fresh {@code Idempotency-Key}, and sends the very same request again (same key) when the answer
     * was lost on the way (timeout, reset connection): the control plane then answers with the entry the first try
     * made instead of logging a second one.
     */
    JsonNode post(String path, Object body) {
        URI url = url(path);
        String key = java.util.UUID.randomUUID().toString();
        byte[] json = Json.bytes(body);
        Failure lost = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return send(url, HttpRequest.newBuilder(url).header("Content-Type", "application/json")
                        .header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(json)), Duration.ofSeconds(30));
            } catch (Lost e) {
                lost = e;
            }
        }
        throw lost;
    }

    /**
     * Checks the base URL and the token without sending anything, so a command can refuse bad flags before it
     * does anything else.
     */
    void check() {
        base();
        secret();
    }

    /**
     * The API base: {@code --api}, else {@code OUTPOST_API}, else the default. A value without a scheme
     * ({@code 127.0.0.1:8000}, as {@code listen:} is written in cp.yml) is taken as http://, as curl does; any
     * scheme but http and https, a missing host, a query or a fragment is refused naming the value and its source.
     */
    URI base() {
        String source = api.isPresent() ? "--api" : "OUTPOST_API";
        String raw = api.or(() -> Optional.ofNullable(System.getenv("OUTPOST_API")).filter(s -> !s.isBlank()))
                .orElse(DEFAULT_API).strip();
        URI uri;
        try {
            uri = new URI(raw.contains("://") ? raw : "http://" + raw);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(source + " is not a URL: '" + raw + "' (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(source + " must be an http:// or https:// URL, was '" + raw + "'");
        }
        if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(source + " must look like http://HOST:PORT (a path is allowed; no "
                    + "user, query or fragment), was '" + raw + "'");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    private URI url(String path) {
        return URI.create(base() + path);
    }

    private String secret() {
        return token.or(() -> Optional.ofNullable(System.getenv("OUTPOST_TOKEN")).filter(s -> !s.isBlank()))
                .orElseThrow(() -> new IllegalArgumentException("give --token TOKEN or set OUTPOST_TOKEN"));
    }

    private JsonNode send(URI url, HttpRequest.Builder request, Duration timeout) {
        request.header("Authorization", "Bearer " + secret()).timeout(timeout);
        if (http == null) {
            http = client(url);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw CallFailures.of(url, e, CONNECT_TIMEOUT, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while calling " + url);
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (RuntimeException e) {
            throw CallFailures.notJson(url, response);
        }
        if (response.statusCode() >= 400) {
            throw new Failure("the control plane at " + url + " answered HTTP " + response.statusCode() + " "
                    + text(body, "error") + ": " + text(body, "message")
                    + response.headers().firstValue("Retry-After").map(s -> " (retry after " + s + " s)").orElse(""));
        }
        return body;
    }

    /**
     * The JDK's client, which wants TLS settings even for plain http://: by default it loads and parses the JDK's
     * whole trust store (a tenth of a client command's run) before the first request. For an http:// API it gets a
     * TLS context that is never initialised, since no TLS connection is ever made (redirects are not followed).
     */
    private static HttpClient client(URI url) {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (url.getScheme().equals("http")) {
            try {
                client.sslContext(SSLContext.getInstance("TLS")).sslParameters(new SSLParameters());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no TLS", e);
            }
        }
        return client.build();
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? "-" : value.asString();
    }
}
