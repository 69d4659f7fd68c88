package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The --api value as the client commands read it, and how a failed call is worded ({@link CallFailures}). */
class ApiClientTest {
    private static final URI PURGES = URI.create("http://127.0.0.1:8000/api/v1/purges");
    private static final CallFailures WORDING = new CallFailures("control plane", "--api / OUTPOST_API");
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration ANSWER = Duration.ofSeconds(10);

    private static URI base(String flag) {
        ApiClient client = new ApiClient();
        client.api = Optional.of(flag);
        return client.base();
    }

    @Test
    void hostAndPortWithoutSchemeIsTakenAsHttp() {
        assertThat(base("127.0.0.1:8000")).isEqualTo(URI.create("http://127.0.0.1:8000"));
        assertThat(base("localhost:8000")).isEqualTo(URI.create("http://localhost:8000"));
        assertThat(base("cp.example")).isEqualTo(URI.create("http://cp.example"));
    }

    @Test
    void httpsAndABasePathAreKeptAndTrailingSlashesDropped() {
        assertThat(base("https://cp.example:8443/")).isEqualTo(URI.create("https://cp.example:8443"));
        assertThat(base("HTTP://cp.example/outpost//")).isEqualTo(URI.create("http://cp.example/outpost"));
    }

    @Test
    void otherSchemesMissingHostsQueriesAndUsersAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> base("ftp://cp.example")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--api must be an http:// or https:// URL, was 'ftp://cp.example'");
        assertThatThrownBy(() -> base("http://")).hasMessageContaining("--api is not a URL: 'http://'");
        assertThatThrownBy(() -> base("http://cp.example/?x=1")).hasMessageContaining("no user, query or fragment");
        assertThatThrownBy(() -> base("http://ops@cp.example")).hasMessageContaining("was 'http://ops@cp.example'");
        assertThatThrownBy(() -> base("http://cp example")).hasMessageContaining("--api is not a URL");
    }

    @Test
    void refusedConnectionIsWordedWithTheUrlAndAHint() {
        assertThat(WORDING.unreachable(PURGES, new ConnectException("Connection refused"), CONNECT, ANSWER))
                .isNotInstanceOf(JsonApi.Lost.class).hasMessage("cannot reach the control plane at " + PURGES
                        + ": connection refused (is it running? --api / OUTPOST_API)");
    }

    @Test
    void unknownHostNamesTheHost() {
        URI url = URI.create("http://cp.example:8000/api/v1/nodes");
        assertThat(WORDING.unreachable(url, new UnknownHostException("cp.example"), CONNECT, ANSWER)).hasMessage(
                "cannot reach the control plane at " + url + ": unknown host cp.example (--api / OUTPOST_API)");
    }

    @Test
    void noConnectionInTimeIsAFailureAndNoAnswerInTimeIsLost() {
        assertThat(WORDING.unreachable(PURGES, new SocketTimeoutException("Connect timed out"), CONNECT, ANSWER))
                .isNotInstanceOf(JsonApi.Lost.class)
                .hasMessageContaining(": no connection within 5 s (is --api / OUTPOST_API right");
        assertThat(WORDING.lost(PURGES, new SocketTimeoutException("Read timed out"), Duration.ofSeconds(30)))
                .hasMessage("no answer from the control plane at " + PURGES + " within 30 s");
    }

    @Test
    void tlsFailureSaysWhatMayBeWrong() {
        assertThat(WORDING.unreachable(PURGES, new SSLHandshakeException("Remote host terminated the handshake"),
                CONNECT, ANSWER)).isNotInstanceOf(JsonApi.Lost.class)
                .hasMessageContaining("TLS failed: remote host terminated the handshake (an https:// URL for a "
                        + "plain-HTTP port? --api / OUTPOST_API)");
    }

    @Test
    void otherErrorsAfterTheRequestWentOutAreLostWithTheirReason() {
        assertThat(WORDING.lost(PURGES, new SocketException("Connection reset"), Duration.ofSeconds(30)))
                .hasMessage("no answer from the control plane at " + PURGES + ": connection reset");
    }

    @Test
    void anAnswerThatIsNotJsonIsQuotedShortAndOnOneLine() {
        byte[] page = ("<html>\n<body>" + "x".repeat(200) + "</body></html>").getBytes(StandardCharsets.UTF_8);
        assertThat(WORDING.notJson(PURGES, 404, "text/html", page).getMessage())
                .startsWith("the server at " + PURGES + " answered HTTP 404 with a body that is not JSON (text/html, "
                        + "'<html> <body>xxx")
                .contains("...'): is it the control plane's API? (--api / OUTPOST_API)")
                .doesNotContain("\n");
        assertThat(WORDING.notJson(PURGES, 502, "no Content-Type", new byte[0]).getMessage())
                .contains("HTTP 502 with a body that is not JSON (no Content-Type, an empty body)");
    }
}
