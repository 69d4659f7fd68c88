package dev.outpost.bench;

import dev.outpost.edge.cache.CacheKeys;
import dev.outpost.common.service.CacheKeyRules;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Cache-key normalization ({@link CacheKeys#key}) for the request shapes an edge sees most. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CacheKeyBenchmark {
    private final CacheKeys keys = new CacheKeys("assets", CacheKeyRules.DEFAULTS);

    /** A plain path, no query: the benchmark's own URLs. */
    @Benchmark
    public String plainPath() {
        return keys.key("/z/outpost/a1/obj-4711.bin", null);
    }

    /** A query to sort, with a utm_ parameter to drop. */
    @Benchmark
    public String queryToSort() {
        return keys.key("/img/logo.png", "w=200&utm_source=mail&h=100&fmt=webp");
    }

    /** Escapes to decode and dot segments to remove. */
    @Benchmark
    public String escapesAndDots() {
        return keys.key("/a/./b/../%7Euser/caf%c3%a9.css", "v=1");
    }
}
