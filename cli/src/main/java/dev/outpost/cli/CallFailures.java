package dev.outpost.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
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
    /**
     * Connecting failed: nothing was sent. For https:// the TLS handshake is part of connecting and waits for the
     * server as long as an answer would ({@code answerTimeout}); a TCP connect waits {@code connectTimeout}.
     */
    JsonApi.Failure unreachable(URI url, IOException e, Duration connectTimeout, Duration answerTimeout) {
        String unreachable = "cannot reach the " + peer + " at " + url + ": ";
        boolean https = "https".equals(url.getScheme());
        if (e instanceof UnknownHostException) {
            return new JsonApi.Failure(unreachable + "unknown host " + url.getHost() + " (" + source + ")");
        }
        if (e instanceof SocketTimeoutException && https && !connectTimedOut(e)) {
            // TCP connected, but no TLS answer came: a plain-HTTP server waits for a request line that never ends
            return new JsonApi.Failure(unreachable + "TLS failed: no answer to the TLS handshake within "
                    + seconds(answerTimeout) + " (an https:// URL for a plain-HTTP port? " + source + ")");
        }
        if (e instanceof SocketTimeoutException) {
            return new JsonApi.Failure(unreachable + "no connection within " + seconds(connectTimeout)
                    + " (is " + source + " right, and the port open?)");
        }
        if (e instanceof ConnectException) {
            return new JsonApi.Failure(unreachable + lowerFirst(reason(e, "connection refused")) + " (is it running? "
                    + source + ")");
        }
        Optional<Throwable> untrusted = certificateProblem(e);
        if (e instanceof SSLException && untrusted.isPresent()) {
            return new JsonApi.Failure(unreachable + "TLS failed: the server's certificate is not trusted by this JVM ("
                    + lowerFirst(reason(untrusted.get(), "no reason given")) + "; give the JVM its CA with "
                    + "OUTPOST_JAVA_OPTS=-Djavax.net.ssl.trustStore=FILE)");
        }
        if (e instanceof SSLException) {
            return new JsonApi.Failure(unreachable + "TLS failed: " + lowerFirst(reason(e, "no reason given"))
                    + " (an https:// URL for a plain-HTTP port? " + source + ")");
        }
        return new JsonApi.Failure(unreachable + lowerFirst(reason(e, e.getClass().getSimpleName())));
    }

    /** The request went out (or may have), its answer did not come back. */
    JsonApi.Lost lost(URI url, IOException e, Duration timeout) {
        if (e instanceof SocketTimeoutException) {
            return new JsonApi.Lost("no answer from the " + peer + " at " + url + " within " + seconds(timeout));
        }
        String hint = "";
        if ("http".equals(url.getScheme()) && endedWithoutHttp(e)) {
            // what a TLS listener does with a plain-text request: closes (JDK) or sends an alert record (Undertow)
            hint = " (an http:// URL for a TLS port? " + source + ")";
        }
        return new JsonApi.Lost("no answer from the " + peer + " at " + url + ": "
                + lowerFirst(reason(e, e.getClass().getSimpleName())) + hint);
    }

    /** 300 ms, 5 s, 1.5 s: as a user would write it. */
    static String seconds(Duration timeout) {
        long millis = timeout.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        return (millis % 1000 == 0 ? String.valueOf(millis / 1000) : String.valueOf(millis / 1000.0)) + " s";
    }

    /**
     * The JDK words a TCP connect timeout "Connect timed out" and any read timeout (a TLS handshake's too) "Read
     * timed out"; the type is the same, so the message is all there is to tell them apart.
     */
    private static boolean connectTimedOut(IOException e) {
        return e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains("connect");
    }

    /** HttpURLConnection's words for a connection that closed, or spoke something else, before an HTTP answer. */
    private static boolean endedWithoutHttp(IOException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return message.contains("unexpected end of file") || message.contains("invalid http response");
    }

    /** The certificate check that failed inside a handshake, if that is why it failed. */
    private static Optional<Throwable> certificateProblem(Throwable e) {
        Throwable found = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException || t instanceof CertPathBuilderException
                    || t instanceof CertPathValidatorException) {
                found = t;
            }
        }
        return Optional.ofNullable(found);
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
        return new JsonApi.Refused(status, "the " + peer + " at " + url + " answered HTTP " + status + " "
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
