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
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import tools.jackson.databind.JsonNode;

/**
 * One JSON API (the control plane's, an origin's) as a client command calls it: bearer token, JSON answer, and a
 * failed call as one line naming the URL tried and the reason ({@link CallFailures}). Closed when the command ends.
 */
final class JsonApi implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final CallFailures failures;
    /** Built on the first call: building one loads TLS classes, which --help and flag errors never need. */
    private HttpClient http;

    /** {@code peer} names the server ("control plane"), {@code source} where its URL came from ("--api"). */
    JsonApi(String peer, String source) {
        this.failures = new CallFailures(peer, source);
    }

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
     * A base URL as a user gives it: {@code HOST:PORT} without a scheme (as {@code listen:} is written in the
     * configs) is taken as http://, as curl does; any scheme but http and https, a missing host, a user, a query or
     * a fragment is refused naming the value and {@code source}. Trailing slashes are dropped.
     */
    static URI baseUrl(String raw, String source) {
        String value = raw.strip();
        URI uri;
        try {
            uri = new URI(value.contains("://") ? value : "http://" + value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(source + " is not a URL: '" + raw + "' (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
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

    /** Sends the request to {@code url} with the bearer token; the JSON answer, or a {@link Failure}. */
    JsonNode send(URI url, HttpRequest.Builder request, String token, Duration timeout) {
        request.header("Authorization", "Bearer " + token).timeout(timeout);
        if (http == null) {
            http = client(url);
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw failures.of(url, e, CONNECT_TIMEOUT, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while calling " + url);
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (RuntimeException e) {
            throw failures.notJson(url, response);
        }
        if (response.statusCode() >= 400) {
            throw failures.errorAnswer(url, response, body);
        }
        return body;
    }

    /**
     * Stops the client's selector thread. Needed for a quick exit, not only tidiness: System.exit waits up to 300 ms
     * for threads blocked in native code to settle (HotSpot's VM_Exit), and the selector waits in epoll.
     */
    @Override
    public void close() {
        if (http != null) {
            http.close();
            http = null;
        }
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
