package dev.outpost.common.http;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP-date (RFC 9110 §5.6.7): formats IMF-fixdate and parses all three forms a recipient must accept
 * (IMF-fixdate, obsolete RFC 850 and asctime). Day and month names and {@code GMT} are matched in any case, as
 * recipients are allowed to be lenient and real origins do send {@code THU} or {@code gmt}; the layout itself
 * (commas, single spaces, two-digit fields) stays strict. Anything else is "no date", which callers treat as
 * invalid (an invalid Expires means already expired, an invalid If-Modified-Since is ignored).
 */
public final class HttpDates {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static final Pattern IMF = Pattern.compile(
            "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ([A-Za-z]{3}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern RFC_850 = Pattern.compile(
            "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-([A-Za-z]{3})-(\\d{2})"
                    + " (\\d{2}):(\\d{2}):(\\d{2}) GMT", Pattern.CASE_INSENSITIVE);
    private static final Pattern ASCTIME = Pattern.compile(
            "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Za-z]{3}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})",
            Pattern.CASE_INSENSITIVE);
    private static final String MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec";

    private HttpDates() {
    }

    /** Formats an instant as IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    public static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    /** Parses an HTTP-date in any of its three forms; empty when the value is not one. */
    public static Optional<Instant> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.trim();
        try {
            if (v.length() == IMF_LENGTH) {
                Optional<Instant> fixdate = imfFixdate(v);
                if (fixdate != null) {
                    return fixdate;
                }
            }
            Matcher m = IMF.matcher(v);
            if (m.matches()) {
                return of(Integer.parseInt(m.group(3)), m.group(2), m.group(1), m.group(4), m.group(5), m.group(6));
            }
            m = RFC_850.matcher(v);
            if (m.matches()) {
                return of(fullYear(Integer.parseInt(m.group(3))), m.group(2), m.group(1), m.group(4), m.group(5),
                        m.group(6));
            }
            m = ASCTIME.matcher(v);
            if (m.matches()) {
                return of(Integer.parseInt(m.group(6)), m.group(1), m.group(2).trim(), m.group(3), m.group(4),
                        m.group(5));
            }
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The length of every IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}). */
    private static final int IMF_LENGTH = 29;
    private static final String WEEKDAYS = "monwedfrisuntuethusat";

    /**
     * The common form read without a regular expression (an origin's Date, Last-Modified and Expires are parsed on
     * every miss): exactly what {@link #IMF} accepts, or null when {@code v} is not laid out as one, and the
     * patterns decide.
     */
    private static Optional<Instant> imfFixdate(String v) {
        if (v.charAt(3) != ',' || v.charAt(4) != ' ' || v.charAt(7) != ' ' || v.charAt(11) != ' '
                || v.charAt(16) != ' ' || v.charAt(19) != ':' || v.charAt(22) != ':' || v.charAt(25) != ' '
                || !asciiIgnoringCase(v, 26, "gmt", 0) || !isWeekday(v)) {
            return null;
        }
        int day = twoDigits(v, 5);
        int century = twoDigits(v, 12);
        int yearOfCentury = twoDigits(v, 14);
        int hour = twoDigits(v, 17);
        int minute = twoDigits(v, 20);
        int second = twoDigits(v, 23);
        if ((day | century | yearOfCentury | hour | minute | second) < 0) {
            return null;
        }
        return of(century * 100 + yearOfCentury, v.substring(8, 11), day, hour, minute, second);
    }

    private static boolean isWeekday(String v) {
        for (int i = 0; i < WEEKDAYS.length(); i += 3) {
            if (asciiIgnoringCase(v, 0, WEEKDAYS, i)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the three characters of {@code v} at {@code at} are the three lower-case letters of {@code lower} at
     * {@code from}, in any ASCII case (as the patterns match: {@link String#regionMatches(boolean, int, String, int,
     * int)} would also take non-ASCII look-alikes such as U+017F for "s").
     */
    private static boolean asciiIgnoringCase(String v, int at, String lower, int from) {
        for (int i = 0; i < 3; i++) {
            char c = v.charAt(at + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lower.charAt(from + i)) {
                return false;
            }
        }
        return true;
    }

    /** The two ASCII digits at {@code at} as a number, or -1. */
    private static int twoDigits(String v, int at) {
        char tens = v.charAt(at);
        char ones = v.charAt(at + 1);
        if (tens < '0' || tens > '9' || ones < '0' || ones > '9') {
            return -1;
        }
        return (tens - '0') * 10 + (ones - '0');
    }

    private static Optional<Instant> of(int year, String month, String day, String hour, String minute,
            String second) {
        return of(year, month, Integer.parseInt(day), Integer.parseInt(hour), Integer.parseInt(minute),
                Integer.parseInt(second));
    }

    private static Optional<Instant> of(int year, String month, int day, int hour, int minute, int sec) {
        int monthIndex = MONTHS.indexOf(month.toLowerCase(Locale.ROOT));
        if (monthIndex < 0 || monthIndex % 3 != 0) {
            return Optional.empty();
        }
        // A leap second (":60") is valid HTTP but not a LocalTime; it names the same instant as :59 + 1 s.
        int extra = sec == 60 ? 1 : 0;
        LocalDateTime time = LocalDateTime.of(
                LocalDate.of(year, monthIndex / 3 + 1, day), LocalTime.of(hour, minute, sec - extra));
        return Optional.of(time.toInstant(ZoneOffset.UTC).plusSeconds(extra));
    }

    /**
     * RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in the future is the most recent past
     * year with those digits.
     */
    private static int fullYear(int twoDigits) {
        int now = LocalDate.now(ZoneOffset.UTC).getYear();
        int year = now - now % 100 + twoDigits;
        return year > now + 50 ? year - 100 : year;
    }
}
