package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.http.ranges.ByteRange;
import dev.outpost.common.http.ranges.RangeDecision;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionalsTest {
    private final Instant t0 = Instant.parse("2026-01-10T12:00:00Z");
    private final CachedObject entry = TestObjects.stored(t0, "Cache-Control", "max-age=60", "ETag", "\"v1\"",
            "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT");

    @Test
    void ifNoneMatchMatchesWeaklyAndStar() {
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "W/\"v1\""), entry)).isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "\"x\", \"v1\""), entry)).isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "*"), entry)).isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "\"v2\""), entry)).isFalse();
    }

    @Test
    void ifModifiedSinceIsIgnoredWhenIfNoneMatchIsPresent() {
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "\"v2\"",
                "If-Modified-Since", "Sat, 10 Jan 2026 11:00:00 GMT"), entry)).isFalse();
    }

    @Test
    void ifModifiedSinceComparesWithTheStoredDateWhenThereIsNoLastModified() {
        CachedObject dated = TestObjects.stored(t0, "Cache-Control", "max-age=60", "Date",
                "Sat, 10 Jan 2026 11:00:00 GMT");
        assertThat(Conditionals.notModified(Fields.of("If-Modified-Since", "Sat, 10 Jan 2026 11:00:00 GMT"), dated))
                .isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-Modified-Since", "Sat, 10 Jan 2026 10:59:59 GMT"), dated))
                .isFalse();
        CachedObject undated = TestObjects.stored(t0, "Cache-Control", "max-age=60");
        assertThat(Conditionals.notModified(Fields.of("If-Modified-Since", "Sat, 10 Jan 2026 12:00:00 GMT"),
                undated)).isTrue(); // when it was received
    }

    @Test
    void ifModifiedSinceComparesWithLastModified() {
        assertThat(Conditionals.notModified(Fields.of("If-Modified-Since", "Sat, 10 Jan 2026 10:00:00 GMT"), entry))
                .isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-Modified-Since", "Sat, 10 Jan 2026 09:59:59 GMT"), entry))
                .isFalse();
    }

    @Test
    void ifRangeNeedsTheExactStrongValidator() {
        assertThat(Conditionals.ifRangeAllows(Fields.of("If-Range", "\"v1\""), entry)).isTrue();
        assertThat(Conditionals.ifRangeAllows(Fields.of("If-Range", "\"v0\""), entry)).isFalse();
        assertThat(Conditionals.ifRangeAllows(Fields.empty(), entry)).isTrue();
    }

    @Test
    void aCacheDoesNotEvaluateIfMatchOrIfUnmodifiedSince() {
        // RFC 9111 §4.3.2: they are not applicable to a cache, so a stored answer is served as if they were absent.
        assertThat(Conditionals.notModified(Fields.of("If-Match", "\"other\"", "If-None-Match", "\"v1\""), entry))
                .isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-Unmodified-Since", "Sat, 10 Jan 2026 09:00:00 GMT"),
                entry)).isFalse();
    }

    @Test
    void aStarMatchesAStoredObjectWithoutAnEtag() {
        CachedObject untagged = TestObjects.stored(t0, "Cache-Control", "max-age=60");
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "*"), untagged)).isTrue();
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "\"v1\""), untagged)).isFalse();
    }

    @Test
    void aStoredAnswerThatIsNot2xxIsNeverNotModified() {
        CachedObject missing = TestObjects.stored("http://h/gone", 404, "no", t0, "Cache-Control", "max-age=60",
                "ETag", "\"v1\"");
        assertThat(Conditionals.notModified(Fields.of("If-None-Match", "\"v1\""), missing)).isFalse();
    }

    @Test
    void aRepeatedOrInvalidIfModifiedSinceIsIgnored() {
        Fields twice = Fields.builder().add("If-Modified-Since", "Sat, 10 Jan 2026 11:00:00 GMT")
                .add("If-Modified-Since", "Sat, 10 Jan 2026 11:00:00 GMT").build();
        assertThat(Conditionals.notModified(twice, entry)).isFalse();
        assertThat(Conditionals.notModified(Fields.of("If-Modified-Since", "yesterday"), entry)).isFalse();
    }

    @Test
    void ifRangeWithADateNeedsAStoredLastModifiedAtLeastASecondBeforeItsDate() {
        CachedObject dated = TestObjects.stored(t0, "Cache-Control", "max-age=60", "Date",
                "Sat, 10 Jan 2026 12:00:00 GMT", "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT");
        assertThat(Conditionals.ifRangeAllows(Fields.of("If-Range", "Sat, 10 Jan 2026 10:00:00 GMT"), dated))
                .isTrue();
        CachedObject sameSecond = TestObjects.stored(t0, "Cache-Control", "max-age=60", "Date",
                "Sat, 10 Jan 2026 10:00:00 GMT", "Last-Modified", "Sat, 10 Jan 2026 10:00:00 GMT");
        assertThat(Conditionals.ifRangeAllows(Fields.of("If-Range", "Sat, 10 Jan 2026 10:00:00 GMT"), sameSecond))
                .as("it may have changed again within that second").isFalse();
        assertThat(Conditionals.ifRangeAllows(Fields.builder().add("If-Range", "\"v1\"").add("If-Range", "\"v1\"")
                .build(), entry)).as("repeated").isFalse();
    }

    @Test
    void rangesFollowTheCommonPolicyOnTheStoredBody() {
        assertThat(Conditionals.ranges("GET", Fields.of("Range", "bytes=0-1,1-2"), entry, 4, 16))
                .isEqualTo(new RangeDecision.Partial(List.of(new ByteRange(0, 2))));
        assertThat(Conditionals.ranges("HEAD", Fields.of("Range", "bytes=0-1"), entry, 4, 16))
                .isEqualTo(new RangeDecision.Ignored(RangeDecision.Reason.NOT_GET));
        assertThat(Conditionals.ranges("GET", Fields.of("Range", "bytes=0-0,2-2"), entry, 4, 1))
                .isEqualTo(new RangeDecision.Ignored(RangeDecision.Reason.TOO_MANY_PARTS));
    }
}
