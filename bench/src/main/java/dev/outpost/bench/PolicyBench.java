package dev.outpost.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Issue 19's policy table: for each load-balancing policy, the hit ratio and the p99 of a client's request (302
 * from the control plane + the fetch from the chosen edge) under a Zipf load on four edges of one region, one of
 * them made slow by a delay line in front of it (its clients wait {@code --slow-millis} more per request). One JVM
 * on loopback: a real control plane (the policy set as {@code balancing.policy}, heartbeats every 500 ms so the
 * load-aware policies have figures), four real edges, a fake origin 20 ms away serving 8 KiB objects; 16 clients,
 * each on its own eu address, ask the same seeded Zipf(1.0) sequence over {@code --objects} objects for every
 * policy, each policy on a cold CDN. Prints a Markdown table. Run by hand:
 * {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.PolicyBench [--requests N] [--objects N]
 * [--slow-millis N]}. The delay is outside the slow edge, so the edge's own response-time figure does not see it
 * (what {@code least-response-time} reads): the table shows what each policy does with that.
 */
public final class PolicyBench {
    private static final String HOST = "www.example.test";
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EDGE_ADMIN = "edge-admin-token-0123456789";
    private static final List<String> POLICIES = List.of("rendezvous", "round-robin", "weighted-round-robin",
            "least-connections", "least-response-time", "ip-hash", "rendezvous-bounded-load");
    private static final int EDGES = 4;
    private static final int CLIENTS = 16;

    private PolicyBench() {
    }

    public static void main(String[] args) throws Exception {
        int requests = option(args, "requests", 8_000);
        int objects = option(args, "objects", 2_000);
        int slowMillis = option(args, "slow-millis", 15);
        if (requests < 100 || requests > 1_000_000 || objects < 10 || objects > 1_000_000 || slowMillis < 0
                || slowMillis > 1_000) {
            throw new IllegalArgumentException("--requests 100..1000000, --objects 10..1000000, --slow-millis 0..1000");
        }
        int[] sequence = zipf(requests, objects, 1.0, new Random(19));
        StringBuilder table = new StringBuilder();
        table.append("| policy | hit ratio | p50 ms | p99 ms | share of the slow edge |\n|---|---|---|---|---|\n");
        for (String policy : POLICIES) {
            Result r = run(policy, sequence, slowMillis);
            table.append(String.format(java.util.Locale.ROOT, "| %s | %.3f | %.1f | %.1f | %.1f %% |%n", policy,
                    r.hitRatio(), r.p50(), r.p99(), 100.0 * r.slowShare()));
            System.err.println("done: " + policy);
        }
        System.out.printf("%d requests, Zipf(1.0) over %d objects, %d clients, %d edges (eu-4 behind a %d ms delay "
                + "line), origin 20 ms away%n%n%s", requests, objects, CLIENTS, EDGES, slowMillis, table);
    }

    private record Result(double hitRatio, double p50, double p99, double slowShare) {
    }

    private static Result run(String policy, int[] sequence, int slowMillis) throws Exception {
        Path dir = Files.createTempDirectory("outpost-policy-bench");
        HttpServer origin = origin();
        List<AutoCloseable> started = new ArrayList<>();
        try (ControlPlane plane = ControlPlane.start(planeConfig(dir, policy), Clock.systemUTC())) {
            URI originUri = URI.create("http://127.0.0.1:" + origin.getAddress().getPort());
            List<String> hosts = new ArrayList<>(List.of(HOST));
            int[] ports = new int[EDGES];
            for (int i = 0; i < EDGES; i++) {
                ports[i] = freePort("127.0.2." + (i + 1));
                hosts.add("127.0.2." + (i + 1));
            }
            hosts.add("127.0.2.100");
            int relayPort = freePort("127.0.2.100");
            for (int i = 0; i < EDGES; i++) {
                boolean slow = i == EDGES - 1;
                String address = "127.0.2." + (i + 1);
                URI publicUrl = slow ? URI.create("http://127.0.2.100:" + relayPort)
                        : URI.create("http://" + address + ":" + ports[i]);
                if (slow) {
                    started.add(DelayLine.start(new InetSocketAddress("127.0.2.100", relayPort),
                            new InetSocketAddress(address, ports[i]), Duration.ofMillis(slowMillis)));
                }
                started.add(EdgeNode.start(edgeConfig("eu-" + (i + 1), address + ":" + ports[i], publicUrl, hosts,
                        originUri, plane.apiUri())));
            }
            awaitEdges(plane.apiUri());
            return load(plane.apiUri(), sequence);
        } finally {
            for (AutoCloseable c : started.reversed()) {
                c.close();
            }
            origin.stop(0);
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Result load(URI plane, int[] sequence) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger hits = new AtomicInteger();
        AtomicInteger slow = new AtomicInteger();
        double[] millis = new double[sequence.length];
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            String address = "127.0.2." + (10 + c);
            clients.add(pool.submit(() -> {
                OkHttpClient http = new OkHttpClient.Builder().socketFactory(bound(address))
                        .callTimeout(Duration.ofSeconds(30)).build();
                for (int i = next.getAndIncrement(); i < sequence.length; i = next.getAndIncrement()) {
                    long start = System.nanoTime();
                    try (Response response = http.newCall(new Request.Builder()
                            .url(plane + "/obj/" + sequence[i]).header("Host", HOST).build()).execute()) {
                        response.body().bytes();
                        millis[i] = (System.nanoTime() - start) / 1e6;
                        String cache = String.valueOf(response.header("X-Cache"));
                        if (cache.startsWith("HIT") || cache.startsWith("STALE")) {
                            hits.incrementAndGet();
                        }
                        if ("eu-4".equals(response.header("X-Served-By"))) {
                            slow.incrementAndGet();
                        }
                    }
                }
                http.dispatcher().executorService().shutdown();
                http.connectionPool().evictAll();
                return null;
            }));
        }
        for (Future<?> client : clients) {
            client.get();
        }
        pool.shutdown();
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Result((double) hits.get() / sequence.length, SixEdgePurge.percentile(sorted, 50),
                SixEdgePurge.percentile(sorted, 99), (double) slow.get() / sequence.length);
    }

