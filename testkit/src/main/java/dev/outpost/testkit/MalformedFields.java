package dev.outpost.testkit;

import java.util.List;

/**
 * The HTTP/2 header-injection corpus every listener is tried with: CR, LF, NUL and other control characters in
 * values, colons, line breaks, spaces, separators and upper case in names, unknown pseudo-headers and the
 * connection-specific fields HTTP/2 forbids (RFC 9113 §8.2). Each entry is one field on an otherwise fine request.
 */
public final class MalformedFields {
    private MalformedFields() {
    }

    /** A field line an HTTP/2 client may try to smuggle, as name and value. */
    public record Field(String description, String name, String value) {
    }

    /** The HTTP/2 corpus: each field alone on an otherwise fine GET. */
    public static final List<Field> HTTP2 = List.of(
            new Field("CR in a value", "x-a", "1\rx-injected: 1"),
            new Field("LF in a value", "x-a", "1\nx-injected: 1"),
            new Field("CRLF header injection", "accept", "text/html\r\nx-forwarded-host: evil.example"),
            new Field("CRLF request injection", "x-a", "1\r\nContent-Length: 0\r\n\r\nGET /attacker-chosen HTTP/1.1"
                    + "\r\nHost: assets.test\r\nX-Ignore: "),
            new Field("NUL in a value", "x-a", "a\u0000b"),
            new Field("SOH in a value", "x-a", "a\u0001b"),
            new Field("DEL in a value", "x-a", "a\u007fb"),
            new Field("vertical tab in a value", "x-a", "a\u000bb"),
            new Field("leading space in a value", "x-a", " a"),
            new Field("trailing tab in a value", "x-a", "a\t"),
            new Field("colon in a name", "x-a:b", "1"),
            new Field("CRLF in a name", "x-a\r\nx-b", "1"),
            new Field("LF in a name", "x-a\nx-b", "1"),
            new Field("NUL in a name", "x\u0000a", "1"),
            new Field("space in a name", "x a", "1"),
            new Field("upper case name", "X-Forwarded-Host", "evil.example"),
            new Field("upper case letter inside a name", "x-A", "1"),
            new Field("quote in a name", "x\"a", "1"),
            new Field("parenthesis in a name", "x(a)", "1"),
            new Field("non-ASCII name", "x\u00e9", "1"),
            new Field("empty name", "", "1"),
            new Field("unknown pseudo-header", ":foo", "1"),
            new Field("connection", "connection", "close"),
            new Field("keep-alive", "keep-alive", "timeout=5"),
            new Field("proxy-connection", "proxy-connection", "keep-alive"),
            new Field("upgrade", "upgrade", "h2c"),
            new Field("transfer-encoding", "transfer-encoding", "chunked"),
            new Field("te other than trailers", "te", "gzip"));
}
