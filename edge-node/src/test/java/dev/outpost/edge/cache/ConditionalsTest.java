package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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
}
