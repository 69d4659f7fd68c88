package dev.outpost.origin.replication;

import dev.outpost.common.http.DigestFields;
import dev.outpost.common.wire.ChangeNotice;
import dev.outpost.origin.content.MasterFile;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One change of a master copy in the replication log, as the primary's change stream sends it:
 * {@code {"sequence":42,"epoch":1,"event":"changed","path":"/css/a.css","digest":"sha-256=:..:","size":1234,
 * "at":"2026-01-10T12:00:00Z"}}. A deletion has no digest and size 0.
 *
 * @param sequence its place in the log: dense, increasing, never reused
 * @param epoch    the primary's epoch when it was written (raised by every promotion)
 * @param path     the URL path of the asset
 * @param digest   the RFC 9530 {@code sha-256} digest of the new content, for {@code changed}
 * @param at       when the primary recorded it (by the primary's clock)
 */
public record ChangeEntry(long sequence, long epoch, ChangeNotice.Event event, String path,
        Optional<String> digest, long size, Instant at) {
    public ChangeEntry {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(at, "at");
        digest = digest == null ? Optional.empty() : digest;
        if (sequence < 1 || epoch < 1 || size < 0 || !path.startsWith("/")) {
            throw new IllegalArgumentException("not a change entry: sequence " + sequence + ", epoch " + epoch
                    + ", size " + size + ", path '" + path + "'");
        }
        if (event == ChangeNotice.Event.CHANGED && digest.isEmpty()) {
            throw new IllegalArgumentException("change " + sequence + " of " + path + " has no digest");
        }
        digest.ifPresent(d -> { // a malformed digest is refused here, not when it is checked
            if (!DigestFields.parse(d).containsKey(DigestFields.Algorithm.SHA_256)) {
                throw new IllegalArgumentException("change " + sequence + " of " + path + " has no sha-256 digest");
            }
        });
    }

    /** The strong ETag the content port sends for this version (from the digest); empty for a deletion. */
    public Optional<String> etag() {
        return digest.map(d -> MasterFile.etagOf(DigestFields.parse(d).get(DigestFields.Algorithm.SHA_256)));
    }
}
