package dev.outpost.origin.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.HttpDates;
import dev.outpost.origin.content.Preconditions.Outcome;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreconditionsTest {
    private static final String ETAG = "\"abc\"";
    private static final Instant MODIFIED = Instant.parse("2026-01-10T12:00:00Z");
    private static final String AT_MODIFIED = HttpDates.format(MODIFIED);
    private static final String BEFORE = HttpDates.format(MODIFIED.minusSeconds(1));
    private static final String AFTER = HttpDates.format(MODIFIED.plusSeconds(1));

    @Test
    void noConditionsServe() {
        assertThat(Preconditions.NONE.evaluate(ETAG, MODIFIED)).isEqualTo(Outcome.SERVE);
    }

    @Test
    void ifNoneMatchWithTheCurrentTagIsNotModified() {
        assertThat(evaluate(ifNoneMatch("\"abc\""))).isEqualTo(Outcome.NOT_MODIFIED);
        assertThat(evaluate(ifNoneMatch("\"x\", \"abc\""))).isEqualTo(Outcome.NOT_MODIFIED);
        assertThat(evaluate(ifNoneMatch("\"x\"", "\"abc\""))).isEqualTo(Outcome.NOT_MODIFIED);
        assertThat(evaluate(ifNoneMatch("*"))).isEqualTo(Outcome.NOT_MODIFIED);
    }

    @Test
    void ifNoneMatchComparesWeakly() {
        assertThat(evaluate(ifNoneMatch("W/\"abc\""))).isEqualTo(Outcome.NOT_MODIFIED);
    }

    @Test
    void ifNoneMatchWithOtherTagsServes() {
        assertThat(evaluate(ifNoneMatch("\"abd\", W/\"x\""))).isEqualTo(Outcome.SERVE);
        assertThat(evaluate(ifNoneMatch("abc"))).as("unquoted: not an entity-tag").isEqualTo(Outcome.SERVE);
    }

    @Test
    void aCommaInsideAnEntityTagDoesNotSplitIt() {
        assertThat(evaluate(ifNoneMatch("\"a,\"abc\"\""))).as("malformed list matches nothing")
                .isEqualTo(Outcome.SERVE);
        assertThat(new Preconditions(List.of(), List.of("\"a,b\""), List.of(), List.of(), List.of())
                .evaluate("\"a,b\"", MODIFIED)).isEqualTo(Outcome.NOT_MODIFIED);
    }

    @Test
    void ifModifiedSinceNotAfterLastModifiedIsNotModified() {
        assertThat(evaluate(ifModifiedSince(AT_MODIFIED))).isEqualTo(Outcome.NOT_MODIFIED);
        assertThat(evaluate(ifModifiedSince(AFTER))).isEqualTo(Outcome.NOT_MODIFIED);
        assertThat(evaluate(ifModifiedSince(BEFORE))).isEqualTo(Outcome.SERVE);
    }

    @Test
    void ifModifiedSinceIsIgnoredWhenInvalidOrRepeated() {
        assertThat(evaluate(ifModifiedSince("yesterday"))).isEqualTo(Outcome.SERVE);
        assertThat(evaluate(new Preconditions(List.of(), List.of(), List.of(AFTER, AFTER), List.of(), List.of())))
                .isEqualTo(Outcome.SERVE);
    }

    @Test
    void ifNoneMatchTakesPrecedenceOverIfModifiedSince() {
        Preconditions changedTagButOldDate = new Preconditions(List.of(), List.of("\"old\""), List.of(AFTER),
                List.of(), List.of());
        assertThat(evaluate(changedTagButOldDate)).isEqualTo(Outcome.SERVE);
    }

    @Test
    void ifMatchComparesStrongly() {
        assertThat(evaluate(ifMatch("\"abc\""))).isEqualTo(Outcome.SERVE);
        assertThat(evaluate(ifMatch("\"x\", \"abc\""))).isEqualTo(Outcome.SERVE);
        assertThat(evaluate(ifMatch("*"))).isEqualTo(Outcome.SERVE);
        assertThat(evaluate(ifMatch("W/\"abc\""))).isEqualTo(Outcome.PRECONDITION_FAILED);
        assertThat(evaluate(ifMatch("\"other\""))).isEqualTo(Outcome.PRECONDITION_FAILED);
        assertThat(evaluate(ifMatch("garbage"))).isEqualTo(Outcome.PRECONDITION_FAILED);
    }

    @Test
    void ifUnmodifiedSinceFailsOnlyWhenModifiedAfterIt() {
        assertThat(evaluate(ifUnmodifiedSince(BEFORE))).isEqualTo(Outcome.PRECONDITION_FAILED);
        assertThat(evaluate(ifUnmodifiedSince(AT_MODIFIED))).isEqualTo(Outcome.SERVE);
        assertThat(evaluate(ifUnmodifiedSince("not a date"))).isEqualTo(Outcome.SERVE);
    }

    @Test
    void ifMatchTakesPrecedenceOverIfUnmodifiedSince() {
        Preconditions matchingTagButOldDate = new Preconditions(List.of(ETAG), List.of(), List.of(),
                List.of(BEFORE), List.of());
        assertThat(evaluate(matchingTagButOldDate)).isEqualTo(Outcome.SERVE);
    }

    @Test
    void aFailedIfMatchWinsOverAMatchingIfNoneMatch() {
        Preconditions both = new Preconditions(List.of("\"other\""), List.of(ETAG), List.of(), List.of(), List.of());
        assertThat(evaluate(both)).isEqualTo(Outcome.PRECONDITION_FAILED);
    }

    @Test
    void rangeIsAllowedWithoutIfRange() {
        assertThat(Preconditions.NONE.rangeAllowed(ETAG, MODIFIED)).isTrue();
    }

    @Test
    void ifRangeWithTheCurrentStrongTagAllowsTheRange() {
        assertThat(ifRange(ETAG).rangeAllowed(ETAG, MODIFIED)).isTrue();
        assertThat(ifRange("\"old\"").rangeAllowed(ETAG, MODIFIED)).isFalse();
        assertThat(ifRange("W/\"abc\"").rangeAllowed(ETAG, MODIFIED)).as("weak tags never match").isFalse();
    }

    @Test
    void ifRangeWithADateNeedsAnExactMatch() {
        assertThat(ifRange(AT_MODIFIED).rangeAllowed(ETAG, MODIFIED)).isTrue();
        assertThat(ifRange(AFTER).rangeAllowed(ETAG, MODIFIED)).isFalse();
        assertThat(ifRange(BEFORE).rangeAllowed(ETAG, MODIFIED)).isFalse();
        assertThat(ifRange("garbage").rangeAllowed(ETAG, MODIFIED)).isFalse();
    }

    private static Outcome evaluate(Preconditions conditions) {
        return conditions.evaluate(ETAG, MODIFIED);
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
