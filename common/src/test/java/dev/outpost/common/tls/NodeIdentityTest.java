package dev.outpost.common.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which node a certificate was issued to (the {@code outpost:node:<id>} URI SAN the CA adds itself, never taken
 * from a CSR) and the CA fingerprint nodes pin ({@code tls.caSha256}).
 */
class NodeIdentityTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-10T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void aNodeCertificateNamesItsNodeInAUriSanBesideTheCsrNames() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        Csr csr = Csr.create(Keys.ecP256(), List.of("eu-1.edges.test"), List.of(InetAddress.getByName("127.0.0.1")));

        X509Certificate node = ca.issue(csr, Duration.ofDays(1), Optional.of("eu-1"));
        X509Certificate anonymous = ca.issue(csr, Duration.ofDays(1));

        assertThat(node.getSubjectAlternativeNames()).containsExactlyInAnyOrder(List.of(2, "eu-1.edges.test"),
                List.of(7, "127.0.0.1"), List.of(6, "outpost:node:eu-1"));
        assertThat(Certificates.nodeId(node)).contains("eu-1");
        assertThat(Certificates.nodeId(anonymous)).isEmpty();
        assertThat(Certificates.dnsNames(node)).containsExactly("eu-1.edges.test");
    }

    @Test
    void aCsrCannotAskForANodeId() throws Exception {
        KeyPair keys = Keys.ecP256();
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "eu-1.edges.test"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "outpost:node:us-1")}));
        String pem = Pem.encode(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=eu-1.edges.test"),
                keys.getPublic()).addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                extensions.generate()).build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(keys.getPrivate())));

        assertThatThrownBy(() -> Csr.fromPem(pem)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only DNS names and IP addresses are issued");
    }

    @Test
    void theCaRefusesANodeIdThatIsNotOne() {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        Csr csr = Csr.create(Keys.ecP256(), List.of("eu-1.edges.test"), List.of());

        assertThatThrownBy(() -> ca.issue(csr, Duration.ofDays(1), Optional.of("eu-1/../us-1")))
                .hasMessageContaining("node id");
        assertThatThrownBy(() -> ca.issue(csr, Duration.ofDays(1), Optional.of("")))
                .hasMessageContaining("node id");
    }

    @Test
    void theCaFingerprintIsTheSha256OfItsDerAndPinsAreReadInEitherSpelling() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dir, "Outpost test CA", CLOCK);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(ca.certificate().getEncoded());
        String hex = HexFormat.of().formatHex(digest);
        String openssl = HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);

        assertThat(Certificates.sha256(ca.certificate())).isEqualTo(hex).hasSize(64);
        assertThat(NodeCertificate.caPin("tls.caSha256", openssl)).isEqualTo(hex);
        assertThat(NodeCertificate.caPin("tls.caSha256", hex.toUpperCase())).isEqualTo(hex);
        assertThatThrownBy(() -> NodeCertificate.caPin("tls.caSha256", hex.substring(2)))
                .hasMessageContaining("tls.caSha256").hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> NodeCertificate.caPin("tls.caSha256", "sha256:" + hex))
                .hasMessageContaining("tls.caSha256");
    }
}
