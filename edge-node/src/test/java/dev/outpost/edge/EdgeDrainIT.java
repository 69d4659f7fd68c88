package dev.outpost.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.json.Json;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An edge told to stop (SIGTERM runs {@link EdgeNode#close}) under traffic: a miss in progress gets its whole answer
 * from the origin, health answers 503 {@code draining} meanwhile (so balancers and health checks look elsewhere),
 * and new connections are refused, instead of every request in flight being cut off.
 */
class EdgeDrainIT {
    private final OkHttpClient health = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .callTimeout(Duration.ofSeconds(10)).build();

    private static boolean connects(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (java.io.IOException refused) {
            return false;
        }
    }

    @Test
    void aMissInProgressIsAnsweredWhileTheEdgeDrains() throws Exception {
        EdgeFixture fx = new EdgeFixture();
        CompletableFuture<Void> closed = null;
        try {
            fx.enqueue(fx.ok("the origin's answer", "max-age=60").headersDelay(1500, TimeUnit.MILLISECONDS));
            String healthUrl = fx.edge.baseUri() + "/_edge/health";
            try (Response before = health.newCall(new Request.Builder().url(healthUrl).build()).execute()) {
                assertThat(before.code()).isEqualTo(200); // and the connection stays in the pool
                assertThat(Json.mapper().readTree(before.body().string()).get("status").asString()).isEqualTo("ok");
            }
            // Threads of their own: the common pool may have a single thread on a small machine.
            CompletableFuture<EdgeFixture.Answer> miss = CompletableFuture.supplyAsync(() -> {
                try {
                    return fx.fetch("/slow");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, task -> Thread.ofPlatform().start(task));
            fx.takeOriginRequest(); // the miss is at the origin, which answers in 1.5 s

            closed = CompletableFuture.runAsync(fx.edge::close, task -> Thread.ofPlatform().start(task));
            JsonNode draining = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (draining == null && System.nanoTime() < deadline) {
                try (Response r = health.newCall(new Request.Builder().url(healthUrl).build()).execute()) {
                    if (r.code() == 503) {
                        draining = Json.mapper().readTree(r.body().string());
                        assertThat(r.header("Connection")).as("answered while draining: not kept alive")
                                .isEqualToIgnoringCase("close");
                    } else {
                        Thread.sleep(20);
                    }
                }
            }
            assertThat(draining).as("health answered 503 while the edge drained").isNotNull();
            assertThat(draining.get("status").asString()).isEqualTo("draining");
            // The listening socket is closed by then, but NIO lets it go only once every IO thread's selector has
            // deregistered it, moments later (until then the kernel may still complete a handshake): refused within
            // a second, and from then on.
            long refusedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < refusedBy && connects(fx.edge.port())) {
                Thread.sleep(10);
            }
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", fx.edge.port()), 2000);
                }
            }).as("a new connection while draining").isInstanceOf(ConnectException.class);
            assertThat(closed).as("close waits for the miss in progress").isNotDone();

            EdgeFixture.Answer answer = miss.get(20, TimeUnit.SECONDS);
            assertThat(answer.code()).isEqualTo(200);
            assertThat(answer.body()).as("the whole answer, not a cut connection").isEqualTo("the origin's answer");
            closed.get(20, TimeUnit.SECONDS);
        } finally {
            if (closed != null) {
                closed.get(20, TimeUnit.SECONDS);
            }
            fx.close(); // closing twice is safe
            health.connectionPool().evictAll();
            health.dispatcher().executorService().shutdown();
        }
    }
}
