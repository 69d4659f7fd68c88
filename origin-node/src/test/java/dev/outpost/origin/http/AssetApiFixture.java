package dev.outpost.origin.http;

import dev.outpost.common.json.Json;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import dev.outpost.origin.assets.AssetWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A real origin on {@code 127.0.0.1:0} over a temp {@code data/} directory, with an {@code outside/} directory
 * beside it that no request may touch, and clients to talk to it: OkHttp for well-formed requests, a raw socket for
 * request targets OkHttp would normalise.
 */
final class AssetApiFixture implements AutoCloseable {
    static final String TOKEN = "test-token-0123456789";
    static final MediaType OCTETS = MediaType.get("application/octet-stream");

    final Path data;
    final Path outside;
    final OriginNode node;
    final OkHttpClient http = new OkHttpClient.Builder()
            .callTimeout(Duration.ofSeconds(20))
            .retryOnConnectionFailure(false)
            .build();

    private AssetApiFixture(Path data, Path outside, OriginNode node) {
        this.data = data;
        this.outside = outside;
        this.node = node;
    }

    static AssetApiFixture start(Path tempDir) {
        return start(tempDir, config -> config);
    }

    static AssetApiFixture start(Path tempDir, UnaryOperator<OriginConfig> tweak) {
        try {
            Path data = Files.createDirectories(tempDir.resolve("data"));
            Path outside = Files.createDirectories(tempDir.resolve("outside"));
            Files.writeString(outside.resolve("secret.txt"), "outside the data directory");
            OriginConfig config = tweak.apply(OriginConfig.of(data.toString())
                    .withListen("127.0.0.1:0")
                    .withApiToken(TOKEN));
            return new AssetApiFixture(data, outside, OriginNode.start(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whole answer, read and closed. */
    record Answer(int code, Headers headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        <T> T json(Class<T> type) {
            return Json.mapper().readValue(body, type);
        }

        String header(String name) {
            return headers.get(name);
        }
    }

    String url(String assetPath) {
        return node.baseUri() + "/_origin/assets" + assetPath;
    }

    Request.Builder request(String assetPath) {
        return new Request.Builder().url(url(assetPath)).header("Authorization", "Bearer " + TOKEN);
    }

    Answer put(String assetPath, String body, String... headerPairs) {
        return put(assetPath, body.getBytes(StandardCharsets.UTF_8), headerPairs);
    }

    Answer put(String assetPath, byte[] body, String... headerPairs) {
        return call(withHeaders(request(assetPath), headerPairs).put(RequestBody.create(body, OCTETS)).build());
    }

    Answer get(String assetPathAndQuery) {
        return call(request(assetPathAndQuery).get().build());
    }

    Answer delete(String assetPath) {
        return call(request(assetPath).delete().build());
    }

    Answer call(Request request) {
        try (Response response = http.newCall(request).execute()) {
            return new Answer(response.code(), response.headers(), response.body().bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.url() + " failed", e);
        }
    }

    /**
     * Sends {@code method target} byte for byte (no normalisation, no encoding) with the token and a body, on a
     * fresh connection that is closed after the answer.
     */
    Answer raw(String method, String target, byte[] body) {
        String head = method + " " + target + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + node.port() + "\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: close\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return parse(socket.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + target + " failed", e);
        }
    }

    private static Answer parse(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new AssertionError("no complete HTTP answer: '" + text + "'");
        }
        String[] lines = text.substring(0, end).split("\r\n");
        Headers.Builder headers = new Headers.Builder();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(lines[i].substring(0, colon).strip(), lines[i].substring(colon + 1).strip());
        }
        int code = Integer.parseInt(lines[0].split(" ")[1]);
        byte[] body = text.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1);
        return new Answer(code, headers.build(), body);
    }

    /**
     * Every file under {@code dir} with its content: compare before and after to prove nothing changed. The origin's
     * own state ({@code .outpost/}: its replication log, its notice queue) is left out; it is never served or
     * written through the API.
     */
    static Map<String, String> snapshot(Path dir) {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.toList()) {
                String key = dir.relativize(path).toString();
                if (("/" + key + "/").contains("/.outpost/")) {
                    continue;
                }
                files.put(key, Files.isSymbolicLink(path) ? "-> " + Files.readSymbolicLink(path)
                        : Files.isDirectory(path) ? "/" : Files.readString(path, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** Upload temp files left anywhere under the data directory. */
    List<Path> tempFiles() {
        try (Stream<Path> walk = Files.walk(data)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(AssetWriter.TEMP_PREFIX)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String onDisk(String relative) {
        try {
            return Files.readString(data.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Request.Builder withHeaders(Request.Builder builder, String... pairs) {
        for (int i = 0; i < pairs.length; i += 2) {
            builder.header(pairs[i], pairs[i + 1]);
        }
        return builder;
    }

    static byte[] bytes(int size, char fill) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        for (int i = 0; i < size; i++) {
            out.write(fill);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        node.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
