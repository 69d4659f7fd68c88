package dev.outpost.common.http.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollingFileTest {
    @TempDir
    Path dir;

    private static byte[] line(int n) {
        return String.format("line %05d %s%n", n, "x".repeat(80)).getBytes(StandardCharsets.UTF_8);
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("logs"))) {
            return s.sorted().toList();
        }
    }

    @Test
    void noFileGrowsPastTheBoundAndOnlyTheNewestFilesAreKept() throws Exception {
        Path path = dir.resolve("logs/edge.access.log"); // the directory is created
        try (RollingFile file = new RollingFile(path, 1000, 2)) {
            for (int i = 0; i < 200; i++) {
                file.write(line(i));
            }
        }
        assertThat(files()).extracting(p -> p.getFileName().toString())
                .containsExactly("edge.access.log", "edge.access.log.1", "edge.access.log.2");
        for (Path f : files()) {
            assertThat(Files.size(f)).as(f.toString()).isLessThanOrEqualTo(1000);
        }
        // the current file ends with the last line, each file holds whole lines, rolled files are in order
        List<String> kept = new ArrayList<>();
        for (String name : List.of("edge.access.log.2", "edge.access.log.1", "edge.access.log")) {
            String text = Files.readString(dir.resolve("logs").resolve(name));
            assertThat(text).endsWith("\n");
            kept.addAll(text.lines().toList());
        }
        assertThat(kept.getLast()).startsWith("line 00199 ");
        for (int i = 1; i < kept.size(); i++) {
            int previous = Integer.parseInt(kept.get(i - 1).substring(5, 10));
            assertThat(Integer.parseInt(kept.get(i).substring(5, 10))).isEqualTo(previous + 1);
        }
    }

    @Test
    void withNoRolledFilesKeptTheFileStartsAfresh() throws Exception {
        Path path = dir.resolve("logs/a.log");
        try (RollingFile file = new RollingFile(path, 500, 0)) {
            for (int i = 0; i < 20; i++) {
                file.write(line(i));
            }
        }
        assertThat(files()).containsExactly(path);
        assertThat(Files.size(path)).isLessThanOrEqualTo(500);
        assertThat(Files.readString(path).lines().toList().getLast()).startsWith("line 00019 ");
    }

    @Test
    void aRestartedNodeAppendsAndCountsWhatTheFileAlreadyHolds() throws Exception {
        Path path = dir.resolve("logs/a.log");
        try (RollingFile file = new RollingFile(path, 1000, 1)) {
            for (int i = 0; i < 9; i++) {
                file.write(line(i));
            }
        }
        try (RollingFile file = new RollingFile(path, 1000, 1)) {
            file.write(line(9));
            file.write(line(10)); // 11 lines of 92 bytes would pass 1000: rolled first
        }
        assertThat(Files.readString(path).lines().toList()).hasSize(1);
        assertThat(Files.readString(dir.resolve("logs/a.log.1")).lines().toList()).hasSize(10);
    }
}
