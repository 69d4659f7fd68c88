package dev.outpost.bench;

import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Locale;

/**
 * What one memory-tier entry really costs beyond its body, against what the weigher charges for it: N objects as
 * the bench origin answers them (nginx's headers, a direct-buffer body as a fill allocates it, the bench's key
 * shape) stored in a {@link CacheStore} large enough to keep them all; heap and direct memory measured after full
 * collections before and after. Heap figures include everything the entries keep reachable (key, headers, buffers,
 * Caffeine's node and map slot); not the frequency sketch, which is fixed per store. Run:
 * {@code java -XX:+UseSerialGC -Xmx1g -cp bench/target/benchmarks.jar dev.outpost.bench.EntryCost [--entries N]}.
 */
public final class EntryCost {
    private EntryCost() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length == 2 && args[0].equals("--entries") ? Integer.parseInt(args[1]) : 20_000;
        CachePolicy policy = CachePolicy.from(CacheConfig.DEFAULTS);
        CacheStore store = new CacheStore(1L << 40, 8);
        Fields request = Fields.of("Host", "127.0.0.1:18081");
        Instant now = Instant.parse("2026-12-05T00:00:00Z");
        long heap0 = heapAfterGc();
        long direct0 = direct();
        long bodies = 0;
        long charged = 0;
        for (int i = 0; i < n; i++) {
            int size = 1024 + (i * 7919) % 3073;
            ByteBuffer body = ByteBuffer.allocateDirect(size);
            // headers as a client library hands them over: fresh strings per response
            Fields headers = HitRatioReplay.originHeaders(i, size);
            Fields.Builder copy = Fields.builder();
            headers.forEach((name, value) -> copy.add(fresh(name), fresh(value)));
            Instant received = now.plusNanos(i); // an Instant per response, as a fetch makes
            CachedObject o = CachedObjects.create(fresh(HitRatioReplay.key(i)), request, 200, copy.build(), body,
                    received, received, policy);
            store.put(o);
            bodies += size;
            charged += o.weight() - size;
        }
        long heap = heapAfterGc() - heap0;
        long direct = direct() - direct0 - bodies;
        if (store.entries() != n) {
            throw new IllegalStateException("the store kept " + store.entries() + " of " + n);
        }
        System.out.printf(Locale.ROOT, "%d entries: heap %.0f B per entry, direct memory beyond the bodies %.0f B "
                + "(plus the allocator's own header, ~16 B), charged by the weigher beyond the body %.0f B%n", n,
                (double) heap / n, (double) direct / n, (double) charged / n);
        System.out.println(store.bytes() > 0 ? "" : "empty?");
    }

    /** A string with its own bytes, as one parsed from a response is (literals would share theirs). */
    private static String fresh(String s) {
        return new String(s.toCharArray());
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long direct() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool");
    }
}
