package dev.outpost.common.http.preconditions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.common.http.preconditions.Preconditions.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PreconditionsTest {
    private static final String ETAG = "\"abc\"";
    private static final Instant MODIFIED = Instant.parse("2026-01-10T12:00:00Z");
    private static final String AT_MODIFIED = HttpDates.format(MODIFIED);
    private static final String BEFORE = HttpDates.format(MODIFIED.minusSeconds(1));
    private static final String AFTER = HttpDates.format(MODIFIED.plusSeconds(1));
    private static final Validators CURRENT = Validators.current(ETAG, MODIFIED);

    @Test
    void noConditionsServe() {
        assertThat(Preconditions.NONE.evaluate(200, CURRENT)).isEqualTo(Decision.PROCEED);
    }

    @Test
    void ifNoneMatchWithTheCurrentTagIsNotModified() {
        assertThat(evaluate(ifNoneMatch("\"abc\""))).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(evaluate(ifNoneMatch("\"x\", \"abc\""))).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(evaluate(ifNoneMatch("\"x\"", "\"abc\""))).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(evaluate(ifNoneMatch("*"))).isEqualTo(Decision.NOT_MODIFIED);
    }

    @Test
    void ifNoneMatchComparesWeakly() {
        assertThat(evaluate(ifNoneMatch("W/\"abc\""))).isEqualTo(Decision.NOT_MODIFIED);
    }

    @Test
    void ifNoneMatchWithOtherTagsServes() {
        assertThat(evaluate(ifNoneMatch("\"abd\", W/\"x\""))).isEqualTo(Decision.PROCEED);
        assertThat(evaluate(ifNoneMatch("abc"))).as("unquoted: not an entity-tag").isEqualTo(Decision.PROCEED);
    }

    @Test
    void aCommaInsideAnEntityTagDoesNotSplitIt() {
        assertThat(evaluate(ifNoneMatch("\"a,\"abc\"\""))).as("malformed list matches nothing")
                .isEqualTo(Decision.PROCEED);
        assertThat(new Preconditions(List.of(), List.of("\"a,b\""), List.of(), List.of(), List.of())
                .evaluate(200, Validators.current("\"a,b\"", MODIFIED))).isEqualTo(Decision.NOT_MODIFIED);
    }

    @Test
    void ifModifiedSinceNotAfterLastModifiedIsNotModified() {
        assertThat(evaluate(ifModifiedSince(AT_MODIFIED))).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(evaluate(ifModifiedSince(AFTER))).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(evaluate(ifModifiedSince(BEFORE))).isEqualTo(Decision.PROCEED);
    }

    @Test
    void ifModifiedSinceIsIgnoredWhenInvalidOrRepeated() {
        assertThat(evaluate(ifModifiedSince("yesterday"))).isEqualTo(Decision.PROCEED);
        assertThat(evaluate(new Preconditions(List.of(), List.of(), List.of(AFTER, AFTER), List.of(), List.of())))
                .isEqualTo(Decision.PROCEED);
    }

    @Test
    void ifNoneMatchTakesPrecedenceOverIfModifiedSince() {
        Preconditions changedTagButOldDate = new Preconditions(List.of(), List.of("\"old\""), List.of(AFTER),
                List.of(), List.of());
        assertThat(evaluate(changedTagButOldDate)).isEqualTo(Decision.PROCEED);
    }

    @Test
    void ifMatchComparesStrongly() {
        assertThat(evaluate(ifMatch("\"abc\""))).isEqualTo(Decision.PROCEED);
        assertThat(evaluate(ifMatch("\"x\", \"abc\""))).isEqualTo(Decision.PROCEED);
        assertThat(evaluate(ifMatch("*"))).isEqualTo(Decision.PROCEED);
        assertThat(evaluate(ifMatch("W/\"abc\""))).isEqualTo(Decision.PRECONDITION_FAILED);
        assertThat(evaluate(ifMatch("\"other\""))).isEqualTo(Decision.PRECONDITION_FAILED);
        assertThat(evaluate(ifMatch("garbage"))).isEqualTo(Decision.PRECONDITION_FAILED);
    }

    @Test
    void ifUnmodifiedSinceFailsOnlyWhenModifiedAfterIt() {
        assertThat(evaluate(ifUnmodifiedSince(BEFORE))).isEqualTo(Decision.PRECONDITION_FAILED);
        assertThat(evaluate(ifUnmodifiedSince(AT_MODIFIED))).isEqualTo(Decision.PROCEED);
        assertThat(evaluate(ifUnmodifiedSince("not a date"))).isEqualTo(Decision.PROCEED);
    }

    @Test
    void ifMatchTakesPrecedenceOverIfUnmodifiedSince() {
        Preconditions matchingTagButOldDate = new Preconditions(List.of(ETAG), List.of(), List.of(),
                List.of(BEFORE), List.of());
        assertThat(evaluate(matchingTagButOldDate)).isEqualTo(Decision.PROCEED);
    }

    @Test
    void aFailedIfMatchWinsOverAMatchingIfNoneMatch() {
        Preconditions both = new Preconditions(List.of("\"other\""), List.of(ETAG), List.of(), List.of(), List.of());
        assertThat(evaluate(both)).isEqualTo(Decision.PRECONDITION_FAILED);
    }

    @Test
    void rangeIsAllowedWithoutIfRange() {
        assertThat(Preconditions.NONE.ifRangeHolds(CURRENT)).isTrue();
    }

    @Test
    void ifRangeWithTheCurrentStrongTagAllowsTheRange() {
        assertThat(ifRange(ETAG).ifRangeHolds(CURRENT)).isTrue();
        assertThat(ifRange("\"old\"").ifRangeHolds(CURRENT)).isFalse();
        assertThat(ifRange("W/\"abc\"").ifRangeHolds(CURRENT)).as("weak tags never match").isFalse();
    }

    @Test
    void ifRangeWithADateNeedsAnExactMatch() {
        assertThat(ifRange(AT_MODIFIED).ifRangeHolds(CURRENT)).isTrue();
        assertThat(ifRange(AFTER).ifRangeHolds(CURRENT)).isFalse();
        assertThat(ifRange(BEFORE).ifRangeHolds(CURRENT)).isFalse();
        assertThat(ifRange("garbage").ifRangeHolds(CURRENT)).isFalse();
    }

    /**
     * The RFC 9110 §13.2.2 table in one place: each row is If-Match | If-Unmodified-Since | If-None-Match |
     * If-Modified-Since (empty = absent) and the decision for a representation with ETag "abc" last modified at
     * 12:00:00.
     */
    @ParameterizedTest(name = "IM={0} IUS={1} INM={2} IMS={3} -> {4}")
    @CsvSource(delimiter = '|', nullValues = "", textBlock = """
            |                               |             |                               | PROCEED
            "abc"  |                        |             |                               | PROCEED
            *      |                        |             |                               | PROCEED
            "zzz"  |                        | "abc"       |                               | PRECONDITION_FAILED
            W/"abc"|                        |             |                               | PRECONDITION_FAILED
                   | Sat, 10 Jan 2026 11:59:59 GMT |      |                               | PRECONDITION_FAILED
            "abc"  | Sat, 10 Jan 2026 11:59:59 GMT |      |                               | PROCEED
                   | Sat, 10 Jan 2026 12:00:00 GMT | "abc" |                              | NOT_MODIFIED
                   |                        | W/"abc"     |                               | NOT_MODIFIED
                   |                        | *           |                               | NOT_MODIFIED
                   |                        | "zzz"       | Sat, 10 Jan 2026 12:00:01 GMT | PROCEED
                   |                        |             | Sat, 10 Jan 2026 12:00:00 GMT | NOT_MODIFIED
                   |                        |             | Sat, 10 Jan 2026 11:59:59 GMT | PROCEED
                   |                        | *, "abc"    |                               | PROCEED
            """)
    void rfc9110EvaluationOrder(String ifMatch, String ifUnmodifiedSince, String ifNoneMatch,
            String ifModifiedSince, Decision expected) {
        Preconditions conditions = new Preconditions(lines(ifMatch), lines(ifNoneMatch), lines(ifModifiedSince),
                lines(ifUnmodifiedSince), List.of());
        assertThat(conditions.evaluate(200, CURRENT)).isEqualTo(expected);
    }

    @Test
    void conditionsAreIgnoredWhenTheAnswerWouldNotBe2xx() {
        assertThat(evaluateFor(404, ifNoneMatch("*"))).isEqualTo(Decision.PROCEED);
        assertThat(evaluateFor(301, ifMatch("\"other\""))).isEqualTo(Decision.PROCEED);
        assertThat(evaluateFor(206, ifNoneMatch(ETAG))).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(evaluateFor(204, ifNoneMatch(ETAG))).isEqualTo(Decision.NOT_MODIFIED);
    }

    @Test
    void aStarMatchesARepresentationWithoutAnEtag() {
        Validators dateOnly = new Validators(Optional.empty(), Optional.of(MODIFIED), Optional.empty());
        assertThat(ifNoneMatch("*").evaluate(200, dateOnly)).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(ifNoneMatch(ETAG).evaluate(200, dateOnly)).isEqualTo(Decision.PROCEED);
        assertThat(ifMatch("*").evaluate(200, dateOnly)).isEqualTo(Decision.PROCEED);
        assertThat(ifMatch(ETAG).evaluate(200, dateOnly)).isEqualTo(Decision.PRECONDITION_FAILED);
    }

    @Test
    void datesAreIgnoredWhenTheRepresentationHasNoDate() {
        Validators tagOnly = new Validators(EntityTag.parse(ETAG), Optional.empty(), Optional.empty());
        assertThat(ifModifiedSince(AFTER).evaluate(200, tagOnly)).isEqualTo(Decision.PROCEED);
        assertThat(ifUnmodifiedSince(BEFORE).evaluate(200, tagOnly)).isEqualTo(Decision.PROCEED);
    }

    @Test
    void aCacheDropsIfMatchAndIfUnmodifiedSinceButKeepsTheRest() {
        Preconditions all = new Preconditions(List.of("\"other\""), List.of(ETAG), List.of(AFTER), List.of(BEFORE),
                List.of(ETAG));
        assertThat(all.evaluate(200, CURRENT)).isEqualTo(Decision.PRECONDITION_FAILED);
        assertThat(all.forCache().evaluate(200, CURRENT)).isEqualTo(Decision.NOT_MODIFIED);
        assertThat(all.forCache()).isEqualTo(new Preconditions(List.of(), List.of(ETAG), List.of(AFTER), List.of(),
                List.of(ETAG)));
    }

    @Test
    void ifRangeWithADateNeedsAStrongLastModified() {
        Validators weakDate = new Validators(Optional.empty(), Optional.of(MODIFIED), Optional.empty());
        assertThat(ifRange(AT_MODIFIED).ifRangeHolds(weakDate)).isFalse();
        assertThat(ifRange(AT_MODIFIED).ifRangeHolds(CURRENT)).isTrue();
    }

    @Test
    void ifRangeNeedsAStrongEtagOnBothSidesAndOneLine() {
        Validators weakTag = new Validators(EntityTag.parse("W/\"abc\""), Optional.empty(), Optional.empty());
        assertThat(ifRange(ETAG).ifRangeHolds(weakTag)).isFalse();
        Preconditions twice = new Preconditions(List.of(), List.of(), List.of(), List.of(), List.of(ETAG, ETAG));
        assertThat(twice.ifRangeHolds(CURRENT)).isFalse();
    }

    private static Decision evaluateFor(int status, Preconditions conditions) {
        return conditions.evaluate(status, CURRENT);
    }

    private static List<String> lines(String value) {
        return value == null ? List.of() : List.of(value);
    }

    private static Decision evaluate(Preconditions conditions) {
        return conditions.evaluate(200, CURRENT);
    }

    private static Preconditions ifMatch(String... lines) {
        return new Preconditions(List.of(lines), List.of(), List.of(), List.of(), List.of());
    }

    private static Preconditions ifNoneMatch(String... lines) {
        return new Preconditions(List.of(), List.of(lines), List.of(), List.of(), List.of());
    }

    private static Preconditions ifModifiedSince(String line) {
        return new Preconditions(List.of(), List.of(), List.of(line), List.of(), List.of());
    }

    private static Preconditions ifUnmodifiedSince(String line) {
        return new Preconditions(List.of(), List.of(), List.of(), List.of(line), List.of());
    }

    private static Preconditions ifRange(String line) {
        return new Preconditions(List.of(), List.of(), List.of(), List.of(), List.of(line));
    }
}
