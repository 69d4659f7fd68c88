package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * One JSON API (the control plane's, an origin's) as a client command calls it: bearer token, JSON answer, and a
 * failed call as one line naming the URL tried and the reason ({@link CallFailures}).
 *
 * <p>Calls go through {@link HttpURLConnection}, the JDK's plain blocking client: a command makes one or two calls
 * and exits, and that client is ready in a few tens of milliseconds, where {@code java.net.http.HttpClient} (its
 * selector thread, its asynchronous pipeline, its TLS setup even for http://) took a third of a command's run.
 */
final class JsonApi {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final CallFailures failures;

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

    /** The peer answered with an error status (4xx, 5xx) and its error body. */
    static final class Refused extends Failure {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
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

    JsonNode get(URI url, String token, Duration timeout) {
        return send(url, "GET", Optional.empty(), Map.of(), token, timeout);
    }

    /** Posts {@code body} as JSON (an empty body when there is none). */
    JsonNode post(URI url, Optional<byte[]> body, Map<String, String> headers, String token, Duration timeout) {
        return send(url, "POST", Optional.of(body.orElse(new byte[0])), headers, token, timeout);
    }

    /** Puts {@code body} as JSON, with extra request headers (e.g. {@code If-Match}). */
    JsonNode put(URI url, byte[] body, Map<String, String> headers, String token, Duration timeout) {
        return send(url, "PUT", Optional.of(body), headers, token, timeout);
    }

    /** Deletes, with extra request headers (e.g. {@code If-Match}). */
    JsonNode delete(URI url, Map<String, String> headers, String token, Duration timeout) {
        return send(url, "DELETE", Optional.empty(), headers, token, timeout);
    }

    /**
     * One call: connecting is a step of its own, so a failure there (refused, unknown host, TLS) is known to have
     * sent nothing, and anything after it is {@link Lost}. {@code timeout} bounds each wait for the answer.
     */
    private JsonNode send(URI url, String method, Optional<byte[]> body, Map<String, String> headers, String token,
            Duration timeout) {
        HttpURLConnection call;
        try {
            call = (HttpURLConnection) url.toURL().openConnection();
            call.setRequestMethod(method);
            call.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            call.setReadTimeout((int) timeout.toMillis());
            call.setInstanceFollowRedirects(false);
            call.setUseCaches(false);
            call.setRequestProperty("Accept", "application/json");
            if (token != null) { // null: an endpoint that needs none (an origin's health)
                call.setRequestProperty("Authorization", "Bearer " + token);
            }
            headers.forEach(call::setRequestProperty);
            if (body.isPresent()) {
                call.setRequestProperty("Content-Type", "application/json");
                // buffered, not streamed: in streaming mode the JDK drops the body of a 401 answer
                call.setDoOutput(true);
            }
            call.connect();
        } catch (IOException e) {
            throw failures.unreachable(url, e, CONNECT_TIMEOUT, timeout);
        }
        try {
            if (body.isPresent()) {
                try (OutputStream out = call.getOutputStream()) {
                    out.write(body.get());
                }
            }
            int status = call.getResponseCode();
            byte[] answer;
            try (InputStream in = status >= 400 ? call.getErrorStream() : call.getInputStream()) {
                answer = in == null ? new byte[0] : in.readAllBytes();
            }
            return read(url, status, call, answer);
        } catch (IOException e) {
            throw failures.lost(url, e, timeout);
        } finally {
            call.disconnect();
        }
    }

    private JsonNode read(URI url, int status, HttpURLConnection call, byte[] answer) {
        String contentType = Optional.ofNullable(call.getContentType()).orElse("no Content-Type");
        JsonNode json;
        try {
            json = Json.mapper().readTree(answer);
        } catch (RuntimeException e) {
            throw failures.notJson(url, status, contentType, answer);
        }
        if (json == null || json.isMissingNode()) {
            throw failures.notJson(url, status, contentType, answer);
        }
        if (status >= 400) {
            throw failures.errorAnswer(url, status, json, Optional.ofNullable(call.getHeaderField("Retry-After")));
        }
        return json;
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? "-" : value.asString();
    }
}
