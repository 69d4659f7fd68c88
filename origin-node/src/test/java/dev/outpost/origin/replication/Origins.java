package dev.outpost.origin.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outpost.common.json.Json;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.databind.JsonNode;

/**
 * Origins of one group in this JVM, each on {@code 127.0.0.1:0} over its own data directory under a temp folder,
 * sharing one API token; with a client for their content ports, asset and replication APIs. Stopping an origin
 * and starting another over the same directory is a restart.
 */
final class Origins implements AutoCloseable {
    static final String TOKEN = "replication-token-0123";
    /** Waits for replication end by this, generously: they assert that it happens, not how fast. */
    static final Duration PATIENCE = Duration.ofSeconds(60);

    private final Path base;
    private final List<OriginNode> running = new ArrayList<>();
    final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(30))
            .retryOnConnectionFailure(false).build();

    Origins(Path base) {
        this.base = base;
    }

    /** A primary over {@code <base>/<dir>}. */
    OriginNode primary(String dir, UnaryOperator<OriginConfig.Replication> settings) {
        return start(config(dir).withReplication(settings.apply(OriginConfig.Replication.PRIMARY)));
    }

    OriginNode primary(String dir) {
        return primary(dir, s -> s);
    }

    /** A replica named {@code name} over {@code <base>/<dir>}, copying from {@code primary}. */
    OriginNode replica(String dir, String name, URI primary) {
        return start(config(dir).withReplication(OriginConfig.Replication.replicaOf(primary, Optional.of(name))));
    }

    OriginNode start(OriginConfig config) {
        OriginNode node = OriginNode.start(config);
        running.add(node);
        return node;
    }

    OriginConfig config(String dir) {
        try {
            Path data = Files.createDirectories(base.resolve(dir));
            return OriginConfig.of(data.toString()).withListen("127.0.0.1:0").withApiToken(TOKEN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stop(OriginNode node) {
        running.remove(node);
        node.close();
    }

    /** A whole answer, read and closed. */
    record Answer(int code, String etag, String text) {
        JsonNode json() {
            return Json.mapper().readTree(text);
        }
    }

    Answer put(OriginNode node, String path, String body) {
        return call(node, new Request.Builder().url(node.baseUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + TOKEN)
                .put(RequestBody.create(body, MediaType.get("text/plain"))));
    }

    Answer delete(OriginNode node, String path) {
        return call(node, new Request.Builder().url(node.baseUri() + "/_origin/assets" + path)
                .header("Authorization", "Bearer " + TOKEN).delete());
    }

    /** GET from the content port. */
    Answer get(OriginNode node, String path) {
        return call(node, new Request.Builder().url(node.baseUri() + path));
    }

    Answer promote(OriginNode node) {
        return call(node, new Request.Builder().url(node.baseUri() + "/_origin/replication/promote")
                .header("Authorization", "Bearer " + TOKEN).post(RequestBody.create(new byte[0])));
    }

    Answer metrics(OriginNode node) {
        return call(node, new Request.Builder().url(node.baseUri() + "/_origin/metrics"));
    }

    Answer call(OriginNode node, Request.Builder request) {
        try (Response response = http.newCall(request.build()).execute()) {
            return new Answer(response.code(), response.header("ETag"),
                    new String(response.body().bytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(request.build().method() + " " + request.build().url() + ": " + e, e);
        }
    }

    /** Path → digest of every asset an origin serves, from its asset API listing. */
    Map<String, String> files(OriginNode node) {
        Map<String, String> files = new TreeMap<>();
        Optional<String> after = Optional.empty();
        do {
            Answer page = call(node, new Request.Builder().url(node.baseUri() + "/_origin/assets?limit=1000"
                    + after.map(a -> "&after=" + a).orElse("")).header("Authorization", "Bearer " + TOKEN));
            assertThat(page.code()).isEqualTo(200);
            JsonNode json = page.json();
            json.get("items").forEach(item -> files.put(item.get("path").asString(), item.get("digest").asString()));
            JsonNode next = json.get("next");
            after = next == null || next.isNull() ? Optional.empty() : Optional.of(next.asString());
        } while (after.isPresent());
        return files;
    }

    /** Waits until {@code replica} applied everything {@code primary} has, and is streaming. */
    void awaitCaughtUp(OriginNode replica, OriginNode primary) {
        await().atMost(PATIENCE).until(() -> {
            ReplicationStatus mine = replica.replication();
            return mine.following().map(f -> f.state().equals("streaming")).orElse(false)
                    && mine.head() == primary.replication().head();
        });
    }

    @Override
    public void close() {
        for (OriginNode node : running.reversed()) {
            node.close();
        }
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
