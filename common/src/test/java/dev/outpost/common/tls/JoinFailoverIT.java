package dev.outpost.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.CertificateReply;
import dev.outpost.common.wire.JoinRequest;
import dev.outpost.testkit.LoopbackPorts;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A join with several control planes ({@code tls.joinUrls}, the edge's {@code controlPlane.urls}): the join goes to
 * the first that answers. The control planes are loopback stand-ins that sign the CSR with a CA of the test's own
 * and count the joins they took.
 */
class JoinFailoverIT {
    @TempDir
    Path dir;
    private CertificateAuthority ca;
    private final MockWebServer joining = new MockWebServer();
    private final AtomicInteger joins = new AtomicInteger();
    private volatile int status = 200;

    @BeforeEach
    void start() throws Exception {
        ca = CertificateAuthority.openOrCreate(dir.resolve("ca"), "Outpost CA", Clock.systemUTC());
        joining.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                joins.incrementAndGet();
                if (status != 200) {
                    return new MockResponse.Builder().code(status).body("{\"error\":\"invalid_token\"}").build();
                }
                JoinRequest join = Json.mapper().readValue(request.getBody().utf8(), JoinRequest.class);
                var leaf = ca.issue(Csr.fromPem(join.csr()), Duration.ofDays(30), Optional.of("eu-1"));
                return new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
                        .body(Json.mapper().writeValueAsString(new CertificateReply("eu-1", Pem.encode(ca.chain(leaf)),
                                Pem.encode(ca.certificate()), leaf.getNotAfter().toInstant()))).build();
            }
        });
        joining.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() {
        joining.close();
    }

    private NodeCertificate.Settings settings() {
        return new NodeCertificate.Settings(dir.resolve("node"), Optional.of("join-token-0123456789"), List.of(),
                List.of("127.0.0.1"));
    }

    private URI down() {
        return URI.create("http://127.0.0.1:" + LoopbackPorts.free());
    }

    private URI up() {
        return URI.create(joining.url("/").toString());
    }

    @Test
    void aJoinGoesToTheSecondWhenTheFirstIsDown() {
        try (NodeCertificate node = NodeCertificate.open(settings(), List.of(down(), up()), Clock.systemUTC())) {
            assertThat(Certificates.nodeId(node.keys().node().leaf())).contains("eu-1");
        }
        assertThat(joins.get()).isEqualTo(1);
    }

    @Test
    void aJoinRefusedByOneIsNotSentToTheNext() {
        status = 403;
        URI second = down();
        assertThatThrownBy(() -> NodeCertificate.open(settings(), List.of(up(), second), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("answered 403");
        assertThat(joins.get()).isEqualTo(1);
    }

    @Test
    void aJoinNoneAnswersFailsNamingEach() {
        URI first = down();
        URI second = down();
        assertThatThrownBy(() -> NodeCertificate.open(settings(), List.of(first, second), Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(first.toString())
                .hasMessageContaining(second.toString());
    }
}
