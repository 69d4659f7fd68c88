package dev.outpost.edge.cache;

import dev.outpost.edge.config.CacheConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Builds stored objects for unit tests. */
final class TestObjects {
    static final CachePolicy POLICY = CachePolicy.from(CacheConfig.DEFAULTS);
    /** A disk-tier guard with no purge to report: every write is published as it is. */
    static final DiskTier.Guard ADMIT_ALL = (object, ticket, publish) -> {
        publish.run(false);
        return true;
    };

    private TestObjects() {
    }

    static CachedObject stored(Instant at, String... headers) {
        return stored("http://h/a", 200, "body", at, headers);
    }

    static CachedObject stored(String key, int status, String body, Instant at, String... headers) {
        return CachedObjects.create(key, Fields.empty(), status, Fields.of(headers),
                ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), at, at, POLICY);
    }
}
