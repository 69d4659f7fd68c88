package dev.outpost.common.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
    record Limits(int maxBytes) {
        Limits {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be > 0, was " + maxBytes);
            }
        }
    }

    record Sample(String name, Limits limits, List<String> tags) {
    }

    @RenamedKeys({"timeoutMillis -> timeout (a duration such as 5s)", "maxHeaderBytes -> listener.maxHeaderBytes"})
    record Renamed(java.time.Duration timeout, Limits listener) {
    }

    record Outer(Renamed section) {
    }

    @Test
    void readsYamlIntoRecords(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sample.yml");
        Files.writeString(file, "name: eu-1\nlimits:\n  maxBytes: 1024\ntags: [a, b]\n");
        Sample sample = ConfigFiles.load(file, Sample.class);
        assertThat(sample).isEqualTo(new Sample("eu-1", new Limits(1024), List.of("a", "b")));
    }

    @Test
    void readsJsonByExtension(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sample.json");
        Files.writeString(file, "{\"name\":\"x\",\"limits\":{\"maxBytes\":5},\"tags\":[]}");
        assertThat(ConfigFiles.load(file, Sample.class).limits().maxBytes()).isEqualTo(5);
    }

    @Test
    void unknownKeyIsNamedWithFileAndPath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yml");
        Files.writeString(file, "name: x\nlimits:\n  maxBites: 10\n");
        assertThatThrownBy(() -> ConfigFiles.load(file, Sample.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yml")
                .hasMessageContaining("unknown key 'maxBites'")
                .hasMessageContaining("limits")
                .hasMessageContaining("maxBytes");
    }

    @Test
    void badValueFromRecordValidationIsNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yml");
        Files.writeString(file, "name: x\nlimits:\n  maxBytes: -1\n");
        assertThatThrownBy(() -> ConfigFiles.load(file, Sample.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yml")
                .hasMessageContaining("maxBytes must be > 0, was -1");
    }

    @Test
    void wrongTypeIsNamed() {
        assertThatThrownBy(() -> ConfigFiles.parse("t.yml", "limits:\n  maxBytes: lots\n".getBytes(UTF_8),
                Sample.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yml")
                .hasMessageContaining("limits.maxBytes");
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigFiles.load(dir.resolve("nope.yml"), Sample.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yml: no such file");
    }

    @Test
    void aRenamedKeyFailsNamingItsNewKey() {
        assertThatThrownBy(() -> ConfigFiles.parse("r.yml", "timeoutMillis: 5000\n".getBytes(UTF_8), Renamed.class))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("r.yml: 'timeoutMillis' was renamed: use 'timeout' (a duration such as 5s)");
        assertThatThrownBy(() -> ConfigFiles.parse("r.yml", "section: {maxHeaderBytes: 2048}\n".getBytes(UTF_8),
                Outer.class))
                .hasMessageContaining("'section.maxHeaderBytes' was renamed: use 'section.listener.maxHeaderBytes'")
                .hasMessageContaining("known keys in 'section': [timeout, listener]");
    }

    @Test
    void zeroIsAValueNotAnAbsentKey() {
        assertThat(ConfigValues.atLeast("k", (Integer) null, 7, 0)).isEqualTo(7);
        assertThat(ConfigValues.atLeast("k", 0, 7, 0)).isZero();
        assertThatThrownBy(() -> ConfigValues.atLeast("limits.maxThings", 0, 7, 1))
                .hasMessage("limits.maxThings must be >= 1, was 0");
        assertThatThrownBy(() -> ConfigValues.positive("heartbeat.interval", java.time.Duration.ZERO,
                java.time.Duration.ofSeconds(5))).hasMessage("heartbeat.interval must be > 0, was PT0S");
    }
}
