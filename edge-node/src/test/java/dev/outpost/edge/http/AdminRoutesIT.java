package dev.outpost.edge.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ErrorBody;
import dev.outpost.edge.EdgeFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin API as a route table: 405 with Allow, 404, the token first, and the guards every listener has. */
class AdminRoutesIT {
    private EdgeFixture f;

    @BeforeEach
    void start() throws Exception {
        f = new EdgeFixture();
    }

    @AfterEach
    void stop() {
        f.close();
    }

    private record Answer(int code, String allow, ErrorBody error) {
    }

    private Answer call(String method, String path, String token) throws IOException {
        Request.Builder b = new Request.Builder().url(f.admin() + path)
                .method(method, method.equals("GET") || method.equals("HEAD") ? null
                        : RequestBody.create("{}", MediaType.get("application/json")));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (Response r = f.client.newCall(b.build()).execute()) {
            String body = r.body().string();
            return new Answer(r.code(), r.header("Allow"),
                    body.startsWith("{\"error\"") ? Json.mapper().readValue(body, ErrorBody.class) : null);
        }
    }

    @Test
    void aKnownPathAskedWithAnotherMethodIs405NamingTheMethodsThatAre() throws IOException {
        Answer wrong = call("GET", "/_edge/purge", EdgeFixture.ADMIN_TOKEN);
        assertThat(wrong.code()).isEqualTo(405);
        assertThat(wrong.allow()).isEqualTo("POST");
        assertThat(wrong.error().error()).isEqualTo("method_not_allowed");

        assertThat(call("POST", "/_edge/certificates/a.example.com", EdgeFixture.ADMIN_TOKEN).allow())
                .isEqualTo("PUT, DELETE");
        assertThat(call("POST", "/_edge/health", null).allow()).isEqualTo("GET, HEAD");
    }

    @Test
    void anUnknownPathIs404ForTheTokenHolderAnd401ForEveryoneElse() throws IOException {
        Answer unknown = call("GET", "/_edge/nothing", EdgeFixture.ADMIN_TOKEN);
        assertThat(unknown.code()).isEqualTo(404);
        assertThat(unknown.error().error()).isEqualTo("not_found");
        assertThat(call("GET", "/_edge/nothing", null).code()).isEqualTo(401);
        assertThat(call("GET", "/_edge/purge", "a-guess").code()).as("no 405 before the token").isEqualTo(401);
    }

    @Test
    void healthAndMetricsNeedNoToken() throws IOException {
        assertThat(call("GET", "/_edge/health", null).code()).isEqualTo(200);
        assertThat(call("HEAD", "/_edge/metrics", null).code()).isEqualTo(200);
    }

    @Test
    void noAdminRequestIsReadAfterAChunkedBody() throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(f.admin().getHost(), f.admin().getPort()), 2000);
            socket.setSoTimeout(20_000);
            String body = "{\"urls\":[\"http://" + EdgeFixture.HOST + "/a.css\"]}";
            socket.getOutputStream().write(("POST /_edge/purge HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer "
                    + EdgeFixture.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body
                    + "\r\n0\r\n\r\n"
                    + "POST /_edge/purge HTTP/1.1\r\nHost: admin\r\nContent-Length: 0\r\n\r\n").getBytes(US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200 ").containsIgnoringCase("Connection: close");
            assertThat(answer.split("HTTP/1.1 ", -1)).as("one answer, then the connection closed").hasSize(2);
        }
    }
}
