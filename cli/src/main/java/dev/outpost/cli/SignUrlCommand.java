package dev.outpost.cli;

import dev.outpost.common.json.Durations;
import dev.outpost.edge.cache.CacheKeys;
import dev.outpost.common.service.SigningKey;
import dev.outpost.edge.signing.UrlSignatures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code outpost sign-url}: prints a URL signed with a delivery service's secret, as the edge checks it (the
 * URL's host signed, the path normalized the edge's way, the token appended to the query, the lifetime within the
 * service's maximum).
 */
@Command(name = "sign-url", mixinStandardHelpOptions = true,
        description = "Sign a URL for a delivery service that requires signed URLs.")
public final class SignUrlCommand implements Callable<Integer> {
    @Option(names = "--url", required = true,
            description = "the URL (or path) to sign, e.g. https://video.example/a.mp4")
    String url;

    @Option(names = "--secret",
            description = "the service's first signing secret (visible in ps; prefer --secret-file)")
    String secret;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "file holding the secret (surrounding whitespace ignored)")
    Path secretFile;

    @Option(names = "--ttl", defaultValue = "1h",
            description = "how long the URL stays valid: 30s, 10m, 1h, 7d (default 1h)")
    String ttl;

    @Option(names = "--prefix",
            description = "sign every path starting with this prefix (e.g. /video/), not just the URL's path")
    String prefix;

    @Option(names = "--ip", description = "only this client address may use the URL")
    String ip;

    @Option(names = "--max-lifetime", defaultValue = "7d",
            description = "the service's signing.maxLifetime: a longer --ttl is refused here, as the edge would"
                    + " refuse the URL (default 7d, the edge's default)")
    String maxLifetime;

    @Spec
    CommandSpec spec;

    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        URI uri = URI.create(url);
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("--url must be absolute (https://host/path): the host is signed,"
                    + " was '" + url + "'");
        }
        // The edge checks the path as it normalizes it; sign that same spelling.
        String rawPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String path = CacheKeys.normalizedPath(rawPath);
        Duration lifetime = Durations.parse(ttl);
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("--ttl must be > 0, was " + ttl);
        }
        Instant now = clock.instant();
        String token = new UrlSignatures(List.of(SigningKey.of(secret())), Durations.parse(maxLifetime))
                .sign(uri.getHost(), path, now.plus(lifetime), Optional.ofNullable(prefix), Optional.ofNullable(ip),
                        now);
        String base = uri.getScheme() == null ? "" : uri.getScheme() + "://" + uri.getRawAuthority();
        String query = uri.getRawQuery() == null || uri.getRawQuery().isEmpty() ? "" : uri.getRawQuery() + "&";
        spec.commandLine().getOut().println(base + path + "?" + query + token);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private String secret() {
        if ((secret == null) == (secretFile == null)) {
            throw new IllegalArgumentException("give exactly one of --secret and --secret-file");
        }
        if (secret != null) {
            return secret;
        }
        try {
            return Files.readString(secretFile).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --secret-file " + secretFile + ": " + e.getMessage(), e);
        }
    }
}
