package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.testkit.RawRequests;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * An edge started the way {@code outpost edge --config} starts it runs with the file's {@code limits}: before, the
 * command rebuilt the config without them and the edge ran with every default.
 */
class EdgeCommandIT {
    @Test
    void limitsFromTheConfigFileTakeEffectOnTheRunningEdge(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("edge.yml");
        Files.writeString(file, """
                listen: "127.0.0.1:0"
                services:
                  - {name: a, hosts: [a.test], origins: ["http://127.0.0.1:9"]}
                limits: {listener: {maxHeaderBytes: 2048}, allowedMethods: [GET, HEAD]}
                """);
        EdgeCommand command = new EdgeCommand();
        new CommandLine(command).parseArgs("--config", file.toString(), "--id", "limited");
        EdgeConfig config = command.buildConfig();
        try (EdgeNode edge = EdgeNode.start(config)) {
            String bigHeader = "X-Filler: " + "a".repeat(4096) + "\r\n";
            assertThat(RawRequests.statusOf(edge.port(), "GET /x HTTP/1.1\r\nHost: a.test\r\n" + bigHeader + "\r\n"))
                    .as("a 4 KiB header over maxHeaderBytes 2048").isIn(400, 431);
            String post = "POST /x HTTP/1.1\r\nHost: a.test\r\nContent-Length: 0\r\n\r\n";
            assertThat(RawRequests.statusOf(edge.port(), post))
                    .as("POST outside allowedMethods [GET, HEAD]").isEqualTo(405);
        }
    }
}
