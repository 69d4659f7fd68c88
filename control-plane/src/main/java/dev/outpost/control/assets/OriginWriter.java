package dev.outpost.control.assets;

import dev.outpost.common.http.ErrorStatuses;
import dev.outpost.common.json.Json;
import dev.outpost.common.problem.Problem;
import dev.outpost.control.ControlPlaneConfig.Origin;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import tools.jackson.databind.JsonNode;

/**
 * Writes a master copy through an origin's asset API ({@code PUT {url}/_origin/assets{path}}, docs/origin.md,
 * "Asset API"). The client's body is relayed to the origin as it arrives, never held whole: with the client's
 * Content-Length when it sent one, chunked otherwise, and cut off as soon as it passes the origin's
 * {@code maxUploadBytes} (the origin then sees an incomplete body and keeps its old copy). The origin's own
 * refusals (bad path, digest mismatch, too large...) come back with its status and error code, prefixed
 * {@code origin:}; an unreachable or failing origin is 502 {@code origin_failed}.
 */
public final class OriginWriter {
    /** The origin's 503s that are its storage's state (origin/assets/StorageRefusals), relayed with their code. */
    private static final Set<String> ORIGIN_STORAGE_REFUSALS = Set.of("storage_read_only",
            "storage_not_permitted");
    /** No answer within this long after the last byte moved is a failed write. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final int BUFFER_BYTES = 64 * 1024;

    private final OkHttpClient client;

    public OriginWriter(OkHttpClient client) {
        // A 512 MiB upload takes as long as the client takes to send it: no total deadline, only idle ones.
        this.client = client.newBuilder().callTimeout(Duration.ZERO).readTimeout(IDLE_TIMEOUT)
                .writeTimeout(IDLE_TIMEOUT).build();
    }

    /** What the origin stored: its path (decoded, as its change notices name it), ETag, and 201 or 200. */
    public record Written(int status, String path, String etag) {
    }

    /**
     * The client's body, still to be read.
     *
     * @param in             the request body stream
     * @param declaredLength the client's Content-Length, when it sent one
     * @param tooLarge       what the client is answered when the body passes the limit
     */
    public record Upload(InputStream in, OptionalLong declaredLength, Problem tooLarge) {
    }

    /**
     * @param rawPath the asset's URL path as the client sent it (still percent-encoded), starting with '/'
     * @param headers request headers passed on: {@code Content-Type}, {@code Repr-Digest}, {@code Content-MD5}
     * @throws Problem too large past {@code origin.maxUploadBytes}, invalid {@code incomplete_body} when the
     *                  client's body ends early, the origin's own refusal (its 4xx, as the same kind), or upstream
     *                  failed {@code origin_failed}
     */
    public Written put(Origin origin, String rawPath, Upload upload, Map<String, String> headers) {
        String base = origin.url().orElseThrow(() -> Problem.invalid("no_origin_url", "origin '"
                + origin.id() + "' has no url configured; write-through needs origins[].url and token")).toString();
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        String type = Optional.ofNullable(headers.get("Content-Type")).orElse("application/octet-stream");
        Relay relay = new Relay(upload, origin.maxUploadBytes(), MediaType.parse(type));
        Request.Builder request = new Request.Builder().url(base + "/_origin/assets" + rawPath).put(relay);
        headers.forEach((name, value) -> {
            if (!name.equals("Content-Type")) {
                request.header(name, value);
            }
        });
        origin.token().ifPresent(token -> request.header("Authorization", "Bearer " + token));
        try (Response response = client.newCall(request.build()).execute()) {
            if (relay.failure != null) {
                throw relay.failure; // the origin answered an incomplete body; the client's fault comes first
            }
            byte[] answer = response.body().bytes();
            JsonNode json = parse(answer);
            if (response.isSuccessful()) {
                String path = text(json, "path").orElseThrow(() -> failed("answer without 'path'"));
                String etag = text(json, "etag").or(() -> Optional.ofNullable(response.header("ETag")))
                        .orElseThrow(() -> failed("answer without 'etag'"));
                return new Written(response.code(), path, etag);
            }
            String error = text(json, "error").orElse("");
            Optional<Problem.Kind> refusal = ErrorStatuses.kindOf(response.code())
                    // The origin's full (507) or read-only (503) disk is relayed as such: the client's retry depends
                    // on the operator freeing space or remounting there, not on another origin request.
                    .filter(kind -> (response.code() >= 400 && response.code() < 500)
                            || kind == Problem.Kind.INSUFFICIENT_STORAGE
                            || kind == Problem.Kind.UNAVAILABLE && ORIGIN_STORAGE_REFUSALS.contains(error))
                    .filter(kind -> kind != Problem.Kind.UNAUTHENTICATED && kind != Problem.Kind.FORBIDDEN);
            if (refusal.isPresent()) {
                throw new Problem(refusal.get(), error.isEmpty() ? "origin_refused" : error,
                        "origin: " + text(json, "message").orElse("HTTP " + response.code()));
            }
            throw failed("answered " + response.code() + " " + text(json, "error").orElse(""));
        } catch (IOException e) {
            if (relay.failure != null) {
                throw relay.failure;
            }
            throw failed("unreachable: " + e.getMessage());
        }
    }

    /**
     * Copies the client's body to the origin's connection, counting. One-shot: OkHttp must never retry it (the
     * bytes are gone). When the client's side fails, the reason is kept for the client's answer and the origin's
     * request is broken off, so the origin never commits a partial body.
     */
    private static final class Relay extends RequestBody {
        private final Upload upload;
        private final long maxBytes;
        private final MediaType type;
        volatile Problem failure;

        Relay(Upload upload, long maxBytes, MediaType type) {
            this.upload = upload;
            this.maxBytes = maxBytes;
            this.type = type;
        }

        @Override
        public MediaType contentType() {
            return type;
        }

        @Override
        public long contentLength() {
            return upload.declaredLength().orElse(-1);
        }

        @Override
        public boolean isOneShot() {
            return true;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            byte[] buffer = new byte[BUFFER_BYTES];
            long total = 0;
            while (true) {
                int n;
                try {
                    n = upload.in().read(buffer);
                } catch (Problem e) {
                    throw stop(e);
                } catch (IOException e) {
                    throw stop(Problem.invalid("incomplete_body", "the request body ended early ("
                            + e.getMessage() + "); nothing was written"));
                }
                if (n < 0) {
                    return;
                }
                total += n;
                if (total > maxBytes) {
                    throw stop(upload.tooLarge());
                }
                sink.write(buffer, 0, n);
            }
        }

        private IOException stop(Problem why) {
            failure = why;
            return new IOException("upload stopped: " + why.getMessage());
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

    private static Problem failed(String why) {
        // A token the origin refuses is our configuration's fault, not the client's: also a 502.
        return new Problem(Problem.Kind.UPSTREAM_FAILED, "origin_failed", "writing to the origin failed: " + why);
    }
}
