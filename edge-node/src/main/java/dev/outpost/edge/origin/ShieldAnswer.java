package dev.outpost.edge.origin;

import dev.outpost.edge.cache.CacheStatus;
import dev.outpost.edge.cache.Fields;
import java.util.Optional;
import java.util.Set;
import org.greenbytes.http.sfv.BooleanItem;
import org.greenbytes.http.sfv.IntegerItem;
import org.greenbytes.http.sfv.Item;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.StringItem;
import org.greenbytes.http.sfv.TokenItem;

/**
 * Whose failure a shield's 5xx is, read from the shield's own {@code Cache-Status} entry (RFC 9211), the last
 * member of the field since the shield appends it after its upstream's; pure. {@link Upstream} passes the shield
 * over only for the shield's own failures, never for the origin's answer (docs/caching-tiers.md, "Fallback"):
 * <ul>
 *   <li>{@link #ORIGIN_ERROR}: the entry is a {@code hit} (a 5xx the shield stored), or its {@code fwd-status}
 *       equals the response's status (the shield went forward and relays what the origin said, its own stale
 *       copy answered a revalidation's 5xx the same way), or its {@code detail} is {@code body-mismatch} (the
 *       origin answered with a body that disagrees with its headers, which it would send this edge too);</li>
 *   <li>{@link #ORIGIN_UNREACHABLE}: the shield got no answer from the origin, its {@code detail} one of
 *       {@code origin-unreachable} (502), {@code origin-timeout} (504), {@code origin-down} (503, its circuit
 *       breaker open), {@code origin-busy} (503, its origin requests at their cap, which a slow origin fills) and
 *       {@code collapse-timeout} (504, the fetch it waited for never came back), each the shield's JSON error of
 *       the same name with {@code _};</li>
 *   <li>{@link #SHIELD_ERROR}: anything else, the shield's own refusal: no shield entry at all (503
 *       {@code shutting_down}, 500 {@code internal_error} and 508 {@code loop_detected} come from the
 *       error-mapping handler, which writes none; a 5xx of a proxy in front of the shield has none either), or
 *       another detail ({@code collapse-overflow}: too many requests already wait there for the URL;
 *       {@code leader-failed}).</li>
 * </ul>
 * Below 500 it is {@link #ANSWERED} whatever the entry says. An entry that does not parse as a Structured Field
 * item names no shield.
 */
enum ShieldAnswer {
    /** Below 500: the answer. */
    ANSWERED,
    /** A 5xx that is the origin's answer, relayed (or stored) by the shield. */
    ORIGIN_ERROR,
    /** A 5xx the shield made because it got no answer from the origin. */
    ORIGIN_UNREACHABLE,
    /** A 5xx the shield made for its own reasons, or one that is not a shield's at all. */
    SHIELD_ERROR;

    /** The shield's details (Answer's) that say it got no answer from the origin. */
    private static final Set<String> NO_ORIGIN_ANSWER = Set.of(CacheStatus.Detail.ORIGIN_UNREACHABLE,
            CacheStatus.Detail.ORIGIN_TIMEOUT, CacheStatus.Detail.ORIGIN_DOWN, CacheStatus.Detail.ORIGIN_BUSY,
            CacheStatus.Detail.COLLAPSE_TIMEOUT);
    /** The shield's details that say the origin answered, with something the shield refused to pass on. */
    private static final Set<String> ORIGIN_ANSWERED = Set.of(CacheStatus.Detail.BODY_MISMATCH);

    /** What a shield's response with {@code status} and {@code headers} is. */
    static ShieldAnswer of(int status, Fields headers) {
        if (status < 500) {
            return ANSWERED;
        }
        Optional<Item<?>> entry = shieldEntry(headers.joined("cache-status"));
        if (entry.isEmpty()) {
            return SHIELD_ERROR;
        }
        var params = entry.get().getParams();
        Optional<String> detail = Optional.ofNullable(params.get("detail")).flatMap(ShieldAnswer::text);
        boolean hit = params.get("hit") instanceof BooleanItem b && b.get();
        boolean relayed = params.get("fwd-status") instanceof IntegerItem fwdStatus && fwdStatus.getAsLong() == status;
        if (hit || relayed || detail.filter(ORIGIN_ANSWERED::contains).isPresent()) {
            return ORIGIN_ERROR;
        }
        return detail.filter(NO_ORIGIN_ANSWER::contains).isPresent() ? ORIGIN_UNREACHABLE : SHIELD_ERROR;
    }

    /** The last member of the {@code Cache-Status} value, when it is a shield's entry. */
    static Optional<Item<?>> shieldEntry(Optional<String> cacheStatus) {
        if (cacheStatus.isEmpty()) {
            return Optional.empty();
        }
        String value = cacheStatus.get();
        String last = value.substring(lastMemberStart(value)).strip();
        Item<?> item;
        try {
            // Only the last member is parsed: an unparsable entry of a cache nearer the origin says nothing
            // about the shield.
            item = Parser.parseItem(last);
        } catch (IllegalArgumentException notAnItem) { // the library's ParseException
            return Optional.empty();
        }
        return item instanceof TokenItem name && name.get().equals(CacheStatus.SHIELD_NAME)
                ? Optional.of(item) : Optional.empty();
    }

    /** Where the last list member starts: after the last comma outside a quoted string. */
    private static int lastMemberStart(String value) {
        int start = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted && c == '\\') {
                i++; // an escaped character inside a string
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                start = i + 1;
            }
        }
        return start;
    }

    private static Optional<String> text(Item<?> item) {
        return switch (item) {
            case TokenItem token -> Optional.of(token.get());
            case StringItem string -> Optional.of(string.get());
            default -> Optional.empty();
        };
    }
}
