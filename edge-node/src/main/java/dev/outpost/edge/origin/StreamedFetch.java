package dev.outpost.edge.origin;

import dev.outpost.edge.cache.BodyIntegrity;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.FetchPlan;
import dev.outpost.edge.cache.Vary;
import dev.outpost.edge.origin.OriginFetch.Target;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The part of a fetch ({@link OriginFetch}) whose body is streamed: a {@link Fill} that clients read as it fills,
 * a filler that reads the origin at its own speed (a thread of its own, or the leader's for a small body:
 * {@link PendingFiller}), the body checked against its headers at its end and stored when the plan says so.
 */
final class StreamedFetch {
    private static final int READ_CHUNK = 64 * 1024;
    /**
     * A client's miss whose announced body is at most this long is read by its leader's own thread
     * ({@link PendingFiller}): one read chunk, so the first read takes a body that came with its head whole.
     */
    static final long LEADER_READS_MAX_BYTES = READ_CHUNK;

    private final OriginClient client;
    private final CacheStore store;
    private final CachePolicy policy;
    private final Spool spool;
    private final long windowBytes;
    private final long backgroundFillMaxBytes;
    private final Executor fillers;

    StreamedFetch(OriginClient client, CacheStore store, CachePolicy policy, Spool spool, long windowBytes,
            long backgroundFillMaxBytes, Executor fillers) {
        this.client = client;
        this.store = store;
        this.policy = policy;
        this.spool = spool;
        this.windowBytes = windowBytes;
        this.backgroundFillMaxBytes = backgroundFillMaxBytes;
        this.fillers = fillers;
    }

    /**
     * Starts the filler and returns at once with the head: clients read the body as it arrives. {@code t} is the
     * fetch for the cache, or null for a relay. {@code leaderReads}: a body to keep of at most
     * {@link #LEADER_READS_MAX_BYTES} is left to the caller's thread ({@link PendingFiller}).
     */
    FetchOutcome.Filling stream(Target t, OriginResponse response, FetchPlan.Stream planned, long ticket,
            boolean leaderReads) {
        long length = response.contentLength();
        Fill keeping = null;
        if (planned.storable() && (length < 0 || DirectMemory.hasRoomFor(2 * length))) {
            // room for the chunks and their copy at the end: nothing is allocated before the head goes out
            keeping = Fill.keeping(length, policy.maxObjectBytes(), spool, windowBytes);
        } else if (planned.storable()) {
            // Direct memory is short: the body's buffer is taken now, which makes the JVM collect dead (evicted)
            // bodies; when live ones fill it, this one is relayed instead of failing the request (not stored, and
            // the URL not passed), and its head says so.
            keeping = Fill.keepingAllocated(length, policy.maxObjectBytes(), spool, windowBytes);
            if (!keeping.memoryReserved()) {
                keeping = null;
            }
        }
        FetchPlan.Stream plan = planned.storable() && keeping == null
                ? new FetchPlan.Stream(false, Optional.of("direct-memory-full"), false) : planned;
        Fill fill = keeping != null ? keeping : Fill.passing(spool, windowBytes);
        Fill.Reader first = fill.reader().orElseThrow(); // before the filler runs: the start is still there
        CompletableFuture<FetchOutcome> end = new CompletableFuture<>();
        Consumer<Runnable> filler = bodyStillComing -> {
            try {
                fill(t, response, fill, plan, ticket, end, bodyStillComing);
            } catch (RuntimeException | Error e) {
                fill.fail(e);
                end.completeExceptionally(e);
                throw e;
            }
        };
        PendingFiller pending = PendingFiller.STARTED;
        if (leaderReads && keeping != null && length >= 0 && length <= LEADER_READS_MAX_BYTES
                && response.readFromSocket()) {
            pending = new PendingFiller(filler, fillers);
        } else {
            fillers.execute(() -> filler.accept(() -> { }));
        }
        String variant = t == null ? "" : Vary.variant(Vary.names(response.headers()), t.requestHeaders());
        return new FetchOutcome.Filling(response.status(), CachedObjects.clientHeaders(response.headers()),
                response.headers(), variant, fill, first, plan, response.requestTime(), response.responseTime(), end,
                pending);
    }

