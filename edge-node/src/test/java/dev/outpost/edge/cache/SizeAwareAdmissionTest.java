package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.SizeAwareAdmission.Decision;
import dev.outpost.edge.cache.SizeAwareAdmission.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

class SizeAwareAdmissionTest {
    @Test
    void aNewcomerThatFitsInTheFreeBytesEntersWithoutVictims() {
        Decision d = SizeAwareAdmission.decide(1, 1_000, 1_000, List.of(new Entry("a", 50, 1_000)));

        assertThat(d.admitted()).isTrue();
        assertThat(d.victims()).isEmpty();
    }

    @Test
    void aLargeNewcomerStaysOutWhenTheSmallEntriesItWouldDisplaceWereAskedForMoreTogether() {
        // 4 KiB asked for 5 times against three 1.4 KiB entries asked for 4 times each: one victim at a time
        // (W-TinyLFU's comparison) it would win every time and cost 12 hits for 5.
        List<Entry> pool = List.of(new Entry("a", 4, 1_400), new Entry("b", 4, 1_400), new Entry("c", 4, 1_400));

        Decision d = SizeAwareAdmission.decide(5, 4_096, 0, pool);

        assertThat(d.admitted()).isFalse();
        assertThat(d.victims()).isEmpty();
    }

    @Test
    void aNewcomerAskedForMoreThanAllItsVictimsTogetherEntersAndNamesThem() {
        List<Entry> pool = List.of(new Entry("a", 2, 1_400), new Entry("b", 3, 1_400), new Entry("c", 4, 1_400));

        Decision d = SizeAwareAdmission.decide(6, 2_500, 100, pool);

        assertThat(d.admitted()).isTrue();
        assertThat(d.victims()).containsExactly("a", "b");
    }

    @Test
    void victimsAreThePoolsLeastAskedForPerByteNotSimplyTheColdestFirst() {
        // "big" was asked for twice as often as "small" but holds four times its bytes: it is worth less per byte.
        List<Entry> pool = List.of(new Entry("small", 1, 1_000), new Entry("big", 2, 4_000),
                new Entry("hot", 9, 1_000));

        Decision d = SizeAwareAdmission.decide(3, 3_000, 0, pool);

        assertThat(d.admitted()).isTrue();
        assertThat(d.victims()).containsExactly("big");
    }

    @Test
    void withEqualSizesTheMoreFrequentWinsAndATieKeepsTheIncumbent() {
        List<Entry> pool = List.of(new Entry("a", 2, 2_000), new Entry("b", 7, 2_000));

        assertThat(SizeAwareAdmission.decide(3, 2_000, 0, pool)).isEqualTo(new Decision(true, List.of("a")));
        assertThat(SizeAwareAdmission.decide(2, 2_000, 0, pool).admitted()).isFalse();
    }

    @Test
    void aPoolThatCannotMakeRoomRefuses() {
        Decision d = SizeAwareAdmission.decide(100, 10_000, 0, List.of(new Entry("a", 1, 2_000)));

        assertThat(d.admitted()).isFalse();
    }
}
