package dev.outpost.cli.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.cli.Cli;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Six real edges count their requests and send them with their heartbeats; the control plane's
 * {@code /api/v1/stats} and {@code outpost status} show every request once, with the hits among them.
 */
class TrafficStatsIT {
    @TempDir
    Path dir;
    private Cdn cdn;

    @BeforeEach
    void start() throws Exception {
        cdn = new Cdn(dir);
    }

    @AfterEach
    void stop() {
        cdn.close();
    }

    @Test
    void everyEdgesRequestsReachTheStatisticsOnceWithTheirHits() {
        cdn.warm("/app.js"); // on each of the six edges: a miss, then a hit

        await().atMost(Cdn.PATIENCE).until(() -> stats().get("requests").asLong() >= 12);
        JsonNode stats = stats();
        assertThat(stats.get("requests").asLong()).isEqualTo(12);
        assertThat(stats.get("hits").asLong()).isEqualTo(6);
        assertThat(stats.get("hitRatio").asDouble()).isEqualTo(0.5);
        long twoHundreds = 0;
        for (JsonNode minute : stats.get("minutes")) {
            twoHundreds += minute.get("statusClasses").path("2xx").asLong();
        }
        assertThat(twoHundreds).isEqualTo(12);

        Cli.Run status = Cli.run("status", "--api", cdn.apiUri().toString(), "--token", Cdn.OPS);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("TRAFFIC from .*: 12 requests, hit ratio 50.0%");
    }

    private JsonNode stats() {
        return cdn.api("GET", "/api/v1/stats?service=site", null).json();
    }
}
