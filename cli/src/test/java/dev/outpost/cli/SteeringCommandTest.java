package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.replica.SteeringReplicaConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SteeringCommandTest {
    private static SteeringReplicaConfig settings(String... args) {
        SteeringCommand command = new SteeringCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void theShippedExampleConfigLoads() {
        SteeringReplicaConfig settings = settings("--config", Path.of("..", "deploy", "steering.example.yml")
                .toString());
        assertThat(settings.controlPlanes()).containsExactly(URI.create("http://127.0.0.1:8000"));
        assertThat(settings.dns()).isPresent();
        assertThat(settings.pollInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void controlPlanesAndListenFlagsOverrideTheFile(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("steering.yml"),
                "controlPlanes: [\"http://10.0.0.1:8000\"]\ntoken: t0123456789\n");
        SteeringReplicaConfig settings = settings("--config", config.toString(), "--control-plane",
                "http://10.0.1.5:8000,http://10.0.1.6:8000", "--listen", "0.0.0.0:8001");
        assertThat(settings.controlPlanes()).containsExactly(URI.create("http://10.0.1.5:8000"),
                URI.create("http://10.0.1.6:8000"));
        assertThat(settings.listen()).isEqualTo("0.0.0.0:8001");
    }

    @Test
    void aBadConfigFailsNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("steering.yml"),
                "token: t0123456789\npollInterval: 5s\nstaleAfter: 2s\n");
        assertThatThrownBy(() -> settings("--config", config.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("staleAfter");
        Path unknown = Files.writeString(dir.resolve("unknown.yml"), "token: t0123456789\nstaleAftr: 2s\n");
        assertThatThrownBy(() -> settings("--config", unknown.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("staleAftr");
    }

    @Test
    void everyKeyOfTheEveryKeyFileReachesTheConfigTheInstanceIsStartedWith(@TempDir Path dir) throws Exception {
        Path file = EdgeCommandTest.everyKeyFile(dir, "control-plane", "every-key-steering.yml", Map.of(
                "HTTP_PORT", "18001", "DEAD_PORT", "18002", "DNS_PORT", "18053",
                "CONTROL_PLANE", "http://127.0.0.1:8000", "HASHED_SHA256", "ab".repeat(32),
                "ACCESS_LOG", dir.resolve("steering.log").toString()));
        assertThat(settings("--config", file.toString())).isEqualTo(ConfigFiles.load(file,
                SteeringReplicaConfig.class));
    }
}
