package dev.outpost.common.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and the certificate chain that goes with it (leaf first): what a server presents, or a client in
 * mutual TLS.
 */
public record TlsIdentity(PrivateKey key, List<X509Certificate> chain) {
    public TlsIdentity {
        if (key == null || chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException("a TLS identity needs a private key and at least one certificate");
        }
        chain = List.copyOf(chain);
        if (!Keys.matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("the private key does not belong to certificate "
                    + chain.get(0).getSubjectX500Principal().getName());
        }
    }

    /** Reads an uploaded certificate chain and key, both PEM; fails when the key does not match the leaf. */
    public static TlsIdentity fromPem(String chainPem, String keyPem) {
        return new TlsIdentity(Pem.privateKey(keyPem), Pem.certificates(chainPem));
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }
}
