package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The --api value as the client commands read it, and how a failed call is worded ({@link CallFailures}). */
class ApiClientTest {
    private static final URI PURGES = URI.create("http://127.0.0.1:8000/api/v1/purges");

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
        // what the JDK client throws: a ConnectException without a message around the socket's own
        ConnectException refused = new ConnectException();
        refused.initCause(new ConnectException("Connection refused"));
        assertThat(failure(refused)).isNotInstanceOf(JsonApi.Lost.class).hasMessage("cannot reach the control "
                + "plane at " + PURGES + ": connection refused (is it running? --api / OUTPOST_API)");
    }

    @Test
    void unknownHostNamesTheHost() {
        ConnectException unresolved = new ConnectException();
        unresolved.initCause(new UnresolvedAddressException());
        assertThat(failure(unresolved)).hasMessage("cannot reach the control plane at " + PURGES
                + ": unknown host 127.0.0.1 (--api / OUTPOST_API)");
    }

    @Test
    void noConnectionInTimeIsAFailureAndNoAnswerInTimeIsLost() {
        assertThat(failure(new HttpConnectTimeoutException("HTTP connect timed out")))
                .isNotInstanceOf(JsonApi.Lost.class)
                .hasMessageContaining(": no connection within 5 s (is --api / OUTPOST_API right");
        assertThat(failure(new HttpTimeoutException("request timed out"))).isInstanceOf(JsonApi.Lost.class)
                .hasMessage("no answer from the control plane at " + PURGES + " within 30 s");
    }

    @Test
    void tlsFailureIsNotRetriedAndSaysWhatMayBeWrong() {
        assertThat(failure(new SSLHandshakeException("Remote host terminated the handshake")))
                .isNotInstanceOf(JsonApi.Lost.class)
                .hasMessageContaining("TLS failed: Remote host terminated the handshake (an https:// URL for a "
                        + "plain-HTTP port");
    }

    @Test
    void otherErrorsAfterTheRequestWentOutAreLostWithTheirReason() {
        assertThat(failure(new java.io.IOException("Connection reset"))).isInstanceOf(JsonApi.Lost.class)
                .hasMessage("no answer from the control plane at " + PURGES + ": connection reset");
    }

    private static JsonApi.Failure failure(java.io.IOException e) {
        return new CallFailures("control plane", "--api / OUTPOST_API").of(PURGES, e, Duration.ofSeconds(5),
                Duration.ofSeconds(30));
    }
}
