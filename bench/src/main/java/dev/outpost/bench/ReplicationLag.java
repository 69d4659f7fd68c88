package dev.outpost.bench;

import dev.outpost.common.json.Json;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Issue 17's replication-lag figures on loopback: a primary origin and its replica in one JVM, each over its own
 * temp data directory (so every write is fsynced as in production).
 *
 * <ul>
 *   <li>{@code async}: one PUT at a time on an asynchronous primary; per write, the PUT's answer time, and the lag
 *       from the answer until the replica has applied it (its log head, read in-process every 20 µs).</li>
 *   <li>{@code sync}: the same on a primary with {@code syncReplicas: 1}: the answer waits for the replica.</li>
 *   <li>{@code burst}: {@code --writers} clients PUT as fast as they can; the replica's greatest backlog, and the
 *       time from the last answer until it caught up.</li>
 * </ul>
 * Bounded: {@code --writes} per phase (at most 100000), each wait for the replica at most 30 s. Prints one JSON
 * line. Run with {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.ReplicationLag [--writes N]
 * [--bytes N] [--writers N]}.
 */
public final class ReplicationLag {
    private static final String TOKEN = "lag-token-0123456789";
    private static final MediaType OCTETS = MediaType.get("application/octet-stream");
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);

    private ReplicationLag() {
    }

    public static void main(String[] args) throws Exception {
        int writes = Math.min(100_000, intArg(args, "--writes", 300));
        int bytes = intArg(args, "--bytes", 4096);
        int writers = intArg(args, "--writers", 8);
        Path base = Files.createTempDirectory("outpost-replication-lag-");
        OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(60)).build();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("writes", writes);
        out.put("bytes", bytes);
        try {
            out.putAll(oneAtATime("async", base.resolve("async"), http, writes, bytes, 0));
            out.putAll(oneAtATime("sync", base.resolve("sync"), http, writes, bytes, 1));
            out.putAll(burst(base.resolve("burst"), http, writes, bytes, writers));
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
            deleteTree(base);
        }
        System.out.println(Json.mapper().writeValueAsString(out));
    }

    private static Map<String, Object> oneAtATime(String phase, Path dir, OkHttpClient http, int writes, int bytes,
            int syncReplicas) {
        try (OriginNode primary = primary(dir, syncReplicas); OriginNode replica = replica(dir, primary)) {
            awaitApplied(replica, primary.replication().head());
            put(http, primary, "/warm", payload(bytes, -1));
            awaitApplied(replica, primary.replication().head());
            double[] answers = new double[writes];
            double[] lags = new double[writes];
            for (int i = 0; i < writes; i++) {
                byte[] body = payload(bytes, i);
                long started = System.nanoTime();
                put(http, primary, "/w/" + (i % 100), body);
                long answered = System.nanoTime();
                awaitApplied(replica, primary.replication().head());
                long applied = System.nanoTime();
                answers[i] = (answered - started) / 1e6;
                lags[i] = (applied - answered) / 1e6;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            summarize(out, phase + "_put_", answers);
            summarize(out, phase + "_lag_after_answer_", lags);
            return out;
        }
    }

    private static Map<String, Object> burst(Path dir, OkHttpClient http, int writes, int bytes, int writers)
            throws Exception {
        try (OriginNode primary = primary(dir, 0); OriginNode replica = replica(dir, primary)) {
            awaitApplied(replica, primary.replication().head());
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            long maxBacklog = 0;
            long started = System.nanoTime();
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = writer; i < writes; i += writers) {
                        put(http, primary, "/b/" + (i % 200), payload(bytes, i));
                    }
                }));
            }
            while (done.stream().anyMatch(f -> !f.isDone())) {
                maxBacklog = Math.max(maxBacklog, primary.replication().head() - replica.replication().head());
                LockSupport.parkNanos(1_000_000);
            }
            for (Future<?> f : done) {
                f.get();
            }
            long lastAnswer = System.nanoTime();
            long head = primary.replication().head();
            maxBacklog = Math.max(maxBacklog, head - replica.replication().head());
            awaitApplied(replica, head);
            long caughtUp = System.nanoTime();
            pool.shutdown();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("burst_writers", writers);
            out.put("burst_writes_per_s", Math.round(writes / ((lastAnswer - started) / 1e9)));
            out.put("burst_max_backlog_entries", maxBacklog);
            out.put("burst_catch_up_after_last_answer_ms", round((caughtUp - lastAnswer) / 1e6));
            return out;
        }
    }

    private static OriginNode primary(Path dir, int syncReplicas) {
        return OriginNode.start(config(dir.resolve("primary")).withReplication(OriginConfig.Replication.PRIMARY
                .withSync(syncReplicas, Duration.ofSeconds(30))));
    }

    private static OriginNode replica(Path dir, OriginNode primary) {
        return OriginNode.start(config(dir.resolve("replica")).withReplication(
                OriginConfig.Replication.replicaOf(primary.baseUri(), Optional.of("replica"))));
    }

    private static OriginConfig config(Path data) {
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return OriginConfig.of(data.toString()).withListen("127.0.0.1:0").withApiToken(TOKEN);
    }

    private static void put(OkHttpClient http, OriginNode origin, String path, byte[] body) {
        Request request = new Request.Builder().url(origin.baseUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + TOKEN).put(RequestBody.create(body, OCTETS)).build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() != 200 && response.code() != 201) {
                throw new IllegalStateException("PUT " + path + " answered " + response.code() + ": "
                        + response.body().string());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (every 20 µs, at most MAX_WAIT) until the replica's log reaches {@code sequence}. */
    private static void awaitApplied(OriginNode replica, long sequence) {
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        while (replica.replication().head() < sequence) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the replica did not reach change " + sequence + " within "
                        + MAX_WAIT + ": " + replica.replication().following());
            }
            LockSupport.parkNanos(20_000);
        }
    }

    private static byte[] payload(int bytes, int seed) {
        byte[] body = new byte[bytes];
        new Random(seed).nextBytes(body);
        return body;
    }

    private static void summarize(Map<String, Object> out, String prefix, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        out.put(prefix + "p50_ms", round(SixEdgePurge.percentile(sorted, 50)));
        out.put(prefix + "p90_ms", round(SixEdgePurge.percentile(sorted, 90)));
        out.put(prefix + "p99_ms", round(SixEdgePurge.percentile(sorted, 99)));
        out.put(prefix + "max_ms", round(sorted[sorted.length - 1]));
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                int value = Integer.parseInt(args[i + 1]);
                if (value < 1) {
                    throw new IllegalArgumentException(name + " must be >= 1, was " + value);
                }
                return value;
            }
        }
        return fallback;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
