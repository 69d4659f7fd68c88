package dev.outpost.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLException;
import tools.jackson.databind.JsonNode;

/**
 * Words what went wrong on a call as one line naming the URL tried and the reason. A failure while connecting
 * (refused, unknown host, no connection in time, TLS) sent nothing and is a {@link JsonApi.Failure}; one after that
 * may have reached the server and is {@link JsonApi.Lost}, which a post may repeat with the same idempotency key.
 *
 * @param peer   what was called, e.g. "control plane"
 * @param source where its URL came from, for the hint, e.g. "--api / OUTPOST_API"
 */
record CallFailures(String peer, String source) {
    /** Connecting failed: nothing was sent. */
    JsonApi.Failure unreachable(URI url, IOException e, Duration connectTimeout) {
        String unreachable = "cannot reach the " + peer + " at " + url + ": ";
        if (e instanceof UnknownHostException) {
            return new JsonApi.Failure(unreachable + "unknown host " + url.getHost() + " (" + source + ")");
        }
        if (e instanceof SocketTimeoutException) {
            return new JsonApi.Failure(unreachable + "no connection within " + connectTimeout.toSeconds()
                    + " s (is " + source + " right, and the port open?)");
        }
        if (e instanceof ConnectException) {
            return new JsonApi.Failure(unreachable + lowerFirst(reason(e, "connection refused")) + " (is it running? "
                    + source + ")");
        }
        if (e instanceof SSLException) {
            return new JsonApi.Failure(unreachable + "TLS failed: " + reason(e, "no reason given")
                    + " (an https:// URL for a plain-HTTP port, or a certificate this JVM does not trust?)");
        }
        return new JsonApi.Failure(unreachable + lowerFirst(reason(e, e.getClass().getSimpleName())));
    }

    /** The request went out (or may have), its answer did not come back. */
    JsonApi.Lost lost(URI url, IOException e, Duration timeout) {
        if (e instanceof SocketTimeoutException) {
            return new JsonApi.Lost("no answer from the " + peer + " at " + url + " within " + timeout.toSeconds()
                    + " s");
        }
        return new JsonApi.Lost("no answer from the " + peer + " at " + url + ": "
                + lowerFirst(reason(e, e.getClass().getSimpleName())));
    }

    /** An answer that is not JSON comes from something that is not the API (an edge, a proxy, a web server). */
    JsonApi.Failure notJson(URI url, int status, String contentType, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        String sample = text.isEmpty() ? "an empty body"
                : "'" + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "'";
        return new JsonApi.Failure("the server at " + url + " answered HTTP " + status + " with a body that is not "
                + "JSON (" + contentType + ", " + sample + "): is it the " + peer + "'s API? (" + source + ")");
    }

    /** The API's own error answer: {@code {"error": code, "message": ...}}. */
    JsonApi.Failure errorAnswer(URI url, int status, JsonNode body, Optional<String> retryAfter) {
        return new JsonApi.Failure("the " + peer + " at " + url + " answered HTTP " + status + " "
                + JsonApi.text(body, "error") + ": " + JsonApi.text(body, "message")
                + retryAfter.map(s -> " (retry after " + s + " s)").orElse(""));
    }

    /** The exception's own message, else the innermost one in its causes. */
    private static String reason(Throwable e, String otherwise) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return otherwise;
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
