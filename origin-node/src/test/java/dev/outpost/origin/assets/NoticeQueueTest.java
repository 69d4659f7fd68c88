package dev.outpost.origin.assets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ChangeNotice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoticeQueueTest {
    @TempDir
    Path dir;

    @Test
    void reopeningReturnsTheNoticesLeftInOrderWithTheirIds() throws Exception {
        NoticeQueue queue = NoticeQueue.open(dir).queue();
        NoticeQueue.Queued first = queue.add(ChangeNotice.changed("/a.css", "\"1\""));
        NoticeQueue.Queued second = queue.add(ChangeNotice.deleted("/b.css"));
        NoticeQueue.Queued third = queue.add(ChangeNotice.changed("/c.css", "\"3\""));
        queue.remove(second);

        NoticeQueue.Opened reopened = NoticeQueue.open(dir);

        assertThat(reopened.left()).containsExactly(first, third);
        assertThat(first.id()).isNotEqualTo(third.id()).hasSize(16);
        assertThat(reopened.queue().add(ChangeNotice.deleted("/d.css")).sequence())
                .as("numbering goes on after what was left").isGreaterThan(third.sequence());
    }

    @Test
    void aTempFileLeftByACrashMidWriteIsDiscardedAndAForeignFileSkipped() throws Exception {
        NoticeQueue queue = NoticeQueue.open(dir).queue();
        NoticeQueue.Queued kept = queue.add(ChangeNotice.changed("/a.css", "\"1\""));
        Files.writeString(dir.resolve(".tmp-00000000000000000009-0123456789abcdef.json"), "{\"id\":");
        Files.writeString(dir.resolve("00000000000000000008-fedcba9876543210.json"), "not json");

        NoticeQueue.Opened reopened = NoticeQueue.open(dir);

        assertThat(reopened.left()).containsExactly(kept);
        assertThat(dir.resolve(".tmp-00000000000000000009-0123456789abcdef.json")).doesNotExist();
        assertThat(dir.resolve("00000000000000000008-fedcba9876543210.json")).as("left for inspection").exists();
    }
}
