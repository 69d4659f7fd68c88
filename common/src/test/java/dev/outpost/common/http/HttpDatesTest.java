package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
    private static final Instant RFC_EXAMPLE = Instant.parse("1994-11-06T08:49:37Z");

    @Test
    void formatsImfFixdate() {
        assertThat(HttpDates.format(RFC_EXAMPLE)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(HttpDates.format(Instant.parse("2026-01-02T03:04:05Z"))).isEqualTo("Fri, 02 Jan 2026 03:04:05 GMT");
    }

    @Test
    void parsesAllThreeFormsOfTheSameInstant() {
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).contains(RFC_EXAMPLE);
        assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).contains(RFC_EXAMPLE);
        assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).contains(RFC_EXAMPLE);
    }

    @Test
    void dayAndMonthNamesAndGmtAreReadInAnyCase() {
        Instant expected = Instant.parse("2050-08-18T02:01:18Z");
        for (String date : new String[] {"THU, 18 Aug 2050 02:01:18 GMT", "Thu, 18 AUG 2050 02:01:18 GMT",
                "Thu, 18 Aug 2050 02:01:18 gMT", "thursday, 18-aug-50 02:01:18 gmt", "thu AUG 18 02:01:18 2050"}) {
            assertThat(HttpDates.parse(date)).as(date).contains(expected);
        }
    }

    @Test
    void theLayoutStaysStrict() {
        for (String date : new String[] {"Thu, 18 Aug 2050 02:01:18 UTC", "Thu 18 Aug 2050 02:01:18 GMT",
                "Thu, 18  Aug  2050 02:01:18 GMT", "Thu, 18 Aug 2050 2:01:18 GMT", "Thu, 18 Aug 50 02:01:18 GMT"}) {
            assertThat(HttpDates.parse(date)).as(date).isEmpty();
        }
    }

    @Test
    void roundTripsFormattedDates() {
        Instant t = Instant.parse("2031-07-15T23:59:59Z");
        assertThat(HttpDates.parse(HttpDates.format(t))).contains(t);
    }

    @Test
    void rfc850YearsMoreThanFiftyYearsAheadAreInThePast() {
        // Two-digit years: 94 can only be 1994 today; 30 is in the near future, so 2030.
        assertThat(HttpDates.parse("Wednesday, 06-Nov-30 08:49:37 GMT")).contains(Instant.parse("2030-11-06T08:49:37Z"));
    }

    @Test
    void toleratesSurroundingWhitespace() {
        assertThat(HttpDates.parse("  Sun, 06 Nov 1994 08:49:37 GMT ")).contains(RFC_EXAMPLE);
    }

    @Test
    void rejectsWhatIsNotAnHttpDate() {
        assertThat(HttpDates.parse("0")).isEmpty();
        assertThat(HttpDates.parse("-1")).isEmpty();
        assertThat(HttpDates.parse("")).isEmpty();
        assertThat(HttpDates.parse(null)).isEmpty();
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 UTC")).isEmpty();
        assertThat(HttpDates.parse("Sun, 06 Foo 1994 08:49:37 GMT")).isEmpty();
        assertThat(HttpDates.parse("Sun, 32 Nov 1994 08:49:37 GMT")).isEmpty();
        assertThat(HttpDates.parse("Sun, 06 Nov 1994 25:49:37 GMT")).isEmpty();
        assertThat(HttpDates.parse("1994-11-06T08:49:37Z")).isEmpty();
    }
}
