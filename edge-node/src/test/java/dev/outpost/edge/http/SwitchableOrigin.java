package dev.outpost.edge.http;

import dev.outpost.common.http.HttpDates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * A fake origin whose behaviour a test switches: it serves a cacheable body (stale-if-error for an hour), answers
 * 503, or hangs (takes the request and never answers until it is closed). Counts the requests that reached it,
 * probes ({@code HEAD}) apart.
 */
final class SwitchableOrigin implements AutoCloseable {
    enum Mode {
        SERVE, FAIL, HANG
    }

    private final MockWebServer server = new MockWebServer();
    private final Supplier<Instant> now;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Mode mode = Mode.SERVE;
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger probes = new AtomicInteger();
    final AtomicInteger hung = new AtomicInteger();

    SwitchableOrigin(Supplier<Instant> now) throws IOException {
        this.now = now;
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                (request.getMethod().equals("HEAD") ? probes : gets).incrementAndGet();
                return switch (mode) {
                    case SERVE -> new MockResponse.Builder().code(200).body("body of " + request.getTarget())
                            .setHeader("Date", HttpDates.format(now.get()))
                            .setHeader("Cache-Control", "max-age=10, stale-if-error=3600").build();
                    case FAIL -> new MockResponse.Builder().code(503).body("origin down").build();
                    case HANG -> {
                        hung.incrementAndGet();
                        closing.await();
                        yield new MockResponse.Builder().code(503).build();
                    }
                };
            }
        });
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    void mode(Mode newMode) {
        mode = newMode;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getPort());
    }

    @Override
    public void close() {
        closing.countDown();
        server.close();
    }
}
