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
import javax.net.ssl.SSLException;

/**
 * Turns what went wrong on a call into one line naming the URL tried and the reason, worded for the user: the JDK's
 * HTTP client reports a refused connection as a {@code ConnectException} with no message at all. A failure before
 * the request left (refused, unknown host, no connection, TLS) is a {@link ApiClient.Failure}; one after it may
 * have arrived is {@link ApiClient.Lost}, which a post repeats with the same idempotency key.
 */
final class CallFailures {
    private static final String WHERE = "--api / OUTPOST_API";

    private CallFailures() {
    }

    static ApiClient.Failure of(URI url, IOException e, Duration connectTimeout, Duration timeout) {
        String unreachable = "cannot reach the control plane at " + url + ": ";
        if (e instanceof HttpConnectTimeoutException) {
            return new ApiClient.Failure(unreachable + "no connection within " + connectTimeout.toSeconds()
                    + " s (is " + WHERE + " right, and the port open?)");
        }
        if (e instanceof HttpTimeoutException) {
            return new ApiClient.Lost("no answer from the control plane at " + url + " within "
                    + timeout.toSeconds() + " s");
        }
        if (causedBy(e, UnresolvedAddressException.class) || causedBy(e, UnknownHostException.class)) {
            return new ApiClient.Failure(unreachable + "unknown host " + url.getHost() + " (" + WHERE + ")");
        }
        if (e instanceof ConnectException || causedBy(e, ConnectException.class)) {
            String reason = deepestMessage(e).orElse("connection refused");
            return new ApiClient.Failure(unreachable + lowerFirst(reason) + " (is it running? " + WHERE + ")");
        }
        if (causedBy(e, SSLException.class)) {
            return new ApiClient.Failure(unreachable + "TLS failed: " + deepestMessage(e).orElse("no reason given")
                    + " (an https:// URL for a plain-HTTP port, or a certificate this JVM does not trust?)");
        }
        return new ApiClient.Lost("no answer from the control plane at " + url + ": "
                + lowerFirst(deepestMessage(e).orElse(e.getClass().getSimpleName())));
    }

    /** An answer that is not JSON comes from something that is not the control plane's API (an edge, a proxy). */
    static ApiClient.Failure notJson(URI url, HttpResponse<byte[]> response) {
        String type = response.headers().firstValue("Content-Type").orElse("no Content-Type");
        String body = new String(response.body(), StandardCharsets.UTF_8).replaceAll("\\s+", " ").strip();
        String sample = body.isEmpty() ? "an empty body"
                : "'" + (body.length() > 80 ? body.substring(0, 80) + "..." : body) + "'";
        return new ApiClient.Failure("the server at " + url + " answered HTTP " + response.statusCode()
                + " with a body that is not JSON (" + type + ", " + sample + "): is it the control plane's API? ("
                + WHERE + ")");
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
    private static java.util.Optional<String> deepestMessage(Throwable e) {
        String found = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                found = t.getMessage();
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }
}
