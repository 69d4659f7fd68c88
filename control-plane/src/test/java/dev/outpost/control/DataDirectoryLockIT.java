package dev.outpost.control;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigFiles;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One control plane per data directory: a second one refuses to start instead of splitting the brain. */
class DataDirectoryLockIT {
    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path config = dir.resolve("cp.yml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                data: %s
                tokens: [{name: ops, token: ops-token-0123456789, scopes: [read, purge]}]
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(dir.resolve("data")));
        return config;
    }

    @Test
    void aSecondControlPlaneOnTheSameDataDirectoryRefusesToStartNamingTheProcessThatHoldsIt() throws Exception {
        Path config = config();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process first = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ControlPlaneChild.class.getName(), config.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader output = new BufferedReader(new InputStreamReader(first.getInputStream(), UTF_8));
            boolean started = false;
            for (int i = 0; i < 200 && !started; i++) { // bounded: the child prints a few log lines first
                String line = output.readLine();
                assertThat(line).as("child output ended before it printed its address").isNotNull();
                started = line.startsWith("api ");
            }
            ControlPlaneConfig settings = ConfigFiles.load(config, ControlPlaneConfig.class);
            assertThatThrownBy(() -> ControlPlane.start(settings, Clock.systemUTC()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another control plane is already running on the data directory")
                    .hasMessageContaining("pid " + first.pid());
        } finally {
            first.destroyForcibly(); // SIGKILL: the OS drops its lock with the process
            assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (ControlPlane after = ControlPlane.start(ConfigFiles.load(config, ControlPlaneConfig.class),
                Clock.systemUTC())) {
            assertThat(after.apiUri()).as("a killed control plane leaves no stale lock").isNotNull();
            assertThatThrownBy(() -> ControlPlane.start(ConfigFiles.load(config, ControlPlaneConfig.class),
                    Clock.systemUTC())).as("nor may a second one in the same process")
                    .hasMessageContaining("already running");
        }
        try (ControlPlane again = ControlPlane.start(ConfigFiles.load(config, ControlPlaneConfig.class),
                Clock.systemUTC())) {
            assertThat(again.apiUri()).as("closing releases it").isNotNull();
        }
    }
}
