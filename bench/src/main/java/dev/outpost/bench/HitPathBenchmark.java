package dev.outpost.bench;

import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Conditionals;
import dev.outpost.edge.cache.Decisions;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import java.nio.ByteBuffer;
import java.time.Instant;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cache side of a hit, as {@code CacheHandler} runs it on the IO thread: store lookup (Caffeine + Vary
 * variant), the freshness decision, and the client-conditional check {@code ResponseWriter} makes before writing.
 * The store holds 10,000 objects of 1-4 KiB, like the Zipf workload of bench/run.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HitPathBenchmark {
    private static final int OBJECTS = 10_000;

    private CacheStore store;
    private String[] keys;
    private Fields request;
    private Instant now;
    private int next;

    @Setup
    public void fill() {
        CachePolicy policy = CachePolicy.from(CacheConfig.DEFAULTS);
        store = new CacheStore(256L * 1024 * 1024, 8);
        keys = new String[OBJECTS];
        Instant t = Instant.parse("2026-11-28T00:00:00Z");
        Fields origin = Fields.of("Content-Type", "application/octet-stream", "Cache-Control", "public, max-age=86400",
                "ETag", "\"5f2b-1a2b3c\"", "Last-Modified", "Fri, 27 Nov 2026 10:00:00 GMT",
                "Date", "Sat, 28 Nov 2026 00:00:00 GMT", "Content-Length", "2048");
        for (int i = 0; i < OBJECTS; i++) {
            keys[i] = "http://127.0.0.1/z/outpost/a1/obj-" + (i + 1) + ".bin";
            ByteBuffer body = ByteBuffer.allocateDirect(1024 + i % 3072);
            store.put(CachedObjects.create(keys[i], Fields.empty(), 200, origin, body, t, t, policy));
        }
        // What wrk sends: Host and nothing conditional.
        request = Fields.of("Host", "127.0.0.1:18081");
        now = t.plusSeconds(60);
    }

    private String nextKey() {
        next = next + 1 == OBJECTS ? 0 : next + 1;
        return keys[next];
    }

    /** Caffeine lookup and the Vary variant pick (the hit path's nullable form, as CacheHandler calls it). */
    @Benchmark
    public CachedObject lookup() {
        return store.find(nextKey(), request);
    }

    /** Lookup, {@link Decisions#decide} (SERVE) and the conditional check: everything before the write. */
    @Benchmark
    public void hit(Blackhole bh) {
        CachedObject stored = store.find(nextKey(), request);
        bh.consume(Decisions.decide("GET", stored, now));
        bh.consume(Conditionals.notModified(request, stored));
    }
}
