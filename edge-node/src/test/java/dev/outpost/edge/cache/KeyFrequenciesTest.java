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
    void aWidthOutOfRangeIsRefusedNamingIt() {
        assertThatThrownBy(() -> new KeyFrequencies(0)).hasMessageContaining("width").hasMessageContaining("0");
    }
}
