package dev.outpost.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.edge.EdgeNode;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;

/**
 * Bytes the edge allocates per 1 KiB hit, whole request included (Undertow's parsing and writing, our handlers):
 * a real edge in this JVM in front of a tiny JDK-httpserver origin, one keep-alive client connection, and the
 * JVM's per-thread allocation counters ({@code com.sun.management.ThreadMXBean}) summed over Undertow's threads
 * ({@code XNIO-*}), where hits are served. The client's own allocations are on other threads and not counted.
 * Run with {@code java -cp bench/target/benchmarks.jar dev.outpost.bench.HitAllocations [requests]
 * [--edge|--undertow-only]} (bench/run.sh phase {@code alloc} runs both); complements
 * the JMH benchmarks (cache side only) with the number the target is about.
 */
public final class HitAllocations {
    private static final int MAX_REQUESTS = 1_000_000;
    private static final HttpString X_CACHE = new HttpString("X-Cache");
    private static final HttpString CACHE_STATUS = new HttpString("Cache-Status");
    private static final HttpString SERVED_BY = new HttpString("X-Served-By");

    private HitAllocations() {
    }

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            if (arg.startsWith("--") && !arg.equals("--edge") && !arg.equals("--undertow-only")) {
                throw new IllegalArgumentException("unknown option " + arg + " (--edge, the default, or --undertow-only)");
            }
        }
        boolean baseline = List.of(args).contains("--undertow-only");
        List<String> numbers = List.of(args).stream().filter(a -> !a.startsWith("--")).toList();
        int requests = numbers.isEmpty() ? 100_000 : Integer.parseInt(numbers.get(0));
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw new IllegalArgumentException("requests 1.." + MAX_REQUESTS);
        }
        if (baseline) {
            undertowOnly(requests);
            return;
        }
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = new byte[1024];
        origin.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Cache-Control", "public, max-age=86400");
            exchange.getResponseHeaders().add("ETag", "\"1k-bench\"");
            exchange.getResponseHeaders().add("Last-Modified", "Fri, 27 Nov 2026 10:00:00 GMT");
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
        URI originUri = URI.create("http://127.0.0.1:" + origin.getAddress().getPort());
        DeliveryService service = DeliveryService.of("bench", List.of("127.0.0.1"), List.of(originUri));
        try (EdgeNode edge = EdgeNode.start(EdgeConfig.of("alloc-1", "127.0.0.1:0", service).withRegion("us")
                // as in bench/run.sh: no access log line per request (the trace context is still taken)
                .withAccessLog(AccessLogSettings.DEFAULTS.withDestination("none")));
                Socket socket = new Socket("127.0.0.1", edge.port())) {
            socket.setTcpNoDelay(true);
            Client client = new Client(socket);
            client.get(); // the miss that stores it
            for (int i = 0; i < Math.min(requests, 50_000); i++) {
                client.get(); // JIT warm-up
            }
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            measure(client, requests, "edge");
        } finally {
            origin.stop(0);
        }
    }

    /**
     * The floor: a bare Undertow listener (its defaults, one IO thread as the bench's edge has under taskset) that
     * answers every request with the same status, headers and 1 KiB direct-buffer body as the edge's hit, made of
     * constant strings. What it allocates per request is Undertow's own; the edge's number minus this is ours.
     */
    private static void undertowOnly(int requests) throws Exception {
        ByteBuffer body = ByteBuffer.allocateDirect(1024);
        Undertow server = Undertow.builder().addHttpListener(0, "127.0.0.1").setIoThreads(1)
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, true)
                .setHandler(ex -> {
                    HeaderMap out = ex.getResponseHeaders();
                    out.put(Headers.CACHE_CONTROL, "public, max-age=86400");
                    out.put(Headers.ETAG, "\"1k-bench\"");
                    out.put(Headers.LAST_MODIFIED, "Fri, 27 Nov 2026 10:00:00 GMT");
                    out.put(Headers.CONTENT_TYPE, "application/octet-stream");
                    out.put(Headers.AGE, "0");
                    out.put(X_CACHE, "HIT");
                    out.put(CACHE_STATUS, "Outpost; hit; ttl=86400");
                    out.put(Headers.VIA, "1.1 alloc-1");
                    out.put(SERVED_BY, "alloc-1");
                    out.put(Headers.ACCEPT_RANGES, "bytes");
                    ex.setResponseContentLength(1024);
                    ex.getResponseSender().send(body.duplicate());
                }).build();
        server.start();
        int port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setTcpNoDelay(true);
            Client client = new Client(socket);
            for (int i = 0; i < Math.min(requests, 50_000) + 1; i++) {
                client.get(); // JIT warm-up
            }
            measure(client, requests, "undertow-only");
        } finally {
            server.stop();
        }
    }

    private static void measure(Client client, int requests, String what) throws IOException {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = undertowAllocated(threads);
        String xCache = "";
        for (int i = 0; i < requests; i++) {
            xCache = client.get();
        }
        long after = undertowAllocated(threads);
        if (!xCache.equals("HIT")) {
            throw new IllegalStateException("the last answer was not a hit: X-Cache " + xCache);
        }
        System.out.printf(Locale.ROOT, "{\"server\":\"%s\",\"requests\":%d,\"bytes_per_hit\":%.1f}%n", what,
                requests, (after - before) / (double) requests);
        System.err.println("last answer's head (" + what + "):\n" + client.lastHead);
    }

    private static long undertowAllocated(com.sun.management.ThreadMXBean threads) {
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("XNIO-")) {
                total += threads.getThreadAllocatedBytes(t.threadId());
            }
        }
        return total;
    }

    /** One keep-alive HTTP/1.1 connection: GET, read the head and Content-Length bytes of body. */
    private static final class Client {
        private static final byte[] REQUEST = "GET /obj.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(US_ASCII);
        private final OutputStream out;
        private final InputStream in;
        private final byte[] head = new byte[8192];
        private final byte[] sink = new byte[8192];
        private String lastHead = "";

        Client(Socket socket) throws IOException {
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 65536);
        }

        /** Sends one GET and answers its X-Cache value. */
        String get() throws IOException {
            out.write(REQUEST);
            out.flush();
            int n = 0;
            while (n < 4 || !(head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')) {
                int b = in.read();
                if (b < 0 || n == head.length) {
                    throw new IOException("connection closed or head too large");
                }
                head[n++] = (byte) b;
            }
            String text = new String(head, 0, n, US_ASCII);
            lastHead = text;
            if (!text.startsWith("HTTP/1.1 200")) {
                throw new IOException("unexpected answer: " + text);
            }
            long length = Long.parseLong(header(text, "content-length"));
            while (length > 0) {
                int r = in.read(sink, 0, (int) Math.min(sink.length, length));
                if (r < 0) {
                    throw new IOException("body cut short");
                }
                length -= r;
            }
            return header(text, "x-cache");
        }

        private static String header(String head, String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            throw new IllegalStateException("no " + name + " in " + head);
        }
    }
}
