package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyFrequenciesTest {
    @Test
    void countsTheRequestsOfEachKey() {
        KeyFrequencies f = new KeyFrequencies(1024);
        for (int i = 0; i < 5; i++) {
            f.increment("bench/z/obj-1.bin");
        }
        f.increment("bench/z/obj-2.bin");
        f.increment("bench/z/obj-2.bin");

        assertThat(f.frequency("bench/z/obj-1.bin")).isEqualTo(5);
        assertThat(f.frequency("bench/z/obj-2.bin")).isEqualTo(2);
        assertThat(f.frequency("bench/z/obj-3.bin")).isZero();
    }

    @Test
    void countsStopAt255AndHalveEveryTenTimesTheWidthInRequests() {
        KeyFrequencies f = new KeyFrequencies(64); // ages every 640 requests
        for (int i = 0; i < 639; i++) {
            f.increment("hot");
        }
        assertThat(f.frequency("hot")).isEqualTo(255);

        f.increment("hot");

        assertThat(f.frequency("hot")).isEqualTo(127);
    }

    @Test
    void theRowsPickTheirCountersIndependentlySoRareKeysAreRarelyOverestimated() {
        // The bench's catalogue: 10,000 keys at 2.4 keys per counter, a Zipf-like head asked for often, a long tail
        // asked for once (24,400 requests: no halving). Correlated rows (keys colliding in every row alike) put 2,838
        // of the 8,000 tail keys at 3 or more; independent rows, where a key must meet heavier ones in all four rows,
        // 189.
        KeyFrequencies f = new KeyFrequencies(4096);
        for (int i = 0; i < 10_000; i++) {
            for (int n = Math.max(1, 2000 / (i + 1)); n > 0; n--) {
                f.increment("bench/z/outpost/b1/obj-" + (i + 1) + ".bin");
            }
        }
        int overestimated = 0;
        for (int i = 2000; i < 10_000; i++) {
            if (f.frequency("bench/z/outpost/b1/obj-" + (i + 1) + ".bin") >= 3) {
                overestimated++;
            }
        }
        assertThat(overestimated).isLessThan(500);
    }

    @Test
    void aWidthOutOfRangeIsRefusedNamingIt() {
        assertThatThrownBy(() -> new KeyFrequencies(0)).hasMessageContaining("width").hasMessageContaining("0");
    }
}
