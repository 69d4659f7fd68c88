package dev.outpost.bench;

import dev.outpost.edge.cache.Action;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Decisions;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The freshness decision: per request, {@link Decisions#decide} on a stored entry (fresh, and stale with
 * stale-while-revalidate); per stored response, {@link CachedObjects#create}, which works out its freshness
 * lifetime and initial age from the headers.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FreshnessBenchmark {
    private final CachePolicy policy = CachePolicy.from(CacheConfig.DEFAULTS);
    private final Instant t = Instant.parse("2026-11-28T00:00:00Z");
    private Optional<CachedObject> fresh;
    private Optional<CachedObject> staleWhileRevalidate;
    private Fields originHeaders;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    @Setup
    public void store() {
        originHeaders = Fields.of("Cache-Control", "public, max-age=60, stale-while-revalidate=30",
                "Date", "Sat, 28 Nov 2026 00:00:00 GMT", "Last-Modified", "Fri, 27 Nov 2026 10:00:00 GMT",
                "ETag", "\"abc\"", "Content-Type", "text/css");
        CachedObject o = CachedObjects.create("http://a/x.css", Fields.empty(), 200, originHeaders,
                ByteBuffer.allocate(100), t, t, policy);
        fresh = Optional.of(o);
        staleWhileRevalidate = Optional.of(o);
    }

    @Benchmark
    public Action decideFresh() {
        return Decisions.decide("GET", fresh, t.plusSeconds(10));
    }

    @Benchmark
    public Action decideStaleWhileRevalidate() {
        return Decisions.decide("GET", staleWhileRevalidate, t.plusSeconds(75));
    }

    @Benchmark
    public Duration lifetimeFromHeaders() {
        return CachedObjects.create("http://a/x.css", Fields.empty(), 200, originHeaders, EMPTY, t, t, policy)
                .lifetime();
    }
}
