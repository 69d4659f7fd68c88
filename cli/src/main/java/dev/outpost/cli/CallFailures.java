package dev.outpost.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;
import tools.jackson.databind.JsonNode;

/**
 * Words what went wrong on a call as one line naming the URL tried and the reason: the JDK's HTTP client reports a
 * refused connection as a {@code ConnectException} with no message at all. A failure before the request left
 * (refused, unknown host, no connection, TLS) is a {@link JsonApi.Failure}; one after it may have arrived is
 * {@link JsonApi.Lost}, which a post may repeat with the same idempotency key.
 *
 * @param peer   what was called, e.g. "control plane"
 * @param source where its URL came from, for the hint, e.g. "--api / OUTPOST_API"
 */
record CallFailures(String peer, String source) {
    JsonApi.Failure of(URI url, IOException e, Duration connectTimeout, Duration timeout) {
        String unreachable = "cannot reach the " + peer + " at " + url + ": ";
        if (e instanceof HttpConnectTimeoutException) {
            return new JsonApi.Failure(unreachable + "no connection within " + connectTimeout.toSeconds()
                    + " s (is " + source + " right, and the port open?)");
        }
        if (e instanceof HttpTimeoutException) {
            return new JsonApi.Lost("no answer from the " + peer + " at " + url + " within " + timeout.toSeconds()
                    + " s");
        }
        if (causedBy(e, UnresolvedAddressException.class) || causedBy(e, UnknownHostException.class)) {
            return new JsonApi.Failure(unreachable + "unknown host " + url.getHost() + " (" + source + ")");
        }
        if (causedBy(e, ConnectException.class)) {
            String reason = deepestMessage(e).orElse("connection refused");
            return new JsonApi.Failure(unreachable + lowerFirst(reason) + " (is it running? " + source + ")");
        }
        if (causedBy(e, SSLException.class)) {
            return new JsonApi.Failure(unreachable + "TLS failed: " + deepestMessage(e).orElse("no reason given")
                    + " (an https:// URL for a plain-HTTP port, or a certificate this JVM does not trust?)");
        }
        return new JsonApi.Lost("no answer from the " + peer + " at " + url + ": "
                + lowerFirst(deepestMessage(e).orElse(e.getClass().getSimpleName())));
    }

    /** An answer that is not JSON comes from something that is not the API (an edge, a proxy, a web server). */
    JsonApi.Failure notJson(URI url, HttpResponse<byte[]> response) {
        String type = response.headers().firstValue("Content-Type").orElse("no Content-Type");
        String body = new String(response.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        String sample = body.isEmpty() ? "an empty body"
                : "'" + (body.length() > 80 ? body.substring(0, 80) + "..." : body) + "'";
        return new JsonApi.Failure("the server at " + url + " answered HTTP " + response.statusCode()
                + " with a body that is not JSON (" + type + ", " + sample + "): is it the " + peer + "'s API? ("
                + source + ")");
    }

    /** The API's own error answer: {@code {"error": code, "message": ...}}. */
    JsonApi.Failure errorAnswer(URI url, HttpResponse<byte[]> response, JsonNode body) {
        return new JsonApi.Failure("the " + peer + " at " + url + " answered HTTP " + response.statusCode() + " "
                + JsonApi.text(body, "error") + ": " + JsonApi.text(body, "message")
                + response.headers().firstValue("Retry-After").map(s -> " (retry after " + s + " s)").orElse(""));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message in the cause chain: the JDK wraps the socket's "Connection refused" without one. */
    private static Optional<String> deepestMessage(Throwable e) {
        String found = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                found = t.getMessage();
            }
        }
        return Optional.ofNullable(found);
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
