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
        assertThat(OriginClient.badHead(withValue("a\tb c"), 1024)).isNull();
    }

    @Test
    void aHeadLargerThanTheLimitIsRefused() {
        assertThat(OriginClient.badHead(withValue("a".repeat(2000)), 1024)).contains("exceeds 1024");
    }

    @Test
    void controlCharactersInValuesAreRefused() {
        for (String value : new String[] {"a\u0000b", "a\rb", "a\nb", "a\u0001b", "a\u007fb"}) {
            assertThat(OriginClient.badHead(withValue(value), 1024)).as(value).contains("control character");
        }
    }

    /** The IO thread's client checks the head it parsed into {@link Fields} by the same rules, line by line. */
    @Test
    void theIoThreadsHeadIsCheckedByTheSameRules() {
        Fields ordinary = Fields.of("Cache-Control", "max-age=60", "Via", "1.1 a", "via", "1.1 b", "X-A", "a\tb c");
        assertThat(OriginClient.badHead(ordinary, 1024)).isNull();
        // every line counts towards the size, repeated names too: 2 x (3 + 500 + 4) > 1000
        assertThat(OriginClient.badHead(Fields.of("Via", "a".repeat(500), "via", "b".repeat(500)), 1000))
                .contains("header section of 1014 bytes exceeds 1000");
        assertThat(OriginClient.badHead(Fields.of("X-A", "ok", "x-a", "a\rb"), 1024))
                .isEqualTo("control character in header x-a");
        assertThat(OriginClient.badHead(Fields.of("X A", "v"), 1024)).isEqualTo("malformed header name 'x?a'");
    }
}
