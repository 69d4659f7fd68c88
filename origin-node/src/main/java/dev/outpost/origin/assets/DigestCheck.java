package dev.outpost.origin.assets;

import dev.outpost.common.http.DigestFields;
import dev.outpost.common.problem.Problem;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The digests a PUT's body must match: RFC 9530 {@code Repr-Digest} ({@code sha-256}, {@code sha-512}; other
 * algorithms are ignored) and RFC 1864 {@code Content-MD5}. Parsed before the body is read, so a malformed header
 * costs no write; the body's digests are computed while it streams and {@link #verify verified} before the upload
 * replaces the master copy. SHA-256 is always computed (it is the ETag); the others only when asked for.
 */
public final class DigestCheck {
    /** A digest this check can compute. */
    public enum Algorithm {
        SHA_256("sha-256", "SHA-256", 32),
        SHA_512("sha-512", "SHA-512", 64),
        MD5("Content-MD5", "MD5", 16);

        private final String label;
        private final String jcaName;
        private final int length;

        Algorithm(String label, String jcaName, int length) {
            this.label = label;
            this.jcaName = jcaName;
            this.length = length;
        }

        MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has " + jcaName, e);
            }
        }

        /** The name clients use: the Repr-Digest key, or the header name for MD5. */
        public String label() {
            return label;
        }
    }

    private static final DigestCheck NONE = new DigestCheck(Map.of());

    private final Map<Algorithm, byte[]> expected;

    private DigestCheck(Map<Algorithm, byte[]> expected) {
        this.expected = expected;
    }

    /** No digest to check; SHA-256 is still computed. */
    public static DigestCheck none() {
        return NONE;
    }

    /**
     * The check asked for by a request's headers.
     *
     * @throws Problem invalid: {@code bad_digest} for a malformed header, {@code unsupported_digest} for a
     *                  Repr-Digest naming no algorithm this origin computes
     */
    public static DigestCheck of(Optional<String> reprDigest, Optional<String> contentMd5) {
        Map<Algorithm, byte[]> expected = new EnumMap<>(Algorithm.class);
        reprDigest.ifPresent(value -> {
            Map<DigestFields.Algorithm, byte[]> supported;
            try {
                supported = DigestFields.parse(value);
            } catch (IllegalArgumentException e) {
                throw Problem.invalid("bad_digest", "Repr-Digest " + e.getMessage());
            }
            if (supported.isEmpty()) {
                throw Problem.invalid("unsupported_digest", "Repr-Digest names no supported algorithm "
                        + "(use sha-256 or sha-512), was '" + value + "'");
            }
            supported.forEach((algorithm, digest) -> expected.put(Algorithm.valueOf(algorithm.name()), digest));
        });
        contentMd5.ifPresent(value -> expected.put(Algorithm.MD5, decode(Algorithm.MD5, value.strip())));
        return expected.isEmpty() ? NONE : new DigestCheck(Collections.unmodifiableMap(expected));
    }

    /** Fresh digests for one body: SHA-256 and every algorithm this check verifies. */
    public Digesting start() {
        return new Digesting(expected.keySet());
    }

    /**
     * Compares the body's digests with the expected ones in constant time.
     *
     * @throws Problem invalid, {@code digest_mismatch}, naming the first algorithm that differs
     */
    public void verify(Map<Algorithm, byte[]> actual) {
        for (Map.Entry<Algorithm, byte[]> want : expected.entrySet()) {
            byte[] got = actual.get(want.getKey());
            if (got == null) {
                throw new IllegalStateException(want.getKey() + " was not computed");
            }
            if (!MessageDigest.isEqual(want.getValue(), got)) {
                String sent = Base64.getEncoder().encodeToString(want.getValue());
                String computed = Base64.getEncoder().encodeToString(got);
                throw Problem.invalid("digest_mismatch", "the body's " + want.getKey().label()
                        + " is " + computed + " but the request said " + sent + "; nothing was written");
            }
        }
    }

    /** True when the request asked for at least one digest to be checked. */
    public boolean isEmpty() {
        return expected.isEmpty();
    }

    private static byte[] decode(Algorithm algorithm, String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("bad_digest", algorithm.label() + " is not valid base64: '" + base64 + "'");
        }
        if (bytes.length != algorithm.length) {
            throw Problem.invalid("bad_digest", algorithm.label() + " must be " + algorithm.length
                    + " bytes, was " + bytes.length);
        }
        return bytes;
    }

    /** The running digests of one body. Not thread-safe: one upload, one thread. */
    public static final class Digesting {
        private final Map<Algorithm, MessageDigest> digests = new EnumMap<>(Algorithm.class);

        private Digesting(Iterable<Algorithm> extra) {
            digests.put(Algorithm.SHA_256, Algorithm.SHA_256.newDigest());
            for (Algorithm algorithm : extra) {
                digests.computeIfAbsent(algorithm, Algorithm::newDigest);
            }
        }

        public void update(byte[] buffer, int offset, int length) {
            for (MessageDigest digest : digests.values()) {
                digest.update(buffer, offset, length);
            }
        }

        /** Finishes every digest; call once, after the last byte. */
        public Map<Algorithm, byte[]> finish() {
            Map<Algorithm, byte[]> done = new EnumMap<>(Algorithm.class);
            digests.forEach((algorithm, digest) -> done.put(algorithm, digest.digest()));
            return done;
        }
    }
}
