package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

/** The checked path every request field takes into OkHttp (issue 14 §1: never the unchecked builder alone). */
class UpstreamFieldsTest {
    @Test
    void controlCharactersAndBadNamesNeverReachOkHttp() {
        for (String[] field : new String[][] {{"x-a", "1\r\nx-b: 2"}, {"x-a", "a\u0000b"}, {"x-a", "a\nb"},
                {"x-a:b", "1"}, {"x a", "1"}, {"x\ra", "1"}}) {
            assertThatThrownBy(() -> OriginClient.addChecked(new Headers.Builder(), field[0], field[1]))
                    .as(field[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed");
        }
    }

    @Test
    void utf8ObsTextIsSentAsTheClientsBytes() {
        String asReceived = new String("café".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        Headers.Builder headers = new Headers.Builder();
        OriginClient.addChecked(headers, "x-note", asReceived);
        OriginClient.addChecked(headers, "accept", "text/css");
        assertThat(headers.build().get("x-note")).isEqualTo("café"); // OkHttp writes it as UTF-8: the same bytes
        assertThat(headers.build().get("accept")).isEqualTo("text/css");
    }
}