    /** Object ids 0..objects-1 drawn from Zipf(s): object k with probability proportional to 1/(k+1)^s. */
    static int[] zipf(int count, int objects, double s, Random random) {
        double[] cumulative = new double[objects];
        double sum = 0;
        for (int k = 0; k < objects; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cumulative[k] = sum;
        }
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            int found = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
            out[i] = Math.min(objects - 1, found >= 0 ? found : -found - 1);
        }
        return out;
    }

    /** An origin 20 ms away: 8 KiB per object, cacheable for an hour. */
    private static HttpServer origin() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        byte[] body = new byte[8192];
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.getResponseHeaders().set("Cache-Control", "public, max-age=3600");
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static ControlPlaneConfig planeConfig(Path dir, String policy) {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 500ms}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                balancing: {policy: %s, weights: {eu-1: 2, eu-2: 2, eu-3: 2, eu-4: 1}}
                """.formatted(dir.resolve("control-plane"), OPS, NODE, EDGE_ADMIN, policy);
        return ConfigFiles.parse("policy-bench.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class);
    }

    private static EdgeConfig edgeConfig(String id, String listen, URI publicUrl, List<String> hosts, URI origin,
            URI plane) {
        DeliveryService service = DeliveryService.of("site", hosts, List.of(origin));
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(plane, NODE)
                .withTimings(Duration.ofMillis(500), Duration.ofSeconds(1))
                .withAdvertised(Optional.of(publicUrl), Optional.empty());
        String adminHost = listen.substring(0, listen.indexOf(':'));
        return EdgeConfig.of(id, listen, service).withRegion("eu")
                .withAdmin(new AdminConfig(adminHost + ":0", EDGE_ADMIN)).withControlPlane(link);
    }

    private static void awaitEdges(URI plane) throws Exception {
        OkHttpClient http = new OkHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                try (Response response = http.newCall(new Request.Builder().url(plane + "/api/v1/nodes")
                        .header("Authorization", "Bearer " + OPS).build()).execute()) {
                    String body = response.body().string();
                    if (body.split("\"caughtUp\":true", -1).length - 1 == EDGES
                            && body.split("\"healthy\":true", -1).length - 1 == EDGES) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        } finally {
            http.dispatcher().executorService().shutdown();
        }
        throw new IllegalStateException("the edges were not all healthy within 30 s");
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    /** Sockets bound to one client address (a client of the eu network). */
    private static SocketFactory bound(String address) {
        return new SocketFactory() {
            @Override
            public Socket createSocket() throws IOException {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress(address, 0));
                return socket;
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                throw new UnsupportedOperationException("OkHttp connects unconnected sockets");
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Socket createSocket(InetAddress host, int port) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Socket createSocket(InetAddress address, int port, InetAddress local, int localPort) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static int option(String[] args, String name, int fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--" + name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return fallback;
    }

    /** A TCP relay that holds every chunk from the client for {@code delay} before passing it to the edge. */
    private static final class DelayLine implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());

        private DelayLine(ServerSocket server) {
            this.server = server;
        }

        static DelayLine start(InetSocketAddress listen, InetSocketAddress target, Duration delay)
                throws IOException {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(listen, 200);
            DelayLine line = new DelayLine(server);
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket edge = new Socket(target.getAddress(), target.getPort());
                        line.sockets.add(client);
                        line.sockets.add(edge);
                        Thread.ofVirtual().start(() -> pump(client, edge, delay));
                        Thread.ofVirtual().start(() -> pump(edge, client, Duration.ZERO));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            return line;
        }

        private static void pump(Socket from, Socket to, Duration delay) {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (!delay.isZero()) {
                        Thread.sleep(delay);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // either side closed: the other is closed below
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
