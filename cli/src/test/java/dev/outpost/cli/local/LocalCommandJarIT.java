package dev.outpost.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar outpost.jar local} as a user runs it: prints the table once every edge is healthy, and Ctrl-C
 * (SIGINT) stops it with exit code 0, its ports free and its temporary work dir gone. Ports differ from
 * {@link LocalCdnIT}'s and from the defaults.
 */
class LocalCommandJarIT {
    private static final Path JAR = Path.of("target", "outpost.jar");
    private static final String TOPOLOGY = LocalCdnIT.TEST_TOPOLOGY.replace("24000", "26000")
            .replace("24080", "26080").replace("25080", "27080").replace("24053", "26053");
    private static final String BANNER_END = "Ctrl-C stops everything.";

    @Test
    void printsTheHealthyTopologyAndStopsCleanlyOnSigint(@TempDir Path dir) throws Exception {
        Path topology = Files.writeString(dir.resolve("topology.yml"), TOPOLOGY);
        Path log = dir.resolve("local.log");
        Process process = start(log, "local", "--config", topology.toString());
        try {
            String printed = awaitOutput(process, log, BANNER_END);
            assertThat(printed).containsPattern("eu-1 +eu +http://127\\.0\\.2\\.1:26080 +healthy")
                    .containsPattern("ap-2 +ap +http://127\\.0\\.3\\.2:26080 +healthy")
                    .containsPattern("steering-eu +eu +http://127\\.0\\.2\\.53:26000 +302")
                    .contains("curl -iL --interface 127.0.2.50 http://127.0.2.53:26000/index.html")
                    .contains("./outpost purge --api http://127.0.0.1:26000 --token " + LocalCdn.OPS_TOKEN);
            Matcher work = Pattern.compile("work dir (\\S+) \\(deleted on exit\\)").matcher(printed);
            assertThat(work.find()).isTrue();
            Path workDir = Path.of(work.group(1));
            assertThat(workDir.resolve("origin-site/assets/dataset.csv")).exists();

            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("outpost local did not stop within 30 s of SIGINT; its output:\n"
                        + Files.readString(log) + "\nits threads:\n" + threadDump(process));
            }
            assertThat(process.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("outpost local: stopped");
            assertThat(workDir).doesNotExist();
            for (String address : List.of("127.0.0.1:26000", "127.0.0.1:26080", "127.0.2.1:26080",
                    "127.0.2.1:27080", "127.0.2.254:26080", "127.0.3.2:26080", "127.0.2.53:26000",
                    "127.0.3.53:26053")) {
                assertFree(address);
            }
        } finally {
            stop(process);
        }
    }

    @Test
    void aTakenPortIsOneLineNamingItAndExitCodeTwo(@TempDir Path dir) throws Exception {
        Path topology = Files.writeString(dir.resolve("topology.yml"), TOPOLOGY);
        Path log = dir.resolve("local.log");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 26000));
            Process process = start(log, "local", "--config", topology.toString());
            try {
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(process.exitValue()).isEqualTo(2);
                List<String> lines = Files.readAllLines(log).stream()
                        .filter(l -> !l.startsWith("WARNING:")).toList();
                assertThat(lines).containsExactly("outpost local: cannot listen on 127.0.0.1:26000 (control plane): "
                        + "Address already in use; stop what uses it, or pick other addresses with --config");
            } finally {
                stop(process);
            }
        }
    }

    @Test
    void aBadTopologyFileIsOneLineNamingTheField(@TempDir Path dir) throws Exception {
        Path topology = Files.writeString(dir.resolve("topology.yml"), TOPOLOGY.replace(", eu-ap: 120ms", ""));
        Path log = dir.resolve("local.log");
        Process process = start(log, "local", "--config", topology.toString());
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(2);
            assertThat(Files.readString(log)).contains("delays: missing eu-ap").doesNotContain("\tat ");
        } finally {
            stop(process);
        }
    }

    private static Process start(Path log, String... args) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The output so far once it holds {@code marker}; the JVM and seven nodes start on their own schedule. */
    private static String awaitOutput(Process process, Path log, String marker) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        while (true) {
            String output = Files.readString(log);
            if (output.contains(marker)) {
                return output;
            }
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError("no '" + marker + "' from outpost local; its output:\n" + output);
            }
            Thread.sleep(200);
        }
    }

    private static String threadDump(Process process) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                .redirectErrorStream(true).start();
        String threads = new String(dump.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        dump.waitFor(30, TimeUnit.SECONDS);
        return threads;
    }

    private static void assertFree(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))));
        }
    }

    private static void stop(Process process) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
