package dev.outpost.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.outpost.edge.cache.CachePolicy;
import dev.outpost.edge.cache.CacheStore;
import dev.outpost.edge.cache.CachedObject;
import dev.outpost.edge.cache.CachedObjects;
import dev.outpost.edge.cache.Fields;
import dev.outpost.edge.config.CacheConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Issue 22's hit-ratio replay: the exact request stream of {@code bench/run.sh}'s Zipf (b) cells
 * ({@link ZipfStream}: same seed, law and catalogue; object sizes from {@code benchtool.py zipf-sizes}, the files
 * the bench origin serves) fed through the edge's real memory tier ({@link CacheStore}: its weigher, its admission,
 * Caffeine underneath, objects built by {@link CachedObjects#create} from the bench origin's response headers), and
 * through Caffeine's W-TinyLFU alone, an exact LRU and Belady's furthest-next-use, these three charged body bytes
 * only. Cache bytes: 10 % of the catalogue's body bytes, as the (b) cells configure. Two windows of one stream:
 * the first {@code --cold} requests from an empty cache (the (b) cell) and, after {@code --warmup} requests, the
 * next {@code --steady} (the steady state). Then the same with every object of the catalogue's mean size (the
 * uniform-size workload, where a size-aware policy has nothing to gain and must not lose). Single-threaded and
 * deterministic but for Caffeine's own randomised tie-breaks. Prints Markdown. Run from the repository root:
 * {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.HitRatioReplay [--objects N] [--cold N]
 * [--warmup N] [--steady N]}.
 */
public final class HitRatioReplay {
    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    private static final Fields REQUEST = Fields.of("Host", "127.0.0.1:18081");

    private HitRatioReplay() {
    }

    /** Hits and bytes over one window of the stream. */
    static final class Window {
        long requests;
        long hits;
        long bytes;
        long hitBytes;

        void count(boolean hit, int size) {
            requests++;
            bytes += size;
            if (hit) {
                hits++;
                hitBytes += size;
            }
        }

        String cells() {
            return String.format(Locale.ROOT, "%.1f %% | %.1f %%", 100.0 * hits / requests,
                    100.0 * hitBytes / bytes);
        }
    }

    /** A cache under replay: answers whether the object was held, and stores it if not (as its policy decides). */
    interface Replayed {
        boolean request(int object, int index);

        /** Entries held now. */
        long entries();
    }

