package dev.outpost.common.json;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;

/**
 * Reads durations in config files the way operators write them: {@code 500ms}, {@code 10s}, {@code 5m},
 * {@code 2h}, {@code 1d}, and ISO-8601 ({@code PT10S}) too. A bare number is rejected, since its unit would be a
 * guess.
 */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private Durations() {
    }

    /** Parses {@code 10s}-style or ISO-8601 text; IllegalArgumentException naming the value otherwise. */
    public static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SHORT.matcher(value);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 500ms, 10s, 5m, 2h, "
                    + "1d or ISO-8601 PT10S");
        }
    }

    /** Formats the way {@link #parse} reads, in the largest whole unit: {@code 90s}, {@code 5m}, {@code 250ms}. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 86_400_000 == 0 && millis != 0) {
            return millis / 86_400_000 + "d";
        } else if (millis % 3_600_000 == 0 && millis != 0) {
            return millis / 3_600_000 + "h";
        } else if (millis % 60_000 == 0 && millis != 0) {
            return millis / 60_000 + "m";
        } else if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }

    static final class Deserializer extends ValueDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser parser, DeserializationContext context) {
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                return (Duration) context.handleUnexpectedToken(Duration.class, parser);
            }
            try {
                return parse(parser.getString());
            } catch (IllegalArgumentException e) {
                return (Duration) context.handleWeirdStringValue(Duration.class, parser.getString(), e.getMessage());
            }
        }
    }
}
