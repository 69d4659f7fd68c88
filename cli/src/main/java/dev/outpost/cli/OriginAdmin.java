package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * An origin's own API as the {@code outpost origin} client commands use it: its base URL ({@code --url}) and its
 * bearer token ({@code --token} or {@code OUTPOST_ORIGIN_TOKEN}); JSON out; an error answer becomes one line.
 */
final class OriginAdmin {
    @Option(names = "--url", paramLabel = "URL", required = true,
            description = "the origin's base URL, e.g. http://10.0.2.5:8080")
    URI url;

    @Option(names = "--token", paramLabel = "TOKEN", description = "the origin's apiToken (env OUTPOST_ORIGIN_TOKEN)")
    Optional<String> token = Optional.empty();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonNode post(String path) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private URI uri(String path) {
        String base = url.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    private JsonNode send(HttpRequest.Builder request) {
        String secret = token.or(() -> Optional.ofNullable(System.getenv("OUTPOST_ORIGIN_TOKEN")))
                .orElseThrow(() -> new ApiClient.Failure("give --token TOKEN or set OUTPOST_ORIGIN_TOKEN"));
        request.header("Authorization", "Bearer " + secret).timeout(Duration.ofSeconds(30));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ApiClient.Failure("cannot reach the origin at " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiClient.Failure("interrupted");
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (RuntimeException e) {
            throw new ApiClient.Failure("HTTP " + response.statusCode() + " with a body that is not JSON");
        }
        if (response.statusCode() >= 400) {
            throw new ApiClient.Failure("HTTP " + response.statusCode() + " " + ApiClient.text(body, "error") + ": "
                    + ApiClient.text(body, "message"));
        }
        return body;
    }
}