    public static void main(String[] args) throws Exception {
        int objects = option(args, "objects", 10_000);
        int cold = option(args, "cold", 30_000);
        int warmup = option(args, "warmup", 100_000);
        int steady = option(args, "steady", 900_000);
        if (objects < 100 || cold < 1 || warmup < cold || steady < 1 || (long) warmup + steady > 50_000_000) {
            throw new IllegalArgumentException("--objects >= 100, --cold >= 1, --warmup >= --cold, --steady >= 1");
        }
        int[] sizes = catalogueSizes(objects);
        long catalogue = Arrays.stream(sizes).asLongStream().sum();
        long cacheBytes = catalogue / 10;
        int[] stream = new int[warmup + steady];
        ZipfStream zipf = new ZipfStream(objects, 1.0, ZipfStream.WRK_SEED);
        for (int i = 0; i < stream.length; i++) {
            stream[i] = zipf.next() - 1;
        }
        int mean = (int) (catalogue / objects);
        int[] uniform = new int[objects];
        Arrays.fill(uniform, mean);
        System.out.printf(Locale.ROOT, "Zipf s=1.0 over %d objects (wrk's stream, seed 7919), cache %d bytes = 10 %% "
                + "of the catalogue's %d; cold: the first %d requests from empty; steady: requests %d..%d%n%n",
                objects, cacheBytes, catalogue, cold, warmup + 1, warmup + steady);
        System.out.println("| workload | policy | cold objects | cold bytes | steady objects | steady bytes "
                + "| entries held |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String workload : List.of("1-4 KiB (the bench's)", "uniform " + mean + " B")) {
            int[] s = workload.startsWith("uniform") ? uniform : sizes;
            for (String policy : List.of("edge memory tier", "edge memory tier, W-TinyLFU only",
                    "static optimum, edge's charge", "Caffeine W-TinyLFU", "LRU", "Belady")) {
                Replayed cache = switch (policy) {
                    case "edge memory tier" -> edge(cacheBytes, s, true);
                    case "edge memory tier, W-TinyLFU only" -> edge(cacheBytes, s, false);
                    case "static optimum, edge's charge" -> staticOptimum(cacheBytes, s, edgeCharges(s));
                    case "Caffeine W-TinyLFU" -> caffeine(cacheBytes, s);
                    case "LRU" -> lru(cacheBytes, s);
                    default -> belady(cacheBytes, s, stream);
                };
                Window first = new Window();
                Window later = new Window();
                for (int i = 0; i < stream.length; i++) {
                    boolean hit = cache.request(stream[i], i);
                    if (i < cold) {
                        first.count(hit, s[stream[i]]);
                    }
                    if (i >= warmup) {
                        later.count(hit, s[stream[i]]);
                    }
                }
                System.out.printf("| %s | %s | %s | %s | %d |%n", workload, policy, first.cells(), later.cells(),
                        cache.entries());
            }
        }
    }

    static String key(int object) {
        return "bench/z/outpost/b1/obj-" + (object + 1) + ".bin";
    }

    /**
     * The edge's memory tier as the edge builds it (or without its size-aware admission), fed the bench origin's
     * (nginx's) answers.
     */
    static Replayed edge(long cacheBytes, int[] sizes, boolean sizeAwareAdmission) {
        CacheStore store = new CacheStore(cacheBytes, CacheConfig.DEFAULTS.maxVariantsPerUrl(),
                CacheStore.DEFAULT_PURGE_MEMORY, Optional.empty(), sizeAwareAdmission);
        CachePolicy policy = CachePolicy.from(CacheConfig.DEFAULTS);
        ByteBuffer bytes = ByteBuffer.allocateDirect(1 << 20);
        return new Replayed() {
            @Override
            public boolean request(int object, int index) {
                String key = key(object);
                if (store.find(key, REQUEST) != null) {
                    return true;
                }
                ByteBuffer body = bytes.slice(0, sizes[object]);
                CachedObject fetched = CachedObjects.create(key, REQUEST, 200, originHeaders(object, sizes[object]),
                        body, NOW, NOW, policy);
                store.putFetched(fetched, store.fetchTicket());
                return false;
            }

            @Override
            public long entries() {
                return store.entries();
            }
        };
    }

    /** What the edge's weigher charges for each object of the catalogue ({@link CachedObject#weight}). */
    static long[] edgeCharges(int[] sizes) {
        CachePolicy policy = CachePolicy.from(CacheConfig.DEFAULTS);
        ByteBuffer bytes = ByteBuffer.allocateDirect(1 << 20);
        long[] charges = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            charges[i] = CachedObjects.create(key(i), REQUEST, 200, originHeaders(i, sizes[i]),
                    bytes.slice(0, sizes[i]), NOW, NOW, policy).weight();
        }
        return charges;
    }

    /**
     * The best fixed set on this stream's law (Zipf: object i asked for in proportion to 1/(i+1)): the objects with
     * the highest request rate per charged byte, taken greedily while they fit (then any smaller one that still
     * fits). On a stationary stream no online policy holds a better set on average; it is the ceiling the edge's
     * policy is measured against, at the edge's own charge per entry.
     */
    static Replayed staticOptimum(long cacheBytes, int[] sizes, long[] charges) {
        Integer[] byValue = new Integer[sizes.length];
        for (int i = 0; i < byValue.length; i++) {
            byValue[i] = i;
        }
        // rate per byte: 1/((i+1) * charge), highest first
        Arrays.sort(byValue, (a, b) -> Double.compare((double) (a + 1) * charges[a], (double) (b + 1) * charges[b]));
        boolean[] held = new boolean[sizes.length];
        long used = 0;
        int count = 0;
        for (int i : byValue) {
            if (used + charges[i] <= cacheBytes) {
                held[i] = true;
                used += charges[i];
                count++;
            }
        }
        int entries = count;
        return new Replayed() {
            @Override
            public boolean request(int object, int index) {
                return held[object];
            }

            @Override
            public long entries() {
                return entries;
            }
        };
    }

