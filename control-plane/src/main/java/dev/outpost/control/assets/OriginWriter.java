package dev.outpost.control.assets;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlaneConfig.Origin;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;

/**
 * Writes a master copy through an origin's asset API ({@code PUT {url}/_origin/assets{path}}, docs/origin.md, "Asset API").
 * The origin's own refusals (bad path, digest mismatch, too large...) come back with its status and error code,
 * prefixed {@code origin:}; an unreachable or failing origin is 502 {@code origin_failed}.
 */
public final class OriginWriter {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final OkHttpClient client;

    public OriginWriter(OkHttpClient client) {
        this.client = client.newBuilder().callTimeout(TIMEOUT).build();
    }

    /** What the origin stored: its path (decoded, as its change notices name it), ETag, and 201 or 200. */
    public record Written(int status, String path, String etag) {
    }

    /**
     * @param rawPath the asset's URL path as the client sent it (still percent-encoded), starting with '/'
     * @param headers request headers passed on: {@code Content-Type}, {@code Repr-Digest}, {@code Content-MD5}
     */
    public Written put(Origin origin, String rawPath, byte[] body, Map<String, String> headers) {
        String base = origin.url().orElseThrow(() -> ApiException.badRequest("no_origin_url", "origin '"
                + origin.id() + "' has no url configured; write-through needs origins[].url and token")).toString();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        String type = Optional.ofNullable(headers.get("Content-Type")).orElse("application/octet-stream");
        Request.Builder request = new Request.Builder().url(base + "/_origin/assets" + rawPath)
                .put(RequestBody.create(body, MediaType.parse(type)));
        headers.forEach((name, value) -> {
            if (!name.equals("Content-Type")) {
                request.header(name, value);
            }
        });
        origin.token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        try (Response response = client.newCall(request.build()).execute()) {
            byte[] answer = response.body().bytes();
            JsonNode json = parse(answer);
            if (response.isSuccessful()) {
                String path = text(json, "path").orElseThrow(() -> failed("answer without 'path'"));
                String etag = text(json, "etag").or(() -> Optional.ofNullable(response.header("ETag")))
                        .orElseThrow(() -> failed("answer without 'etag'"));
                return new Written(response.code(), path, etag);
            }
            if (response.code() >= 400 && response.code() < 500 && response.code() != 401
                    && response.code() != 403) {
                throw new ApiException(response.code(), text(json, "error").orElse("origin_refused"),
                        "origin: " + text(json, "message").orElse("HTTP " + response.code()));
            }
            throw failed("answered " + response.code() + " " + text(json, "error").orElse(""));
        } catch (IOException e) {
            throw failed("unreachable: " + e.getMessage());
        }
    }

    private static JsonNode parse(byte[] answer) {
        try {
            return Json.mapper().readTree(answer);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Optional<String> text(JsonNode json, String field) {
        return json == null || json.get(field) == null || json.get(field).isNull() ? Optional.empty()
                : Optional.of(json.get(field).asString());
    }

    private static ApiException failed(String why) {
        // A token the origin refuses is our configuration's fault, not the client's: also a 502.
        return new ApiException(502, "origin_failed", "writing to the origin failed: " + why);
    }
}
