package dev.outpost.edge.http;

import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.MultipartByteranges;
import dev.outpost.common.http.ranges.RangeDecision;
import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Conditionals;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.cache.Outcome;
import dev.outpost.edge.cache.Slices;
import dev.outpost.edge.cache.Vary;
import dev.outpost.edge.metrics.SliceCounts;
import dev.outpost.edge.origin.OriginFetch;
import dev.outpost.edge.origin.SliceFetch;
import io.undertow.io.BufferWritableOutputStream;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Serves a sliced object (docs/caching-tiers.md#slices) on a blocking thread: its head (from the store while
 * fresh, else fetched again as slice 0) answers conditionals, HEAD and the range arithmetic; the body is written
 * slice by slice in order, each from the store or fetched as it is reached, so a request holds at most one slice
 * in memory and a Range costs only the slices it touches. Fetches of one slice are collapsed: requests that need a
 * slice already being fetched wait for that fetch. A slice whose upstream object changed under the head drops the
 * object's slices; the request starts over if nothing was sent yet, else its response is cut (HTTP/1.1: the
 * connection closed; HTTP/2: the stream reset), never finished with bytes of two versions.
 */
final class SliceFlow {
    private final SliceFetch slices;
    private final CacheStore store;
    private final ResponseWriter writer;
    private final Clock clock;
    private final int maxRangeParts;
    private final Duration maxWait;
    private final Map<String, CompletableFuture<SliceFetch.Result>> flights = new ConcurrentHashMap<>();
    private final SliceCounts counts;

    /** Why the body stopped: the object changed under its head, or a slice could not be had. */
    private static final class Cut extends Exception {
        final boolean changed;

        Cut(String message, boolean changed) {
            super(message, null, false, false);
            this.changed = changed;
        }
    }

    SliceFlow(SliceFetch slices, CacheStore store, ResponseWriter writer, Clock clock, int maxRangeParts,
            Duration maxWait, SliceCounts counts) {
        this.slices = slices;
        this.store = store;
        this.writer = writer;
        this.clock = clock;
        this.maxRangeParts = maxRangeParts;
        this.maxWait = maxWait;
        this.counts = counts;
        // A request after a purge never joins a slice fetch that started before it.
        store.onPurge(keys -> flights.keySet().removeIf(k -> keys.test(k.substring(0, k.indexOf('\n')))));
    }

    /**
     * Serves the request from slices: {@code head} is the stored head when it is fresh. {@code whole} is called,
     * with nothing sent, when the object cannot be sliced after all (the upstream ignores Range, has no validator,
     * fails): the request is then fetched whole the ordinary way.
     */
    void serve(HttpServerExchange ex, OriginFetch.Target t, Optional<CachedObject> head,
            Consumer<HttpServerExchange> whole) {
        serve(ex, t, head, whole, true);
    }

    private void serve(HttpServerExchange ex, OriginFetch.Target t, Optional<CachedObject> stored,
            Consumer<HttpServerExchange> whole, boolean mayRetry) {
        CachedObject head;
        Optional<ByteBuffer> first = Optional.empty();
        if (stored.isPresent()) {
            head = stored.get();
        } else {
            SliceFetch.Result r = collapsed(Slices.headKey(t.key()) + "\n", () -> slices.first(t));
            if (!(r instanceof SliceFetch.Got got) || got.head().isEmpty()
                    || !Vary.variant(got.head().get().vary(), t.requestHeaders()).equals(got.head().get().variant())) {
                counts.fallbacks().increment();
                whole.accept(ex);
                return;
            }
            head = got.head().get();
            first = Optional.of(got.bytes());
        }
        try {
            respond(ex, t, head, first, stored.isEmpty());
        } catch (Cut cut) {
            if (cut.changed) {
                counts.changed().increment();
                store.purge(t.key(), false); // slices of the old version are never served again
            }
            if (!ex.isResponseStarted() && mayRetry && cut.changed) {
                ex.getResponseHeaders().clear();
                serve(ex, t, Optional.empty(), whole, false);
            } else if (!ex.isResponseStarted()) {
                writer.error(ex, 502, "origin_error", "a slice of this object could not be fetched: "
                        + cut.getMessage(), CacheStatus.forwarded(CacheStatus.Fwd.MISS).withDetail("slices"));
            } else {
                writer.abort(ex); // never a body of two versions, never one that looks whole
            }
        } catch (IOException clientGone) {
            writer.abort(ex);
        }
    }

