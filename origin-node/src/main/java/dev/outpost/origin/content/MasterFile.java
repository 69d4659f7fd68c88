package dev.outpost.origin.content;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;

/**
 * One master copy as the origin serves it: where it lies, its size and modification time, and the SHA-256 digest
 * of its content, from which the strong ETag and the Repr-Digest come.
 */
public record MasterFile(AssetPath path, Path file, long size, Instant lastModified, byte[] sha256) {
    public MasterFile {
        sha256 = sha256.clone();
    }

    /** Strong ETag from the content digest: equal bytes, equal ETag, whatever the file's age. */
    public String etag() {
        return etagOf(sha256);
    }

    /** RFC 9530 Repr-Digest value: {@code sha-256=:BASE64:}. */
    public String reprDigest() {
        return "sha-256=:" + Base64.getEncoder().encodeToString(sha256) + ":";
    }

    /** Last-Modified has a one-second resolution; comparisons use the truncated value. */
    public Instant lastModifiedSeconds() {
        return Instant.ofEpochSecond(lastModified.getEpochSecond());
    }

    public String contentType() {
        return MediaTypes.forFileName(path.fileName());
    }

    @Override
    public byte[] sha256() {
        return sha256.clone();
    }

    public static String etagOf(byte[] sha256) {
        return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256) + "\"";
    }
}
