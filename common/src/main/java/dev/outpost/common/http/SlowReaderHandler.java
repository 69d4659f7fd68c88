package dev.outpost.common.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

/**
 * Closes the connection of a client that stops reading its answer: every {@code limits.idleTimeout} a check on the
 * connection's IO thread compares the bytes sent with the last check, and a started response that made no
 * progress is abandoned. Undertow's own idle timeout does not fire while a write waits for a full socket buffer,
 * so without this a slow reader holds its connection (and the response buffers) for as long as it likes.
 */
public final class SlowReaderHandler implements HttpHandler {
    private final long idleMillis;
    private final HttpHandler next;

    public SlowReaderHandler(Duration idleTimeout, HttpHandler next) {
        this.idleMillis = idleTimeout.toMillis();
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Watch watch = new Watch(exchange);
        watch.schedule();
        exchange.addExchangeCompleteListener((ex, nextListener) -> {
            watch.cancel();
            nextListener.proceed();
        });
        next.handleRequest(exchange);
    }

    /** The periodic check for one exchange; runs on the exchange's IO thread. */
    private final class Watch implements Runnable {
        private final HttpServerExchange exchange;
        private volatile XnioExecutor.Key key;
        private volatile boolean done;
        private long lastSent = -1;

        Watch(HttpServerExchange exchange) {
            this.exchange = exchange;
        }

        void schedule() {
            if (!done) {
                key = exchange.getIoThread().executeAfter(this, idleMillis, TimeUnit.MILLISECONDS);
            }
        }

        void cancel() {
            done = true;
            XnioExecutor.Key k = key;
            if (k != null) {
                k.remove();
            }
        }

        @Override
        public void run() {
            if (done || exchange.isComplete()) {
                return;
            }
            long sent = exchange.getResponseBytesSent();
            if (exchange.isResponseStarted() && sent == lastSent) {
                IoUtils.safeClose(exchange.getConnection());
                return;
            }
            lastSent = sent;
            schedule();
        }
    }
}
