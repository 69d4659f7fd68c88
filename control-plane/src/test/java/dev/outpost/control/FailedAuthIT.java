package dev.outpost.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.BoundClients;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control-plane API's failed-authentication budget per client address (limits.failedAuth): after 10 failures
 * in a row, 429 with Retry-After and a JSON body for every authenticated call from that address until the budget
 * refills, other addresses unaffected; and the Bearer scheme in any case.
 */
class FailedAuthIT {
    @TempDir
    Path data;

    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data);
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void guessingTokensIsThrottledPerClientAddress() {
        for (int i = 0; i < 10; i++) {
            assertThat(cp.get("/api/v1/nodes", "wrong-guess-" + i).status()).as("guess %d", i + 1).isEqualTo(401);
        }
        HttpReply throttled = cp.get("/api/v1/nodes", "wrong-guess-11");
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(throttled.header("Retry-After")).isEqualTo("6");
        assertThat(throttled.error()).isEqualTo("too_many_failed_auth");
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.READER).status()).isEqualTo(429);

        OkHttpClient other = BoundClients.from("127.0.0.2", cp.http());
        HttpReply fromElsewhere = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/nodes"),
                ControlPlaneFixture.READER, other);
        assertThat(fromElsewhere.status()).isEqualTo(200);
        other.connectionPool().evictAll();

        cp.clock.advance(Duration.ofSeconds(6));
        assertThat(cp.get("/api/v1/nodes", ControlPlaneFixture.READER).status()).isEqualTo(200);
    }

    @Test
    void theBearerSchemeIsAcceptedInAnyCase() {
        for (String scheme : new String[] {"bearer", "BEARER", "Bearer"}) {
            HttpReply reply = cp.call(new Request.Builder().url(cp.plane().apiUri() + "/api/v1/nodes")
                    .header("Authorization", scheme + " " + ControlPlaneFixture.READER), null, cp.http());
            assertThat(reply.status()).as(scheme).isEqualTo(200);
        }
    }
}
