package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.LogRecords;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** A listener whose maxConnections the process's open-file limit cannot hold says so when it starts. */
class OpenFileLimitIT {
    private static long processLimit() {
        return ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
    }

    private static NodeServer start(int maxConnections) {
        return NodeServer.on(new ListenAddress("127.0.0.1", 0), new ServerLimits(16 * 1024, Duration.ofSeconds(30),
                Duration.ofSeconds(60), 1, 0, maxConnections, 16)).start(ex -> ex.getResponseSender().send("ok"));
    }

    @Test
    void maxConnectionsAboveTheOpenFileLimitIsAWarningNamingBoth() {
        long limit = processLimit();
        int tooMany = (int) Math.min(Integer.MAX_VALUE, limit + 1);
        try (LogRecords logs = LogRecords.of(NodeServer.class); NodeServer server = start(tooMany)) {
            assertThat(logs.messages(Level.WARNING)).anySatisfy(m -> assertThat(m)
                    .contains("maxConnections (" + tooMany + ")").contains("open files (" + limit));
            assertThat(server.port()).as("it still starts").isPositive();
        }
    }

    @Test
    void maxConnectionsWellWithinTheLimitSaysNothing() {
        try (LogRecords logs = LogRecords.of(NodeServer.class); NodeServer server = start(100)) {
            assertThat(logs.messages()).noneMatch(m -> m.contains("open files"));
            assertThat(server.port()).isPositive();
        }
        assertThat(OpenFileLimit.warning("127.0.0.1:80", 10_000, 1_024)).get().asString()
                .contains("maxConnections (10000)").contains("open files (1024");
        assertThat(OpenFileLimit.warning("127.0.0.1:80", 10_000, 1_048_576)).isEmpty();
    }
}
