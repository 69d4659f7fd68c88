package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigException;
import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlaneConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ControlPlaneCommandTest {
    private static ControlPlaneConfig settings(String... args) {
        ControlPlaneCommand command = new ControlPlaneCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void theShippedExampleConfigLoadsWithDataNextToIt() {
        Path shipped = Path.of("..", "deploy", "cp.example.yml");
        ControlPlaneConfig settings = settings("--config", shipped.toString());
        assertThat(settings.regionNames()).containsExactly("us", "eu", "ap");
        assertThat(settings.tokens()).hasSize(3);
        assertThat(Path.of(settings.data())).isEqualTo(Path.of("..", "local-data", "control-plane").toAbsolutePath().normalize());
    }

    @Test
    void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("cp.yml");
        Files.writeString(config, "data: cp\nregions: [{name: us}]\n");
        ControlPlaneConfig settings = settings("--config", config.toString(), "--listen", "127.0.0.1:0",
                "--data", "/srv/cp");
        assertThat(settings.listen()).isEqualTo("127.0.0.1:0");
        assertThat(settings.data()).isEqualTo("/srv/cp");
    }

    @Test
    void relativeGeoipCsvIsTakenFromTheConfigFilesFolder(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("conf/cp.yml");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "data: cp\nregions: [{name: us}]\ngeoipCsv: geo/networks.csv\n");
        assertThat(settings("--config", config.toString()).geoipCsv())
                .contains(dir.resolve("conf/geo/networks.csv").toAbsolutePath().toString());
    }

    @Test
    void aBadConfigFailsNamingTheKey(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("cp.yml");
        Files.writeString(config, "data: cp\nregions: [{name: us}]\ndefaultRegion: eu\n");
        assertThatThrownBy(() -> settings("--config", config.toString()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("defaultRegion 'eu'");
    }

    @Test
    void everyKeyOfTheEveryKeyFileReachesTheConfigTheControlPlaneIsStartedWith(@TempDir Path dir) throws Exception {
        Path file = EdgeCommandTest.everyKeyFile(dir, "control-plane", "every-key-cp.yml", Map.ofEntries(
                Map.entry("API_PORT", "18000"), Map.entry("STEERING_PORT", "18001"), Map.entry("DNS_PORT", "18053"),
                Map.entry("DATA", dir.resolve("cp").toString()), Map.entry("OPS_SHA256", "ab".repeat(32)),
                Map.entry("GEOIP", Files.writeString(dir.resolve("geo.csv"), "127.0.9.0/24,ap\n").toString()),
                Map.entry("TLS", "tls: {nodeListen: \"127.0.0.1:18002\", allowPlainOriginEvents: true}"),
                Map.entry("ACCESS_LOG", dir.resolve("cp.log").toString()),
                Map.entry("STORE_URL", "jdbc:postgresql://127.0.0.1:5432/cp"), Map.entry("STORE_USER", "cp"),
                Map.entry("STORE_PASSWORD_FILE", dir.resolve("db-password").toString())));
        assertThat(settings("--config", file.toString()))
                .isEqualTo(ConfigFiles.load(file, ControlPlaneConfig.class));
    }
}
