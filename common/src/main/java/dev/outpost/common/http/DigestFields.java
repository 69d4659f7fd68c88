package dev.outpost.common.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;

/**
 * Reads RFC 9530 integrity fields ({@code Repr-Digest}, {@code Content-Digest}, {@code Want-...} aside), RFC 8941
 * dictionaries such as {@code sha-256=:X48E9q...=:, sha-512=:WZDP...==:}. Members whose key is a supported
 * algorithm must hold a byte sequence of that algorithm's length; any other member is skipped whatever its value
 * (unknown algorithms are ignored, as RFC 9530 asks). Parameters are skipped. A repeated key keeps its last value
 * (RFC 8941 §3.2). Anything that is not a dictionary is refused rather than guessed at. Used by the origin to check
 * uploads and by the edge to check what it is about to store.
 */
public final class DigestFields {
    /** The algorithms RFC 9530 registers as active that Outpost computes. */
    public enum Algorithm {
        SHA_256("sha-256", "SHA-256", 32),
        SHA_512("sha-512", "SHA-512", 64);

        private final String key;
        private final String jcaName;
        private final int length;

        Algorithm(String key, String jcaName, int length) {
            this.key = key;
            this.jcaName = jcaName;
            this.length = length;
        }

        /** The dictionary key: {@code sha-256}. */
        public String key() {
            return key;
        }

        /** Digest length in bytes. */
        public int length() {
            return length;
        }

        public MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has " + jcaName, e);
            }
        }
    }

    private final String input;
    private int pos;

    private DigestFields(String input) {
        this.input = input;
    }


    /**
     * The supported algorithms a field value names, with their digests; empty when it names none.
     *
     * @throws IllegalArgumentException naming what is wrong, for a value that is not a dictionary or a supported
     *                                  member that is not a byte sequence of the right length
     */
    public static Map<Algorithm, byte[]> parse(String value) {
        return new DigestFields(value).dictionary();
    }

    private Map<Algorithm, byte[]> dictionary() {
        Map<Algorithm, byte[]> found = new EnumMap<>(Algorithm.class);
        skipWhitespace();
        if (atEnd()) {
            throw malformed("it is empty");
        }
        while (true) {
            String key = key();
            Algorithm algorithm = switch (key) {
                case "sha-256" -> Algorithm.SHA_256;
                case "sha-512" -> Algorithm.SHA_512;
                default -> null;
            };
            if (algorithm != null) {
                if (!consume('=') || !consume(':')) {
                    throw malformed(key + " must be a byte sequence (" + key + "=:BASE64:)");
                }
                int end = input.indexOf(':', pos);
                if (end < 0) {
                    throw malformed("the byte sequence of " + key + " is not closed with ':'");
                }
                found.put(algorithm, decode(algorithm, input.substring(pos, end)));
                pos = end + 1;
            } else if (consume('=')) {
                skipValue();
            }
            skipParameters();
            skipWhitespace();
            if (atEnd()) {
                return found;
            }
            if (!consume(',')) {
                throw malformed("expected ',' at offset " + pos);
            }
            skipWhitespace();
            if (atEnd()) {
                throw malformed("it ends with ','");
            }
        }
    }

    /** RFC 8941 key: {@code ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )}. */
    private String key() {
        int start = pos;
        if (atEnd() || !(isLowerAlpha(input.charAt(pos)) || input.charAt(pos) == '*')) {
            throw malformed("expected a lower-case key at offset " + pos);
        }
        pos++;
        while (!atEnd()) {
            char c = input.charAt(pos);
            if (isLowerAlpha(c) || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '*') {
                pos++;
            } else {
                break;
            }
        }
        return input.substring(start, pos);
    }

    /** Skips an item or inner list of an algorithm we do not compute. */
    private void skipValue() {
        if (consume('(')) {
            while (!consume(')')) {
                if (atEnd()) {
                    throw malformed("an inner list is not closed with ')'");
                }
                if (input.charAt(pos) == ' ') {
                    pos++;
                } else {
                    skipBareItem();
                    skipParameters();
                }
            }
        } else {
            skipBareItem();
        }
    }

    private void skipBareItem() {
        if (atEnd()) {
            throw malformed("a value is missing at the end");
        }
        char c = input.charAt(pos);
        if (c == '"') {
            pos++;
            while (true) {
                if (atEnd()) {
                    throw malformed("a string is not closed with '\"'");
                }
                char s = input.charAt(pos++);
                if (s == '\\') {
                    pos++;
                } else if (s == '"') {
                    return;
                }
            }
        }
        if (c == ':') {
            int end = input.indexOf(':', pos + 1);
            if (end < 0) {
                throw malformed("a byte sequence is not closed with ':'");
            }
            pos = end + 1;
            return;
        }
        int start = pos;
        while (!atEnd() && "\t ,;()\"".indexOf(input.charAt(pos)) < 0) {
            pos++;
        }
        if (pos == start) {
            throw malformed("a value is missing at offset " + pos);
        }
    }

    private void skipParameters() {
        while (consume(';')) {
            while (consume(' ')) {
                // RFC 8941 allows spaces before a parameter key.
            }
            key();
            if (consume('=')) {
                skipBareItem();
            }
        }
    }

    private void skipWhitespace() {
        while (!atEnd() && (input.charAt(pos) == ' ' || input.charAt(pos) == '\t')) {
            pos++;
        }
    }

    private boolean consume(char expected) {
        if (!atEnd() && input.charAt(pos) == expected) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean atEnd() {
        return pos >= input.length();
    }

    private static boolean isLowerAlpha(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static IllegalArgumentException malformed(String why) {
        return new IllegalArgumentException("is not a valid dictionary: " + why + " (expected e.g. sha-256=:BASE64:)");
    }

    private static byte[] decode(Algorithm algorithm, String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(algorithm.key() + " is not valid base64: '" + base64 + "'");
        }
        if (bytes.length != algorithm.length()) {
            throw new IllegalArgumentException(algorithm.key() + " must be " + algorithm.length() + " bytes, was "
                    + bytes.length);
        }
        return bytes;
    }
}
