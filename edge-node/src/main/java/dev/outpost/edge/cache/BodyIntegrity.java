package dev.outpost.edge.cache;

import dev.outpost.common.http.DigestFields;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a body read from the origin agrees with the headers it came with, before it may be stored or
 * relayed: its length with {@code Content-Length}; its bytes with {@code Content-Digest} (RFC 9530 §2, the digest of
 * the content as sent) and, when the content is the whole representation (not a 206), with {@code Repr-Digest}
 * (§3). sha-256 and sha-512 are checked; other algorithms are ignored, as RFC 9530 asks, and so is a field that is
 * not a valid dictionary (RFC 8941 §4.2). Every supported digest a field names must match. Pure: the caller reads
 * the body; this only compares.
 *
 * <p>Why: an origin once answered with the length of one version and the digest and body of another (a file
 * replaced mid-answer); the framing looked complete, and the edge stored it as a hit for its whole max-age.
 */
public final class BodyIntegrity {
    private BodyIntegrity() {
    }

    /** Why a body disagrees with its headers; {@code kind} is {@code length} or {@code digest} (metrics tag). */
    public record Mismatch(String kind, String message) {
    }

    /**
     * @param body the whole body; not consumed
     * @return the first disagreement, or empty when the body is what its headers say
     */
    public static Optional<Mismatch> check(int status, Fields headers, ByteBuffer body) {
        Optional<String> declared = headers.first("content-length");
        if (declared.isPresent() && !declared.get().strip().equals(Long.toString(body.remaining()))) {
            return Optional.of(new Mismatch("length", "the origin declared Content-Length " + declared.get().strip()
                    + " and sent " + body.remaining() + " bytes"));
        }
        Optional<Mismatch> content = digestMismatch("Content-Digest", headers.joined("content-digest"), body);
        if (content.isPresent() || status == 206) {
            return content;
        }
        return digestMismatch("Repr-Digest", headers.joined("repr-digest"), body);
    }

    private static Optional<Mismatch> digestMismatch(String field, Optional<String> value, ByteBuffer body) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Map<DigestFields.Algorithm, byte[]> expected;
        try {
            expected = DigestFields.parse(value.get());
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // an invalid structured field is ignored as a whole
        }
        for (Map.Entry<DigestFields.Algorithm, byte[]> want : expected.entrySet()) {
            MessageDigest digest = want.getKey().newDigest();
            digest.update(body.duplicate());
            byte[] got = digest.digest();
            if (!MessageDigest.isEqual(got, want.getValue())) {
                return Optional.of(new Mismatch("digest", "the body's " + want.getKey().key() + " is "
                        + Base64.getEncoder().encodeToString(got) + " but the origin's " + field + " says "
                        + Base64.getEncoder().encodeToString(want.getValue())));
            }
        }
        return Optional.empty();
    }
}
