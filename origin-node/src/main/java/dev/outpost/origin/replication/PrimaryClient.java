package dev.outpost.origin.replication;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ErrorBody;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.content.AssetPath;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import tools.jackson.core.JacksonException;

/**
 * A replica's calls to its primary: the change stream (a long poll), the primary's replication status, its asset
 * listing (for a full copy), and asset bodies from its content port, each asked for at one version
 * ({@code If-Match}). Every call but content carries the group's bearer token. No redirects are followed and
 * OkHttp does not retry: the follower's loop retries, with backoff.
 */
final class PrimaryClient implements AutoCloseable {
    /** Longest wait between two bytes of anything the primary sends. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private final HttpUrl primary;
    private final String token;
    private final OkHttpClient client;
    private volatile Call inFlight;

    PrimaryClient(URI primary, String token, Duration pollWait) {
        this.primary = HttpUrl.get(primary);
        this.token = token;
        this.client = new OkHttpClient.Builder()
                .connectTimeout(5, TimeUnit.SECONDS)
                .readTimeout(READ_TIMEOUT.plus(pollWait))
                .writeTimeout(10, TimeUnit.SECONDS)
                .followRedirects(false)
                .retryOnConnectionFailure(false)
                .build();
    }

    URI uri() {
        return primary.uri();
    }

    /** What the primary answered to a request for changes. */
    sealed interface Answer {
        record Changes(ChangeBatch batch) implements Answer {
        }

        /** A 4xx/5xx with its error code ({@code resync_needed}, {@code stale_primary}, ...) and message. */
        record Refused(int status, String error, String message) implements Answer {
        }
    }

    /** Asks for the changes after {@code mine}, waiting on the primary up to {@code wait} when there are none. */
    Answer changes(ChangeLog.Position mine, String name, Duration wait, int limit) throws IOException {
        HttpUrl url = primary.newBuilder().addPathSegments("_origin/replication/changes")
                .addQueryParameter("log", mine.log())
                .addQueryParameter("epoch", Long.toString(mine.epoch()))
                .addQueryParameter("after", Long.toString(mine.head()))
                .addQueryParameter("replica", name)
                .addQueryParameter("waitMillis", Long.toString(wait.toMillis()))
                .addQueryParameter("limit", Integer.toString(limit))
                .build();
        try (Response response = execute(authorized(url).build())) {
            if (response.code() == 200) {
                return new Answer.Changes(read(response, ChangeBatch.class));
            }
            ErrorBody error = errorOf(response);
            return new Answer.Refused(response.code(), error.error(), error.message());
        }
    }

    /** The primary's position and epochs ({@code GET /_origin/replication}). */
    ReplicationStatus status() throws IOException {
        try (Response response = execute(authorized(primary.newBuilder()
                .addPathSegments("_origin/replication").build()).build())) {
            requireOk(response, "its replication status");
            return read(response, ReplicationStatus.class);
        }
    }

    /** One page of the primary's asset listing, after {@code after} (a path), with each asset's digest. */
    ListingPage listing(Optional<String> after) throws IOException {
        HttpUrl.Builder url = primary.newBuilder().addPathSegments("_origin/assets")
                .addQueryParameter("limit", "1000");
        after.ifPresent(a -> url.addQueryParameter("after", a));
        try (Response response = execute(authorized(url.build()).build())) {
            requireOk(response, "its asset listing");
            return read(response, ListingPage.class);
        }
    }

    /** A page of {@code GET /_origin/assets}. */
    record ListingPage(List<AssetInfo> items, Optional<String> next) {
        ListingPage {
            items = items == null ? List.of() : List.copyOf(items);
            next = next == null ? Optional.empty() : next;
        }
    }

    /** Reads a body the caller streams somewhere, with the Content-Length the primary declared. */
    @FunctionalInterface
    interface BodyReader {
        void read(InputStream body, OptionalLong length) throws IOException;
    }

    /**
     * Fetches {@code path} from the content port if the primary still holds the version {@code etag} names, and
     * hands its body to {@code reader}.
     *
     * @return false when the primary has another version now, or none (412, 404)
     */
    boolean fetch(AssetPath path, String etag, BodyReader reader) throws IOException {
        Request request = new Request.Builder().url(content(path)).header("If-Match", etag).build();
        try (Response response = execute(request)) {
            if (response.code() == 412 || response.code() == 404) {
                return false;
            }
            requireOk(response, path.urlPath());
            long length = response.body().contentLength();
            reader.read(response.body().byteStream(), length < 0 ? OptionalLong.empty() : OptionalLong.of(length));
            return true;
        }
    }

    /** Whether the primary serves {@code path} now (a HEAD on its content port). */
    boolean holds(AssetPath path) throws IOException {
        try (Response response = execute(new Request.Builder().url(content(path)).head().build())) {
            if (response.code() == 404) {
                return false;
            }
            requireOk(response, path.urlPath());
            return true;
        }
    }

    /** Cancels the call in flight (the follower is stopping). */
    void cancel() {
        Call call = inFlight;
        if (call != null) {
            call.cancel();
        }
    }

    @Override
    public void close() {
        cancel();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    private HttpUrl content(AssetPath path) {
        HttpUrl.Builder url = primary.newBuilder();
        path.segments().forEach(url::addPathSegment);
        return url.build();
    }

    private Request.Builder authorized(HttpUrl url) {
        return new Request.Builder().url(url).header("Authorization", "Bearer " + token);
    }

    private Response execute(Request request) throws IOException {
        Call call = client.newCall(request);
        inFlight = call;
        try {
            return call.execute();
        } finally {
            inFlight = null;
        }
    }

    private static void requireOk(Response response, String what) throws IOException {
        if (response.code() != 200) {
            ErrorBody error = errorOf(response);
            throw new IOException("the primary answered " + what + " with HTTP " + response.code()
                    + (error.error().isEmpty() ? "" : " " + error.error() + ": " + error.message()));
        }
    }

    private static <T> T read(Response response, Class<T> type) throws IOException {
        try {
            return Json.mapper().readValue(response.body().bytes(), type);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new IOException("the primary's answer is not a valid " + type.getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    private static ErrorBody errorOf(Response response) {
        try {
            ErrorBody body = Json.mapper().readValue(response.body().bytes(), ErrorBody.class);
            return new ErrorBody(body.error() == null ? "" : body.error(), body.message() == null ? ""
                    : body.message());
        } catch (IOException | JacksonException | IllegalArgumentException e) {
            return new ErrorBody("", "");
        }
    }
}
