package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * The control-plane API as the client commands use it: base URL and bearer token from flags or the environment
 * ({@code OUTPOST_API}, {@code OUTPOST_TOKEN}); JSON in, JSON out ({@link JsonApi}). A picocli mixin, so every
 * client command takes the same flags, {@code --json} included.
 */
final class ApiClient {
    static final String DEFAULT_API = "http://127.0.0.1:8000";

    @Option(names = "--api", paramLabel = "URL",
            description = "control-plane API base URL, http:// or https:// (env OUTPOST_API; default " + DEFAULT_API
                    + "); HOST:PORT alone is taken as http://HOST:PORT")
    Optional<String> api = Optional.empty();

    @Option(names = "--token", paramLabel = "TOKEN", description = "API token (env OUTPOST_TOKEN)")
    Optional<String> token = Optional.empty();

    @Option(names = "--json", description = "print the API's answer as one line of JSON and nothing else on "
            + "stdout (errors still go to stderr, with the same exit codes)")
    boolean json;

    private final JsonApi calls = new JsonApi("control plane", "--api / OUTPOST_API");

    /** Whether the command prints the API's JSON instead of its table. */
    boolean json() {
        return json;
    }

    JsonNode get(String path, Duration timeout) {
        return calls.get(url(path), secret(), timeout);
    }

    /**
     * Posts with a fresh {@code Idempotency-Key}, and sends the very same request again (same key) when the answer
     * was lost on the way (timeout, reset connection): the control plane then answers with the entry the first try
     * made instead of logging a second one.
     */
    JsonNode post(String path, Object body) {
        URI url = url(path);
        String key = java.util.UUID.randomUUID().toString();
        byte[] json = Json.bytes(body);
        JsonApi.Failure lost = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return calls.post(url, Optional.of(json), Map.of("Idempotency-Key", key), secret(),
                        Duration.ofSeconds(30));
            } catch (JsonApi.Lost e) {
                lost = e;
            }
        }
        throw lost;
    }

    /** A PUT of a JSON body with extra headers; not repeated when its answer is lost (a conditional PUT need not be). */
    JsonNode put(String path, byte[] json, Map<String, String> headers) {
        return calls.put(url(path), json, headers, secret(), Duration.ofSeconds(30));
    }

    /** A DELETE with extra headers. */
    JsonNode delete(String path, Map<String, String> headers) {
        return calls.delete(url(path), headers, secret(), Duration.ofSeconds(30));
    }

    /** A POST without a body and without an Idempotency-Key (a rollback names its result exactly). */
    JsonNode postEmpty(String path) {
        return calls.post(url(path), Optional.empty(), Map.of(), secret(), Duration.ofSeconds(30));
    }

    /** Checks the base URL and the token without sending anything, so bad flags are refused before any call. */
    void check() {
        base();
        secret();
    }

    /** The API base: {@code --api}, else {@code OUTPOST_API}, else the default (see {@link JsonApi#baseUrl}). */
    URI base() {
        Optional<String> env = Optional.ofNullable(System.getenv("OUTPOST_API")).filter(s -> !s.isBlank());
        return JsonApi.baseUrl(api.or(() -> env).orElse(DEFAULT_API), api.isPresent() ? "--api" : "OUTPOST_API");
    }

    private URI url(String path) {
        return URI.create(base() + path);
    }

    private String secret() {
        return token.or(() -> Optional.ofNullable(System.getenv("OUTPOST_TOKEN")).filter(s -> !s.isBlank()))
                .orElseThrow(() -> new IllegalArgumentException("give --token TOKEN or set OUTPOST_TOKEN"));
    }
}
