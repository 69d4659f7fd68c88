package dev.outpost.control.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.common.tls.Pem;
import dev.outpost.control.ControlPlaneFixture;
import dev.outpost.testkit.HttpReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node joining with {@code tls.caSha256} set goes ahead only with a control plane whose CA has that fingerprint:
 * pointed at another control plane (its own CA, even with the same name), it refuses before sending its join token,
 * writes nothing to {@code tls.dir}, and names the setting and both fingerprints. Without a pin the node still joins,
 * trusting the CA on first use, and says so in its log.
 */
class CaPinningIT {
    @TempDir
    Path data;
    @TempDir
    Path elsewhere;
    @TempDir
    Path nodeDir;

    private ControlPlaneFixture cp;
    private String pin;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(data, JoinIT.TLS, Instant.now());
        pin = cp.get("/api/v1/ca", null).json().get("sha256").asString();
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    @Test
    void aNodePinnedToItsControlPlanesCaJoins() throws Exception {
        String token = JoinIT.token(cp, "eu-1", List.of(), List.of("127.0.0.1"), "1h");
        // As openssl x509 -fingerprint -sha256 prints it: upper case, colons between pairs.
        String opensslSpelling = HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(pin));

        try (NodeCertificate node = NodeCertificate.open(settings(token, Optional.of(opensslSpelling)),
                Optional.of(cp.plane().apiUri()), Clock.systemUTC())) {
            assertThat(Certificates.sha256(node.ca())).isEqualTo(pin);
            assertThat(Certificates.nodeId(node.keys().node().leaf())).contains("eu-1");
        }
        assertThat(nodeDir.resolve(NodeCertificate.KEY_FILE)).exists();
        assertThat(Certificates.sha256(Pem.certificate(Files.readString(nodeDir.resolve(NodeCertificate.CA_FILE)))))
                .isEqualTo(pin);
    }

    @Test
    void aNodePinnedToOurCaRefusesAnotherControlPlaneBeforeSendingItsTokenAndStoresNothing() throws Exception {
        try (ControlPlaneFixture impostor = new ControlPlaneFixture(elsewhere, JoinIT.TLS, Instant.now())) {
            String impostorPin = impostor.get("/api/v1/ca", null).json().get("sha256").asString();
            assertThat(impostorPin).isNotEqualTo(pin);
            String token = JoinIT.token(impostor, "eu-1", List.of(), List.of("127.0.0.1"), "1h");

            assertThatThrownBy(() -> NodeCertificate.open(settings(token, Optional.of(pin)),
                    Optional.of(impostor.plane().apiUri()), Clock.systemUTC()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tls.caSha256")
                    .hasMessageContaining(impostorPin)
                    .hasMessageContaining(pin)
                    .hasMessageContaining("nothing was stored");

            try (var stored = Files.list(nodeDir)) {
                assertThat(stored.toList()).as("nothing written to tls.dir").isEmpty();
            }
            // The token never reached the impostor's join endpoint: it is still unused there.
            HttpReply unused = JoinIT.join(impostor, token, JoinIT.csr(List.of(), List.of("127.0.0.1")));
            assertThat(unused.status()).as(unused.body()).isEqualTo(200);
        }
    }

    @Test
    void withoutAPinTheNodeJoinsTrustingTheCaOnFirstUseAndWarns() throws Exception {
        String token = JoinIT.token(cp, "eu-1", List.of(), List.of("127.0.0.1"), "1h");
        Logger log = Logger.getLogger(NodeCertificate.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try (NodeCertificate node = NodeCertificate.open(settings(token, Optional.empty()),
                Optional.of(cp.plane().apiUri()), Clock.systemUTC())) {
            assertThat(Certificates.sha256(node.ca())).isEqualTo(pin);
        } finally {
            log.removeHandler(capture);
        }
        assertThat(nodeDir.resolve(NodeCertificate.KEY_FILE)).exists();
        assertThat(records).anySatisfy(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.WARNING);
            assertThat(r.getMessage()).contains("tls.caSha256").contains("trusted on first use").contains(pin);
        });
    }

    private NodeCertificate.Settings settings(String token, Optional<String> caSha256) {
        return new NodeCertificate.Settings(nodeDir, Optional.of(token), List.of(), List.of("127.0.0.1"), caSha256);
    }
}