    /** What the bench origin (nginx serving a file, {@code bench/conf/origin-nginx.conf}) answers. */
    static Fields originHeaders(int object, int size) {
        return Fields.of("Server", "nginx/1.22.1", "Date", "Sat, 05 Dec 2026 00:00:00 GMT", "Content-Type",
                "application/octet-stream", "Content-Length", Integer.toString(size), "Last-Modified",
                "Sat, 05 Dec 2026 00:00:00 GMT", "Connection", "keep-alive", "ETag",
                "\"6932a000-" + Integer.toHexString(size) + "\"", "Accept-Ranges", "bytes", "Cache-Control",
                "public, max-age=86400");
    }

    /** Caffeine's W-TinyLFU alone, weighted by body bytes. */
    static Replayed caffeine(long cacheBytes, int[] sizes) {
        Cache<Integer, Integer> cache = Caffeine.newBuilder().maximumWeight(cacheBytes)
                .weigher((Integer k, Integer size) -> size).executor(Runnable::run).build();
        return new Replayed() {
            @Override
            public boolean request(int object, int index) {
                if (cache.getIfPresent(object) != null) {
                    return true;
                }
                cache.put(object, sizes[object]);
                return false;
            }

            @Override
            public long entries() {
                return cache.estimatedSize();
            }
        };
    }

    /** An exact LRU by body bytes. */
    static Replayed lru(long cacheBytes, int[] sizes) {
        LinkedHashMap<Integer, Integer> lru = new LinkedHashMap<>(16, 0.75f, true);
        long[] used = {0};
        return new Replayed() {
            @Override
            public boolean request(int object, int index) {
                if (lru.get(object) != null) {
                    return true;
                }
                lru.put(object, sizes[object]);
                used[0] += sizes[object];
                while (used[0] > cacheBytes) {
                    var eldest = lru.entrySet().iterator();
                    used[0] -= eldest.next().getValue();
                    eldest.remove();
                }
                return false;
            }

            @Override
            public long entries() {
                return lru.size();
            }
        };
    }

    /**
     * Belady's rule by body bytes: on a miss the object is taken in, then whatever is next asked for furthest in the
     * future leaves until the bytes fit (the newcomer itself when it is the furthest: not admitted). Optimal for
     * equal sizes; for sizes of 1-4 KiB a close bound, not the exact (NP-hard) optimum.
     */
    static Replayed belady(long cacheBytes, int[] sizes, int[] stream) {
        int[] nextUse = new int[stream.length];
        int[] seen = new int[sizes.length];
        Arrays.fill(seen, Integer.MAX_VALUE);
        for (int i = stream.length - 1; i >= 0; i--) {
            nextUse[i] = seen[stream[i]];
            seen[stream[i]] = i;
        }
        long[] held = new long[sizes.length]; // next use of each held object, -1 when not held
        Arrays.fill(held, -1);
        // ordered by next use, then object: (nextUse << 20 | object), furthest last
        TreeSet<Long> byNextUse = new TreeSet<>();
        long[] used = {0};
        return new Replayed() {
            @Override
            public boolean request(int object, int index) {
                boolean hit = held[object] >= 0;
                if (hit) {
                    byNextUse.remove(held[object] << 20 | object);
                } else {
                    used[0] += sizes[object];
                }
                held[object] = nextUse[index];
                byNextUse.add(held[object] << 20 | object);
                while (used[0] > cacheBytes) {
                    long furthest = byNextUse.pollLast();
                    int evicted = (int) (furthest & ((1 << 20) - 1));
                    held[evicted] = -1;
                    used[0] -= sizes[evicted];
                }
                return hit;
            }

            @Override
            public long entries() {
                return byNextUse.size();
            }
        };
    }

    /** The body sizes of the bench origin's zipf/obj-1..N.bin, as {@code benchtool.py mkdata} writes them. */
    static int[] catalogueSizes(int objects) throws IOException, InterruptedException {
        Process python = new ProcessBuilder("python3", Path.of("bench", "tools", "benchtool.py").toString(),
                "zipf-sizes", Integer.toString(objects)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (python.waitFor() != 0) {
            throw new IllegalStateException("benchtool.py zipf-sizes failed (run from the repository root)");
        }
        List<Integer> sizes = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                sizes.add(Integer.parseInt(line.strip()));
            }
        }
        if (sizes.size() != objects) {
            throw new IllegalStateException("benchtool.py gave " + sizes.size() + " sizes for " + objects);
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int option(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--" + name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
