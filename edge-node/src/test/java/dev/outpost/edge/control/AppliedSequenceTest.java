package dev.outpost.edge.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.LogRecords;
import dev.outpost.testkit.ReadOnlyMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppliedSequenceTest {
    private final AppliedSequence applied = new AppliedSequence();
    private final List<Long> ran = new ArrayList<>();

    private AppliedSequence.Outcome<String> apply(long sequence) {
        return applied.apply(sequence, () -> {
            ran.add(sequence);
            return "did " + sequence;
        });
    }

    @Test
    void sequencedEntriesAreRefusedUntilTheEdgeRegistered() {
        assertThat(apply(1)).isInstanceOf(AppliedSequence.NotRegistered.class);
        assertThat(ran).isEmpty();
        assertThat(applied.known()).isFalse();
    }

    @Test
    void entriesAboveTheMarkAreAppliedAndRaiseIt() {
        applied.adopt(41);
        assertThat(apply(42)).isEqualTo(new AppliedSequence.Applied<>("did 42"));
        // another region's entries (43, 44) never reach this edge: 45 is its next one
        assertThat(apply(45)).isEqualTo(new AppliedSequence.Applied<>("did 45"));
        assertThat(applied.highest()).isEqualTo(45);
        assertThat(ran).containsExactly(42L, 45L);
    }

    @Test
    void anEntryAtOrBelowTheMarkIsAcknowledgedWithoutBeingAppliedAgain() {
        applied.adopt(10);
        apply(11);
        assertThat(apply(11)).isEqualTo(new AppliedSequence.AlreadyApplied<>(11));
        assertThat(apply(7)).isEqualTo(new AppliedSequence.AlreadyApplied<>(11));
        assertThat(ran).containsExactly(11L);
    }

    @Test
    void aFailedEntryLeavesTheMarkSoItIsNeverSkipped() {
        applied.adopt(3);
        assertThatThrownBy(() -> applied.apply(4, () -> {
            throw new IllegalStateException("store broke");
        })).hasMessage("store broke");
        assertThat(applied.highest()).isEqualTo(3);
        assertThat(apply(4)).isEqualTo(new AppliedSequence.Applied<>("did 4"));
    }

    @Test
    void registrationAdoptsTheControlPlanesMark() {
        applied.adopt(5);
        apply(6);
        applied.adopt(2); // the control plane's answer wins, even lower (it re-registered with what we reported)
        assertThat(applied.highest()).isEqualTo(2);
        assertThat(apply(3)).isInstanceOf(AppliedSequence.Applied.class);
    }

    @Test
    void aMarkKeptOnDiskIsWhereARestartedEdgeStartsButNotKnownUntilItRegisters(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("applied-sequence");
        AppliedSequence first = new AppliedSequence(file, () -> { });
        assertThat(first.highest()).isZero();
        first.adopt(10);
        first.apply(12, () -> "purged");
        assertThat(Files.readString(file).strip()).isEqualTo("12");

        AppliedSequence restarted = new AppliedSequence(file, () -> { });
        assertThat(restarted.highest()).as("reported at registration").isEqualTo(12);
        assertThat(restarted.known()).isFalse();
        assertThat(restarted.apply(13, () -> "x")).isInstanceOf(AppliedSequence.NotRegistered.class);
    }

    @Test
    void aFailedEntryLeavesTheKeptMarkWhereItWas(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("applied-sequence");
        AppliedSequence kept = new AppliedSequence(file, () -> { });
        kept.adopt(5);
        assertThatThrownBy(() -> kept.apply(6, () -> {
            throw new IllegalStateException("disk full");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readString(file).strip()).isEqualTo("5");
    }

    @Test
    void anEntryIsAcknowledgedWhenItsMarkCannotBeRecordedAndTheFileStaysBehind(@TempDir Path dir) throws Exception {
        Path kept = Files.createDirectories(dir.resolve("disk"));
        Path file = kept.resolve("applied-sequence");
        AppliedSequence mark = new AppliedSequence(file, () -> { });
        mark.adopt(5);
        try (LogRecords warnings = LogRecords.of(AppliedSequence.class);
                ReadOnlyMount readOnly = ReadOnlyMount.over(kept)) { // the disk tier's file system after errors
            assertThat(mark.apply(6, () -> "did 6")).isEqualTo(new AppliedSequence.Applied<>("did 6"));
            assertThat(mark.apply(7, () -> "did 7")).isEqualTo(new AppliedSequence.Applied<>("did 7"));
            assertThat(mark.highest()).isEqualTo(7);
            assertThat(Files.readString(file).strip()).as("behind: a restart has 6 and 7 handed over again")
                    .isEqualTo("5");
            assertThat(warnings.messages(Level.WARNING)).as("once a minute at most").hasSize(1).first()
                    .asString().contains("cannot record applied sequence 6");

            assertThatThrownBy(() -> mark.adopt(3)).as("a lower mark the file cannot take is refused")
                    .hasMessageContaining("cannot lower the applied sequence");
        }
        mark.apply(8, () -> "did 8");
        assertThat(Files.readString(file).strip()).as("recorded again once it can be").isEqualTo("8");
    }

    @Test
    void aLowerMarkFromTheControlPlaneThanTheKeptOneRunsOnRewound(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("applied-sequence");
        Files.writeString(file, "900\n");
        List<String> rewound = new ArrayList<>();
        AppliedSequence kept = new AppliedSequence(file, () -> rewound.add("revalidate everything"));
        kept.adopt(900);
        assertThat(rewound).as("the control plane knows the mark").isEmpty();
        kept.adopt(3);
        assertThat(rewound).containsExactly("revalidate everything");
        assertThat(kept.highest()).isEqualTo(3);
        assertThat(Files.readString(file).strip()).isEqualTo("3");
    }

    @Test
    void aBatchRecordsItsMarkOnlyAfterWhatItDidIsDurableAndStopsAtTheFirstFailure(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("applied-sequence");
        AppliedSequence kept = new AppliedSequence(file, () -> { });
        kept.adopt(5);
        List<String> markWhenFlushed = new ArrayList<>();
        AppliedSequence.Batch batch = kept.applyAll(List.of(4L, 6L, 7L, 8L, 9L), s -> s, s -> {
            if (s == 8L) {
                throw new IllegalStateException("disk full");
            }
            ran.add(s);
            return "did " + s;
        }, work -> {
            work.run();
            // the flush at the batch's end: the mark must not be recorded yet, in the file nor for live entries
            markWhenFlushed.add(read(file) + " / " + kept.highest());
        });

        assertThat(markWhenFlushed).containsExactly("5 / 5");
        assertThat(ran).containsExactly(6L, 7L);
        assertThat(batch.outcomes()).containsExactly(new AppliedSequence.AlreadyApplied<>(5),
                new AppliedSequence.Applied<>("did 6"), new AppliedSequence.Applied<>("did 7"));
        assertThat(batch.failure()).get().extracting(Throwable::getMessage).isEqualTo("disk full");
        assertThat(read(file)).as("recorded at the last entry applied, never past the failed one").isEqualTo("7");
        assertThat(kept.highest()).isEqualTo(7);
    }

    @Test
    void aBatchThatCouldNotBeMadeDurableRecordsNothing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("applied-sequence");
        AppliedSequence kept = new AppliedSequence(file, () -> { });
        kept.adopt(5);
        assertThatThrownBy(() -> kept.applyAll(List.of(6L, 7L), s -> s, s -> "did " + s, work -> {
            work.run();
            throw new java.io.UncheckedIOException(new java.io.IOException("flush failed"));
        })).hasMessageContaining("flush failed");
        assertThat(read(file)).isEqualTo("5");
        assertThat(kept.highest()).isEqualTo(5);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
