package dev.outpost.edge.tiers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A fake origin on loopback that counts the requests for each path and answers every one with a cacheable 200
 * naming the path (or, during an {@link #outage}, with that 5xx); requests for paths under {@code /held/} wait until
 * {@link #release} (so concurrent misses overlap for sure).
 */
final class CountingOrigin implements AutoCloseable {
    private final MockWebServer server = new MockWebServer();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final CountDownLatch held = new CountDownLatch(1);
    private final LinkedBlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
    private volatile int outageStatus;
    private volatile String cacheControl = "max-age=600";
    private final Map<String, String> extraHeaders = new ConcurrentHashMap<>();

    CountingOrigin() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                String path = request.getUrl().encodedPath();
                counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                requests.add(request);
                if (path.startsWith("/held/") && !held.await(30, TimeUnit.SECONDS)) {
                    return new MockResponse.Builder().code(500).body("never released").build();
                }
                if (outageStatus != 0) {
                    return new MockResponse.Builder().code(outageStatus).body("origin down")
                            .setHeader("Content-Type", "text/plain").build();
                }
                String language = request.getHeaders().get("Accept-Language");
                boolean varies = path.startsWith("/vary/"); // a representation per Accept-Language
                MockResponse.Builder ok = new MockResponse.Builder().code(200)
                        .body("body of " + path + (varies ? " in " + language : ""))
                        .setHeader("Cache-Control", cacheControl).setHeader("Content-Type", "text/plain");
                if (varies) {
                    ok.setHeader("Vary", "Accept-Language");
                }
                extraHeaders.forEach(ok::setHeader);
                return ok.build();
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getPort());
    }

    /** How many requests for {@code path} reached the origin. */
    int fetches(String path) {
        AtomicInteger n = counts.get(path);
        return n == null ? 0 : n.get();
    }

    /** From now on every request is answered {@code status} (a 5xx), body {@code origin down}, no caching headers. */
    void outage(int status) {
        outageStatus = status;
    }

    /** The Cache-Control of the 200 answers from now on (default {@code max-age=600}). */
    void cacheControl(String value) {
        cacheControl = value;
    }

    /** A field every 200 answer carries from now on (e.g. {@code Surrogate-Key}). */
    void header(String name, String value) {
        extraHeaders.put(name, value);
    }

    /** Lets every request for {@code /held/...} (waiting or to come) be answered. */
    void release() {
        held.countDown();
    }

    /** The next request the origin got, in arrival order. */
    RecordedRequest take() throws InterruptedException {
        RecordedRequest r = requests.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the origin got no request");
        }
        return r;
    }

    @Override
    public void close() {
        release();
        server.close();
    }
}
