package dev.outpost.origin.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.content.ByteRanges.Range;
import dev.outpost.origin.content.ByteRanges.Selection;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangesTest {
    private static final long LENGTH = 10_000;

    @Test
    void noRangeHeaderServesTheWholeRepresentation() {
        assertThat(ByteRanges.select(List.of(), LENGTH, 100)).isInstanceOf(Selection.Whole.class);
    }

    @Test
    void aClosedRangeSelectsItsBytesInclusively() {
        assertThat(select("bytes=0-9")).containsExactly(new Range(0, 9));
        assertThat(select("bytes=500-500")).containsExactly(new Range(500, 500));
    }

    @Test
    void anOpenRangeRunsToTheEnd() {
        assertThat(select("bytes=9000-")).containsExactly(new Range(9000, 9999));
    }

    @Test
    void aSuffixRangeSelectsTheLastBytes() {
        assertThat(select("bytes=-500")).containsExactly(new Range(9500, 9999));
    }

    @Test
    void aSuffixLongerThanTheRepresentationSelectsAllOfIt() {
        assertThat(select("bytes=-20000")).containsExactly(new Range(0, 9999));
    }

    @Test
    void aLastPositionPastTheEndIsClampedToTheEnd() {
        assertThat(select("bytes=9990-20000")).containsExactly(new Range(9990, 9999));
        assertThat(select("bytes=0-99999999999999999999999")).containsExactly(new Range(0, 9999));
    }

    @Test
    void unitIsCaseInsensitiveAndWhitespaceBetweenRangesIsTolerated() {
        assertThat(select("Bytes=0-9 ,\t 5000-5009, ,")).containsExactly(new Range(0, 9), new Range(5000, 5009));
    }

    @Test
    void severalDistantRangesStayApartInAscendingOrder() {
        assertThat(select("bytes=5000-5009,0-9")).containsExactly(new Range(0, 9), new Range(5000, 5009));
    }

    @Test
    void overlappingAndNearbyRangesAreCoalesced() {
        assertThat(select("bytes=0-99,50-149")).containsExactly(new Range(0, 149));
        assertThat(select("bytes=0-9,20-29")).containsExactly(new Range(0, 29));
        assertThat(select("bytes=100-199,0-1000")).containsExactly(new Range(0, 1000));
    }

    @Test
    void manyTinyRangesCoverNoByteTwice() {
        String header = "bytes=" + IntStream.range(0, 100).mapToObj(i -> "0-" + i).collect(Collectors.joining(","));
        assertThat(select(header)).containsExactly(new Range(0, 99));
    }

    @Test
    void moreRangesThanAllowedAreIgnored() {
        String header = "bytes=" + IntStream.range(0, 101).mapToObj(i -> i * 1000 + "-" + (i * 1000))
                .collect(Collectors.joining(","));
        assertThat(ByteRanges.select(List.of(header), 1_000_000, 100)).isInstanceOf(Selection.Whole.class);
    }

    @Test
    void rangesThatAllStartPastTheEndAreUnsatisfiable() {
        assertThat(ByteRanges.select(List.of("bytes=10000-"), LENGTH, 100))
                .isInstanceOf(Selection.Unsatisfiable.class);
        assertThat(ByteRanges.select(List.of("bytes=20000-20010,-0"), LENGTH, 100))
                .isInstanceOf(Selection.Unsatisfiable.class);
    }

    @Test
    void unsatisfiableRangesAreDroppedWhenOthersAreSatisfiable() {
        assertThat(select("bytes=20000-,0-9")).containsExactly(new Range(0, 9));
    }

    @Test
    void anEmptyRepresentationIsServedWhole() {
        assertThat(ByteRanges.select(List.of("bytes=0-"), 0, 100)).isInstanceOf(Selection.Whole.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "items=0-9", "bytes 0-9", "bytes=", "bytes=,", "bytes=9-0", "bytes=a-9", "bytes=0-9x", "bytes=-",
            "bytes=0", "bytes=--5", "bytes=1-2-3", "bytes=+1-5", "bytes=0-9,abc", "bytes= 0 - 9", "=0-9"
    })
    void invalidOrForeignRangesAreIgnored(String header) {
        assertThat(ByteRanges.select(List.of(header), LENGTH, 100)).isInstanceOf(Selection.Whole.class);
    }

    @Test
    void twoRangeFieldLinesAreIgnored() {
        assertThat(ByteRanges.select(List.of("bytes=0-1", "bytes=5-6"), LENGTH, 100))
                .isInstanceOf(Selection.Whole.class);
    }

    @Test
    void contentRangeNamesTheRangeAndTheCompleteLength() {
        assertThat(new Range(0, 9).contentRange(LENGTH)).isEqualTo("bytes 0-9/10000");
        assertThat(new Range(0, 9).length()).isEqualTo(10);
    }

    private static List<Range> select(String header) {
        Selection selection = ByteRanges.select(List.of(header), LENGTH, 100);
        assertThat(selection).isInstanceOf(Selection.Parts.class);
        return ((Selection.Parts) selection).ranges();
    }
}
