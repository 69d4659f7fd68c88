package dev.outpost.common.http.ranges;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.common.http.preconditions.EntityTag;
import dev.outpost.common.http.preconditions.Preconditions;
import dev.outpost.common.http.preconditions.Validators;
import dev.outpost.common.http.ranges.RangeDecision.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one range policy (RFC 9110 §14), as a table: a Range header against a 10,000-byte representation. */
class RangesTest {
    private static final long LENGTH = 10_000;
    private static final String ETAG = "\"abc\"";
    private static final Instant MODIFIED = Instant.parse("2026-01-10T12:00:00Z");
    private static final Representation TEXT = new Representation(LENGTH, "text/plain",
            Validators.current(ETAG, MODIFIED));

    /** Each row: the Range value and the decision written as {@code 206 a-b,c-d}, {@code 416} or {@code 200 REASON}. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            bytes=0-9                      | 206 0-9
            bytes=500-500                  | 206 500-500
            bytes=9000-                    | 206 9000-9999
            bytes=-500                     | 206 9500-9999
            bytes=-20000                   | 206 0-9999
            bytes=9990-20000               | 206 9990-9999
            bytes=0-99999999999999999999999 | 206 0-9999
            Bytes=0-9 ,\t 5000-5009, ,     | 206 0-9,5000-5009
            bytes=5000-5009,0-9            | 206 5000-5009,0-9
            bytes=0-99,50-149              | 206 0-149
            bytes=0-9,20-29                | 206 0-29
            bytes=100-199,0-1000           | 206 0-1000
            bytes=5000-5009,100-199,50-99  | 206 5000-5009,50-199
            bytes=0-0,-1                   | 206 0-0,9999-9999
            bytes=20000-,0-9               | 206 0-9
            bytes=10000-                   | 416
            bytes=20000-20010,-0           | 416
            bytes=-0                       | 416
            items=0-9                      | 200 OTHER_UNIT
            bytes 0-9                      | 200 INVALID
            bytes=                         | 200 INVALID
            'bytes=,'                      | 200 INVALID
            bytes=9-0                      | 200 INVALID
            bytes=a-9                      | 200 INVALID
            bytes=0-9x                     | 200 INVALID
            bytes=-                        | 200 INVALID
            bytes=0                        | 200 INVALID
            bytes=--5                      | 200 INVALID
            bytes=1-2-3                    | 200 INVALID
            bytes=+1-5                     | 200 INVALID
            'bytes=0-9,abc'                | 200 INVALID
            bytes= 0 - 9                   | 200 INVALID
            =0-9                           | 200 INVALID
            """)
    void aRangeAgainstARepresentation(String range, String expected) {
        assertThat(describe(Ranges.decide("GET", List.of(range), Preconditions.NONE, TEXT, 100))).isEqualTo(expected);
    }

    @Test
    void noRangeHeaderServesTheWholeRepresentation() {
        assertThat(Ranges.decide("GET", List.of(), Preconditions.NONE, TEXT, 100)).isEqualTo(new RangeDecision.Full());
    }

    @Test
    void onlyGetHasRangeHandling() {
        assertThat(decide("HEAD", "bytes=0-9", Preconditions.NONE, TEXT)).isEqualTo(ignored(Reason.NOT_GET));
        assertThat(decide("POST", "bytes=0-9", Preconditions.NONE, TEXT)).isEqualTo(ignored(Reason.NOT_GET));
    }

    @Test
    void twoRangeFieldLinesAreIgnored() {
        assertThat(Ranges.decide("GET", List.of("bytes=0-1", "bytes=5-6"), Preconditions.NONE, TEXT, 100))
                .isEqualTo(ignored(Reason.REPEATED));
    }

    @Test
    void anEmptyRepresentationIsServedWhole() {
        Representation empty = new Representation(0, "text/plain", Validators.current(ETAG, MODIFIED));
        for (String range : List.of("bytes=0-", "bytes=-5", "bytes=5-9")) {
            assertThat(decide("GET", range, Preconditions.NONE, empty)).isEqualTo(ignored(Reason.EMPTY_REPRESENTATION));
        }
    }

    @Test
    void moreRangeSpecsThanAllowedAreIgnoredCountedBeforeMerging() {
        String header = "bytes=" + IntStream.range(0, 101).mapToObj(i -> i * 1000 + "-" + (i * 1000))
                .collect(Collectors.joining(","));
        Representation big = new Representation(1_000_000, "text/plain", Validators.NONE);
        assertThat(decide("GET", header, Preconditions.NONE, big)).isEqualTo(ignored(Reason.TOO_MANY_PARTS));
        assertThat(Ranges.decide("GET", List.of("bytes=0-0,2-2,4-4"), Preconditions.NONE, TEXT, 2))
                .isEqualTo(ignored(Reason.TOO_MANY_PARTS));
    }

    @Test
    void manyTinyOverlappingRangesCoverNoByteTwice() {
        String header = "bytes=" + IntStream.range(0, 100).mapToObj(i -> "0-" + i).collect(Collectors.joining(","));
        assertThat(describe(decide("GET", header, Preconditions.NONE, TEXT))).isEqualTo("206 0-99");
        assertThat(describe(decide("GET", "bytes=0-,0-,0-", Preconditions.NONE, TEXT))).isEqualTo("206 0-9999");
    }

    @Test
    void partsWhoseMultipartBodyOutweighsTheWholeAreIgnored() {
        // 100 one-byte ranges, 90 bytes apart (too far to merge): their part headers alone outweigh 10,000 bytes.
        String header = "bytes=" + IntStream.range(0, 100).mapToObj(i -> (i * 90) + "-" + (i * 90))
                .collect(Collectors.joining(","));
        assertThat(decide("GET", header, Preconditions.NONE, TEXT)).isEqualTo(ignored(Reason.LARGER_THAN_WHOLE));
        Representation small = new Representation(400, "text/plain", Validators.NONE);
        assertThat(describe(decide("GET", "bytes=0-1,300-301", Preconditions.NONE, small)))
                .isEqualTo("206 0-1,300-301");
        assertThat(decide("GET", "bytes=0-0,100-100,200-200,300-300", Preconditions.NONE, small))
                .isEqualTo(ignored(Reason.LARGER_THAN_WHOLE));
    }

    @Test
    void ifRangeDecidesWhetherTheRangeIsHonoured() {
        assertThat(describe(decide("GET", "bytes=0-9", ifRange(ETAG), TEXT))).isEqualTo("206 0-9");
        assertThat(describe(decide("GET", "bytes=0-9", ifRange(HttpDates.format(MODIFIED)), TEXT)))
                .isEqualTo("206 0-9");
        assertThat(decide("GET", "bytes=0-9", ifRange("\"old\""), TEXT)).isEqualTo(ignored(Reason.IF_RANGE_FAILED));
        assertThat(decide("GET", "bytes=0-9", ifRange("W/\"abc\""), TEXT)).isEqualTo(ignored(Reason.IF_RANGE_FAILED));
        assertThat(decide("GET", "bytes=0-9", ifRange(HttpDates.format(MODIFIED.plusSeconds(1))), TEXT))
                .isEqualTo(ignored(Reason.IF_RANGE_FAILED));
        Representation weakDate = new Representation(LENGTH, "text/plain",
                new Validators(EntityTag.parse(ETAG), Optional.of(MODIFIED), Optional.empty()));
        assertThat(decide("GET", "bytes=0-9", ifRange(HttpDates.format(MODIFIED)), weakDate))
                .as("a cache's Last-Modified that is not strong").isEqualTo(ignored(Reason.IF_RANGE_FAILED));
    }

    @Test
    void anUnsatisfiableRangeNamesTheCompleteLength() {
        assertThat(new RangeDecision.Unsatisfiable(LENGTH).contentRange()).isEqualTo("bytes */10000");
    }

    @Test
    void contentRangeNamesTheRangeAndTheCompleteLength() {
        assertThat(new ByteRange(0, 9).contentRange(LENGTH)).isEqualTo("bytes 0-9/10000");
        assertThat(new ByteRange(0, 9).length()).isEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=0-", "bytes=-1", "bytes=0-0,2-2", "bytes=0-0,,2-2"})
    void aRangeHeaderIsAValue(String header) {
        assertThat(RangeHeader.parse(List.of(header))).isInstanceOf(RangeHeader.Specs.class)
                .isEqualTo(RangeHeader.parse(List.of(header)));
    }

    private static RangeDecision decide(String method, String range, Preconditions conditions, Representation r) {
        return Ranges.decide(method, List.of(range), conditions, r, 100);
    }

    private static RangeDecision.Ignored ignored(Reason reason) {
        return new RangeDecision.Ignored(reason);
    }

    private static Preconditions ifRange(String value) {
        return new Preconditions(List.of(), List.of(), List.of(), List.of(), List.of(value));
    }

    private static String describe(RangeDecision decision) {
        return switch (decision) {
            case RangeDecision.Full full -> "200";
            case RangeDecision.Ignored ignored -> "200 " + ignored.reason();
            case RangeDecision.Unsatisfiable unsatisfiable -> "416";
            case RangeDecision.Partial partial -> {
                List<String> parts = new ArrayList<>();
                partial.parts().forEach(p -> parts.add(p.first() + "-" + p.last()));
                yield "206 " + String.join(",", parts);
            }
        };
    }
}
