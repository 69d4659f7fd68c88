package dev.outpost.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.http.AssetApiFixture.Answer;
import dev.outpost.testkit.BoundClients;
import java.io.IOException;
import java.nio.file.Path;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asset API's failed-authentication budget per client address (limits.failedAuth): wrong (403) and missing
 * (401) tokens both spend it; once spent, 429 with Retry-After for every asset call from that address, the right
 * token included, while content is still served and other addresses are unaffected. The scheme is any case.
 */
class AssetApiFailedAuthIT {
    @TempDir
    Path tempDir;
    private AssetApiFixture origin;

    @BeforeEach
    void start() {
        origin = AssetApiFixture.start(tempDir);
    }

    @AfterEach
    void stop() {
        origin.close();
    }

    @Test
    void guessingTokensIsThrottledPerClientAddress() throws IOException {
        assertThat(origin.put("/a.txt", "hello").code()).isEqualTo(201);
        for (int i = 0; i < 10; i++) {
            Answer guess = origin.call(new Request.Builder().url(origin.url(""))
                    .header("Authorization", i % 2 == 0 ? "Bearer wrong-guess-" + i : "Basic x").build());
            assertThat(guess.code()).as("guess %d", i + 1).isIn(401, 403);
        }
        Answer throttled = origin.get("");
        assertThat(throttled.code()).as("the right token, once the budget is spent").isEqualTo(429);
        // The wait counts down from the last failure on the wall clock (one refill, 6 s, rounded up): on a loaded
        // machine a second can pass before this request. FailedAuthLimiterTest pins the exact values on a
        // manual clock.
        assertThat(Integer.parseInt(throttled.header("Retry-After"))).isBetween(1, 6);
        assertThat(throttled.json(ErrorBody.class).error()).isEqualTo("too_many_failed_auth");
        Answer content = origin.call(new Request.Builder().url(origin.node.baseUri() + "/a.txt").build());
        assertThat(content.code()).as("content is never throttled").isEqualTo(200);

        OkHttpClient other = BoundClients.from("127.0.0.2", origin.http);
        try (Response r = other.newCall(origin.request("").get().build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
        }
        other.connectionPool().evictAll();
    }

    @Test
    void theBearerSchemeIsAcceptedInAnyCase() {
        for (String scheme : new String[] {"bearer", "BEARER", "Bearer"}) {
            Answer answer = origin.call(new Request.Builder().url(origin.url(""))
                    .header("Authorization", scheme + " " + AssetApiFixture.TOKEN).build());
            assertThat(answer.code()).as(scheme).isEqualTo(200);
        }
    }
}
