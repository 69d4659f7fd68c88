package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.testkit.ConfigTemplates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EdgeCommandTest {
    private static EdgeConfig parse(String... args) {
        EdgeCommand command = new EdgeCommand();
        new CommandLine(command).parseArgs(args);
        return command.buildConfig();
    }

    @Test
    void flagsAloneDescribeAnEdgeInFrontOfOneOrigin() {
        EdgeConfig config = parse("--id", "eu-1", "--listen", "127.0.0.1:0", "--origin", "http://127.0.0.1:8080",
                "--origin", "http://127.0.0.1:8090", "--host", "assets.test", "--max-bytes", "1000000",
                "--admin-listen", "127.0.0.1:0", "--admin-token", "0123456789abcdef");
        assertThat(config.id()).isEqualTo("eu-1");
        assertThat(config.services()).hasSize(1);
        assertThat(config.services().get(0).origins()).hasSize(2);
        assertThat(config.cache().maxBytes()).isEqualTo(1_000_000);
        assertThat(config.cache().maxObjectBytes()).isLessThanOrEqualTo(1_000_000);
        assertThat(config.admin()).isPresent();
    }

    @Test
    void diskFlagsTurnOnTheDiskTier(@TempDir Path dir) {
        EdgeConfig off = parse("--origin", "http://127.0.0.1:8080", "--host", "assets.test");
        assertThat(off.cache().disk().directory()).as("off by default").isEmpty();

        EdgeConfig on = parse("--origin", "http://127.0.0.1:8080", "--host", "assets.test",
                "--disk-dir", dir.toString(), "--disk-max-bytes", "5000000");
        assertThat(on.cache().disk().directory()).contains(dir);
        assertThat(on.cache().disk().maxBytes()).isEqualTo(5_000_000);
        assertThat(on.cache().disk().maxObjectBytes()).isLessThanOrEqualTo(5_000_000);
    }

    @Test
    void roleFlagMakesAShieldAndRefusesAnythingElse() {
        EdgeConfig plain = parse("--origin", "http://127.0.0.1:8080", "--host", "assets.test");
        assertThat(plain.shield()).as("an edge by default").isFalse();
        EdgeConfig shield = parse("--origin", "http://127.0.0.1:8080", "--host", "assets.test", "--role", "shield");
        assertThat(shield.role()).isEqualTo(NodeRegistration.Role.SHIELD);
        assertThatThrownBy(() -> parse("--origin", "http://127.0.0.1:8080", "--host", "assets.test",
                "--role", "origin")).hasMessageContaining("--role must be edge or shield, was 'origin'");
    }

    @Test
    void diskMaxBytesWithoutADirectoryIsRefused() {
        assertThatThrownBy(() -> parse("--origin", "http://127.0.0.1:8080", "--host", "assets.test",
                "--disk-max-bytes", "5000000")).hasMessageContaining("--disk-dir");
    }

    @Test
    void flagsOverrideTheConfigFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("edge.yml");
        Files.writeString(file, """
                id: from-file
                region: eu
                services:
                  - {name: a, hosts: [a.test], origins: ["http://127.0.0.1:8080"]}
                """);
        EdgeConfig config = parse("--config", file.toString(), "--id", "from-flag");
        assertThat(config.id()).isEqualTo("from-flag");
        assertThat(config.region()).isEqualTo("eu");
        assertThat(config.services().get(0).hosts()).containsExactly("a.test");
    }

    @Test
    void controlPlaneFlagsLinkTheEdgeKeepingTheFilesTimings(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("edge.yml");
        Files.writeString(file, """
                services:
                  - {name: a, hosts: [a.test], origins: ["http://127.0.0.1:8080"]}
                controlPlane: {url: "http://127.0.0.1:8000", token: file-token-0123456789, heartbeat: 1s}
                """);
        EdgeConfig config = parse("--config", file.toString(), "--control-plane", "http://127.0.0.1:9000",
                "--control-plane-token", "flag-token-0123456789");
        assertThat(config.controlPlane().orElseThrow().url()).hasToString("http://127.0.0.1:9000");
        assertThat(config.controlPlane().orElseThrow().token()).isEqualTo("flag-token-0123456789");
        assertThat(config.controlPlane().orElseThrow().heartbeat()).hasSeconds(1);
    }

    @Test
    void everySectionOfTheFileSurvivesTheFlags(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("edge.yml");
        Files.writeString(file, """
                services:
                  - {name: a, hosts: [a.test], origins: ["http://127.0.0.1:8080"]}
                origin: {connect: 3s, read: 4s, total: 5s}
                collapsing: {maxWaiters: 7, maxWait: 2s}
                limits: {listener: {maxHeaderBytes: 2048, maxConnections: 5}, allowedMethods: [GET, HEAD]}
                tls: {dir: tls-dir, listen: "127.0.0.1:0"}
                """);
        EdgeConfig config = parse("--config", file.toString(), "--id", "flagged", "--listen", "127.0.0.1:0",
                "--max-bytes", "2000000");
        assertThat(config.id()).isEqualTo("flagged");
        assertThat(config.limits().listener().maxHeaderBytes()).isEqualTo(2048);
        assertThat(config.limits().allowedMethods()).containsExactly("GET", "HEAD");
        assertThat(config.limits().listener().maxConnections()).isEqualTo(5);
        assertThat(config.tls()).isPresent();
        assertThat(config.tls().orElseThrow().listenAddress()).isPresent();
        assertThat(config.origin().connect()).hasSeconds(3);
        assertThat(config.collapsing().maxWaiters()).isEqualTo(7);
        assertThat(config.cache().maxBytes()).isEqualTo(2_000_000);
    }

    @Test
    void hostWithoutOriginIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> parse("--host", "a.test")).hasMessageContaining("--origin");
    }

    @Test
    void controlPlaneWithoutTokenIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> parse("--origin", "http://127.0.0.1:8080", "--host", "a.test", "--control-plane",
                "http://127.0.0.1:8000")).hasMessageContaining("--control-plane-token");
    }

    @Test
    void originWithoutHostIsRefusedNamingTheFlag() {
        assertThatThrownBy(() -> parse("--origin", "http://127.0.0.1:8080")).hasMessageContaining("--host");
    }

    @Test
    void nothingToServeIsRefused() {
        assertThatThrownBy(() -> parse()).hasMessageContaining("--config");
    }

    /**
     * The node module's every-key file ({@code ../<module>/src/test/resources/config/<name>}) with its double-brace
     * names filled in, written to {@code dir}.
     */
    static Path everyKeyFile(Path dir, String module, String name, Map<String, String> values) throws IOException {
        String template = Files.readString(Path.of("..", module, "src/test/resources/config", name));
        return Files.writeString(dir.resolve(name), ConfigTemplates.fill(template, values));
    }

    @Test
    void everyKeyOfTheEveryKeyFileReachesTheConfigTheEdgeIsStartedWith(@TempDir Path dir) throws Exception {
        Path file = everyKeyFile(dir, "edge-node", "every-key-edge.yml", Map.of("CONFIG_CACHE",
                dir.resolve("services.json").toString(), "PUBLIC_PORT", "18081",
                "ADMIN_PORT", "19081", "HTTPS_PORT", "18443", "ORIGIN", "http://127.0.0.1:8080",
                "TLS_DIR", dir.resolve("tls").toString(), "CA_SHA256", "ab".repeat(32),
                "SPOOL_DIR", dir.resolve("spool").toString(), "ACCESS_LOG", dir.resolve("edge.log").toString(),
                "DISK_DIR", dir.resolve("disk").toString()));
        assertThat(parse("--config", file.toString())).isEqualTo(ConfigFiles.load(file, EdgeConfig.class));
    }
}
