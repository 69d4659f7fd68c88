package dev.outpost.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.testkit.BoundClients;
import java.io.IOException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin API's credentials: the Bearer scheme in any case (RFC 9110 §11.1), and a failed-authentication budget
 * per client address (default 10 failures, refilled over a minute): once spent, every call from that address is
 * 429 with Retry-After and a JSON body, the right token included, while other addresses go on as before.
 */
class AdminAuthIT {
    private static final String PURGE = "{\"urls\":[\"http://assets.test/x.css\"]}";

    private EdgeFixture f;

    @BeforeEach
    void start() throws IOException {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void theBearerSchemeIsAcceptedInAnyCase() throws IOException {
        for (String scheme : new String[] {"Bearer", "bearer", "BEARER", "bEaReR"}) {
            assertThat(purge(f.client, scheme + " " + EdgeFixture.ADMIN_TOKEN).code()).as(scheme).isEqualTo(200);
        }
        assertThat(purge(f.client, "Basic " + EdgeFixture.ADMIN_TOKEN).code()).isEqualTo(401);
        assertThat(purge(f.client, "Bearer" + EdgeFixture.ADMIN_TOKEN).code()).isEqualTo(401);
    }

    @Test
    void aClientThatKeepsGuessingIsThrottledAndOthersAreNot() throws IOException {
        for (int i = 0; i < 10; i++) {
            assertThat(purge(f.client, "Bearer wrong-guess-" + i).code()).as("guess %d", i + 1).isEqualTo(401);
        }
        Answer throttled = purge(f.client, "Bearer wrong-guess-11");
        assertThat(throttled.code()).isEqualTo(429);
        assertThat(throttled.retryAfter()).isEqualTo("6");
        assertThat(Json.mapper().readTree(throttled.body()).get("error").asString())
                .isEqualTo("too_many_failed_auth");
        assertThat(purge(f.client, "Bearer " + EdgeFixture.ADMIN_TOKEN).code())
                .as("even the right token, while the budget is spent").isEqualTo(429);

        OkHttpClient other = BoundClients.from("127.0.0.2", f.client);
        assertThat(purge(other, "Bearer " + EdgeFixture.ADMIN_TOKEN).code()).isEqualTo(200);
        assertThat(purge(other, "Bearer wrong").code()).isEqualTo(401);

        f.clock.advance(Duration.ofSeconds(6));
        assertThat(purge(f.client, "Bearer " + EdgeFixture.ADMIN_TOKEN).code()).isEqualTo(200);
        other.connectionPool().evictAll();
    }

    /** An answer read whole. */
    record Answer(int code, String body, String retryAfter) {
    }

    private Answer purge(OkHttpClient client, String authorization) throws IOException {
        Request request = new Request.Builder().url(f.admin() + "/_edge/purge").header("Authorization", authorization)
                .post(RequestBody.create(PURGE, MediaType.get("application/json"))).build();
        try (Response r = client.newCall(request).execute()) {
            return new Answer(r.code(), r.body().string(), r.header("Retry-After"));
        }
    }
}
