package dev.outpost.cli;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * An origin's own API as the {@code outpost origin} client commands use it: its base URL ({@code --url}) and its
 * bearer token ({@code --token} or {@code OUTPOST_ORIGIN_TOKEN}); JSON out ({@link JsonApi}), {@code --json} to
 * print it as it came.
 */
final class OriginAdmin {
    @Option(names = "--url", paramLabel = "URL", required = true,
            description = "the origin's base URL, e.g. http://10.0.2.5:8080 (HOST:PORT alone is taken as http://)")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", description = "the origin's apiToken (env OUTPOST_ORIGIN_TOKEN)")
    Optional<String> token = Optional.empty();

    @Option(names = "--json", description = "print the origin's answer as one line of JSON and nothing else on "
            + "stdout (errors still go to stderr, with the same exit codes)")
    boolean json;

    private final JsonApi calls = new JsonApi("origin", "--url");

    /** The origin's base URL, checked (see {@link JsonApi#baseUrl}). */
    URI base() {
        return JsonApi.baseUrl(url, "--url");
    }

    JsonNode get(String path) {
        return calls.get(URI.create(base() + path), secret(), Duration.ofSeconds(30));
    }

    JsonNode post(String path) {
        return calls.post(URI.create(base() + path), Optional.empty(), Map.of(), secret(), Duration.ofSeconds(30));
    }

    private String secret() {
        return token.or(() -> Optional.ofNullable(System.getenv("OUTPOST_ORIGIN_TOKEN")).filter(s -> !s.isBlank()))
                .orElseThrow(() -> new IllegalArgumentException("give --token TOKEN or set OUTPOST_ORIGIN_TOKEN"));
    }
}
