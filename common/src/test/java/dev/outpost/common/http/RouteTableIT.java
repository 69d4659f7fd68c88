package dev.outpost.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.problem.Problem;
import dev.outpost.common.wire.ErrorBody;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A route table behind a real listener: its answers, and the guards every listener puts in front of it. */
class RouteTableIT {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private NodeServer server;

    @BeforeEach
    void start() {
        RouteTable table = RouteTable.builder()
                .around(next -> exchange -> {
                    if (!"let-me-in".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                        throw new ApiException(401, "unauthorized", "say the word");
                    }
                    next.handleRequest(exchange);
                })
                .route("GET", "/things/{id}", exchange -> HttpJson.send(exchange, 200,
                        new Thing(RouteTable.parameter(exchange, "id"))))
                .route("DELETE", "/things/{id}", exchange -> {
                    throw new Problem(Problem.Kind.UNAVAILABLE, "busy", "try later",
                            Optional.of(Duration.ofSeconds(3)));
                })
                .build();
        server = NodeServer.on(ListenAddress.parse("127.0.0.1:0"), ServerLimits.DEFAULTS).start(table);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    record Thing(String id) {
    }

    private HttpResponse<String> call(String method, String path, String authorization) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(server.baseUri() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", authorization).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ErrorBody error(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        return Json.mapper().readValue(response.body(), ErrorBody.class);
    }

    @Test
    void aRouteAnswersWithItsPathParameter() throws Exception {
        HttpResponse<String> found = call("GET", "/things/t-7", "let-me-in");
        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(Json.mapper().readValue(found.body(), Thing.class)).isEqualTo(new Thing("t-7"));
    }

    @Test
    void aKnownPathWithAnotherMethodIs405NamingTheMethodsInAllow() throws Exception {
        HttpResponse<String> wrong = call("PUT", "/things/t-7", "let-me-in");
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.headers().firstValue("Allow")).contains("GET, DELETE");
        assertThat(error(wrong).error()).isEqualTo("method_not_allowed");
    }

    @Test
    void anUnknownPathIs404WithAJsonBody() throws Exception {
        HttpResponse<String> unknown = call("GET", "/nothing/here", "let-me-in");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).error()).isEqualTo("not_found");
        assertThat(error(unknown).message()).contains("GET /nothing/here");
    }

    @Test
    void theTablesOwnWrappersComeBeforeItsAnswersSoNothingIsRevealedToStrangers() throws Exception {
        assertThat(call("GET", "/nothing/here", "guess").statusCode()).isEqualTo(401);
        assertThat(call("PUT", "/things/t-7", "guess").statusCode()).isEqualTo(401);
    }

    @Test
    void aProblemIsAnsweredWithTheStatusAndHeadersOfItsKind() throws Exception {
        HttpResponse<String> busy = call("DELETE", "/things/t-7", "let-me-in");
        assertThat(busy.statusCode()).isEqualTo(ErrorStatuses.status(Problem.Kind.UNAVAILABLE)).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).contains("3");
        assertThat(error(busy)).isEqualTo(new ErrorBody("busy", "try later"));
    }
}
