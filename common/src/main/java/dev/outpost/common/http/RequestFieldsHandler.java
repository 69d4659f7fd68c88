package dev.outpost.common.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.Protocols;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * Refuses a request whose header fields break {@link FieldSyntax} with {@code 400 bad_header} and a JSON body naming
 * the field, before any handler (and so anything upstream) sees it. Undertow's HTTP/1.1 parser already refuses
 * control characters in names and values, but its HTTP/2 parser takes any byte in a value (CR, LF and NUL
 * included) and any non-upper-case byte in a name: an edge relaying those to an HTTP/1.1 origin would let a client
 * write its own header lines and requests there (poisoning, desync). One check for every protocol and listener:
 * every Outpost listener puts it first (see {@link NodeServer}). An HTTP/1.1 connection is closed after the answer;
 * an HTTP/2 stream ends with it (RFC 9113 §8.2.1 asks for 400), the connection goes on. A head larger than the
 * listener's {@code maxHeaderBytes} is refused here too, {@code 431 header_too_large} (RFC 6585 §5), so that the
 * client learns which limit it met instead of getting Undertow's bare {@code 400}.
 */
public final class RequestFieldsHandler implements HttpHandler {
    private static final Logger LOG = System.getLogger(RequestFieldsHandler.class.getName());

    private final int maxHeadBytes;
    private final HttpHandler next;

    /**
     * @param maxHeadBytes the listener's {@code maxHeaderBytes}: a larger head gets {@code 431} with a JSON body.
     *                     Undertow's own parser is given twice as much ({@link NodeServer}): beyond that it stops
     *                     reading and answers a bare {@code 400} itself.
     */
    public RequestFieldsHandler(int maxHeadBytes, HttpHandler next) {
        this.maxHeadBytes = maxHeadBytes;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Optional<String> problem = problem(exchange.getRequestHeaders(),
                exchange.getProtocol().equals(Protocols.HTTP_2_0));
        if (problem.isPresent()) {
            LOG.log(Level.DEBUG, () -> "refused a request from " + exchange.getSourceAddress() + ": "
                    + problem.get());
            exchange.setPersistent(false); // HTTP/1.1: never read another request from this client's connection
            HttpJson.sendError(exchange, 400, "bad_header", problem.get());
            return;
        }
        long headBytes = headBytes(exchange);
        if (headBytes > maxHeadBytes) {
            exchange.setPersistent(false);
            HttpJson.sendError(exchange, 431, "header_too_large", "the request head is " + headBytes
                    + " bytes, over this listener's limit of " + maxHeadBytes + " (maxHeaderBytes)");
            return;
        }
        next.handleRequest(exchange);
    }

    /**
     * The request line and field lines as HTTP/1.1 writes them ({@code name: value} and CRLF each), whatever the
     * protocol: the size {@code maxHeaderBytes} bounds.
     */
    static long headBytes(HttpServerExchange exchange) {
        String query = exchange.getQueryString();
        long bytes = exchange.getRequestMethod().length() + exchange.getRequestURI().length()
                + (query.isEmpty() ? 0 : 1 + query.length()) + exchange.getProtocol().length() + 4;
        HeaderMap headers = exchange.getRequestHeaders();
        for (long cookie = headers.fastIterateNonEmpty(); cookie != -1L; cookie = headers.fiNextNonEmpty(cookie)) {
            HeaderValues values = headers.fiCurrent(cookie);
            int name = values.getHeaderName().length();
            for (int i = 0; i < values.size(); i++) {
                String value = values.get(i);
                bytes += name + (value == null ? 0 : value.length()) + 4;
            }
        }
        return bytes + 2;
    }

    /** The first field line that breaks the syntax, described; checked without allocating when all are fine. */
    static Optional<String> problem(HeaderMap headers, boolean http2) {
        for (long cookie = headers.fastIterateNonEmpty(); cookie != -1L; cookie = headers.fiNextNonEmpty(cookie)) {
            HeaderValues values = headers.fiCurrent(cookie);
            // On HTTP/2 Undertow itself stores :authority as "Host" (upper case): only the client's names are checked
            String name = http2 && values.getHeaderName().equals(Headers.HOST) ? "host"
                    : values.getHeaderName().toString();
            for (int i = 0; i < values.size(); i++) {
                String value = values.get(i);
                if (value == null) {
                    continue; // Undertow's own empty Host on an HTTP/2 request without :authority
                }
                boolean fine = FieldSyntax.isToken(name) && FieldSyntax.isValue(value)
                        && (!http2 || (FieldSyntax.isTrimmed(value) && isLowerCase(name)
                        && !FieldSyntax.CONNECTION_SPECIFIC.contains(name)));
                if (!fine) {
                    return FieldSyntax.problem(name, value, http2);
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isLowerCase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return false;
            }
        }
        return true;
    }
}
