package dev.outpost.edge.origin;

import dev.outpost.edge.config.OriginTimeouts;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Sends requests to a delivery service's origins with OkHttp: explicit connect/read/total timeouts, redirects
 * never followed (3xx is passed on), and failover to the next origin on connection errors and, for idempotent
 * requests, on 5xx and timeouts (a non-idempotent request moves on only when it was never delivered). The last
 * origin's 5xx is returned as is; when no origin answered at all, {@link OriginUnreachable} says whether it was a
 * timeout.
 */
public final class OriginClient implements AutoCloseable {
    /** Told about every origin attempt, for metrics. */
    public interface Listener {
        void originResponded(int status, Duration latency);

        void originFailed(Duration latency);
    }

    private final OkHttpClient http;
    private final Clock clock;
    private final Listener listener;

    public OriginClient(OriginTimeouts timeouts, Clock clock, Listener listener) {
        this.clock = clock;
        this.listener = listener;
        this.http = new OkHttpClient.Builder()
                .connectTimeout(timeouts.connect())
                .readTimeout(timeouts.read())
                .writeTimeout(timeouts.read())
                .callTimeout(timeouts.total())
                .followRedirects(false)
                .followSslRedirects(false)
                .connectionPool(new ConnectionPool(64, 1, TimeUnit.MINUTES))
                .build();
    }

    public OriginResponse send(List<URI> origins, OriginRequest request) throws OriginUnreachable {
        IOException last = null;
        for (int i = 0; i < origins.size(); i++) {
            boolean lastOrigin = i == origins.size() - 1;
            Instant sent = clock.instant();
            long start = System.nanoTime();
            try {
                Response response = http.newCall(build(origins.get(i), request)).execute();
                Duration latency = Duration.ofNanos(System.nanoTime() - start);
                listener.originResponded(response.code(), latency);
                if (response.code() >= 500 && !lastOrigin && request.idempotent()) {
                    response.close();
                    continue;
                }
                return new OriginResponse(response, sent, clock.instant());
            } catch (IOException e) {
                listener.originFailed(Duration.ofNanos(System.nanoTime() - start));
                last = e;
                if (!request.idempotent() && !(e instanceof ConnectException)) {
                    break; // the origin may have acted on it: never send a POST twice
                }
            }
        }
        boolean timeout = last instanceof InterruptedIOException;
        throw new OriginUnreachable("no origin answered: " + last, timeout, last);
    }

    private static Request build(URI origin, OriginRequest request) {
        String base = origin.toString();
        HttpUrl url = HttpUrl.get((base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + request.target());
        Headers.Builder headers = new Headers.Builder();
        request.headers().forEach(headers::addUnsafeNonAscii);
        RequestBody body = null;
        if (request.body().length > 0 || requiresBody(request.method())) {
            MediaType type = request.headers().first("content-type").map(MediaType::parse).orElse(null);
            body = RequestBody.create(request.body(), type);
        }
        return new Request.Builder().url(url).headers(headers.build()).method(request.method(), body).build();
    }

    private static boolean requiresBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
