package dev.outpost.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.origin.OriginConfig.Defaults;
import dev.outpost.origin.content.PathRule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A real origin on {@code 127.0.0.1:0} over a fresh data directory, with a canary file just outside that directory
 * (which no request may ever reveal), an HTTP client, and a raw-socket client for request lines no client library
 * would send.
 */
final class TestOrigin implements AutoCloseable {
    /** Every file written by {@link #file} gets this modification time unless told otherwise. */
    static final Instant MODIFIED = Instant.parse("2026-01-10T12:00:00.750Z");

    final Path data;
    final Path outside;
    final String canary = "CANARY-" + UUID.randomUUID();
    private final OriginNode node;
    private final OkHttpClient client;

    private TestOrigin(Path base, List<PathRule> rules, Defaults defaults) throws IOException {
        data = Files.createDirectories(base.resolve("data"));
        outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("canary.txt"), canary);
        node = OriginNode.start(OriginConfig.of(data.toString()).withListen("127.0.0.1:0").withRules(rules, defaults));
        client = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(20)).build();
    }

    static TestOrigin start(Path base) throws IOException {
        return start(base, List.of(), Defaults.NONE);
    }

    static TestOrigin start(Path base, List<PathRule> rules, Defaults defaults) throws IOException {
        return new TestOrigin(base, rules, defaults);
    }

    /** Writes a master copy (parents created) with the modification time {@link #MODIFIED}. */
    Path file(String relative, byte[] content) {
        try {
            Path path = data.resolve(relative);
            Files.createDirectories(path.getParent());
            Files.write(path, content);
            Files.setLastModifiedTime(path, FileTime.from(MODIFIED));
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file(String relative, String content) {
        return file(relative, content.getBytes(StandardCharsets.UTF_8));
    }

    String url(String path) {
        return node.baseUri() + path;
    }

    Response get(String path, String... headerPairs) throws IOException {
        return call("GET", path, headerPairs);
    }

    Response head(String path, String... headerPairs) throws IOException {
        return call("HEAD", path, headerPairs);
    }

    /** Sends a request; {@code headerPairs} alternate name, value. The caller closes the response. */
    Response call(String method, String path, String... headerPairs) throws IOException {
        Request.Builder request = new Request.Builder().url(url(path));
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.addHeader(headerPairs[i], headerPairs[i + 1]);
        }
        request.method(method, method.equals("POST") || method.equals("PUT")
                ? okhttp3.RequestBody.create(new byte[0], null) : null);
        return client.newCall(request.build()).execute();
    }

    /** Sends {@code METHOD target HTTP/1.1} exactly as given over a plain socket; reads until the server closes. */
    RawResponse raw(String method, String target, String... headerLines) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: origin.test\r\n");
            for (String line : headerLines) {
                request.append(line).append("\r\n");
            }
            out.write(request.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return RawResponse.parse(socket.getInputStream().readAllBytes());
        }
    }

    RawResponse raw(String target) throws IOException {
        return raw("GET", target);
    }

    int port() {
        return node.port();
    }

    @Override
    public void close() {
        node.close();
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }

    static String sha256Base64(byte[] content) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String expectedEtag(byte[] content) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A response as read off the wire: status (0 when the server closed without answering), headers (lower-case
     * names) and every byte after them.
     */
    record RawResponse(int status, Map<String, String> headers, byte[] body, byte[] wire) {
        static RawResponse parse(byte[] wire) {
            String text = new String(wire, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (!text.startsWith("HTTP/1.1 ") || end < 0) {
                return new RawResponse(0, Map.of(), new byte[0], wire);
            }
            String[] lines = text.substring(0, end).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : List.of(lines).subList(1, lines.length)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            byte[] body = java.util.Arrays.copyOfRange(wire, end + 4, wire.length);
            return new RawResponse(Integer.parseInt(lines[0].substring(9, 12)), headers, body, wire);
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String wireText() {
            return new String(wire, StandardCharsets.ISO_8859_1);
        }
    }

    static void assertJsonError(String body, String code) {
        assertThat(body).contains("\"error\":\"" + code + "\"");
    }
}
