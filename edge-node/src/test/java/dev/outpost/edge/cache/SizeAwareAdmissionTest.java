package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.SizeAwareAdmission.Decision;
import dev.outpost.edge.cache.SizeAwareAdmission.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

    /**
     * The refusal by the first victim alone (no sort) decides as the rule written out in full: least frequency per
     * byte first, ties in pool order, victims taken until they free the bytes, refused once they were asked for as
     * often as the newcomer. Random pools of zero to 16 entries.
     */
    @Test
    void theShortcutRefusalDecidesAsTheWholeRuleOnRandomPools() {
        Random random = new Random(42);
        int refused = 0;
        for (int round = 0; round < 20_000; round++) {
            List<Entry> pool = new ArrayList<>();
            for (int i = random.nextInt(17); i > 0; i--) {
                pool.add(new Entry("k" + pool.size(), random.nextInt(16), 500 + random.nextInt(4_000)));
            }
            int frequency = random.nextInt(20);
            long weight = 500 + random.nextInt(6_000);
            long free = random.nextInt(2_000);

            Decision d = SizeAwareAdmission.decide(frequency, weight, free, pool);

            assertThat(d).as("round %d", round).isEqualTo(wholeRule(frequency, weight, free, pool));
            refused += d.admitted() ? 0 : 1;
        }
        assertThat(refused).as("both outcomes were drawn").isBetween(1_000, 19_000);
    }

    private static Decision wholeRule(int frequency, long weight, long free, List<Entry> pool) {
        long needed = weight - free;
        if (needed <= 0) {
            return Decision.ADMIT;
        }
        List<Entry> byValue = new ArrayList<>(pool);
        byValue.sort((a, b) -> Long.compare(a.frequency() * b.weight(), b.frequency() * a.weight()));
        List<String> victims = new ArrayList<>();
        long victimsFrequency = 0;
        for (Entry e : byValue) {
            if (needed <= 0) {
                break;
            }
            victimsFrequency += e.frequency();
            if (victimsFrequency >= frequency) {
                return Decision.REFUSE;
            }
            victims.add(e.key());
            needed -= e.weight();
        }
        return needed <= 0 ? new Decision(true, victims) : Decision.REFUSE;
    }
}
