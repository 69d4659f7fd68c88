package dev.outpost.common.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds the {@link SSLContext}s Outpost's listeners and clients use. Trust is always exactly our CA (PKIX
 * validation by the JDK, never a trust-all manager); hostname verification is left to the client's standard
 * verifier (OkHttp's, {@code HttpsURLConnection}'s), which stays on.
 */
public final class TlsContexts {
    private static final String PROTOCOL = "TLSv1.3";

    private TlsContexts() {
    }

    /** A server side: the context and whether clients must present a certificate from our CA (mutual TLS). */
    public record Server(SSLContext context, boolean clientCertificateRequired) {
    }

    /** A client side: the context and its trust manager (OkHttp wants both). */
    public record Client(SSLContext context, X509TrustManager trustManager) {
    }

    /** TLS server presenting what {@code keys} chooses (SNI, renewals), not asking for client certificates. */
    public static Server server(SniKeyManager keys) {
        return new Server(context(new KeyManager[] {keys}, null), false);
    }

    /** Mutual TLS: clients must present a certificate issued by {@code clientCa}, else the handshake fails. */
    public static Server mutualServer(SniKeyManager keys, X509Certificate clientCa) {
        return new Server(context(new KeyManager[] {keys}, new TrustManager[] {trustOnly(clientCa)}), true);
    }

    /** A client that trusts only {@code ca} and presents {@code identity} when the server asks (mutual TLS). */
    public static Client client(X509Certificate ca, Optional<TlsIdentity> identity) {
        X509TrustManager trust = trustOnly(ca);
        KeyManager[] keys = identity.map(TlsContexts::keyManagers).orElse(null);
        return new Client(context(keys, new TrustManager[] {trust}), trust);
    }

    /**
     * A client that trusts only {@code ca} and presents the node certificate {@code keys} holds now, so a renewal
     * ({@link SniKeyManager#replaceNode}) is used from the next handshake on without rebuilding the client.
     */
    public static Client mutualClient(X509Certificate ca, SniKeyManager keys) {
        X509TrustManager trust = trustOnly(ca);
        return new Client(context(new KeyManager[] {keys}, new TrustManager[] {trust}), trust);
    }

    /**
     * The cipher suites Outpost's TLS listeners offer: the JDK's enabled ones that are AEAD with forward secrecy,
     * in the JDK's order of preference: TLS 1.3's (all AEAD) and TLS 1.2's ECDHE with AES-GCM or ChaCha20-Poly1305.
     * CBC suites (Lucky13-style padding oracles) and static-RSA key exchange are never offered; a TLS 1.2 client
     * with nothing better cannot connect (every browser and HTTP library of the last decade has these).
     */
    public static List<String> aeadCipherSuites(SSLContext context) {
        return Arrays.stream(context.getDefaultSSLParameters().getCipherSuites())
                .filter(TlsContexts::isAeadWithForwardSecrecy).toList();
    }

    static boolean isAeadWithForwardSecrecy(String suite) {
        boolean tls13 = suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_");
        boolean ecdheAead = suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_")
                || suite.endsWith("_CHACHA20_POLY1305_SHA256"));
        return tls13 || ecdheAead;
    }

    /** A trust manager that accepts exactly the chains ending at {@code ca}. */
    public static X509TrustManager trustOnly(X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("outpost-ca", ca);
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the PKIX trust manager factory made no X509TrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager for our CA: " + e.getMessage(), e);
        }
    }

    private static KeyManager[] keyManagers(TlsIdentity identity) {
        try {
            char[] password = new char[0]; // in-memory store only; never written out
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", identity.key(), password, identity.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, password);
            return factory.getKeyManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a key manager for the client certificate: "
                    + e.getMessage(), e);
        }
    }

    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keys, trust, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a " + PROTOCOL + " context: " + e.getMessage(), e);
        }
    }
}
