package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.OriginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class OriginCommandTest {
    private static OriginConfig settings(String... args) {
        OriginCommand command = new OriginCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void relativeDataInAConfigFileIsTakenFromTheFilesFolder(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("conf/origin.yml");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "data: site\nlisten: 127.0.0.1:9999\n");
        OriginConfig settings = settings("--config", config.toString());
        assertThat(Path.of(settings.data())).isEqualTo(dir.resolve("conf/site").toAbsolutePath());
        assertThat(settings.listen()).isEqualTo("127.0.0.1:9999");
    }

    @Test
    void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("origin.yml");
        Files.writeString(config, "data: site\nlisten: 127.0.0.1:9999\n");
        OriginConfig settings = settings("--config", config.toString(), "--listen", "127.0.0.1:0",
                "--data", "/srv/other", "--token", "s3cret-token", "--notify-url", "http://127.0.0.1:1/events");
        assertThat(settings.listen()).isEqualTo("127.0.0.1:0");
        assertThat(settings.data()).isEqualTo("/srv/other");
        assertThat(settings.apiToken()).contains("s3cret-token");
        assertThat(settings.notifications().url()).hasValueSatisfying(u -> assertThat(u.getPort()).isEqualTo(1));
    }

    @Test
    void dataFlagAloneGivesDefaults() {
        OriginConfig settings = settings("--data", "deploy/sample-site");
        assertThat(settings.listen()).isEqualTo(OriginConfig.DEFAULT_LISTEN);
        assertThat(settings.maxUploadBytes()).isEqualTo(OriginConfig.DEFAULT_MAX_UPLOAD_BYTES);
        assertThat(settings.rules()).isEmpty();
    }

    @Test
    void theShippedExampleConfigLoads() {
        Path shipped = Path.of("..", "deploy", "origin.yml");
        OriginConfig settings = settings("--config", shipped.toString());
        assertThat(settings.rules()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(Path.of(settings.data()).resolve("index.html")).exists();
    }
}
