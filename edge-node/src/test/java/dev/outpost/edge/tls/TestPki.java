package dev.outpost.edge.tls;

import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.NodeCertificate;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.SecretFiles;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * A real CA of our own for edge tests (the control plane's role): issues identities, provisions an edge's
 * {@code tls.dir} as a join would, and builds clients that trust exactly one CA with hostname checks on.
 */
public final class TestPki {
    public final CertificateAuthority ca;

    public TestPki(Path dir, String name) {
        ca = CertificateAuthority.openOrCreate(dir, name, Clock.systemUTC());
    }

    public TlsIdentity identity(List<String> names, List<InetAddress> addresses) {
        KeyPair keys = Keys.ecP256();
        return new TlsIdentity(keys.getPrivate(),
                ca.chain(ca.issue(Csr.create(keys, names, addresses), Duration.ofDays(30))));
    }

    /** Writes node.key, node.crt and ca.crt as a join leaves them. */
    public Path provision(Path tlsDir, TlsIdentity node) {
        SecretFiles.ownerOnlyDirectory(tlsDir);
        SecretFiles.write(tlsDir.resolve(NodeCertificate.KEY_FILE), Pem.encode(node.key()));
        SecretFiles.write(tlsDir.resolve(NodeCertificate.CERT_FILE), Pem.encode(node.chain()));
        SecretFiles.write(tlsDir.resolve(NodeCertificate.CA_FILE), Pem.encode(ca.certificate()));
        return tlsDir;
    }

    /** A client trusting only this CA, presenting {@code identity} when asked, every name resolving to loopback. */
    public OkHttpClient client(Optional<TlsIdentity> identity, List<Protocol> protocols) {
        TlsContexts.Client tls = TlsContexts.client(ca.certificate(), identity);
        return new OkHttpClient.Builder().sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager())
                .dns(host -> List.of(InetAddress.getByName("127.0.0.1")))
                .protocols(protocols).retryOnConnectionFailure(false).followRedirects(false)
                .callTimeout(Duration.ofSeconds(10)).build();
    }

    public static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
