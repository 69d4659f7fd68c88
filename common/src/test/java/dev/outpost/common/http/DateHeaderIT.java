package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.undertow.util.Headers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DateHeaderIT {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static NodeServer ok() {
        return NodeServer.on(ListenAddress.parse("127.0.0.1:0"), ServerLimits.DEFAULTS)
                .start(exchange -> exchange.getResponseSender().send("ok"));
    }

    private static HttpResponse<String> get(NodeServer server) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void dateStaysCurrentAfterAnotherServerInTheJvmStopped() throws Exception {
        try (NodeServer first = ok()) {
            assertThat(get(first).headers().firstValue("Date")).isPresent();
        }
        // Undertow's own Date cache would be refreshed by a task on the stopped server's IO thread: never again
        Thread.sleep(2200);
        try (NodeServer second = ok()) {
            Instant date = HttpDates.parse(get(second).headers().firstValue("Date").orElseThrow()).orElseThrow();
            assertThat(Duration.between(date, Instant.now()).abs()).isLessThan(Duration.ofMillis(1500));
        }
    }

    @Test
    void aDateSetByTheHandlerIsKept() throws Exception {
        try (NodeServer server = NodeServer.on(ListenAddress.parse("127.0.0.1:0"), ServerLimits.DEFAULTS).start(
                exchange -> {
                    exchange.getResponseHeaders().put(Headers.DATE, "Sun, 06 Nov 1994 08:49:37 GMT");
                    exchange.getResponseSender().send("old");
                })) {
            assertThat(get(server).headers().allValues("Date")).containsExactly("Sun, 06 Nov 1994 08:49:37 GMT");
        }
    }
}
