package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the IO thread's client and the relay take for an origin's declared body length. */
class ContentLengthTest {
    @Test
    void digitsWithOptionalWhitespaceAroundAreALength() {
        assertThat(OriginResponse.parseContentLength("0")).isZero();
        assertThat(OriginResponse.parseContentLength("2048")).isEqualTo(2048);
        assertThat(OriginResponse.parseContentLength(" \t2048\t ")).isEqualTo(2048);
        assertThat(OriginResponse.parseContentLength("007")).isEqualTo(7);
        assertThat(OriginResponse.parseContentLength("999999999999999999")).isEqualTo(999_999_999_999_999_999L);
    }

    @Test
    void anythingElseIsNoLength() {
        for (String value : new String[] {"", " ", "-1", "+5", "5, 5", "5 5", "0x10", "1e3", "12a",
                "1234567890123456789", "\u0662", "5\r", "\n5"}) {
            assertThat(OriginResponse.parseContentLength(value)).as("'%s'", value).isEqualTo(-1);
        }
    }
}
