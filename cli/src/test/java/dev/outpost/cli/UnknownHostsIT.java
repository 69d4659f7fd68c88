package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.edge.EdgeNode;
import dev.outpost.edge.config.AdminConfig;
import dev.outpost.edge.config.ControlPlaneLinkConfig;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code outpost purge} and {@code outpost push} say so when an edge serves no delivery service for a host they
 * name, instead of reporting success: a real control plane and a real edge on 127.0.0.1:0.
 */
class UnknownHostsIT {
    private static final String OPS = "ops-token-0123456789";
    private static final String NODE = "node-token-0123456789";
    private static final String EDGE_ADMIN = "edge-admin-token-0123456789";

    @TempDir
    Path data;
    private ControlPlane plane;
    private EdgeNode edge;

    @BeforeEach
    void start() {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                  - {name: nodes, token: %s, scopes: [node]}
                edgeToken: %s
                heartbeat: {interval: 200ms, timeout: 1500ms}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                defaultRegion: eu
                """.formatted(data, OPS, NODE, EDGE_ADMIN);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
        DeliveryService site = DeliveryService.of("site", List.of("www.example.test", "127.0.2.1"),
                List.of(URI.create("http://127.0.0.1:9")));
        ControlPlaneLinkConfig link = ControlPlaneLinkConfig.of(plane.apiUri(), NODE)
                .withTimings(Duration.ofMillis(200), Duration.ofSeconds(1));
        edge = EdgeNode.start(EdgeConfig.of("eu-1", "127.0.0.1:0", site).withRegion("eu")
                .withAdmin(new AdminConfig("127.0.0.1:0", EDGE_ADMIN)).withControlPlane(link));
        await().atMost(Duration.ofSeconds(20)).until(() -> run(new StatusCommand()).out().contains("healthy"));
    }

    @AfterEach
    void stop() {
        edge.close();
        plane.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 4];
        all[0] = "--api";
        all[1] = plane.apiUri().toString();
        all[2] = "--token";
        all[3] = OPS;
        System.arraycopy(args, 0, all, 4, args.length);
        return new Run(cli.execute(all), out.toString(), err.toString());
    }

    @Test
    void aPurgeNamingAHostNoServiceServesSaysSoAndExits3() {
        Run run = run(new PurgeCommand(), "--url", "http://127.0.9.9:8080/a.js", "--prefix",
                "http://nowhere.test/img/", "--wait", "10s");
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.out()).contains("complete  1/1 edges");
        assertThat(run.err()).contains("no delivery service serves host '127.0.9.9' on eu-1: nothing was purged")
                .contains("host 'nowhere.test' on eu-1");
    }

    @Test
    void aPurgeNamingAnyHostOfAServiceIsQuiet() {
        Run run = run(new PurgeCommand(), "--url", "http://127.0.2.1:8080/a.js", "--wait", "10s");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
    }

    @Test
    void aPushNamingAHostNoServiceServesSaysSoAndExits3() {
        Run run = run(new PushCommand(), "--url", "http://nowhere.test/a.js", "--wait", "10s");
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(3);
        assertThat(run.err()).contains("no delivery service serves host 'nowhere.test' on eu-1: nothing was fetched");
    }
}
