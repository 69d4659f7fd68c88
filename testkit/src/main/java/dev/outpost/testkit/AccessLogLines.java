package dev.outpost.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A node's JSON access log as tests read it, each line parsed by Jackson. A node writes a line when the exchange
 * completes, which can be just after the client got its answer, so tests wait for the line they expect
 * ({@link #await}) rather than read at once.
 */
public final class AccessLogLines {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private AccessLogLines() {
    }

    /** Every line of {@code file} now, parsed; none when it does not exist yet. */
    public static List<JsonNode> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            List<JsonNode> lines = new ArrayList<>();
            String[] parts = Files.readString(file, StandardCharsets.UTF_8).split("\n", -1);
            // the last part follows the last newline: empty, or a line still being written
            for (int i = 0; i < parts.length - 1; i++) {
                lines.add(JSON.readTree(parts[i])); // fails on a line that is not one JSON object
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first line of {@code file} that {@code which} accepts, waiting up to 10 s for it to be written. */
    public static JsonNode await(Path file, Predicate<JsonNode> which) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            for (JsonNode line : read(file)) {
                if (which.test(line)) {
                    return line;
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no such line in " + file + " within " + PATIENCE.toSeconds() + " s; it has "
                        + read(file));
            }
            pause();
        }
    }

    /** The first whole line of a text-format log containing {@code part}, waiting up to 10 s for it. */
    public static String awaitText(Path file, String part) {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (true) {
            if (Files.exists(file)) {
                try {
                    String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n", -1);
                    for (int i = 0; i < lines.length - 1; i++) {
                        if (lines[i].contains(part)) {
                            return lines[i];
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no line containing '" + part + "' in " + file + " within "
                        + PATIENCE.toSeconds() + " s");
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for an access-log line", e);
        }
    }

    /** A line's field as text, {@code null} when it is JSON null. */
    public static String text(JsonNode line, String field) {
        JsonNode value = line.get(field);
        if (value == null) {
            throw new AssertionError("the line has no field " + field + ": " + line);
        }
        return value.isNull() ? null : value.asString();
    }
}
