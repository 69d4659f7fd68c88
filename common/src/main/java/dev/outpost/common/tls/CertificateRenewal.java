package dev.outpost.common.tls;

import java.net.InetAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Keeps a node's own certificate fresh without a restart: when the served certificate is due
 * ({@link Renewal#needsRenewal}), makes a new key and CSR for the same names, has it issued, and swaps the result
 * into the {@link SniKeyManager}. Each renewal uses a new key. Who issues (the CA in-process, or the control plane
 * over mutual TLS) and how often {@link #renewIfDue()} runs is the caller's choice.
 */
public final class CertificateRenewal {
    private final SniKeyManager keys;
    private final List<String> names;
    private final List<InetAddress> addresses;
    private final Function<Csr, List<X509Certificate>> issuer;
    private final Duration margin;
    private final Clock clock;

    /**
     * @param issuer turns a CSR into a leaf-first chain, e.g. {@code csr -> ca.chain(ca.issue(csr, validity))}
     * @param margin renew this long before expiry
     */
    public CertificateRenewal(SniKeyManager keys, List<String> names, List<InetAddress> addresses,
            Function<Csr, List<X509Certificate>> issuer, Duration margin, Clock clock) {
        this.keys = keys;
        this.names = List.copyOf(names);
        this.addresses = List.copyOf(addresses);
        this.issuer = issuer;
        this.margin = margin;
        this.clock = clock;
    }

    /** Renews when due; true when a new certificate is now served. A failed issue leaves the old one in place. */
    public boolean renewIfDue() {
        X509Certificate served = keys.chainFor(Optional.empty()).get(0);
        if (!Renewal.needsRenewal(served, clock.instant(), margin)) {
            return false;
        }
        KeyPair keyPair = Keys.ecP256();
        List<X509Certificate> chain = issuer.apply(Csr.create(keyPair, names, addresses));
        keys.replaceNode(new TlsIdentity(keyPair.getPrivate(), chain));
        return true;
    }
}
