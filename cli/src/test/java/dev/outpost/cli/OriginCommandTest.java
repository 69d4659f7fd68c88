package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.origin.OriginConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
        assertThat(settings.noticeQueueDirectory()).isEqualTo(Path.of("deploy/sample-site/.outpost/notices"));
    }

    @Test
    void theNoticeQueueDirectoryIsReadAndKeptWhenTheNotifyUrlIsAFlag(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("origin.yml");
        Files.writeString(config, "data: site\nmaxUploadBytes: 1048576\n"
                + "notifications: {queueDirectory: /var/lib/outpost/notices}\n");
        OriginConfig settings = settings("--config", config.toString(), "--notify-url", "http://127.0.0.1:1/e");
        assertThat(settings.noticeQueueDirectory()).isEqualTo(Path.of("/var/lib/outpost/notices"));
        assertThat(settings.maxUploadBytes()).isEqualTo(1048576);

        Files.writeString(config, "data: site\nnotifications: {queueDir: x}\n");
        assertThatThrownBy(() -> settings("--config", config.toString())).hasMessageContaining("queueDir");
    }

    @Test
    void aTlsSectionPinsTheControlPlanesCa(@TempDir Path dir) throws Exception {
        String pin = "0123456789ABCDEF".repeat(4);
        Path config = dir.resolve("origin.yml");
        Files.writeString(config, "data: site\ntls: {dir: tls, joinToken: oj_abc, joinUrl: \"http://127.0.0.1:8000\", "
                + "caSha256: " + pin + "}\n");
        assertThat(settings("--config", config.toString()).tls().orElseThrow().caSha256())
                .contains(pin.toLowerCase());
        assertThat(settings("--config", config.toString()).tls().orElseThrow().certificate().caSha256())
                .contains(pin.toLowerCase());

        Files.writeString(config, "data: site\ntls: {dir: tls, caSha256: \"sha256/abc\"}\n");
        assertThatThrownBy(() -> settings("--config", config.toString())).hasMessageContaining("tls.caSha256");
    }

    @Test
    void replicaOfAndNameMakeAReplicaWhichNeedsTheGroupsToken(@TempDir Path dir) throws Exception {
        OriginConfig replica = settings("--data", "site", "--token", "group-token-1", "--replica-of",
                "http://10.0.1.5:8080", "--name", "eu");
        assertThat(replica.replication().replicaOf()).hasValueSatisfying(u -> assertThat(u.getPort()).isEqualTo(8080));
        assertThat(replica.replicaName()).isEqualTo("eu");
        assertThat(replica.replication().syncReplicas()).isZero();

        assertThatThrownBy(() -> settings("--data", "site", "--replica-of", "http://10.0.1.5:8080"))
                .hasMessageContaining("apiToken");
        assertThatThrownBy(() -> settings("--data", "site", "--token", "group-token-1", "--replica-of",
                "http://10.0.1.5:8080/some/path")).hasMessageContaining("replication.replicaOf");
        assertThatThrownBy(() -> settings("--data", "site", "--name", "eu west")).hasMessageContaining(
                "replication.name");
    }

    @Test
    void theReplicationSectionIsReadAndValidated(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("origin.yml");
        Files.writeString(config, "data: site\napiToken: group-token-1\n"
                + "replication: {name: us, syncReplicas: 1, syncTimeout: 2s, historyEntries: 5000, pollWait: 10s}\n");
        OriginConfig primary = settings("--config", config.toString());
        assertThat(primary.replication().syncReplicas()).isEqualTo(1);
        assertThat(primary.replication().syncTimeout()).hasSeconds(2);
        assertThat(primary.replication().historyEntries()).isEqualTo(5000);
        assertThat(primary.replication().pollWait()).hasSeconds(10);
        assertThat(primary.replication().isReplica()).isFalse();
        assertThat(primary.replicationDirectory()).isEqualTo(dir.resolve("site/.outpost/replication"));
        assertThatThrownBy(() -> settings("--config", config.toString(), "--replica-of", "http://10.0.1.5:8080"))
                .as("a replica takes no writes, so it cannot be synchronous").hasMessageContaining("syncReplicas");

        Files.writeString(config, "data: site\nreplication: {directory: /var/lib/outpost/replication}\n");
        assertThat(settings("--config", config.toString()).replicationDirectory())
                .isEqualTo(Path.of("/var/lib/outpost/replication"));

        Files.writeString(config, "data: site\nreplication: {syncReplica: 1}\n");
        assertThatThrownBy(() -> settings("--config", config.toString())).hasMessageContaining("syncReplica");
        Files.writeString(config, "data: site\nreplication: {syncReplicas: 1, syncTimeout: 2m}\n");
        assertThatThrownBy(() -> settings("--config", config.toString()))
                .hasMessageContaining("replication.syncTimeout");
        Files.writeString(config, "data: site\nreplication: {historyEntries: 3}\n");
        assertThatThrownBy(() -> settings("--config", config.toString()))
                .hasMessageContaining("replication.historyEntries");
    }

    @Test
    void theShippedExampleConfigLoads() {
        Path shipped = Path.of("..", "deploy", "origin.yml");
        OriginConfig settings = settings("--config", shipped.toString());
        assertThat(settings.rules()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(Path.of(settings.data()).resolve("index.html")).exists();
    }

    @Test
    void everyKeyOfTheEveryKeyFileReachesTheConfigTheOriginIsStartedWith(@TempDir Path dir) throws Exception {
        Path file = EdgeCommandTest.everyKeyFile(dir, "origin-node", "every-key-origin.yml", Map.of("PORT", "18080",
                "DATA", dir.resolve("site").toString(),
                "NOTIFY", "urls: [\"http://127.0.0.1:8000/api/v1/origin-events\", "
                        + "\"http://127.0.0.1:8001/api/v1/origin-events\"]",
                "JOIN", "joinUrl: \"http://127.0.0.1:8000\"",
                "RENEW", "controlPlaneUrls: [\"https://127.0.0.1:8443\", \"https://127.0.0.1:8444\"]",
                "TLS_DIR", dir.resolve("tls").toString(), "CA_SHA256", "ab".repeat(32),
                "ACCESS_LOG", dir.resolve("origin.log").toString(),
                "REPLICATION", "replication: {name: p, syncReplicas: 1, syncTimeout: 2s, historyEntries: 500}"));
        assertThat(settings("--config", file.toString())).isEqualTo(ConfigFiles.load(file, OriginConfig.class));
    }
}
