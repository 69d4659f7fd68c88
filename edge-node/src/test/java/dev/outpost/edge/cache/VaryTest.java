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
    void whitespaceAndFieldLinesInASelectingHeaderDoNotMatterAndAbsenceIsAValue() {
        List<String> names = List.of("foo");
        String variant = Vary.variant(names, Fields.of("Foo", "1,2"));
        assertThat(Vary.variant(names, Fields.of("Foo", " 1, 2 "))).isEqualTo(variant);
        assertThat(Vary.variant(names, Fields.of("Foo", "1", "Foo", "2"))).isEqualTo(variant);
        assertThat(Vary.variant(names, Fields.of("Foo", "2,1"))).isNotEqualTo(variant); // order is meaning here
        assertThat(Vary.variant(names, Fields.empty())).isNotEqualTo(Vary.variant(names, Fields.of("Foo", "")));
    }

    @Test
    void acceptLanguageIsComparedIgnoringOrderCaseAndWhitespace() {
        List<String> names = List.of("accept-language");
        String variant = Vary.variant(names, Fields.of("Accept-Language", "en, de"));
        assertThat(Vary.variant(names, Fields.of("Accept-Language", "de, en"))).isEqualTo(variant);
        assertThat(Vary.variant(names, Fields.of("Accept-Language", " DE ,EN"))).isEqualTo(variant);
        assertThat(Vary.variant(names, Fields.of("Accept-Language", "de;q=1.0, en;q=1"))).isEqualTo(variant);
        assertThat(Vary.variant(names, Fields.of("Accept-Language", "de, en;q=0.5"))).isNotEqualTo(variant);
        assertThat(Vary.acceptLanguage("EN;q=0.5 , De, fr;q=0")).isEqualTo("de,en;q=0.5");
    }

    @Test
    void aContentLanguageIsPreferredWhenTheRequestRanksItFirst() {
        assertThat(Vary.prefersLanguage(Fields.of("Accept-Language", "de-DE, de;q=0.9, en;q=0.5"), "de-DE")).isTrue();
        assertThat(Vary.prefersLanguage(Fields.of("Accept-Language", "de, en;q=0.5"), "de-AT")).isTrue();
        assertThat(Vary.prefersLanguage(Fields.of("Accept-Language", "en, de"), "de")).isTrue(); // tied first
        assertThat(Vary.prefersLanguage(Fields.of("Accept-Language", "fr, de;q=0.5"), "de")).isFalse();
        assertThat(Vary.prefersLanguage(Fields.of("Accept-Language", "de-AT"), "de")).isFalse();
        assertThat(Vary.prefersLanguage(Fields.empty(), "de")).isFalse();
    }

    @Test
    void noVaryMeansOneVariant() {
        assertThat(Vary.variant(List.of(), Fields.of("Accept", "x"))).isEmpty();
    }
}
