package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spool files on a directory another spool (another edge with the same id on this host) starts on meanwhile. */
class SpoolTest {
    @TempDir
    Path dir;

    @Test
    void aNameLeftInTheDirectoryIsRemovedAtStart() throws Exception {
        Path leftover = Files.createFile(dir.resolve("fill-1.body"));
        new Spool(dir, 1024);
        assertThat(leftover).doesNotExist();
    }

    @Test
    void aSpoolFileKeepsItsBytesWhenAnotherSpoolStartsOnTheSameDirectory() throws Exception {
        Spool spool = new Spool(dir, 1024);
        try (FileChannel file = spool.newFile()) {
            file.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            new Spool(dir, 1024); // removes every name it finds there
            ByteBuffer back = ByteBuffer.allocate(3);
            file.read(back, 0);
            assertThat(back.array()).containsExactly(1, 2, 3);
        }
        try (Stream<Path> names = Files.list(dir)) {
            assertThat(names).as("nothing left behind").isEmpty();
        }
    }

    @Test
    void newFilesNeverFailWhileAnotherSpoolStartsOnTheSameDirectoryAgainAndAgain() throws Exception {
        Spool spool = new Spool(dir, 1024);
        AtomicBoolean done = new AtomicBoolean();
        // A file made by name and opened after could lose its name in between (NoSuchFileException when opened).
        CompletableFuture<Void> starts = CompletableFuture.runAsync(() -> {
            while (!done.get()) {
                new Spool(dir, 1024);
            }
        });
        try {
            for (int i = 0; i < 3_000; i++) {
                try (FileChannel file = spool.newFile()) {
                    file.write(ByteBuffer.wrap(new byte[] {(byte) i}));
                }
            }
        } finally {
            done.set(true);
            starts.get();
        }
    }
}
