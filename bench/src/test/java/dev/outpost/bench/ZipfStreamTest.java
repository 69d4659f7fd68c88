package dev.outpost.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ZipfStreamTest {
    @Test
    void drawsTheObjectsWrksLuaJitDrawsForTheZipfCells() {
        // printed by bench/lua/zipf.lua's pick() run in LuaJIT 2.1 (libluajit-5.1, as wrk links it), seed 7919
        ZipfStream stream = new ZipfStream(10_000, 1.0, ZipfStream.WRK_SEED);
        int[] first = new int[13];
        for (int i = 0; i < first.length; i++) {
            first[i] = stream.next();
        }

        assertThat(first).containsExactly(1, 37, 764, 63, 4296, 10, 2, 3037, 1, 549, 141, 5021, 8655);
    }

    @Test
    void randomIsInTheUnitInterval() {
        ZipfStream stream = new ZipfStream(10, 1.0, 0);
        for (int i = 0; i < 10_000; i++) {
            assertThat(stream.random()).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
        }
    }
}
