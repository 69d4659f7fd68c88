package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.Fields;
import java.nio.ByteBuffer;

/** What a fetch for the cache ended in; the collapser hands the same outcome to every follower. */
public sealed interface FetchOutcome {
    /**
     * A storable answer (a new object, or a stale one refreshed by a 304 when {@code revalidated}), and what the
     * store did with it: a purge that ran while it was fetched keeps it out ({@link CacheStore.Admission#REFUSED}).
     */
    record Stored(CachedObject object, boolean revalidated, CacheStore.Admission admission) implements FetchOutcome {
        /** Whether the store holds it now (fresh or, after a soft purge, stale). */
        public boolean kept() {
            return admission != CacheStore.Admission.REFUSED;
        }
    }

    /** A complete response that may not be stored, buffered so followers can be answered from it. */
    record Uncacheable(int status, Fields headers, ByteBuffer body, String reason) implements FetchOutcome {
        public Uncacheable {
            body = body.asReadOnlyBuffer();
        }
    }

    /**
     * Too large, of unknown length, or no direct memory left to hold it: only the leader streams {@code response}
     * through; followers must fetch for themselves. {@code lasting} says whether the reason holds for the URL's next
     * answers too (its size, its framing), so the URL is passed for a while; direct memory running short is not.
     */
    record Streaming(OriginResponse response, String reason, boolean lasting) implements FetchOutcome {
    }

    /** The origin (every origin) answered 5xx; never stored. */
    record OriginFailed(int status, Fields headers, ByteBuffer body) implements FetchOutcome {
        public OriginFailed {
            body = body.asReadOnlyBuffer();
        }
    }

    /** No origin answered. */
    record Unreachable(boolean timeout, String message) implements FetchOutcome {
    }

    /**
     * A complete body that disagrees with its own headers (length, Content-Digest or Repr-Digest; see
     * {@code BodyIntegrity}): neither stored nor relayed.
     */
    record Rejected(int status, String message) implements FetchOutcome {
    }

    /** The origin closed early or sent fewer bytes than it announced; nothing stored. */
    record Truncated(String message) implements FetchOutcome {
    }
}
