package dev.outpost.origin.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master copy replaced by rename over and over while it is opened: every open version describes itself (size
 * and digest are those of the bytes its channel reads), whichever version it caught. The replacing thread writes
 * outside the asset API, so no digest is ever remembered for it and every open hashes, the widest race there is.
 */
class MasterStoreRaceTest {
    @TempDir
    Path data;

    @Test
    void anOpenVersionsSizeAndDigestAreThoseOfItsOwnBytesWhileTheFileIsReplaced() throws Exception {
        MasterStore store = new MasterStore(data);
        AssetPath path = new AssetPath(List.of("app.js"));
        byte[][] versions = {filled(100_000, 'a'), filled(7, 'b'), filled(300_000, 'c'), filled(1, 'd')};
        Files.write(data.resolve("app.js"), versions[0]);
        AtomicBoolean done = new AtomicBoolean();
        Thread replacer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 1; !done.get(); i++) {
                    Path temp = data.resolve(".next");
                    Files.write(temp, versions[i % versions.length]);
                    Files.move(temp, data.resolve("app.js"), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        int opened = 0;
        try {
            for (int i = 0; i < 3_000; i++) {
                try (OpenMaster open = store.open(path).orElseThrow()) {
                    ByteBuffer bytes = ByteBuffer.allocate((int) open.channel().size());
                    while (bytes.hasRemaining() && open.channel().read(bytes, bytes.position()) > 0) {
                        // positional reads until full
                    }
                    byte[] content = bytes.array();
                    assertThat(content.length).as("size of open version").isEqualTo(open.file().size());
                    assertThat(MessageDigest.getInstance("SHA-256").digest(content))
                            .as("digest of open version").isEqualTo(open.file().sha256());
                    assertThat(Arrays.stream(versions).anyMatch(v -> Arrays.equals(v, content))).isTrue();
                    opened++;
                } catch (dev.outpost.common.problem.Problem e) {
                    assertThat(e.code()).as("only 'kept changing' may refuse").isEqualTo("asset_changing");
                    assertThat(e.kind()).isEqualTo(dev.outpost.common.problem.Problem.Kind.UNAVAILABLE);
                }
            }
        } finally {
            done.set(true);
            replacer.join();
        }
        assertThat(opened).isPositive();
    }

    private static byte[] filled(int size, char c) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) c);
        return bytes;
    }
}
