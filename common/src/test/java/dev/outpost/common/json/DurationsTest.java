package dev.outpost.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    record Timeouts(Duration connect, Duration read) {
    }

    @Test
    void readsShortFormsAndIso() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse(" PT1M30S ")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void refusesBareNumbersAndNonsense() {
        assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("'10' is not a duration");
        assertThatThrownBy(() -> Durations.parse("ten seconds")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Durations.parse("-5s")).hasMessageContaining("not a duration");
    }

    @Test
    void formatsInTheLargestWholeUnit() {
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.format(Duration.ofDays(1))).isEqualTo("1d");
        assertThat(Durations.parse(Durations.format(Duration.ofMillis(61_500)))).isEqualTo(Duration.ofMillis(61_500));
    }

    @Test
    void configFilesTakeEitherForm() {
        Timeouts t = ConfigFiles.parse("t.yml", "connect: 2s\nread: PT10S\n".getBytes(StandardCharsets.UTF_8),
                Timeouts.class);
        assertThat(t).isEqualTo(new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(10)));
    }

    @Test
    void aBadDurationInAConfigFileNamesTheKey() {
        assertThatThrownBy(() -> ConfigFiles.parse("t.yml", "connect: 2 parsecs\n".getBytes(StandardCharsets.UTF_8),
                Timeouts.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yml").hasMessageContaining("connect").hasMessageContaining("not a duration");
    }
}
