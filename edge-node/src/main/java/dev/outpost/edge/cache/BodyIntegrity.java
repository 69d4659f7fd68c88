package dev.outpost.edge.cache;

import dev.outpost.common.http.DigestFields;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a body read from the origin agrees with the headers it came with, before it may be stored or
 * delivered whole: its length with {@code Content-Length}; its bytes with {@code Content-Digest} (RFC 9530 §2, the
 * digest of the content as sent) and, when the content is the whole representation (not a 206), with
 * {@code Repr-Digest} (§3). sha-256 and sha-512 are checked; other algorithms are ignored, as RFC 9530 asks, and so
 * is a field that is not a valid dictionary (RFC 8941 §4.2). Every supported digest a field names must match. The
 * caller reads the body; {@link #check} compares a whole body, {@link #of} feeds one that is still arriving.
 *
 * <p>Why: an origin once answered with the length of one version and the digest and body of another (a file
 * replaced mid-answer); the framing looked complete, and the edge stored it as a hit for its whole max-age.
 */
public final class BodyIntegrity {
    /** Why a body disagrees with its headers; {@code kind} is {@code length} or {@code digest} (metrics tag). */
    public record Mismatch(String kind, String message) {
    }

    private record Expected(String field, DigestFields.Algorithm algorithm, byte[] digest, MessageDigest running) {
    }

    private final Optional<String> declaredLength;
    private final List<Expected> expected;
    private long length;

    private BodyIntegrity(Optional<String> declaredLength, List<Expected> expected) {
        this.declaredLength = declaredLength;
        this.expected = expected;
    }

    /** A check of the body that goes with these headers, fed with {@link #update} as the bytes arrive. */
    public static BodyIntegrity of(int status, Fields headers) {
        List<Expected> expected = new ArrayList<>();
        expect(expected, "Content-Digest", headers.joined("content-digest"));
        if (status != 206) {
            expect(expected, "Repr-Digest", headers.joined("repr-digest"));
        }
        return new BodyIntegrity(headers.first("content-length").map(String::strip), expected);
    }

    private static void expect(List<Expected> into, String field, Optional<String> value) {
        if (value.isEmpty()) {
            return;
        }
        Map<DigestFields.Algorithm, byte[]> digests;
        try {
            digests = DigestFields.parse(value.get());
        } catch (IllegalArgumentException e) {
            return; // an invalid structured field is ignored as a whole
        }
        digests.forEach((algorithm, digest) -> into.add(new Expected(field, algorithm, digest,
                algorithm.newDigest())));
    }

    /** Feeds the next bytes of the body; {@code bytes} is not consumed. */
    public void update(ByteBuffer bytes) {
        length += bytes.remaining();
        for (Expected e : expected) {
            e.running().update(bytes.duplicate());
        }
    }

    /** The first disagreement of the body fed so far, taken as the whole body; empty when it is what was said. */
    public Optional<Mismatch> result() {
        if (declaredLength.isPresent() && !declaredLength.get().equals(Long.toString(length))) {
            return Optional.of(new Mismatch("length", "the origin declared Content-Length " + declaredLength.get()
                    + " and sent " + length + " bytes"));
        }
        for (Expected e : expected) {
            byte[] got = e.running().digest();
            if (!MessageDigest.isEqual(got, e.digest())) {
                return Optional.of(new Mismatch("digest", "the body's " + e.algorithm().key() + " is "
                        + Base64.getEncoder().encodeToString(got) + " but the origin's " + e.field() + " says "
                        + Base64.getEncoder().encodeToString(e.digest())));
            }
        }
        return Optional.empty();
    }

    /**
     * @param body the whole body; not consumed
     * @return the first disagreement, or empty when the body is what its headers say
     */
    public static Optional<Mismatch> check(int status, Fields headers, ByteBuffer body) {
        BodyIntegrity integrity = of(status, headers);
        integrity.update(body);
        return integrity.result();
    }
}
