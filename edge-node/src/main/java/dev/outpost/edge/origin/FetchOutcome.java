package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.FetchPlan;
import dev.outpost.edge.cache.Fields;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * What a fetch for the cache came to; the collapser hands the same outcome to every follower. Most outcomes are
 * final when the fetch returns; {@link Filling} is returned as soon as the origin's head arrived, with the body
 * still coming in, and its {@link Filling#end} says what became of it.
 */
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

    /** A complete, read answer that may not be stored (a piece or a buffered answer). */
    record Uncacheable(int status, Fields headers, ByteBuffer body, String reason) implements FetchOutcome {
        public Uncacheable {
            body = body.asReadOnlyBuffer();
        }
    }

    /**
     * The origin answered and its body is arriving into {@code fill}, to be relayed to clients as it comes
     * ({@code plan} says whether it is stored at the end). {@code first} is the reader opened for the request that
     * made the fetch (it must read or close it); any other request opens its own with {@code fill().reader()}.
     * {@code end} completes once the body is in: {@link Stored}, {@link Relayed}, {@link Truncated} or
     * {@link Rejected}.
     *
     * @param headers       what clients get: the origin's headers without hop-by-hop, framing and CDN-only fields
     * @param originHeaders the origin's headers as they came
     * @param variant       the variant the answer is for (the fetching request's values of the headers it varies on)
     * @param filler        the body's filler, when the fetch left it to the request that made it (a small body of a
     *                      client's miss, {@link PendingFiller}); else {@link PendingFiller#STARTED}
     */
    record Filling(int status, Fields headers, Fields originHeaders, String variant, Fill fill, Fill.Reader first,
            FetchPlan.Stream plan, Instant requestTime, Instant responseTime, CompletableFuture<FetchOutcome> end,
            PendingFiller filler) implements FetchOutcome {
        /** The variant of the request that made the fetch. */
        public String leaderVariant() {
            return variant;
        }
    }

    /** A streamed body that was relayed whole and not stored, for {@code reason} ({@code lasting}: see the plan). */
    record Relayed(int status, String reason, boolean lasting) implements FetchOutcome {
    }

    /** The origin (every origin) answered 5xx; never stored. */
    record OriginFailed(int status, Fields headers, ByteBuffer body) implements FetchOutcome {
        public OriginFailed {
            body = body.asReadOnlyBuffer();
        }
    }

    /**
     * No origin answered: {@code timeout} (504), refused or reset (502), or not asked at all because the edge's
     * caps on open origin requests were reached ({@code busy}, 503) or every origin's circuit is open
     * ({@code down}, 503).
     */
    record Unreachable(boolean timeout, boolean busy, boolean down, String message) implements FetchOutcome {
        public Unreachable(boolean timeout, boolean busy, String message) {
            this(timeout, busy, false, message);
        }
    }

    /**
     * The body disagrees with its headers ({@code Content-Length}, {@code Content-Digest}, {@code Repr-Digest}):
     * never stored, never delivered whole.
     */
    record Rejected(int status, String message) implements FetchOutcome {
    }

    /**
     * The answer is an object to cache in slices (too large to store whole, or of unknown length, with a
     * validator): its body was not read, and the miss is carried out slice by slice (docs/caching-tiers.md#slices).
     * Only {@link OriginFetch#fetchForMiss} comes to this.
     */
    record Sliced() implements FetchOutcome {
    }

    /** The origin closed early or sent fewer bytes than it announced; nothing stored. */
    record Truncated(String message) implements FetchOutcome {
    }
}
