package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    @Test
    void imfFixdateIsReadExactlyAsItsGrammarSays() {
        // IMF-fixdate is read without a regular expression (it is parsed on every miss); this compares it with the
        // grammar written as one, on dates mutated a character at a time (digits, letters of either case,
        // separators, and non-ASCII look-alikes that a case-insensitive String comparison would accept).
        Pattern grammar = Pattern.compile("(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug"
                + "|Sep|Oct|Nov|Dec) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT", Pattern.CASE_INSENSITIVE);
        String months = "janfebmaraprmayjunjulaugsepoctnovdec";
        String alphabet = "09:, -SsUuNnGgMmTtJjAaFfEeBb\u017f\u0130\u212a\u0661x";
        String[] seeds = {"Sun, 06 Nov 1994 08:49:37 GMT", "Mon, 29 Feb 2028 23:59:60 GMT", "thu, 31 dec 1970 00:00:00 gmt",
            "WED, 30 FEB 2026 12:00:00 GMT"};
        SplittableRandom random = new SplittableRandom(20261206);
        for (int n = 0; n < 50_000; n++) {
            char[] date = seeds[n % seeds.length].toCharArray();
            for (int k = random.nextInt(3); k >= 0; k--) {
                date[random.nextInt(date.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            String v = new String(date);
            Optional<Instant> expected = Optional.empty();
            Matcher m = grammar.matcher(v);
            if (m.matches()) {
                try {
                    int second = Integer.parseInt(m.group(6));
                    int month = months.indexOf(m.group(2).toLowerCase(java.util.Locale.ROOT)) / 3 + 1;
                    expected = Optional.of(LocalDateTime.of(Integer.parseInt(m.group(3)), month,
                            Integer.parseInt(m.group(1)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                            second == 60 ? 59 : second).toInstant(ZoneOffset.UTC).plusSeconds(second == 60 ? 1 : 0));
                } catch (DateTimeException e) {
                    expected = Optional.empty();
                }
            }
            assertThat(HttpDates.parse(v)).as(v).isEqualTo(expected);
        }
    }
}
