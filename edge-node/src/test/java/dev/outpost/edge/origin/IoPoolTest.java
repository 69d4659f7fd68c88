package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.undertow.client.ClientConnection;
import io.undertow.util.Methods;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xnio.OptionMap;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

/** The IO thread's pool of idle origin connections: idle ones closed after the keep-alive, a cap per origin. */
class IoPoolTest {
    private static final URI ORIGIN = URI.create("http://127.0.0.1:9");
    private final XnioWorker worker;
    private final XnioIoThread io;

    IoPoolTest() throws Exception {
        worker = Xnio.getInstance().createWorker(OptionMap.EMPTY);
        io = worker.getIoThread(0);
    }

    @AfterEach
    void stop() throws InterruptedException {
        worker.shutdownNow();
        worker.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** A connection that only knows whether it was closed. */
    private static ClientConnection connection(AtomicBoolean closed) {
        return (ClientConnection) Proxy.newProxyInstance(IoPoolTest.class.getClassLoader(),
                new Class<?>[] {ClientConnection.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "isOpen" -> !closed.get();
                    case "close" -> {
                        closed.set(true);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private <T> T onIoThread(Supplier<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        io.execute(() -> result.complete(task.get()));
        return result.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aConnectionIdleForTheKeepAliveIsClosedByTheThreadsOwnTimer() throws Exception {
        IoPool pool = new IoPool(io, Duration.ofMillis(200));
        AtomicBoolean closed = new AtomicBoolean();
        onIoThread(() -> {
            pool.give(ORIGIN, connection(closed), System.nanoTime());
            return null;
        });

        await().atMost(Duration.ofSeconds(5)).untilTrue(closed);
        assertThat(onIoThread(pool::idle)).isZero();
        assertThat(onIoThread(() -> pool.take(ORIGIN, c -> true))).isNull();
    }

    @Test
    void aConnectionIdleLessThanTheKeepAliveIsKeptAndTakenAgain() throws Exception {
        IoPool pool = new IoPool(io, Duration.ofMinutes(1));
        AtomicBoolean closed = new AtomicBoolean();
        ClientConnection c = connection(closed);
        long now = System.nanoTime();
        onIoThread(() -> {
            pool.give(ORIGIN, c, now);
            return null;
        });

        assertThat(onIoThread(() -> pool.evictIdleSince(now + Duration.ofSeconds(59).toNanos()))).isZero();
        assertThat(closed).isFalse();
        assertThat(onIoThread(() -> pool.take(ORIGIN, x -> true))).isSameAs(c);
    }

    @Test
    void anOriginKeepsAtMostItsCapIdleTheRestIsClosed() throws Exception {
        IoPool pool = new IoPool(io, Duration.ofMinutes(1));
        AtomicBoolean last = new AtomicBoolean();
        onIoThread(() -> {
            for (int i = 0; i < IoPool.MAX_IDLE_PER_ORIGIN; i++) {
                pool.give(ORIGIN, connection(new AtomicBoolean()), System.nanoTime());
            }
            pool.give(ORIGIN, connection(last), System.nanoTime());
            return null;
        });

        assertThat(last).isTrue();
        assertThat(onIoThread(pool::idle)).isEqualTo(IoPool.MAX_IDLE_PER_ORIGIN);
    }

    @Test
    void onlyGetAndHeadAreSentAgainOnANewConnection() {
        assertThat(IoOrigin.repeatable(IoOrigin.METHOD)).isTrue();
        assertThat(IoOrigin.repeatable(Methods.HEAD)).isTrue();
        assertThat(IoOrigin.repeatable(Methods.POST)).isFalse();
        assertThat(IoOrigin.repeatable(Methods.PUT)).isFalse();
    }
}
