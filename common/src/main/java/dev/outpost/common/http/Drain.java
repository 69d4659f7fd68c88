package dev.outpost.common.http;

import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Protocols;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A listener's requests in progress, so that stopping it lets them finish instead of cutting them off (a node told
 * to stop by SIGTERM, a container runtime, a rolling restart). Counts every exchange from its start to its
 * completion, whatever thread it completes on; once draining, every HTTP/1.x answer closes its connection
 * ({@code Connection: close}), so a keep-alive client takes its next request elsewhere instead of meeting a closed
 * socket. HTTP/2 connections are closed when the listener stops.
 */
final class Drain {
    /** Counted without the lock (two atomic updates per request); the lock only wakes a waiting close. */
    private final AtomicInteger inProgress = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean draining;
    /** One listener for every exchange: the hit path allocates nothing for the count. */
    private final ExchangeCompletionListener finished = (done, nextListener) -> {
        try {
            nextListener.proceed();
        } finally {
            finished();
        }
    };

    /** {@code next}, counted; put in front of everything else the listener runs. */
    HttpHandler wrap(HttpHandler next) {
        return exchange -> {
            inProgress.incrementAndGet();
            exchange.addExchangeCompleteListener(finished);
            if (draining && !exchange.getProtocol().equals(Protocols.HTTP_2_0)) {
                exchange.setPersistent(false);
            }
            next.handleRequest(exchange);
        };
    }

    /** From now on, answers close their connections. */
    void start() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    /** Requests started and not yet completed. */
    int inProgress() {
        return inProgress.get();
    }

    /** Waits until no request is in progress, at most {@code timeout}; whether none is. */
    boolean awaitIdle(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (inProgress.get() > 0) {
                if (left <= 0) {
                    return false;
                }
                // Woken by the last request to finish; the slice bounds a wake-up lost to a request that finished
                // while draining was being set.
                long slice = Math.min(left, TimeUnit.MILLISECONDS.toNanos(50));
                left -= slice - idle.awaitNanos(slice);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void finished() {
        if (inProgress.decrementAndGet() == 0 && draining) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