    private void respond(HttpServerExchange ex, OriginFetch.Target t, CachedObject head, Optional<ByteBuffer> first,
            boolean fetched) throws Cut, IOException {
        Fields request = t.requestHeaders();
        long total = SliceFetch.total(head);
        SliceCursor cursor = new SliceCursor(t, head, first);
        // The head goes out before the body's slices are known to be held: a hit when the head was and the first
        // slice the request needs is, else a miss (the slices missing are fetched as they are reached).
        Outcome outcome = fetched || !cursor.holds(firstNeeded(request, head, total)) ? Outcome.MISS : Outcome.HIT;
        HeaderMap out = ex.getResponseHeaders();
        Fields headers = head.headers();
        boolean toOutpost = ResponseWriter.toOutpostNode(ex);
        for (int i = 0; i < headers.nameCount(); i++) {
            String name = headers.nameAt(i);
            if ((toOutpost || !CachedObjects.CDN_ONLY.contains(name)) && !name.equals("content-range")) {
                headers.linesAt(i).forEach(v -> out.add(ResponseWriter.headerName(name), v));
            }
        }
        out.put(Headers.AGE, head.ageSeconds(clock.instant()));
        CacheStatus status = outcome == Outcome.MISS ? CacheStatus.forwarded(CacheStatus.Fwd.MISS).asStored()
                : CacheStatus.hit().withTtl(Math.floorDiv(head.freshnessLeftNanos(clock.instant()), 1_000_000_000L));
        writer.markWith(out, outcome, status.withDetail("slices").value());
        ResponseWriter.record(ex, outcome);
        if (Conditionals.notModified(request, head)) {
            ex.setStatusCode(304);
            out.remove(Headers.CONTENT_TYPE);
            out.remove(Headers.CONTENT_ENCODING);
            ex.endExchange();
            return;
        }
        out.put(Headers.ACCEPT_RANGES, "bytes");
        String method = ex.getRequestMethod().toString();
        List<ByteRange> parts = List.of();
        if (request.has("range")) {
            switch (Conditionals.ranges(method, request, head, total, maxRangeParts)) {
                case RangeDecision.Unsatisfiable u -> {
                    ex.setStatusCode(416);
                    out.put(Headers.CONTENT_RANGE, u.contentRange());
                    ex.setResponseContentLength(0);
                    ex.endExchange();
                    return;
                }
                case RangeDecision.Partial p -> parts = p.parts();
                case RangeDecision.Full f -> {
                }
                case RangeDecision.Ignored i -> {
                }
            }
        }
        boolean bodyless = method.equals("HEAD");
        if (parts.isEmpty()) {
            ex.setStatusCode(200);
            ex.setResponseContentLength(total);
            if (total == 0 || bodyless) {
                ex.endExchange();
                return;
            }
            parts = List.of(new ByteRange(0, total - 1));
        } else if (parts.size() == 1) {
            ex.setStatusCode(206);
            out.put(Headers.CONTENT_RANGE, parts.get(0).contentRange(total));
            ex.setResponseContentLength(parts.get(0).length());
        }
        ex.startBlocking();
        OutputStream client = ex.getOutputStream();
        if (parts.size() > 1) {
            ex.setStatusCode(206);
            String type = headers.first("content-type").orElse("application/octet-stream");
            MultipartByteranges layout = MultipartByteranges.of(parts, type, total, MultipartByteranges.newBoundary());
            out.put(Headers.CONTENT_TYPE, layout.contentType());
            ex.setResponseContentLength(layout.length());
            for (MultipartByteranges.Piece piece : layout.pieces()) {
                switch (piece) {
                    case MultipartByteranges.Piece.Text text -> client.write(text.bytes());
                    case MultipartByteranges.Piece.Part part -> write(client, cursor, part.range());
                }
            }
        } else {
            write(client, cursor, parts.get(0));
        }
        client.close();
    }

