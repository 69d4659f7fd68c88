package dev.outpost.control.invalidation;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.InvalidationEntry.Kind;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvalidationLogCrashIT {
    @TempDir
    Path dir;

    @Test
    void everyAppendThatReturnedSurvivesAProcessKilledWithoutClosingTheLog() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                AppendThenHalt.class.getName(), dir.toString(), "5").redirectErrorStream(true).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
        String printed = new String(child.getInputStream().readAllBytes(), UTF_8);
        assertThat(child.exitValue()).as(printed).isEqualTo(137);
        List<Long> acknowledged = printed.lines().filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
        assertThat(acknowledged).containsExactly(1L, 2L, 3L, 4L, 5L);

        try (InvalidationLog reopened = InvalidationLog.open(dir, Clock.systemUTC())) {
            assertThat(reopened.recent(Kind.PURGE, 10)).extracting(LoggedEntry::sequence)
                    .containsExactly(5L, 4L, 3L, 2L, 1L);
            assertThat(reopened.deliveries(5)).extracting(Delivery::state).containsExactly(Delivery.State.PENDING);
            assertThat(reopened.append(NewEntry.purgeUrls(List.of("http://a.example/x")), List.of(), "ops")
                    .sequence()).isEqualTo(6);
        }
    }
}
