package dev.outpost.common.http;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The syntax of request header fields, RFC 9110 §5.1/§5.5 and, for HTTP/2, RFC 9113 §8.2: a name is a token
 * (never empty; no control character, space, separator, DEL or non-ASCII byte; on HTTP/2 also no upper case), a
 * value is field-vchars (visible ASCII and obs-text bytes 0x80-0xFF) with SP and HTAB inside, never CR, LF, NUL nor
 * any other control character or DEL, and on HTTP/2 no leading or trailing SP/HTAB; HTTP/2 also has no
 * connection-specific fields (§8.2.2). Field text is ISO-8859-1 here, one char per byte, as Undertow hands it over.
 * Pure: {@link RequestFieldsHandler} carries the verdict out and the edge's origin client checks with it too.
 */
public final class FieldSyntax {
    /** Fields that HTTP/2 carries in its framing, so a request that sends them is malformed (RFC 9113 §8.2.2). */
    static final Set<String> CONNECTION_SPECIFIC = Set.of("connection", "proxy-connection", "keep-alive",
            "transfer-encoding", "upgrade");

    /** tchar of RFC 9110 §5.6.2, by byte. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[Character.toUpperCase(c)] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private FieldSyntax() {
    }

    /** Whether {@code name} is a token: the only field names RFC 9110 has. */
    public static boolean isToken(CharSequence name) {
        int n = name.length();
        if (n == 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c >= 128 || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code value} is a field value as it stands after the HTTP/1.1 parser stripped the optional whitespace
     * around it: field-vchar, SP and HTAB only; obs-text (0x80-0xFF) allowed, RFC 9110 §5.5.
     */
    public static boolean isValue(CharSequence value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return false;
            }
        }
        return true;
    }

    /** Whether a value is one whose first and last characters are not SP or HTAB (RFC 9113 §8.2.1). */
    public static boolean isTrimmed(CharSequence value) {
        int n = value.length();
        return n == 0 || !(isBlank(value.charAt(0)) || isBlank(value.charAt(n - 1)));
    }

    /**
     * What is wrong with one request field line, if anything, in words that name the field (with unprintable
     * characters shown as {@code \xNN}) and the rule it breaks.
     */
    public static Optional<String> problem(CharSequence name, CharSequence value, boolean http2) {
        if (!isToken(name)) {
            return Optional.of("header name '" + printable(name) + "' is not a token (RFC 9110 §5.1)");
        }
        if (http2 && hasUpperCase(name)) {
            return Optional.of("header name '" + printable(name) + "' has upper case, which HTTP/2 forbids"
                    + " (RFC 9113 §8.2.1)");
        }
        if (!isValue(value)) {
            return Optional.of("header '" + printable(name) + "' has a control character in its value ("
                    + firstControl(value) + "; RFC 9110 §5.5)");
        }
        if (http2 && !isTrimmed(value)) {
            return Optional.of("header '" + printable(name) + "' has leading or trailing whitespace, which HTTP/2"
                    + " forbids (RFC 9113 §8.2.1)");
        }
        if (http2 && CONNECTION_SPECIFIC.contains(name.toString().toLowerCase(Locale.ROOT))) {
            return Optional.of("header '" + printable(name) + "' is connection-specific, which HTTP/2 forbids"
                    + " (RFC 9113 §8.2.2)");
        }
        return Optional.empty();
    }

    /** The text with every character outside visible ASCII and space shown as {@code \xNN}, for messages. */
    static String printable(CharSequence text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), 64) + 8);
        for (int i = 0; i < text.length() && i < 64; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\x%02x", (int) c & 0xffff));
            }
        }
        return text.length() > 64 ? b.append("...").toString() : b.toString();
    }

    private static String firstControl(CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                return String.format("0x%02x at %d", (int) c, i);
            }
        }
        return "none";
    }

    private static boolean hasUpperCase(CharSequence name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return true;
            }
        }
        return false;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
