package dev.outpost.common.tls;

import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.json.Json;
import dev.outpost.common.wire.CertificateReply;
import dev.outpost.common.wire.JoinRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A node's own certificate (edge or origin): loaded from {@code tls.dir} ({@code node.key} owner-only, {@code node.crt} leaf +
 * CA, {@code ca.crt}), or, when there is none still valid, obtained by joining: a new EC key, a CSR for
 * {@code tls.names}/{@code tls.addresses}, {@code POST <controlPlane.url>/api/v1/join} with the one-time token, and
 * the answer written to {@code tls.dir} (with {@code tls.caSha256} only when the control plane's CA has that
 * fingerprint). Renewal (when the control plane's node listener is configured) asks
 * {@code POST <tls.controlPlaneUrl>/api/v1/certificates/renew} over mutual TLS for the names the certificate already
 * has, swaps the result into the key manager without a restart and writes it to disk. With several control planes
 * (a list of URLs), a join or renewal that gets no answer from one goes to the next at once ({@link ControlPlanes}).
 */
public final class NodeCertificate implements AutoCloseable {
    private static final Logger LOG = System.getLogger(NodeCertificate.class.getName());
    private static final MediaType JSON = MediaType.get("application/json");
    public static final String KEY_FILE = "node.key";
    public static final String CERT_FILE = "node.crt";
    public static final String CA_FILE = "ca.crt";
    /** An IPv4 or IPv6 literal, checked before {@code InetAddress} sees it (so never a name lookup). */
    public static final String IP_LITERAL = "\\d{1,3}(\\.\\d{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*";

    private static final String PIN = "([0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}|[0-9a-fA-F]{64}";

    /**
     * Where the certificate lives and how a node without one joins.
     *
     * @param caSha256 the control plane CA's SHA-256 fingerprint (hex, colons allowed), checked before a join
     *                 sends its token and again on the join's answer; empty → the CA is trusted on first use
     */
    public record Settings(Path dir, Optional<String> joinToken, List<String> names, List<String> addresses,
            Optional<String> caSha256) {
        public Settings {
            caSha256 = caSha256 == null ? Optional.empty() : caSha256.map(p -> caPin("tls.caSha256", p));
        }

        public Settings(Path dir, Optional<String> joinToken, List<String> names, List<String> addresses) {
            this(dir, joinToken, names, addresses, Optional.empty());
        }
    }

    /**
     * A CA fingerprint as configured ({@code openssl x509 -noout -fingerprint -sha256} prints it with colons,
     * {@code POST /api/v1/join-tokens} without) normalized to lower-case hex without colons; fails naming {@code key}.
     */
    public static String caPin(String key, String value) {
        if (value == null || !value.strip().matches(PIN)) {
            throw new IllegalArgumentException(key + " must be the CA certificate's SHA-256 fingerprint: 64 hex "
                    + "digits (colons between pairs allowed), was '" + value + "'");
        }
        return value.strip().replace(":", "").toLowerCase(java.util.Locale.ROOT);
    }

    private final Path dir;
    private final SniKeyManager keys;
    private final X509Certificate ca;
    private final OkHttpClient http;
    private volatile Optional<ScheduledExecutorService> renewer = Optional.empty();

    private NodeCertificate(Path dir, SniKeyManager keys, X509Certificate ca) {
        this.dir = dir;
        this.keys = keys;
        this.ca = ca;
        TlsContexts.Client tls = TlsContexts.mutualClient(ca, keys);
        this.http = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2)).callTimeout(Duration.ofSeconds(10))
                .followRedirects(false).retryOnConnectionFailure(false)
                .sslSocketFactory(tls.context().getSocketFactory(), tls.trustManager()).build();
    }

    /**
     * The node certificate from {@code settings.dir()}, joining first when there is none valid at {@code clock}'s
     * now and a join token is configured.
     *
     * @param joinUrl the control plane's API (e.g. the edge's {@code controlPlane.url}), where joins are sent
     */
    public static NodeCertificate open(Settings settings, Optional<URI> joinUrl, Clock clock) {
        return open(settings, joinUrl.map(List::of).orElse(List.of()), clock);
    }

    /**
     * As {@link #open(Settings, Optional, Clock)}, joining through the first of {@code joinUrls} that answers: a
     * control plane that cannot be reached, or answers 5xx, passes the join to the next; one that refuses the token
     * (4xx) or fails the CA pin stops it.
     */
    public static NodeCertificate open(Settings settings, List<URI> joinUrls, Clock clock) {
        Path dir = settings.dir();
        SecretFiles.ownerOnlyDirectory(dir);
        Optional<TlsIdentity> stored = load(dir, clock.instant());
        if (stored.isEmpty()) {
            String token = settings.joinToken().orElseThrow(() -> new IllegalStateException("tls.dir " + dir
                    + " holds no valid node certificate (" + KEY_FILE + ", " + CERT_FILE + ", " + CA_FILE
                    + ") and tls.joinToken is not set"));
            if (joinUrls.isEmpty()) {
                throw new IllegalStateException("tls.joinToken needs the control plane's API URL (where joins are "
                        + "sent)");
            }
            ControlPlanes controlPlanes = new ControlPlanes("join", joinUrls);
            List<InetAddress> addresses = addresses(settings.addresses());
            try {
                stored = Optional.of(controlPlanes.call(url -> join(dir, url, token, settings.names(), addresses,
                        settings.caSha256())));
            } catch (IOException e) {
                throw new IllegalStateException("joining the control plane at " + controlPlanes + " failed: "
                        + e.getMessage(), e);
            }
        }
        X509Certificate ca = Pem.certificate(read(dir.resolve(CA_FILE)));
        return new NodeCertificate(dir, new SniKeyManager(stored.get()), ca);
    }

    private static Optional<TlsIdentity> load(Path dir, Instant now) {
        if (!Files.exists(dir.resolve(KEY_FILE)) || !Files.exists(dir.resolve(CERT_FILE))
                || !Files.exists(dir.resolve(CA_FILE))) {
            return Optional.empty();
        }
        TlsIdentity identity;
        try {
            identity = TlsIdentity.fromPem(read(dir.resolve(CERT_FILE)), SecretFiles.read(dir.resolve(KEY_FILE)));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "the node key and certificate in " + dir + " are unusable (" + e.getMessage()
                    + "); joining again");
            return Optional.empty();
        }
        if (!now.isBefore(identity.leaf().getNotAfter().toInstant())) {
            LOG.log(Level.WARNING, "the node certificate in " + dir + " expired at "
                    + identity.leaf().getNotAfter().toInstant() + "; joining again");
            return Optional.empty();
        }
        return Optional.of(identity);
    }

    /**
     * With a pin, the control plane's CA ({@code GET /api/v1/ca}) is checked before the token is sent, so a
     * control plane that is not ours never sees it, and the join's answer is checked again before anything is
     * written. Without one, the CA in the answer is trusted on first use (logged as a warning).
     */
    private static TlsIdentity join(Path dir, URI url, String token, List<String> names,
            List<InetAddress> addresses, Optional<String> caSha256) throws IOException {
        KeyPair keyPair = Keys.ecP256();
        Csr csr = Csr.create(keyPair, names, addresses);
        OkHttpClient plain = new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
                .callTimeout(Duration.ofSeconds(10)).followRedirects(false).build();
        try {
            if (caSha256.isPresent()) {
                checkPin(url, "GET /api/v1/ca", Pem.certificate(fetchCa(plain, base(url) + "/api/v1/ca")),
                        caSha256.get());
            }
            CertificateReply reply = post(plain, base(url) + "/api/v1/join", new JoinRequest(token, csr.pem()));
            X509Certificate ca = Pem.certificate(reply.ca());
            if (caSha256.isPresent()) {
                checkPin(url, "the join answer", ca, caSha256.get());
            } else {
                LOG.log(Level.WARNING, "tls.caSha256 is not set: the control plane's CA (SHA-256 "
                        + Certificates.sha256(ca) + ") was trusted on first use; set tls.caSha256 to the caSha256 "
                        + "that POST /api/v1/join-tokens shows, so a join can only go to our control plane");
            }
            List<X509Certificate> chain = Pem.certificates(reply.certificate());
            verifyIssuedBy(chain.get(0), ca);
            TlsIdentity identity = new TlsIdentity(keyPair.getPrivate(), chain);
            store(dir, identity, reply.ca());
            LOG.log(Level.INFO, "joined " + url + " as node '" + Certificates.nodeId(chain.get(0)).orElse("?")
                    + "': node certificate for " + names + " " + addresses + " valid until " + reply.notAfter());
            return identity;
        } catch (Refused e) {
            throw new IllegalStateException("joining the control plane at " + url + " failed: " + e.getMessage(), e);
        } finally {
            plain.dispatcher().executorService().shutdown();
            plain.connectionPool().evictAll();
        }
    }

    private static void checkPin(URI url, String where, X509Certificate ca, String pin) {
        String actual = Certificates.sha256(ca);
        if (!actual.equals(pin)) {
            throw new IllegalStateException("tls.caSha256 does not match the control plane at " + url + ": " + where
                    + " shows a CA with SHA-256 " + actual + ", pinned is " + pin + "; nothing was stored (check "
                    + "controlPlane.url and the pin)");
        }
    }

    private static void verifyIssuedBy(X509Certificate leaf, X509Certificate ca) {
        try {
            leaf.verify(ca.getPublicKey());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the join answer's certificate is not signed by its CA: "
                    + e.getMessage(), e);
        }
    }

    private static String fetchCa(OkHttpClient client, String url) throws IOException {
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            String text = response.body().string();
            if (!response.isSuccessful()) {
                throw new IOException("GET /api/v1/ca answered " + response.code() + ": " + text);
            }
            var certificate = Json.mapper().readTree(text).get("certificate");
            if (certificate == null || !certificate.isString()) {
                throw new IOException("GET /api/v1/ca answered without a certificate: " + text);
            }
            return certificate.asString();
        }
    }

    /** Checks every {@code interval} and renews {@code before} expiry through {@code nodeUrl} (mutual TLS). */
    public void startRenewal(URI nodeUrl, Duration before, Duration interval, Clock clock) {
        startRenewal(List.of(nodeUrl), before, interval, clock);
    }

    /** As {@link #startRenewal(URI, Duration, Duration, Clock)}, through the first of {@code nodeUrls} that answers. */
    public void startRenewal(List<URI> nodeUrls, Duration before, Duration interval, Clock clock) {
        ControlPlanes nodeListeners = new ControlPlanes("certificate renewal", nodeUrls);
        X509Certificate current = keys.node().leaf();
        List<InetAddress> addresses = addresses(Certificates.ipAddresses(current));
        // Never renew earlier than a third of the lifetime before expiry would: a short-lived certificate would
        // otherwise be due at once and renewed on every check.
        Duration lifetime = Duration.between(current.getNotBefore().toInstant(), current.getNotAfter().toInstant());
        Duration margin = before.compareTo(lifetime.dividedBy(3)) > 0 ? lifetime.dividedBy(3) : before;
        CertificateRenewal renewal = new CertificateRenewal(keys, Certificates.dnsNames(current), addresses,
                csr -> renew(nodeListeners, csr), margin, clock);
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("node-certificate-renewal").factory());
        executor.scheduleWithFixedDelay(() -> {
            try {
                if (renewal.renewIfDue()) {
                    store(dir, keys.node(), Pem.encode(ca));
                    LOG.log(Level.INFO, "node certificate renewed, valid until "
                            + keys.node().leaf().getNotAfter().toInstant());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "node certificate renewal failed; the current one is kept and renewal retried",
                        e);
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        renewer = Optional.of(executor);
    }

    private List<X509Certificate> renew(ControlPlanes nodeListeners, Csr csr) {
        try {
            CertificateReply reply = nodeListeners.call(nodeUrl -> post(http, base(nodeUrl)
                    + "/api/v1/certificates/renew", new JoinRequest(null, csr.pem())));
            return Pem.certificates(reply.certificate());
        } catch (IOException e) {
            throw new UncheckedIOException("renewal at " + nodeListeners + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * POSTs a join or renewal. No answer, or a 5xx, is an {@link IOException} (another control plane may answer);
     * any other refusal is {@link Refused}: every control plane would give it.
     */
    private static CertificateReply post(OkHttpClient client, String url, JoinRequest body) throws IOException {
        Request request = new Request.Builder().url(url).post(RequestBody.create(Json.bytes(body), JSON)).build();
        try (Response response = client.newCall(request).execute()) {
            String text = response.body().string();
            if (response.code() >= 500) {
                throw new IOException("answered " + response.code() + ": " + text);
            }
            if (!response.isSuccessful()) {
                throw new Refused("answered " + response.code() + ": " + text);
            }
            return Json.mapper().readValue(text, CertificateReply.class);
        }
    }

    /** A control plane refused a join or renewal (4xx): the next would too, so it does not fail over. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    private static void store(Path dir, TlsIdentity identity, String caPem) {
        // Key first: a crash in between leaves the old certificate with a key that does not match it, which the
        // next start refuses (and joins again) rather than serving a mismatched pair.
        SecretFiles.write(dir.resolve(KEY_FILE), Pem.encode(identity.key()));
        SecretFiles.write(dir.resolve(CERT_FILE), Pem.encode(identity.chain()));
        SecretFiles.write(dir.resolve(CA_FILE), caPem);
    }

    /**
     * Fails fast when the certificate was issued to another node than {@code id} (the control plane would refuse
     * every registration and heartbeat with 403 {@code node_id_mismatch}); a certificate from before node ids were
     * bound is only warned about (the control plane answers it 403 {@code node_id_missing}: join again).
     */
    public void requireIssuedTo(String id) {
        X509Certificate leaf = keys.node().leaf();
        Optional<String> certified = Certificates.nodeId(leaf);
        if (certified.isEmpty()) {
            LOG.log(Level.WARNING, "the node certificate in " + dir + " names no node (issued before node ids were "
                    + "bound); the control plane refuses it (node_id_missing): remove " + KEY_FILE + " and "
                    + CERT_FILE + " and set a new tls.joinToken to join again");
        } else if (!certified.get().equals(id)) {
            throw new IllegalStateException("the node certificate in " + dir + " was issued to node '"
                    + certified.get() + "' (its join token's node), but this node's id is '" + id + "'; the "
                    + "control plane would refuse it (node_id_mismatch). Make a join token for node '" + id
                    + "', remove " + KEY_FILE + " and " + CERT_FILE + " and set tls.joinToken to it");
        }
    }

    /** Serves the node certificate and uploaded ones (SNI); renewals swap in here. */
    public SniKeyManager keys() {
        return keys;
    }

    /** The control plane's CA: the only issuer trusted for node traffic. */
    public X509Certificate ca() {
        return ca;
    }

    /** A client trusting only our CA and presenting the node certificate (mutual TLS to the control plane). */
    public TlsContexts.Client client() {
        return TlsContexts.mutualClient(ca, keys);
    }

    private static String base(URI url) {
        String s = url.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<InetAddress> addresses(List<String> literals) {
        return literals.stream().map(a -> {
            if (!a.matches(IP_LITERAL)) {
                throw new IllegalArgumentException("tls.addresses: '" + a + "' is not an IP address");
            }
            try {
                return InetAddress.getByName(a);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("tls.addresses: '" + a + "' is not an IP address");
            }
        }).toList();
    }

    @Override
    public void close() {
        renewer.ifPresent(ScheduledExecutorService::shutdownNow);
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
