package dev.outpost.origin.assets;

import dev.outpost.origin.content.MasterFile;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One master copy as the asset API describes it, in PUT answers, metadata and listings:
 * {@code {"path":"/a/b.css","etag":"\"..\"","size":12,"digest":"sha-256=:..:","lastModified":"2026-..Z"}}.
 *
 * @param path         the URL path, as clients request the asset
 * @param etag         the strong ETag the content port sends (from the SHA-256)
 * @param size         bytes
 * @param digest       RFC 9530 {@code Repr-Digest} value of the content
 * @param lastModified modification time on disk, to the millisecond
 */
public record AssetInfo(String path, String etag, long size, String digest, Instant lastModified) {
    public static AssetInfo of(MasterFile file) {
        return new AssetInfo(file.path().urlPath(), file.etag(), file.size(), file.reprDigest(),
                file.lastModified().truncatedTo(ChronoUnit.MILLIS));
    }
}
