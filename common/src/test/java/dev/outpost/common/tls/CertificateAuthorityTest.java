package dev.outpost.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void firstStartCreatesCaCertificateAndOwnerOnlyKey() throws Exception {
        Path caDir = dir.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.openOrCreate(caDir, "Outpost test CA", CLOCK);

        X509Certificate cert = ca.certificate();
        assertThat(cert.getBasicConstraints()).isGreaterThanOrEqualTo(0); // a CA
        assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(cert.getSubjectX500Principal()).isEqualTo(cert.getIssuerX500Principal());
        cert.verify(cert.getPublicKey());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("ca.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir))).isEqualTo("rwx------");
        assertThat(Files.readString(caDir.resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(caDir.resolve("ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void restartReloadsTheSameCaAndItsIssuedCertificatesStillVerify() throws Exception {
        CertificateAuthority first = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        X509Certificate leaf = first.issue(Csr.create(Keys.ecP256(), List.of("edge-1.test"), List.of()),
                Duration.ofDays(30));

        CertificateAuthority again = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);

        assertThat(again.certificate()).isEqualTo(first.certificate());
        leaf.verify(again.certificate().getPublicKey());
    }

    @Test
    void keyFileReadableByOthersIsRefusedAtLoad() throws Exception {
        CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        Files.setPosixFilePermissions(dir.resolve("ca.key"), PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("chmod 600");
    }

    @Test
    void issuedCertificateCarriesTheCsrNamesAndAddressesServerAndClientAuthAndBoundedValidity() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        KeyPair keys = Keys.ecP256();
        Csr csr = Csr.fromPem(Csr.create(keys, List.of("Edge-1.Test", "*.assets.test"),
                List.of(InetAddress.getByName("127.0.0.1"))).pem());

        X509Certificate leaf = ca.issue(csr, Duration.ofDays(30));

        leaf.verify(ca.certificate().getPublicKey());
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(leaf.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "edge-1.test"), List.of(2, "*.assets.test"), List.of(7, "127.0.0.1"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1); // not a CA
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));
        assertThat(leaf.getNotBefore().toInstant()).isBefore(NOW);
    }

    @Test
    void validityIsBounded() {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        Csr csr = Csr.create(Keys.ecP256(), List.of("edge-1.test"), List.of());

        assertThatThrownBy(() -> ca.issue(csr, Duration.ofDays(398))).hasMessageContaining("397 days");
        assertThatThrownBy(() -> ca.issue(csr, Duration.ZERO)).hasMessageContaining("validity");
    }

    @Test
    void csrWhoseSignatureDoesNotMatchItsKeyIsRefused() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        Csr signedByAttacker = Csr.create(Keys.ecP256(), List.of("edge-1.test"), List.of());
        Csr claimsVictimsKey = Csr.fromPem(withSubjectKey(signedByAttacker, Keys.ecP256()));

        assertThatThrownBy(() -> ca.issue(claimsVictimsKey, Duration.ofDays(1))).hasMessageContaining("signature");
    }

    @Test
    void csrWithoutNamesIsRefused() throws Exception {
        KeyPair keys = Keys.ecP256();
        String bare = Pem.encode(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=edge-1.test"),
                keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));

        assertThatThrownBy(() -> Csr.fromPem(bare)).hasMessageContaining("no DNS name");
        assertThatThrownBy(() -> Csr.create(keys, List.of("bad_name!"), List.of())).hasMessageContaining("bad_name!");
    }

    @Test
    void rsaKeysWork() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        X509Certificate leaf = ca.issue(Csr.create(Keys.rsa3072(), List.of("edge-1.test"), List.of()),
                Duration.ofDays(1));
        leaf.verify(ca.certificate().getPublicKey());
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("RSA");
    }

    @Test
    void renewalIsDueWithinTheMarginOfExpiry() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        X509Certificate leaf = ca.issue(Csr.create(Keys.ecP256(), List.of("edge-1.test"), List.of()),
                Duration.ofDays(30));

        assertThat(Renewal.needsRenewal(leaf, NOW, Duration.ofDays(10))).isFalse();
        assertThat(Renewal.needsRenewal(leaf, NOW.plus(Duration.ofDays(20)), Duration.ofDays(10))).isTrue();
        assertThat(Renewal.needsRenewal(leaf, NOW.plus(Duration.ofDays(31)), Duration.ZERO)).isTrue();
        assertThat(Renewal.needsRenewal(leaf, NOW.minus(Duration.ofDays(1)), Duration.ZERO)).isTrue();
    }

    @Test
    void pemRoundTripsKeysAndChains() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        KeyPair keys = Keys.ecP256();
        X509Certificate leaf = ca.issue(Csr.create(keys, List.of("edge-1.test"), List.of()), Duration.ofDays(1));

        TlsIdentity identity = TlsIdentity.fromPem(Pem.encode(ca.chain(leaf)), Pem.encode(keys.getPrivate()));

        assertThat(identity.chain()).containsExactly(leaf, ca.certificate());
        assertThatThrownBy(() -> TlsIdentity.fromPem(Pem.encode(leaf), Pem.encode(Keys.ecP256().getPrivate())))
                .hasMessageContaining("does not belong");
    }

    /** The CSR with its public key swapped for another and its old signature kept. */
    private static String withSubjectKey(Csr csr, KeyPair other) throws Exception {
        var info = csr.request().toASN1Structure().getCertificationRequestInfo();
        var tamperedInfo = new org.bouncycastle.asn1.pkcs.CertificationRequestInfo(info.getSubject(),
                org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(other.getPublic().getEncoded()),
                info.getAttributes());
        var structure = new org.bouncycastle.asn1.pkcs.CertificationRequest(tamperedInfo,
                csr.request().getSignatureAlgorithm(), csr.request().toASN1Structure().getSignature());
        return Pem.encode(new org.bouncycastle.pkcs.PKCS10CertificationRequest(structure));
    }
}
