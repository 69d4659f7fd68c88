package dev.outpost.bench;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.CacheConfig;
import dev.outpost.edge.config.DiskConfig;
import dev.outpost.edge.config.EdgeConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Issue 15's disk-tier figures, in one JVM on loopback: a Zipf(1.0) load over {@code --objects} objects of 1–4 KiB
 * on one edge whose memory tier holds 10 % of the catalogue's bytes, once with memory only and once with a disk tier
 * that holds the whole catalogue (its bytes plus each file's head and metadata), the same seeded sequence for both
 * on a cold edge. Reports the hit ratio over the second half of the requests (the steady part), origin fetches and
 * req/s; then closes the warm edge with the disk tier and times a restart until its first disk hit. Prints a
 * Markdown table. Run by hand:
 * {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.DiskTierBench [--objects N] [--requests N]
 * [--fsync 1|0]}.
 */
public final class DiskTierBench {
    private static final String HOST = "www.example.test";
    private static final int CLIENTS = 16;

    private DiskTierBench() {
    }

    /** One load's figures. */
    private record Figures(String label, double steadyHitRatio, long originFetches, double requestsPerSecond,
            long diskHits, long declined) {
    }

    public static void main(String[] args) throws Exception {
        int objects = intArg(args, "--objects", 10_000);
        int requests = intArg(args, "--requests", 100_000);
        boolean fsync = intArg(args, "--fsync", 1) == 1;
        int[] sizes = new int[objects];
        Random random = new Random(15);
        long catalogue = 0;
        for (int i = 0; i < objects; i++) {
            sizes[i] = 1024 + random.nextInt(3 * 1024);
            catalogue += sizes[i];
        }
        int[] sequence = zipf(objects, requests, 1.0, 42);
        AtomicLong originFetches = new AtomicLong();
        HttpServer origin = origin(sizes, originFetches);
        Path work = Files.createTempDirectory("outpost-disk-bench");
        try {
            long memory = catalogue / 10;
            // Each disk file carries ~21 bytes of head plus metadata (headers, key, tags): about 400 bytes here.
            long disk = catalogue + objects * 512L;
            URI originUri = URI.create("http://127.0.0.1:" + origin.getAddress().getPort());
            List<Figures> rows = new ArrayList<>();
            rows.add(run("memory 10 %", config(originUri, memory, null), sequence, originFetches));
            Path diskDir = work.resolve("disk");
            DiskConfig diskConfig = DiskConfig.OFF.at(diskDir, disk);
            diskConfig = new DiskConfig(diskConfig.dir(), diskConfig.maxBytes(), diskConfig.maxObjectBytes(), fsync);
            EdgeConfig withDisk = config(originUri, memory, diskConfig);
            rows.add(run("memory 10 % + disk 100 %", withDisk, sequence, originFetches));

            System.out.printf("Catalogue: %d objects, %.1f MiB; memory tier %.2f MiB; disk tier %.1f MiB (fsync %s); "
                    + "%d requests, Zipf s=1.0, %d clients%n%n", objects, catalogue / 1048576.0, memory / 1048576.0,
                    disk / 1048576.0, fsync, requests, CLIENTS);
            System.out.println("| edge | steady hit ratio (2nd half) | origin fetches | req/s | disk hits | disk writes "
                    + "declined |");
            System.out.println("|---|---|---|---|---|---|");
            for (Figures f : rows) {
                System.out.printf("| %s | %.1f %% | %d | %.0f | %d | %d |%n", f.label(), f.steadyHitRatio() * 100,
                        f.originFetches(), f.requestsPerSecond(), f.diskHits(), f.declined());
            }
            restart(withDisk, diskDir, sequence[0]);
        } finally {
            origin.stop(0);
        }
    }

    private static EdgeConfig config(URI origin, long memoryBytes, DiskConfig disk) {
        EdgeConfig config = EdgeConfig.of("bench-edge", "127.0.0.1:0",
                DeliveryService.of("site", List.of(HOST), List.of(origin)));
        CacheConfig cache = CacheConfig.ofSize(memoryBytes, 64 * 1024);
        return config.withCache(disk == null ? cache : cache.withDisk(disk));
    }

    private static Figures run(String label, EdgeConfig config, int[] sequence, AtomicLong originFetches)
            throws Exception {
        originFetches.set(0);
        OkHttpClient http = client();
        try (EdgeNode edge = EdgeNode.start(config, Clock.systemUTC())) {
            AtomicInteger next = new AtomicInteger();
            AtomicInteger steadyHits = new AtomicInteger();
            int half = sequence.length / 2;
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            long started = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                done.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < sequence.length; i = next.getAndIncrement()) {
                        Request request = new Request.Builder().url(edge.baseUri() + "/o/" + sequence[i])
                                .header("Host", HOST).build();
                        try (Response r = http.newCall(request).execute()) {
                            r.body().bytes();
                            String status = r.header("Cache-Status", "");
                            if (i >= half && status.contains("; hit")) {
                                steadyHits.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            clients.shutdown();
            edge.store().disk().ifPresent(d -> d.drain());
            long diskHits = edge.store().disk().map(d -> d.hits()).orElse(0L);
            long declined = edge.store().disk().map(d -> d.rejections()).orElse(0L);
            return new Figures(label, steadyHits.get() / (double) (sequence.length - half), originFetches.get(),
                    sequence.length / seconds, diskHits, declined);
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    /** Starts an edge on the warm disk and times it until it answers a disk hit. */
    private static void restart(EdgeConfig config, Path diskDir, int object) throws Exception {
        long files;
        long bytes = 0;
        try (var walk = Files.walk(diskDir.resolve("objects"))) {
            List<Path> all = walk.filter(Files::isRegularFile).toList();
            files = all.size();
            for (Path p : all) {
                bytes += Files.size(p);
            }
        }
        OkHttpClient http = client();
        long started = System.nanoTime();
        try (EdgeNode edge = EdgeNode.start(config, Clock.systemUTC())) {
            long open = System.nanoTime();
            Request request = new Request.Builder().url(edge.baseUri() + "/o/" + object).header("Host", HOST).build();
            String status;
            try (Response r = http.newCall(request).execute()) {
                r.body().bytes();
                status = r.header("Cache-Status", "");
            }
            long firstHit = System.nanoTime();
            System.out.printf("%nRestart of the warm edge: %d files, %.1f MiB on disk; start (index rebuilt) %.0f ms, "
                    + "first answer after %.0f ms: `%s`; %d objects restored%n", files, bytes / 1048576.0,
                    (open - started) / 1e6, (firstHit - started) / 1e6, status,
                    edge.store().disk().orElseThrow().restored());
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    private static OkHttpClient client() {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(CLIENTS * 2);
        dispatcher.setMaxRequestsPerHost(CLIENTS * 2);
        return new OkHttpClient.Builder().dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(CLIENTS, 1, java.util.concurrent.TimeUnit.MINUTES)).build();
    }

    /** The origin: object {@code i} is {@code sizes[i]} bytes, cacheable for a day; counts every fetch. */
    private static HttpServer origin(int[] sizes, AtomicLong fetches) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/o/", exchange -> {
            fetches.incrementAndGet();
            int id = Integer.parseInt(exchange.getRequestURI().getPath().substring(3));
            byte[] body = new byte[sizes[id]];
            Arrays.fill(body, (byte) ('a' + id % 26));
            exchange.getResponseHeaders().set("Cache-Control", "public, max-age=86400");
            exchange.getResponseHeaders().set("ETag", "\"" + id + "\"");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    /** {@code n} ranks drawn from Zipf(s) over {@code objects}, seeded. */
    private static int[] zipf(int objects, int n, double s, long seed) {
        double[] cdf = new double[objects];
        double sum = 0;
        for (int i = 0; i < objects; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        Random random = new Random(seed);
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            double u = random.nextDouble() * sum;
            int at = Arrays.binarySearch(cdf, u);
            out[k] = at >= 0 ? at : Math.min(objects - 1, -at - 1);
        }
        return out;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }
}
