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
}
