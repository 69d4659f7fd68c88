package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.server.HttpHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** What a client sees when a node's handler throws: a status and a JSON error, never a stack trace. */
class ErrorMappingIT {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static HttpResponse<String> getFrom(HttpHandler handler) throws Exception {
        try (NodeServer server = NodeServer.on(ListenAddress.parse("127.0.0.1:0"), ServerLimits.DEFAULTS)
                .start(handler)) {
            return CLIENT.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void aRequestRefusedBecauseTheNodeIsStoppingIsA503ToRetryNotAnInternalError() throws Exception {
        HttpResponse<String> response = getFrom(exchange -> {
            throw new RejectedExecutionException("worker pool terminated");
        });

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).contains("1");
        assertThat(response.body()).contains("\"error\":\"shutting_down\"").doesNotContain("worker pool");
    }

    @Test
    void anUnexpectedFailureIsA500WithoutItsMessageOrStackTrace() throws Exception {
        HttpResponse<String> response = getFrom(exchange -> {
            throw new IllegalStateException("secret detail at dev.outpost.Somewhere");
        });

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("\"error\":\"internal_error\"")
                .doesNotContain("secret", "IllegalStateException", "dev.outpost");
    }
}
