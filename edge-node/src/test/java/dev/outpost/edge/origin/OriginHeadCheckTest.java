package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.cache.Fields;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

/**
 * The check that keeps oversized or malformed origin response heads from being relayed or stored. (Malformed
 * names come only from OkHttp's lenient reader; SafeDefaultsIT sends them from a real origin.)
 */
class OriginHeadCheckTest {
    private static Headers withValue(String value) {
        return new Headers.Builder().add("Cache-Control", "max-age=60").addUnsafeNonAscii("X-A", value).build();
    }

    @Test
    void anOrdinaryHeadPasses() {
        assertThat(BadAnswers.badHead(withValue("a\tb c"), 1024)).isNull();
    }

    @Test
    void aHeadLargerThanTheLimitIsRefused() {
        assertThat(BadAnswers.badHead(withValue("a".repeat(2000)), 1024)).contains("exceeds 1024");
    }

    @Test
    void controlCharactersInValuesAreRefused() {
        for (String value : new String[] {"a\u0000b", "a\rb", "a\nb", "a\u0001b", "a\u007fb"}) {
            assertThat(BadAnswers.badHead(withValue(value), 1024)).as(value).contains("control character");
        }
    }

    /** The IO thread's client checks the head it parsed into {@link Fields} by the same rules, line by line. */
    @Test
    void theIoThreadsHeadIsCheckedByTheSameRules() {
        Fields ordinary = Fields.of("Cache-Control", "max-age=60", "Via", "1.1 a", "via", "1.1 b", "X-A", "a\tb c");
        assertThat(BadAnswers.badHead(ordinary, 1024)).isNull();
        // every line counts towards the size, repeated names too: 2 x (3 + 500 + 4) > 1000
        assertThat(BadAnswers.badHead(Fields.of("Via", "a".repeat(500), "via", "b".repeat(500)), 1000))
                .contains("header section of 1014 bytes exceeds 1000");
        assertThat(BadAnswers.badHead(Fields.of("X-A", "ok", "x-a", "a\rb"), 1024))
                .isEqualTo("control character in header x-a");
        assertThat(BadAnswers.badHead(Fields.of("X A", "v"), 1024)).isEqualTo("malformed header name 'x?a'");
    }

    /**
     * What OkHttp throws when a head's bytes came but could not be read (over its 256 KiB, or cut off) is told from
     * a connection that closed before answering, as Okio words them (checked against OkHttp 5 in BadOriginHeadIT).
     */
    @Test
    void anUnreadableHeadIsToldFromAnOriginThatNeverAnswered() {
        java.io.IOException tooLarge = new java.io.IOException("unexpected end of stream on http://o/...",
                new java.io.EOFException("\\n not found: limit=585 content=582d46696c6c6572…"));
        java.io.IOException nothing = new java.io.IOException("unexpected end of stream on http://o/...",
                new java.io.EOFException("\\n not found: limit=0 content=…"));
        assertThat(BadAnswers.unreadableHead(tooLarge)).isTrue();
        assertThat(BadAnswers.unreadableHead(nothing)).isFalse();
        assertThat(BadAnswers.unreadableHead(new java.net.SocketException("Connection reset"))).isFalse();
    }
}
