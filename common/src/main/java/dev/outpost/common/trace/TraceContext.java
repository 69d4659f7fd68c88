package dev.outpost.common.trace;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * This node's part of a W3C Trace Context (https://www.w3.org/TR/trace-context/): the trace it belongs to, the span
 * id it made for itself, the caller's span (its parent) when the request came with a valid {@code traceparent}, the
 * trace flags and the caller's {@code tracestate}. A node that receives a request continues the caller's trace when
 * its {@code traceparent} is valid, and starts a new one otherwise; it sends {@link #traceparent()} (its own span as
 * the parent) and {@link #traceState()} to the next hop.
 *
 * <p>Written here rather than taken from OpenTelemetry's {@code W3CTraceContextPropagator}: that needs the
 * OpenTelemetry API and context stack (a global tracer, span and context types) for what is two header parsers; we
 * record spans in access logs, not in a tracer.
 *
 * <p>Parsing is strict, as the spec asks: version {@code 00} is exactly {@code 00-<32 hex>-<16 hex>-<2 hex>} in
 * lower case; {@code ff} is invalid; a higher version is read for its first four fields, which must be followed by
 * the end or a {@code -}; an all-zero trace or parent id is invalid; two {@code traceparent} fields are invalid.
 * Of the caller's flags only the sampled bit is kept (the others are undefined for the version 00 we send).
 * A {@code tracestate} is only read when the {@code traceparent} was valid and is dropped whole when any member
 * breaks the grammar, a key repeats or there are more than 32 members.
 */
public record TraceContext(String traceId, String spanId, Optional<String> parentSpanId, String flags,
        Optional<String> traceState) {
    /** The flags of a trace this node starts: sampled, since every request it handles is written to its log. */
    static final String NEW_TRACE_FLAGS = "01";
    private static final int MAX_MEMBERS = 32;
    private static final Pattern SIMPLE_KEY = Pattern.compile("[a-z][a-z0-9_\\-*/]{0,255}");
    private static final Pattern TENANT_KEY =
            Pattern.compile("[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}");

    /** The caller's trace, as its {@code traceparent} names it. */
    public record Parent(String traceId, String parentId, String flags) {
    }

    // No check in the constructor: a context is made only by receive() and start() below, from ids parsed strictly
    // or drawn and hex-formatted here, so they are valid by construction; the check cost 2.6 % of an edge's CPU in a
    // profile (it ran on every request, hits included).

    /**
     * This node's context for a request that carried these {@code traceparent} and {@code tracestate} field lines:
     * the caller's trace when valid, a new one when absent or invalid; a new span id either way.
     */
    public static TraceContext receive(List<String> traceparent, List<String> tracestate) {
        Optional<Parent> parent = traceparent.size() == 1 ? parseTraceparent(traceparent.get(0)) : Optional.empty();
        if (parent.isEmpty()) {
            return start();
        }
        Parent p = parent.get();
        return new TraceContext(p.traceId(), newSpanId(), Optional.of(p.parentId()), p.flags(),
                parseTraceState(tracestate));
    }

    /** A new trace with this node's span as its root (a request without a usable caller's context). */
    public static TraceContext start() {
        return new TraceContext(newTraceId(), newSpanId(), Optional.empty(), NEW_TRACE_FLAGS, Optional.empty());
    }

    /** The {@code traceparent} value for the next hop: this trace, with this node's span as the parent. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    /** A {@code traceparent} value, when valid. */
    public static Optional<Parent> parseTraceparent(String value) {
        String v = value.strip(); // optional whitespace around a field value is not part of it (RFC 9110 §5.5)
        if (v.length() < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return Optional.empty();
        }
        String version = v.substring(0, 2);
        if (!isHex(version, 2) || version.equals("ff")) {
            return Optional.empty();
        }
        if (version.equals("00") ? v.length() != 55 : v.length() > 55 && v.charAt(55) != '-') {
            return Optional.empty();
        }
        String traceId = v.substring(3, 35);
        String parentId = v.substring(36, 52);
        String flags = v.substring(53, 55);
        if (!isHex(traceId, 32) || !isHex(parentId, 16) || !isHex(flags, 2) || allZero(traceId)
                || allZero(parentId)) {
            return Optional.empty();
        }
        // Only the sampled bit is defined for what we send (version 00, whose other flags must be sent as zero).
        String sent = (Integer.parseInt(flags, 16) & 1) == 1 ? "01" : "00";
        return Optional.of(new Parent(traceId, parentId, sent));
    }

    /** The {@code tracestate} field lines combined into one value, when every member is valid. */
    public static Optional<String> parseTraceState(List<String> lines) {
        List<String> members = new java.util.ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (String line : lines) {
            for (String raw : line.split(",", -1)) {
                String member = raw.strip();
                if (member.isEmpty()) {
                    continue; // empty list members are allowed and dropped
                }
                int eq = member.indexOf('=');
                if (eq < 1) {
                    return Optional.empty();
                }
                String key = member.substring(0, eq);
                String memberValue = member.substring(eq + 1);
                if (!(SIMPLE_KEY.matcher(key).matches() || TENANT_KEY.matcher(key).matches())
                        || !isStateValue(memberValue) || !keys.add(key)) {
                    return Optional.empty();
                }
                members.add(member);
            }
        }
        if (members.isEmpty() || members.size() > MAX_MEMBERS) {
            return Optional.empty();
        }
        return Optional.of(String.join(",", members));
    }

    /** 1-256 printable ASCII characters but {@code ,} and {@code =}, not ending in a space. */
    private static boolean isStateValue(String value) {
        if (value.isEmpty() || value.length() > 256 || value.charAt(value.length() - 1) == ' ') {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(String s, int length) {
        if (s == null || s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String hex) {
        for (int i = 0; i < hex.length(); i++) {
            if (hex.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    // Random ids (the spec's recommendation); ThreadLocalRandom: this runs on every request, hits included, and an
    // id is not a secret. Zero is the one invalid value and is drawn again.
    private static String newTraceId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong();
        long low = random.nextLong();
        while (high == 0 && low == 0) {
            low = random.nextLong();
        }
        return hex16(high) + hex16(low);
    }

    private static String newSpanId() {
        long id = ThreadLocalRandom.current().nextLong();
        while (id == 0) {
            id = ThreadLocalRandom.current().nextLong();
        }
        return hex16(id);
    }

    private static String hex16(long value) {
        return java.util.HexFormat.of().toHexDigits(value);
    }
}
