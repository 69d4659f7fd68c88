package dev.outpost.origin.assets;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ChangeNotice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The change notices an origin gave up on, in a file of one JSON object per line ({@code dead-letters.jsonl} in the
 * notice queue's directory): {@code {"id":..,"notice":{..},"reason":"..","tries":20,"at":".."}}. Each line is
 * fsynced before the notice leaves the queue, so a notice is always in one of the two. Bounded: a line that would
 * take the file past {@code maxBytes} first moves it to {@code dead-letters.jsonl.1} (replacing the one before),
 * so the two hold at most twice that. Appends come from the notifier's one worker thread.
 */
final class DeadLetters {
    static final String FILE = "dead-letters.jsonl";

    /** One line of the file. */
    record DeadLetter(String id, ChangeNotice notice, String reason, int tries, Instant at) {
    }

    private final Path file;
    private final Path rotated;
    private final long maxBytes;

    DeadLetters(Path directory, long maxBytes) {
        this.file = directory.resolve(FILE);
        this.rotated = directory.resolve(FILE + ".1");
        this.maxBytes = maxBytes;
    }

    Path file() {
        return file;
    }

    /** Appends one dead letter durably (the line and, when the file is new, its directory entry). */
    void add(DeadLetter letter) throws IOException {
        byte[] line = (new String(Json.bytes(letter), java.nio.charset.StandardCharsets.UTF_8) + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        boolean existed = Files.exists(file);
        if (existed && Files.size(file) + line.length > maxBytes) {
            Files.move(file, rotated, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            existed = false;
        }
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer bytes = ByteBuffer.wrap(line);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        if (!existed) {
            syncDirectory(file.getParent());
        }
    }

    /** The dead letters in the current file, oldest first (for tests and tools; the rotated file is not read). */
    List<DeadLetter> read() throws IOException {
        List<DeadLetter> letters = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    letters.add(Json.mapper().readValue(line, DeadLetter.class));
                }
            }
        }
        return letters;
    }

    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not every platform can open a directory; the line itself is on disk.
        }
    }
}
