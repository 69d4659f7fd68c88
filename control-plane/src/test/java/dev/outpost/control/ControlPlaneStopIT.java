package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.STEERING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.HttpReply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane that is stopping drains its requests in progress, and while it does (it refuses new connections,
 * so no heartbeat reaches it) it does not take the edges' silence for their failure: a steering replica's long poll
 * answered during the drain must not carry edges marked down that were serving, since the replica keeps that state
 * for as long as the control plane is away (found by the Docker smoke test: with the control plane stopped, the us
 * and eu replicas steered their clients to other regions).
 */
class ControlPlaneStopIT {
    @TempDir
    Path dir;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        // heartbeat timeout 3 s (the fixture's), on its manual clock
        cp = new ControlPlaneFixture(dir);
        cp.registerEdge("us-1", "us", "http://127.0.1.1:8080");
        assertThat(cp.heartbeat("us-1", 0, 1).status()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void silenceWhileStoppingDoesNotMarkEdgesDownInTheStateReplicasKeep() throws Exception {
        HttpReply state = cp.get("/api/v1/steering/state", STEERING);
        assertThat(state.status()).isEqualTo(200);
        assertThat(state.body()).contains("us-1");
        String version = state.header("ETag");
        URI api = cp.plane().apiUri();

        // a replica's long poll, held while the state stays at its version
        CompletableFuture<HttpReply> held = new CompletableFuture<>();
        Thread poll = Thread.ofPlatform().start(() -> held.complete(cp.call(new Request.Builder()
                .url(api + "/api/v1/steering/state?wait=4s").header("If-None-Match", version), STEERING,
                cp.http())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (cp.plane().apiRequestsInProgress() == 0) {
            assertThat(System.nanoTime()).as("the long poll reached the control plane").isLessThan(deadline);
            Thread.sleep(5);
        }

        Thread closing = Thread.ofPlatform().start(cp.plane()::close);
        while (accepts(api)) { // the drain closes the listening socket after the control plane stopped hearing
            assertThat(System.nanoTime()).as("the drain started").isLessThan(deadline);
            Thread.sleep(5);
        }
        // far past the heartbeat timeout: a control plane still judging silence would mark us-1 down now
        cp.clock.advance(Duration.ofSeconds(30));

        HttpReply answer = held.get(20, TimeUnit.SECONDS);
        assertThat(answer.status()).as("the held poll: the state did not change (us-1 still healthy) " + answer)
                .isEqualTo(304);
        poll.join();
        closing.join(Duration.ofSeconds(20));
        assertThat(closing.isAlive()).as("the control plane stopped").isFalse();
    }

    private static boolean accepts(URI api) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(api.getHost(), api.getPort()), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
