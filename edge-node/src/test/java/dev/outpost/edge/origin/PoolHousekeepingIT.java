package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class PoolHousekeepingIT {
    @Test
    void responsesReturningTheirConnectionDoNotWakeTheHousekeeping() throws Exception {
        try (PoolHousekeeping housekeeping = new PoolHousekeeping(Duration.ofMinutes(10));
                MockWebServer origin = new MockWebServer()) {
            origin.start(InetAddress.getByName("127.0.0.1"), 0);
            ConnectionPool pool = housekeeping.pool(8, Duration.ofMinutes(1));
            OkHttpClient http = new OkHttpClient.Builder().connectionPool(pool).build();
            for (int i = 0; i < 50; i++) {
                origin.enqueue(new MockResponse.Builder().body("object " + i).build());
            }

            for (int i = 0; i < 50; i++) {
                assertThat(fetch(http, origin)).isEqualTo("object " + i);
            }

            // One connection served all 50, and the coordinator went to sleep once or twice (the first response
            // schedules the closer), not once per response as with OkHttp's own backend.
            assertThat(pool.connectionCount()).isEqualTo(1);
            assertThat(housekeeping.waits()).isBetween(1L, 3L);
        }
    }

    @Test
    void idleConnectionsAreStillClosedAfterTheirKeepAlive() throws Exception {
        try (PoolHousekeeping housekeeping = new PoolHousekeeping(Duration.ofMillis(50));
                MockWebServer origin = new MockWebServer()) {
            origin.start(InetAddress.getByName("127.0.0.1"), 0);
            ConnectionPool pool = housekeeping.pool(8, Duration.ofMillis(200));
            OkHttpClient http = new OkHttpClient.Builder().connectionPool(pool).build();
            origin.enqueue(new MockResponse.Builder().body("once").build());

            assertThat(fetch(http, origin)).isEqualTo("once");

            // The origin keeps the connection open, so only the pool's housekeeping can take it from the pool
            // (no check that it is there first: on a loaded machine the 200 ms may be over by then).
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.connectionCount() == 0);
        }
    }

    @Test
    void connectionsBeyondTheIdleLimitAreClosed() throws Exception {
        try (PoolHousekeeping housekeeping = new PoolHousekeeping(Duration.ofMillis(50));
                MockWebServer origin = new MockWebServer()) {
            origin.start(InetAddress.getByName("127.0.0.1"), 0);
            ConnectionPool pool = housekeeping.pool(1, Duration.ofMinutes(1));
            OkHttpClient http = new OkHttpClient.Builder().connectionPool(pool).build();
            origin.enqueue(new MockResponse.Builder().body("a").build());
            origin.enqueue(new MockResponse.Builder().body("b").build());

            // Two responses held open at once need two connections; once both are idle, the limit is one.
            Response first = http.newCall(new Request.Builder().url(origin.url("/a")).build()).execute();
            Response second = http.newCall(new Request.Builder().url(origin.url("/b")).build()).execute();
            assertThat(pool.connectionCount()).isEqualTo(2);
            first.close();
            second.close();

            await().atMost(Duration.ofSeconds(10)).until(() -> pool.connectionCount() == 1);
        }
    }

    private static String fetch(OkHttpClient http, MockWebServer origin) throws IOException {
        try (Response response = http.newCall(new Request.Builder().url(origin.url("/")).build()).execute()) {
            return response.body().string();
        }
    }
}
