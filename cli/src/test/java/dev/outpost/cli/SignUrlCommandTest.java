package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.service.SigningKey;
import dev.outpost.edge.signing.UrlSignatures;
import dev.outpost.edge.signing.Verdict;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SignUrlCommandTest {
    private static final String SECRET = "cli-secret-cli-secret-cli-secret";
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final UrlSignatures EDGE = new UrlSignatures(List.of(SigningKey.of(SECRET)),
            UrlSignatures.DEFAULT_MAX_LIFETIME);

    private static String run(String... args) {
        SignUrlCommand command = new SignUrlCommand();
        command.clock = Clock.fixed(NOW, ZoneOffset.UTC);
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.parseArgs(args);
        assertThat(command.call()).isZero();
        return out.toString().strip();
    }

    @Test
    void signedUrlVerifiesAtTheEdgeUntilItsTtlRunsOut() {
        String signed = run("--secret", SECRET, "--url", "https://video.example/a/./b.mp4?q=1", "--ttl", "10m");

        URI uri = URI.create(signed);
        assertThat(signed).startsWith("https://video.example/a/b.mp4?q=1&exp=");
        assertThat(EDGE.verify("video.example", uri.getRawPath(), uri.getRawPath(), params(uri.getRawQuery()),
                "192.0.2.1", NOW)).isEqualTo(Verdict.VALID);
        assertThat(EDGE.verify("video.example", uri.getRawPath(), uri.getRawPath(), params(uri.getRawQuery()),
                "192.0.2.1", NOW.plus(Duration.ofMinutes(10)))).isEqualTo(Verdict.EXPIRED);
        assertThat(EDGE.verify("other.example", uri.getRawPath(), uri.getRawPath(), params(uri.getRawQuery()),
                "192.0.2.1", NOW)).as("the host is signed").isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void prefixAndAddressAreSigned(@TempDir Path dir) throws Exception {
        Path secretFile = dir.resolve("secret");
        Files.writeString(secretFile, SECRET + "\n");
        String signed = run("--secret-file", secretFile.toString(), "--url", "https://video.example/video/a.mp4",
                "--prefix", "/video/", "--ip", "192.0.2.1");

        URI uri = URI.create(signed);
        Map<String, List<String>> query = params(uri.getRawQuery());
        assertThat(EDGE.verify("video.example", "/video/other.mp4", "/video/other.mp4", query, "192.0.2.1", NOW))
                .isEqualTo(Verdict.VALID);
        assertThat(EDGE.verify("video.example", "/video/other.mp4", "/video/other.mp4", query, "192.0.2.2", NOW))
                .isEqualTo(Verdict.WRONG_ADDRESS);
    }

    @Test
    void secretMustBeGivenOnce() {
        assertThatThrownBy(() -> run("--url", "https://video.example/a")).hasMessageContaining("exactly one of --secret");
    }

    @Test
    void theUrlMustNameItsHostAndTheTtlStayWithinTheMaximum() {
        assertThatThrownBy(() -> run("--secret", SECRET, "--url", "/a")).hasMessageContaining("host is signed");
        assertThatThrownBy(() -> run("--secret", SECRET, "--url", "https://video.example/a", "--ttl", "8d"))
                .hasMessageContaining("maxLifetime");
        assertThat(run("--secret", SECRET, "--url", "https://video.example/a", "--ttl", "30d", "--max-lifetime",
                "31d")).contains("exp=");
    }

    private static Map<String, List<String>> params(String query) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            out.computeIfAbsent(pair.substring(0, eq), k -> new ArrayList<>())
                    .add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }
}
