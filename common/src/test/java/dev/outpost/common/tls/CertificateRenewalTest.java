package dev.outpost.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.ManualClock;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateRenewalTest {
    private final ManualClock clock = new ManualClock();

    @TempDir
    Path dir;

    @Test
    void certificateIsRenewedWithANewKeyOnlyWhenDue() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", clock);
        KeyPair first = Keys.ecP256();
        SniKeyManager keys = new SniKeyManager(new TlsIdentity(first.getPrivate(), ca.chain(ca.issue(
                Csr.create(first, List.of("edge-1.test"), List.of()), Duration.ofDays(30)))));
        CertificateRenewal renewal = new CertificateRenewal(keys, List.of("edge-1.test"),
                List.of(InetAddress.getByName("127.0.0.1")), csr -> ca.chain(ca.issue(csr, Duration.ofDays(30))),
                Duration.ofDays(10), clock);

        clock.advance(Duration.ofDays(19));
        assertThat(renewal.renewIfDue()).isFalse();

        clock.advance(Duration.ofDays(2));
        assertThat(renewal.renewIfDue()).isTrue();
        X509Certificate renewed = keys.chainFor(Optional.empty()).get(0);
        assertThat(renewed.getPublicKey()).isNotEqualTo(first.getPublic());
        assertThat(renewed.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(30)));
        assertThat(renewed.getSubjectAlternativeNames()).hasSize(2);
        assertThat(renewal.renewIfDue()).as("fresh again").isFalse();
    }

    @Test
    void failedIssueKeepsServingTheOldCertificate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", clock);
        KeyPair first = Keys.ecP256();
        X509Certificate old = ca.issue(Csr.create(first, List.of("edge-1.test"), List.of()), Duration.ofDays(1));
        SniKeyManager keys = new SniKeyManager(new TlsIdentity(first.getPrivate(), ca.chain(old)));
        CertificateRenewal renewal = new CertificateRenewal(keys, List.of("edge-1.test"), List.of(), csr -> {
            throw new IllegalStateException("control plane unreachable");
        }, Duration.ofDays(2), clock);

        assertThatThrownBy(renewal::renewIfDue).hasMessageContaining("unreachable");
        assertThat(keys.chainFor(Optional.empty()).get(0)).isEqualTo(old);
    }
}
