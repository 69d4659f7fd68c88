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

    private static Optional<Instant> of(int year, String month, String day, String hour, String minute,
            String second) {
        int monthIndex = MONTHS.indexOf(month.toLowerCase(Locale.ROOT));
        if (monthIndex < 0 || monthIndex % 3 != 0) {
            return Optional.empty();
        }
        int sec = Integer.parseInt(second);
        // A leap second (":60") is valid HTTP but not a LocalTime; it names the same instant as :59 + 1 s.
        int extra = sec == 60 ? 1 : 0;
        LocalDateTime time = LocalDateTime.of(
                LocalDate.of(year, monthIndex / 3 + 1, Integer.parseInt(day)),
                LocalTime.of(Integer.parseInt(hour), Integer.parseInt(minute), sec - extra));
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
