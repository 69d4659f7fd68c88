package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class VaryTest {
    @Test
    void namesAreLowerCasedSortedAndDeduplicated() {
        assertThat(Vary.names(Fields.of("Vary", "Accept-Encoding, Accept", "Vary", "accept"))).containsExactly(
                "accept", "accept-encoding");
    }

    @Test
    void acceptEncodingIsNormalizedToOneCoding() {
        assertThat(Vary.acceptEncoding("gzip, deflate, br")).isEqualTo("br");
        assertThat(Vary.acceptEncoding("gzip;q=1.0, identity; q=0.5")).isEqualTo("gzip");
        assertThat(Vary.acceptEncoding("br;q=0, gzip")).isEqualTo("gzip");
        assertThat(Vary.acceptEncoding("")).isEqualTo("identity");
        assertThat(Vary.acceptEncoding("compress")).isEqualTo("identity");
    }

    @Test
    void equivalentAcceptEncodingsSelectTheSameVariant() {
        List<String> names = List.of("accept-encoding");
        assertThat(Vary.variant(names, Fields.of("Accept-Encoding", "gzip, deflate, br")))
                .isEqualTo(Vary.variant(names, Fields.of("Accept-Encoding", "br")));
        assertThat(Vary.variant(names, Fields.of("Accept-Encoding", "gzip")))
                .isNotEqualTo(Vary.variant(names, Fields.of("Accept-Encoding", "br")));
    }

    @Test
    void otherHeadersMatchOnTrimmedValueAndAbsenceIsAValue() {
        List<String> names = List.of("accept-language");
        assertThat(Vary.variant(names, Fields.of("Accept-Language", " de  ")))
                .isEqualTo(Vary.variant(names, Fields.of("Accept-Language", "de")));
        assertThat(Vary.variant(names, Fields.empty()))
                .isNotEqualTo(Vary.variant(names, Fields.of("Accept-Language", "de")));
    }

    @Test
    void noVaryMeansOneVariant() {
        assertThat(Vary.variant(List.of(), Fields.of("Accept", "x"))).isEmpty();
    }
}
