package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.Headers;

/**
 * Origin answers the edge cannot use although the origin did answer: a head that is malformed or larger than
 * {@code limits.maxOriginHeaderBytes} ({@link #badHead}, for both origin clients), or than a client can read at all
 * ({@link #unreadableHead}; the IO thread's client hands such an answer to the blocking one, which reads up to
 * 256 KiB). Each is a 502 for its request and never stored, and none counts against the origin's circuit: one
 * broken URL (a page that sets 100 KB of cookies) must not take every other URL of its origin down with it, which
 * is what counting them did (five such answers opened the circuit, and the whole origin was answered 503). nginx
 * does not count {@code invalid_header} either. The operator learns of them here: a warning at most once a minute,
 * with how many there were.
 */
final class BadAnswers {
    private static final Logger LOG = System.getLogger(OriginClient.class.getName());
    private static final long WARNING_INTERVAL_NANOS = 60_000_000_000L;
    /** How Okio's strict line reader begins the message of a line it could not find the end of. */
    private static final String LINE_NOT_FOUND = "\\n not found: limit=";

    private final AtomicLong lastWarning = new AtomicLong();
    private final LongAdder unreported = new LongAdder();

    /** Counts one, and warns when the last warning is a minute old. */
    void report(URI origin, String why) {
        unreported.increment();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if ((last == 0 || now - last >= WARNING_INTERVAL_NANOS) && lastWarning.compareAndSet(last, now)) {
            long count = unreported.sumThenReset();
            LOG.log(Level.WARNING, "origin " + origin + " sent an answer this edge cannot use: " + why + " (" + count
                    + (count == 1 ? " such answer" : " such answers") + " since the last warning; each answered"
                    + " 502 and not stored, none held against the origin's circuit)");
        }
    }

    /**
     * Whether OkHttp failed to read a response head of which some bytes had come: past its own 256 KiB limit, or
     * cut off. Okio's line reader then says {@code \n not found: limit=N content=...}, N being the bytes it held (0
     * when nothing came: a connection closed before answering, which is an origin failure). The IO thread's client
     * tells the same from the bytes it saw ({@link IoRawSource#answerStarted}).
     */
    static boolean unreadableHead(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (t instanceof EOFException && message != null && message.startsWith(LINE_NOT_FOUND)) {
                int end = message.indexOf(' ', LINE_NOT_FOUND.length());
                String held = message.substring(LINE_NOT_FOUND.length(), end < 0 ? message.length() : end);
                return !held.equals("0") && !held.isEmpty() && held.chars().allMatch(Character::isDigit);
            }
        }
        return false;
    }

    /** Why a response head must not be used, or null when it is fine. */
    static String badHead(Headers headers, int maxBytes) {
        long size = 0;
        for (int i = 0; i < headers.size(); i++) {
            String bad = badLine(headers.name(i), headers.value(i));
            if (bad != null) {
                return bad;
            }
            size += headers.name(i).length() + headers.value(i).length() + 4;
        }
        return tooLarge(size, maxBytes);
    }

    /**
     * As {@link #badHead(Headers, int)}, for a head another client parsed (the IO thread's, {@link IoOrigin}). Plain
     * loops over the head's lines, no lists or streams: it runs on every origin answer (1.6 % of a disk-tier edge's
     * CPU as streams).
     */
    static String badHead(Fields headers, int maxBytes) {
        long size = 0;
        for (int i = 0, names = headers.nameCount(); i < names; i++) {
            String name = headers.nameAt(i);
            for (int j = 0, lines = headers.lineCount(i); j < lines; j++) {
                String value = headers.lineAt(i, j);
                String bad = badLine(name, value);
                if (bad != null) {
                    return bad;
                }
                size += name.length() + value.length() + 4;
            }
        }
        return tooLarge(size, maxBytes);
    }

    /** What is wrong with one header line, or null. */
    private static String badLine(String name, String value) {
        if (name.isEmpty()) {
            return "malformed header name ''";
        }
        for (int k = 0; k < name.length(); k++) {
            if (!isTokenChar(name.charAt(k))) {
                return "malformed header name '" + name.replaceAll("[^\\x21-\\x7e]", "?") + "'";
            }
        }
        for (int k = 0; k < value.length(); k++) {
            char c = value.charAt(k);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return "control character in header " + name;
            }
        }
        return null;
    }

    private static String tooLarge(long size, int maxBytes) {
        return size > maxBytes ? "header section of " + size + " bytes exceeds " + maxBytes : null;
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
