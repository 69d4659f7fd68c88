package dev.outpost.edge.control;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.wire.Heartbeat;
import dev.outpost.common.wire.HeartbeatReply;
import dev.outpost.common.wire.NodeRegistration;
import dev.outpost.common.wire.RegistrationReply;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.core.JacksonException;

/** {@link ControlPlaneApi} over HTTP: {@code POST /api/v1/nodes/register} and {@code /api/v1/nodes/{id}/heartbeat}. */
final class ControlPlaneClient implements ControlPlaneApi, AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");

    private final String base;
    private final String authorization;
    private final OkHttpClient http;
    private volatile boolean acceptsTraffic;

    ControlPlaneClient(URI url, String token) {
        this(url, token, Optional.empty());
    }

    /** @param tls for an {@code https://} node listener: trust only our CA, present the node certificate */
    ControlPlaneClient(URI url, String token, Optional<TlsContexts.Client> tls) {
        OkHttpClient.Builder builder = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(10))
                .followRedirects(false)
                .retryOnConnectionFailure(false);
        tls.ifPresent(t -> builder.sslSocketFactory(t.context().getSocketFactory(), t.trustManager()));
        this.http = builder.build();
        String s = url.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.authorization = "Bearer " + token;
    }

    @Override
    public RegistrationReply register(NodeRegistration registration) throws IOException {
        return post("/api/v1/nodes/register", registration, RegistrationReply.class);
    }

    @Override
    public HeartbeatReply heartbeat(String nodeId, Heartbeat heartbeat) throws IOException {
        return post("/api/v1/nodes/" + nodeId + "/heartbeat", heartbeat, HeartbeatReply.class);
    }

    @Override
    public boolean acceptsTraffic() {
        return acceptsTraffic;
    }

    private <T> T post(String path, Object body, Class<T> answer) throws IOException {
        Request request = new Request.Builder().url(base + path)
                .header("Authorization", authorization)
                .post(RequestBody.create(Json.bytes(body), JSON))
                .build();
        try (Response response = http.newCall(request).execute()) {
            String text = response.body().string();
            if (response.code() == 404 && text.contains("\"unknown_node\"")) {
                throw new UnknownNode(text);
            }
            if (!response.isSuccessful()) {
                throw new IOException("control plane answered " + response.code() + " to " + path + ": " + text);
            }
            if (answer == HeartbeatReply.class) {
                acceptsTraffic = "1".equals(response.header(Heartbeat.TRAFFIC_HEADER));
            }
            try {
                return Json.mapper().readValue(text, answer);
            } catch (JacksonException e) {
                throw new IOException("control plane answered " + path + " with unreadable JSON: "
                        + e.getOriginalMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
