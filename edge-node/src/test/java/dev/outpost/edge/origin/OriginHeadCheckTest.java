package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

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
}