    /** The slice holding the first byte the request asks for (its first range's, else the object's first). */
    private long firstNeeded(Fields request, CachedObject head, long total) {
        if (request.has("range") && Conditionals.ranges("GET", request, head, total, maxRangeParts)
                instanceof RangeDecision.Partial p) {
            return slices.slices().indexOf(p.parts().get(0).first());
        }
        return 0;
    }

    /** Writes bytes {@code range} of the representation, slice by slice. */
    private void write(OutputStream client, SliceCursor cursor, ByteRange range) throws Cut, IOException {
        Slices rules = slices.slices();
        for (long i = rules.indexOf(range.first()); i <= rules.indexOf(range.last()); i++) {
            ByteBuffer slice = cursor.slice(i);
            long from = Math.max(range.first(), rules.first(i)) - rules.first(i);
            long to = Math.min(range.last(), rules.first(i) + slice.remaining() - 1) - rules.first(i);
            ByteBuffer part = slice.duplicate().position((int) from).limit((int) to + 1);
            if (client instanceof BufferWritableOutputStream buffers) {
                buffers.write(part); // direct buffers go to the socket without a copy onto the heap
            } else {
                byte[] copy = new byte[part.remaining()];
                part.get(copy);
                client.write(copy);
            }
        }
    }

    /** The slices of one response, found in the store or fetched as they are reached. */
    private final class SliceCursor {
        private final OriginFetch.Target t;
        private final CachedObject head;
        private final String validator;
        private final String variant;
        private final long total;
        private Optional<ByteBuffer> first;

        SliceCursor(OriginFetch.Target t, CachedObject head, Optional<ByteBuffer> first) {
            this.t = t;
            this.head = head;
            this.first = first;
            this.validator = Slices.validator(head.headers()).orElseThrow();
            this.variant = Vary.variant(head.vary(), t.requestHeaders());
            this.total = SliceFetch.total(head);
        }

        /** Whether slice {@code index} can be had without asking upstream. */
        boolean holds(long index) {
            return index == 0 && first.isPresent() || held(index).isPresent();
        }

        private Optional<CachedObject> held(long index) {
            long expected = slices.slices().last(index, total) - slices.slices().first(index) + 1;
            return store.lookup(Slices.sliceKey(t.key(), validator, index), t.requestHeaders())
                    .filter(o -> o.length() == expected);
        }

        ByteBuffer slice(long index) throws Cut {
            if (index == 0 && first.isPresent()) {
                ByteBuffer b = first.get();
                first = Optional.empty();
                return b;
            }
            String key = Slices.sliceKey(t.key(), validator, index);
            Optional<CachedObject> held = held(index);
            if (held.isPresent()) {
                counts.hits().increment();
                return held.get().body();
            }
            SliceFetch.Result r = collapsed(key + "\n" + variant, () -> slices.next(t, head, index));
            return switch (r) {
                case SliceFetch.Got got -> got.bytes().duplicate();
                case SliceFetch.Changed c -> throw new Cut(c.why(), true);
                case SliceFetch.Failed f -> throw new Cut(f.why(), false);
                case SliceFetch.NotSliced n -> throw new Cut(n.why(), false);
            };
        }
    }

    /** One upstream fetch per slice at a time: later requests for it wait for the one in flight. */
    private SliceFetch.Result collapsed(String flight, Supplier<SliceFetch.Result> fetch) {
        CompletableFuture<SliceFetch.Result> mine = new CompletableFuture<>();
        CompletableFuture<SliceFetch.Result> running = flights.putIfAbsent(flight, mine);
        if (running != null) {
            counts.collapsed().increment();
            try {
                return running.get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new SliceFetch.Failed("interrupted while waiting for a slice");
            } catch (ExecutionException | TimeoutException e) {
                return new SliceFetch.Failed("the slice fetch this request waited for failed or took too long");
            }
        }
        try {
            SliceFetch.Result r = fetch.get();
            mine.complete(r);
            return r;
        } catch (RuntimeException | Error e) {
            mine.complete(new SliceFetch.Failed(String.valueOf(e.getMessage())));
            throw e;
        } finally {
            flights.remove(flight, mine);
        }
    }
}
