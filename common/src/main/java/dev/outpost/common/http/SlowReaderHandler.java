package dev.outpost.common.http;

import io.undertow.server.ExchangeCompletionListener;
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

    /**
     * The check is armed only if the exchange is still running when the handlers return: a hit written whole at
     * once (the common case) never costs a timer on the IO thread. The listener is added first, so an exchange
     * that completes later on another thread (a dispatched miss) always cancels it.
     */
    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Watch watch = new Watch(exchange);
        exchange.addExchangeCompleteListener(watch);
        try {
            next.handleRequest(exchange);
        } finally {
            if (!exchange.isComplete()) {
                watch.schedule();
            }
        }
    }

    /** The periodic check for one exchange; runs on the exchange's IO thread; cancelled at completion. */
    private final class Watch implements Runnable, ExchangeCompletionListener {
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

        @Override
        public void exchangeEvent(HttpServerExchange ex, NextListener nextListener) {
            done = true;
            XnioExecutor.Key k = key;
            if (k != null) {
                k.remove();
            }
            nextListener.proceed();
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
