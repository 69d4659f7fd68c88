package dev.outpost.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./outpost} running the client commands from the packaged jar, as a user's shell does, against a real
 * control plane: the lean client JVM (its class-data archive written by the first call, mapped by the next) keeps
 * stdout to the command's own output, and loads no node code, Undertow, sqlite, Bouncy Castle or YAML.
 */
class LauncherIT {
    private static final Path LAUNCHER = Path.of("..", "outpost").toAbsolutePath().normalize();
    private static final Path PACKAGED_JAR = Path.of("target", "outpost.jar").toAbsolutePath();
    private static final String OPS = "ops-token-0123456789";
    private static final List<String> NOT_FOR_CLIENTS = List.of("dev.outpost.edge.", "dev.outpost.origin.",
            "dev.outpost.control.", "io.undertow.", "org.xnio.", "org.sqlite.", "org.bouncycastle.", "okhttp3.",
            "tools.jackson.dataformat.yaml.", "org.snakeyaml.");

    @TempDir
    Path dir;
    private ControlPlane plane;
    private Path jar;

    @BeforeEach
    void start() throws IOException {
        String yaml = """
                listen: 127.0.0.1:0
                data: %s
                tokens:
                  - {name: ops, token: %s, scopes: [read, purge, push]}
                regions: [{name: eu, cidrs: [127.0.2.0/24]}]
                """.formatted(dir.resolve("cp-data"), OPS);
        plane = ControlPlane.start(ConfigFiles.parse("cp.yml", yaml.getBytes(UTF_8), ControlPlaneConfig.class),
                Clock.systemUTC());
        // a copy, so the class-data archive beside it starts from nothing
        jar = Files.copy(PACKAGED_JAR, Files.createDirectories(dir.resolve("jar")).resolve("outpost.jar"));
    }

    @AfterEach
    void stop() {
        plane.close();
    }

    private record Run(int exit, String out, String err, List<String> classesLoaded) {
    }

    private Run launch(String... args) throws IOException, InterruptedException {
        Path classLog = Files.createTempFile(dir, "classes", ".log");
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder launcher = new ProcessBuilder(command);
        Map<String, String> env = launcher.environment();
        env.put("OUTPOST_JAR", jar.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("OUTPOST_CACHE_DIR", dir.resolve("cache").toString());
        env.put("OUTPOST_API", plane.apiUri().toString());
        env.put("OUTPOST_TOKEN", OPS);
        env.put("OUTPOST_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
        Process process = launcher.start();
        String out = new String(process.getInputStream().readAllBytes(), UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out, err, Files.readAllLines(classLog));
    }

    private List<Path> archives() throws IOException {
        Path folder = jar.resolveSibling("client-cds");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
    }

    @Test
    void firstCallWritesTheArchiveTheNextMapsItAndStdoutHoldsOnlyTheJson() throws Exception {
        assertThat(archives()).isEmpty();
        Run first = launch("purge", "--url", "http://www.example.com/a.js", "--json");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).isEmpty();
        assertThat(onlyJson(first.out()).get("id").asString()).isEqualTo("p-1");
        assertThat(archives()).hasSize(1);
        assertThat(loadedFromTheJar(first, "dev.outpost.cli.Main")).isTrue();

        Run second = launch("purge", "--url", "http://www.example.com/b.js", "--json");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.err()).isEmpty();
        assertThat(onlyJson(second.out()).get("id").asString()).isEqualTo("p-2");
        assertThat(loadedFromTheJar(second, "dev.outpost.cli.Main")).as("Main is mapped from the archive").isFalse();
        assertThat(second.classesLoaded()).anyMatch(l -> l.contains(" dev.outpost.cli.Main source: shared"));
        assertThat(loadedFromTheJar(second, "tools.jackson.databind.json.JsonMapper")).isFalse();

        Run status = launch("status", "--json");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(onlyJson(status.out()).get("purges").get(0).get("id").asString()).isEqualTo("p-2");
        assertThat(archives()).as("one archive per command").hasSize(2);
    }

    @Test
    void clientCommandsLoadNoNodeCode() throws Exception {
        for (String[] args : List.of(new String[] {"status"}, new String[] {"push", "--url", "http://a.test/x"},
                new String[] {"purge", "--tag", "t", "--wait=5s"})) {
            Run run = launch(args);
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.classesLoaded()).as("class-load log of %s", args[0]).hasSizeGreaterThan(500)
                    .noneMatch(line -> NOT_FOR_CLIENTS.stream().anyMatch(p -> line.contains("] " + p)));
        }
    }

    @Test
    void anArchiveThatNoLongerMatchesTheJarIsWrittenAnewWithoutComplaint() throws Exception {
        assertThat(launch("status").exit()).isZero();
        Path archive = archives().get(0);
        // a jar rebuilt after the archive was written (the archive records the jar's modification time)
        long rebuiltAt = Files.getLastModifiedTime(jar).toMillis() - 20_000;
        Files.setLastModifiedTime(jar, FileTime.fromMillis(rebuiltAt));
        Files.setLastModifiedTime(archive, FileTime.fromMillis(rebuiltAt - 10_000));
        FileTime written = Files.getLastModifiedTime(archive);

        Run rebuilt = launch("status", "--json");
        assertThat(rebuilt.exit()).as(rebuilt.err()).isZero();
        assertThat(rebuilt.err()).isEmpty();
        onlyJson(rebuilt.out());
        assertThat(loadedFromTheJar(rebuilt, "dev.outpost.cli.Main")).as("the old archive was not used").isTrue();
        assertThat(Files.getLastModifiedTime(archive)).isNotEqualTo(written);

        Run next = launch("status");
        assertThat(next.exit()).as(next.err()).isZero();
        assertThat(loadedFromTheJar(next, "dev.outpost.cli.Main")).as("the new archive is used").isFalse();
    }

    private static boolean loadedFromTheJar(Run run, String className) {
        return run.classesLoaded().stream().anyMatch(l -> l.contains(" " + className + " source: file:"));
    }

    private static JsonNode onlyJson(String out) {
        assertThat(out).endsWith("\n");
        assertThat(out.strip()).doesNotContain("\n");
        return Json.mapper().readTree(out);
    }
}