    /**
     * The filler: reads the origin body to its end into {@code fill}, checks it against its headers, and stores it
     * when the plan says so and it is whole in memory. A body nobody keeps is given up once every client left.
     * The fetch's {@code end} (which also ends its flight in the collapser) completes before readers see the last
     * byte or the failure: a client that got its answer and asks again never joins this finished fetch.
     * {@code bodyStillComing} runs once, after the first bytes, when they are not the whole body.
     */
    private void fill(Target t, OriginResponse response, Fill fill, FetchPlan.Stream plan, long ticket,
            CompletableFuture<FetchOutcome> end, Runnable bodyStillComing) {
        int status = response.status();
        BodyIntegrity integrity = BodyIntegrity.of(status, response.headers());
        try (response; InputStream in = response.body()) {
            byte[] chunk = new byte[readChunkBytes(response.contentLength())];
            boolean first = true;
            for (int n; (n = in.read(chunk)) >= 0; ) {
                ByteBuffer bytes = ByteBuffer.wrap(chunk, 0, n);
                integrity.update(bytes);
                fill.append(bytes);
                if (first) {
                    first = false;
                    if (response.contentLength() < 0 || fill.received() < response.contentLength()) {
                        bodyStillComing.run();
                    }
                }
                if (fill.abandoned() && !finishUnread(plan.storable(), fill.kept(), response.contentLength(),
                        fill.received(), backgroundFillMaxBytes)) {
                    // A storable body past the object limit: the URL is passed and its old copies go, as when read whole.
                    boolean tooLarge = plan.storable() && fill.received() > policy.maxObjectBytes();
                    if (tooLarge && t != null) {
                        OriginFetch.forgetStale(store, t);
                    }
                    end.complete(new FetchOutcome.Relayed(status, tooLarge ? "too-large" : "client-gone", tooLarge));
                    fill.fail(new IOException("every client of this body left"));
                    return;
                }
            }
            Optional<BodyIntegrity.Mismatch> broken = integrity.result();
            if (broken.isPresent()) { // never stored; readers abort instead of getting the last byte
                client.bodyRejected(broken.get().kind());
                end.complete(new FetchOutcome.Rejected(status, broken.get().message()));
                fill.finish(Optional.of(broken.get().message()));
                return;
            }
            end.complete(OriginFetch.overran(client, response) ? new FetchOutcome.Relayed(status, OriginFetch.OVERRAN, false)
                    : endOf(t, response, fill, plan, ticket));
            fill.finish(Optional.empty());
        } catch (IOException e) {
            end.complete(new FetchOutcome.Truncated("origin body incomplete: " + e.getMessage()));
            fill.fail(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end.complete(new FetchOutcome.Truncated("interrupted while reading the origin body"));
            fill.fail(e);
        }
    }

    /**
     * The filler's read buffer: the announced length when it is smaller than {@code READ_CHUNK} (a 2 KiB miss
     * allocated 64 KiB for it, more than half of all the bytes a small miss allocated), else {@code READ_CHUNK}.
     */
    static int readChunkBytes(long contentLength) {
        return contentLength > 0 && contentLength < READ_CHUNK ? (int) contentLength : READ_CHUNK;
    }

    /**
     * Whether a fill every client left is read on for the cache (and for requests that join it later): only while
     * it may still be stored (storable, every byte so far kept in memory) and its object, by its announced length
     * or else the bytes received so far, is at most {@code backgroundFillMaxBytes} ({@code cache.
     * backgroundFillMaxBytes}). Otherwise the origin fetch is given up: nobody would get the rest.
     */
    static boolean finishUnread(boolean storable, boolean kept, long contentLength, long received,
            long backgroundFillMaxBytes) {
        long size = contentLength >= 0 ? contentLength : received;
        return storable && kept && size <= backgroundFillMaxBytes;
    }

    /** What became of a whole, checked body: stored, or relayed only (and why). */
    private FetchOutcome endOf(Target t, OriginResponse response, Fill fill, FetchPlan.Stream plan, long ticket) {
        int status = response.status();
        if (!plan.storable()) {
            return new FetchOutcome.Relayed(status, plan.notStoredBecause().orElse("not-storable"), plan.lasting());
        }
        if (!fill.kept()) {
            // Longer than the object limit (a body of unknown length), or no direct memory was left for it.
            boolean tooLarge = fill.received() > policy.maxObjectBytes();
            if (tooLarge && t != null) {
                OriginFetch.forgetStale(store, t);
            }
            return new FetchOutcome.Relayed(status, tooLarge ? "too-large" : "direct-memory-full", tooLarge);
        }
        ByteBuffer body;
        try {
            body = fill.wholeBody();
        } catch (OutOfMemoryError e) {
            // -XX:MaxDirectMemorySize is reached even after the JVM collected dead (evicted) bodies, i.e. live
            // bodies fill it: this one was relayed whole, and is not stored; the URL is not passed.
            return new FetchOutcome.Relayed(status, "direct-memory-full", false);
        }
        CachedObject object = CachedObjects.create(t.key(), t.requestHeaders(), status, response.headers(),
                body, response.requestTime(), response.responseTime(), policy, t.credentials());
        return new FetchOutcome.Stored(object, false, store.putFetched(object, ticket));
    }
}
