package dev.outpost.common.http.preconditions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntityTagTest {
    @Test
    void strongComparisonNeedsBothStrongWeakComparisonIgnoresThePrefix() {
        EntityTag strong = EntityTag.parse("\"v1\"").orElseThrow();
        EntityTag weak = EntityTag.parse("W/\"v1\"").orElseThrow();
        assertThat(strong.strongMatch(strong)).isTrue();
        assertThat(strong.strongMatch(weak)).isFalse();
        assertThat(weak.strongMatch(weak)).isFalse();
        assertThat(weak.weakMatch(strong)).isTrue();
        assertThat(strong.weakMatch(EntityTag.parse("\"V1\"").orElseThrow())).as("case matters").isFalse();
    }

    @Test
    void aListToleratesEmptyElementsAndWhitespaceAndKeepsCommasInsideTags() {
        assertThat(EntityTag.parseList(" \"a\" ,, W/\"b,c\"\t,")).contains(List.of(new EntityTag(false, "\"a\""),
                new EntityTag(true, "\"b,c\"")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "v1", "\"v1", "w/\"v1\"", "\"v1\" x", "*", "\"a\" \"b\"", "\"a\"b\""})
    void notAnEntityTag(String value) {
        assertThat(EntityTag.parse(value)).isEmpty();
    }

    @Test
    void writtenAsInAField() {
        assertThat(EntityTag.parse("W/\"v1\"").orElseThrow()).hasToString("W/\"v1\"");
    }
}
