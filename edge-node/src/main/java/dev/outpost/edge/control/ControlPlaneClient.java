package dev.outpost.edge.control;

import dev.outpost.common.controlplane.ControlPlanes;
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

/**
 * {@link ControlPlaneApi} over HTTP: {@code POST /api/v1/nodes/register} and {@code /api/v1/nodes/{id}/heartbeat}, to
 * the control plane in use and, when it does not answer (or answers 5xx, 408, 429), to the next at once
 * ({@link ControlPlanes}). Any other refusal is an answer every control plane would give: it goes to the link as it
 * is, with no switch.
 */
final class ControlPlaneClient implements ControlPlaneApi, AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");

    private final ControlPlanes controlPlanes;
    private final String authorization;
    private final OkHttpClient http;
    private volatile boolean acceptsTraffic;

    ControlPlaneClient(URI url, String token) {
        this(new ControlPlanes("control-plane client", java.util.List.of(url)), token, Optional.empty());
    }

    /** @param tls for an {@code https://} node listener: trust only our CA, present the node certificate */
    ControlPlaneClient(ControlPlanes controlPlanes, String token, Optional<TlsContexts.Client> tls) {
        OkHttpClient.Builder builder = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(10))
                .followRedirects(false)
                .retryOnConnectionFailure(false);
        tls.ifPresent(t -> builder.sslSocketFactory(t.context().getSocketFactory(), t.trustManager()));
        this.http = builder.build();
        this.controlPlanes = controlPlanes;
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

    @Override
    public String inUse() {
        return controlPlanes.current().toString();
    }

    private <T> T post(String path, Object body, Class<T> answer) throws IOException {
        return controlPlanes.call(url -> post(url, path, body, answer));
    }

    private <T> T post(URI url, String path, Object body, Class<T> answer) throws IOException {
        String base = url.toString().replaceAll("/+$", "");
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
                String why = base + " answered " + response.code() + " to " + path + ": " + text;
                int code = response.code();
                if (code >= 500 || code == 408 || code == 429) {
                    throw new IOException(why); // this one cannot help now: the next may
                }
                throw new Refused(why);
            }
            if (answer == HeartbeatReply.class) {
                acceptsTraffic = "1".equals(response.header(Heartbeat.TRAFFIC_HEADER));
            }
            try {
                return Json.mapper().readValue(text, answer);
            } catch (JacksonException e) {
                throw new IOException(base + " answered " + path + " with unreadable JSON: "
                        + e.getOriginalMessage(), e);
            }
        }
    }

    /** A 4xx other than {@code unknown_node}: a token or certificate every control plane refuses alike. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
