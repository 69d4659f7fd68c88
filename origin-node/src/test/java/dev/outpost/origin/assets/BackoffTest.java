package dev.outpost.origin.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofMillis(30_000));

    @Test
    void delayDoublesUpToTheMaximum() {
        RandomGenerator top = fixed(Long.MAX_VALUE);
        assertThat(backoff.delayBefore(1, top)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delayBefore(2, top)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delayBefore(3, top)).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.delayBefore(8, top)).isEqualTo(Duration.ofMillis(25_600));
        assertThat(backoff.delayBefore(9, top)).isEqualTo(Duration.ofMillis(30_000));
        assertThat(backoff.delayBefore(63, top)).isEqualTo(Duration.ofMillis(30_000));
        assertThat(backoff.delayBefore(Integer.MAX_VALUE, top)).isEqualTo(Duration.ofMillis(30_000));
    }

    @Test
    void jitterStaysWithinTheUpperHalf() {
        RandomGenerator bottom = fixed(0);
        assertThat(backoff.delayBefore(1, bottom)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.delayBefore(3, bottom)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delayBefore(20, bottom)).isEqualTo(Duration.ofMillis(15_000));
        RandomGenerator real = RandomGenerator.getDefault();
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.delayBefore(4, real)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1600));
        }
    }

    @Test
    void contradictoryBoundsAreRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("0 < initial <= max");
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backoff.delayBefore(0, fixed(0))).hasMessageContaining("from 1");
    }

    /** A random source whose nextLong(bound) answers the given value, clamped into [0, bound). */
    private static RandomGenerator fixed(long value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return value;
            }

            @Override
            public long nextLong(long bound) {
                return Math.min(value, bound - 1);
            }
        };
    }
}
