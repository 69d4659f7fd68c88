package dev.outpost.edge.http;

import dev.outpost.common.http.HttpDates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket origin serving one body: it sends the head and the first {@code holdAfter} bytes, then waits until
 * {@link #release} before sending the rest (or, when {@code truncate}, closes the connection instead); with
 * {@link #holdingAgainAt} it stops once more, until {@link #releaseAgain}. Counts requests and answers sent to
 * their end, so a test can tell when the edge has read a body whole.
 */
final class HoldingOrigin implements AutoCloseable {
    private final ServerSocket socket;
    private final byte[] body;
    private final int holdAfter;
    private final boolean truncate;
    private final String cacheControl;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch heldAgain = new CountDownLatch(1);
    private final CountDownLatch releaseAgain = new CountDownLatch(1);
    private volatile int holdAgainAfter = -1;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger answeredWhole = new AtomicInteger();

    HoldingOrigin(byte[] body, int holdAfter, boolean truncate, String cacheControl) throws IOException {
        this.body = body;
        this.holdAfter = holdAfter;
        this.truncate = truncate;
        this.cacheControl = cacheControl;
        socket = new ServerSocket(0, 100, InetAddress.getByName("127.0.0.1"));
        Thread.ofVirtual().start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    /** An origin that sends the whole body at once. */
    static HoldingOrigin immediate(byte[] body, String cacheControl) throws IOException {
        HoldingOrigin origin = new HoldingOrigin(body, body.length, false, cacheControl);
        origin.release();
        return origin;
    }

    /** This origin, stopping a second time after {@code offset} bytes (past the first hold) until released again. */
    HoldingOrigin holdingAgainAt(int offset) {
        if (offset <= holdAfter || offset >= body.length) {
            throw new IllegalArgumentException("the second hold must lie between the first and the end");
        }
        holdAgainAfter = offset;
        return this;
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            while (readHead(in)) {
                requests.incrementAndGet();
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nCache-Control: " + cacheControl
                        + "\r\nETag: \"v1\"\r\nDate: " + HttpDates.format(Instant.now()) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body, 0, holdAfter);
                out.flush();
                if (holdAfter < body.length) {
                    held.countDown();
                    release.await(30, TimeUnit.SECONDS);
                    if (truncate) {
                        return;
                    }
                    int from = holdAfter;
                    if (holdAgainAfter > 0) {
                        out.write(body, from, holdAgainAfter - from);
                        out.flush();
                        heldAgain.countDown();
                        releaseAgain.await(30, TimeUnit.SECONDS);
                        from = holdAgainAfter;
                    }
                    out.write(body, from, body.length - from);
                    out.flush();
                }
                answeredWhole.incrementAndGet();
            }
        } catch (IOException | InterruptedException e) {
            // closed by the edge or the test
        }
    }

    private static boolean readHead(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int c = in.read();
            if (c < 0) {
                return false;
            }
            state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
        return true;
    }

    /** Waits until the origin sent its first bytes and holds the rest. */
    void awaitHeld() throws InterruptedException {
        if (!held.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the origin was never asked for its body");
        }
    }

    void release() {
        release.countDown();
    }

    /** Waits until the origin sent the bytes up to its second hold. */
    void awaitHeldAgain() throws InterruptedException {
        if (!heldAgain.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the origin never reached its second hold");
        }
    }

    void releaseAgain() {
        releaseAgain.countDown();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }

    @Override
    public void close() throws IOException {
        release.countDown();
        releaseAgain.countDown();
        socket.close();
    }
}
