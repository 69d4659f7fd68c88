package dev.outpost.common.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The server key manager: picks the certificate for the host name the client asked for (SNI), exact name first,
 * then a one-label wildcard ({@code *.example.com}), else the node's own certificate; as a TLS client (mutual TLS
 * between nodes) it presents the node's own certificate. Every identity can be replaced
 * while the server runs (renewal, a re-uploaded PEM); the next handshake uses the new one.
 *
 * <p>Why aliases carry a generation number: JSSE asks for the alias first and for its chain and key later. If an
 * identity is replaced in between, the old alias must still give the old chain and key as a matching pair, so an
 * alias names one immutable identity and is never reused.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {
    private static final String NODE = "#node"; // never a host name

    private final AtomicLong generation = new AtomicLong();
    // host (or "*.suffix", or NODE) → current alias; alias → identity
    private final Map<String, String> current = new ConcurrentHashMap<>();
    private final Map<String, TlsIdentity> byAlias = new ConcurrentHashMap<>();

    public SniKeyManager(TlsIdentity node) {
        replaceNode(node);
    }

    /** Serves {@code renewed} as the node certificate from the next handshake on. */
    public void replaceNode(TlsIdentity renewed) {
        install(NODE, renewed);
    }

    /** Serves {@code identity} to clients asking for {@code host} ({@code a.example.com} or {@code *.example.com}). */
    public void put(String host, TlsIdentity identity) {
        install(host.toLowerCase(Locale.ROOT), identity);
    }

    public synchronized void remove(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        current.remove(name);
        byAlias.keySet().removeIf(a -> a.startsWith(name + "#"));
    }

    /** The node's own identity now (renewals replace it). */
    public TlsIdentity node() {
        return byAlias.get(current.get(NODE));
    }

    /** The hosts with an uploaded certificate ({@code a.example.com}, {@code *.example.com}), sorted. */
    public List<String> hosts() {
        return current.keySet().stream().filter(h -> !h.equals(NODE)).sorted().toList();
    }

    /** The certificate chain served for {@code host} now (the node's when no uploaded one matches). */
    public List<X509Certificate> chainFor(Optional<String> host) {
        return byAlias.get(aliasFor(host)).chain();
    }

    // Synchronized so two replacements of one name cannot drop each other's alias.
    private synchronized void install(String name, TlsIdentity identity) {
        String alias = name + "#" + generation.incrementAndGet();
        byAlias.put(alias, identity);
        String old = current.put(name, alias);
        if (old != null) {
            // The previous alias may be mid-handshake: keep it, drop the ones before it.
            byAlias.keySet().removeIf(a -> a.startsWith(name + "#") && !a.equals(alias) && !a.equals(old));
        }
    }

    private String aliasFor(Optional<String> host) {
        if (host.isPresent()) {
            String name = host.get().toLowerCase(Locale.ROOT);
            String exact = current.get(name);
            if (exact != null) {
                return exact;
            }
            int dot = name.indexOf('.');
            if (dot > 0) {
                String wildcard = current.get("*" + name.substring(dot));
                if (wildcard != null) {
                    return wildcard;
                }
            }
        }
        return current.get(NODE);
    }

    private String chooseServer(String keyType, SSLSession handshake) {
        Optional<String> sni = Optional.empty();
        if (handshake instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName host) {
                    sni = Optional.of(host.getAsciiName());
                }
            }
        }
        String alias = aliasFor(sni);
        TlsIdentity identity = alias == null ? null : byAlias.get(alias);
        // JSSE asks once per key type it could use; answer only for the type our key has.
        return identity != null && identity.key().getAlgorithm().equals(keyType) ? alias : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return engine == null ? null : chooseServer(keyType, engine.getHandshakeSession());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return socket instanceof SSLSocket ssl ? chooseServer(keyType, ssl.getHandshakeSession()) : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return byAlias.entrySet().stream().filter(e -> e.getValue().key().getAlgorithm().equals(keyType))
                .map(Map.Entry::getKey).toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        TlsIdentity identity = byAlias.get(alias);
        return identity == null ? null : identity.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        TlsIdentity identity = byAlias.get(alias);
        return identity == null ? null : identity.key();
    }

    // As a client (mutual TLS towards the control plane or an edge's admin listener) a node presents its own
    // certificate, the renewed one from the next handshake on.
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = current.get(NODE);
        return alias != null && byAlias.get(alias).key().getAlgorithm().equals(keyType) ? new String[] {alias}
                : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return nodeAliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return nodeAliasFor(keyTypes);
    }

    private String nodeAliasFor(String[] keyTypes) {
        String alias = current.get(NODE);
        if (alias == null) {
            return null;
        }
        String algorithm = byAlias.get(alias).key().getAlgorithm();
        for (String keyType : keyTypes) {
            if (algorithm.equals(keyType)) {
                return alias;
            }
        }
        return null;
    }
}
