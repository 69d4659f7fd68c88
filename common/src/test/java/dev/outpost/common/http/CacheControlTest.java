package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CacheControlTest {
    @Test
    void parsesDirectivesWithAndWithoutValues() {
        CacheControl cc = CacheControl.parse("public, max-age=60, s-maxage=120, immutable");
        assertThat(cc.isPublic()).isTrue();
        assertThat(cc.immutable()).isTrue();
        assertThat(cc.maxAge()).hasValue(60);
        assertThat(cc.sMaxAge()).hasValue(120);
        assertThat(cc.noStore()).isFalse();
        assertThat(cc.staleIfError()).isEmpty();
    }

    @Test
    void namesAreCaseInsensitiveAndWhitespaceIsTolerated() {
        CacheControl cc = CacheControl.parse("  Max-Age = 30 ,\tNO-STORE,,, ");
        assertThat(cc.maxAge()).hasValue(30);
        assertThat(cc.noStore()).isTrue();
    }

    @Test
    void quotedValuesAreUnquotedAndMayHoldCommas() {
        CacheControl cc = CacheControl.parse("no-cache=\"Set-Cookie, X-Secret\", max-age=\"90\", private=\"a\\\"b\"");
        assertThat(cc.fieldNames("no-cache")).containsExactly("set-cookie", "x-secret");
        assertThat(cc.noCache()).as("qualified no-cache is not the unqualified kind").isFalse();
        assertThat(cc.maxAge()).hasValue(90);
        assertThat(cc.value("private")).contains("a\"b");
    }

    @Test
    void severalFieldLinesFormOneList() {
        CacheControl cc = CacheControl.parse(List.of("max-age=10", "stale-while-revalidate=30, stale-if-error=600"));
        assertThat(cc.maxAge()).hasValue(10);
        assertThat(cc.staleWhileRevalidate()).hasValue(30);
        assertThat(cc.staleIfError()).hasValue(600);
    }

    @Test
    void firstOccurrenceWinsButConflictingFreshnessMeansStale() {
        assertThat(CacheControl.parse("max-age=10, max-age=10").maxAge()).hasValue(10);
        assertThat(CacheControl.parse("max-age=10, max-age=20").maxAge())
                .as("RFC 9111 4.2.1: conflicting duplicates → treat as stale").hasValue(0);
        assertThat(CacheControl.parse("public, public").isPublic()).isTrue();
    }

    @Test
    void invalidDeltaSecondsMeansStale() {
        assertThat(CacheControl.parse("max-age=abc").maxAge()).hasValue(0);
        assertThat(CacheControl.parse("max-age=-5").maxAge()).hasValue(0);
        assertThat(CacheControl.parse("max-age").maxAge()).hasValue(0);
        assertThat(CacheControl.parse("max-age=").maxAge()).hasValue(0);
        assertThat(CacheControl.parse("max-age=1.5").maxAge()).hasValue(0);
    }

    @Test
    void hugeDeltaSecondsIsCappedAtTwoToTheThirtyFirst() {
        assertThat(CacheControl.parse("max-age=99999999999999999999999").maxAge())
                .hasValue(CacheControl.MAX_DELTA_SECONDS);
    }

    @Test
    void garbageElementsAreSkippedWithoutLosingTheRest() {
        CacheControl cc = CacheControl.parse("max-age=60, @@@, =5, public garbage, no-store");
        assertThat(cc.maxAge()).hasValue(60);
        assertThat(cc.noStore()).isTrue();
        assertThat(cc.names()).containsExactly("max-age", "no-store");
    }

    @Test
    void unterminatedQuoteTakesTheRestAsValue() {
        CacheControl cc = CacheControl.parse("private=\"set-cookie");
        assertThat(cc.isPrivate()).isTrue();
        assertThat(cc.fieldNames("private")).containsExactly("set-cookie");
    }

    @Test
    void emptyAndNullFieldsHaveNoDirectives() {
        assertThat(CacheControl.parse("").isEmpty()).isTrue();
        assertThat(CacheControl.parse((String) null).isEmpty()).isTrue();
        assertThat(CacheControl.parse(" , ,").isEmpty()).isTrue();
    }

    @Test
    void writesCanonicalForm() {
        assertThat(CacheControl.parse("Public,MAX-AGE=60, no-cache=\"a, b\"").toString())
                .isEqualTo("public, max-age=60, no-cache=\"a, b\"");
    }

    @Test
    void unqualifiedNoCacheAndFlagsAreReported() {
        CacheControl cc = CacheControl.parse("no-cache, must-revalidate, proxy-revalidate, no-transform, private");
        assertThat(cc.noCache()).isTrue();
        assertThat(cc.mustRevalidate()).isTrue();
        assertThat(cc.proxyRevalidate()).isTrue();
        assertThat(cc.noTransform()).isTrue();
        assertThat(cc.isPrivate()).isTrue();
        assertThat(cc.fieldNames("private")).isEmpty();
    }
}
