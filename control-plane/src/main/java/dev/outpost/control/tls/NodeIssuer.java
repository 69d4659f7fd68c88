package dev.outpost.control.tls;

import dev.outpost.common.problem.Problem;
import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.wire.CertificateReply;
import dev.outpost.control.ControlPlaneTls;
import java.net.InetAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides who gets a certificate for which names, and has the CA issue it.
 *
 * <p>The rule: an admin creates a join token for one node and lists the DNS names and IP addresses that node may
 * have. A join's CSR may ask for any non-empty subset of them and nothing else; a renewal's CSR (over mutual TLS)
 * may ask only for names and addresses the presented certificate already has. Every node certificate names its
 * node ({@code outpost:node:<id>}: the token's {@code node} at a join, the presented certificate's id at a
 * renewal; never from the CSR), which the node listener holds registrations and heartbeats to. Nobody is ever issued
 * {@link Certificates#CONTROL_PLANE_NAME}. Every check runs before the token is used, so a refused join leaves the
 * token usable; a token is used at most once, and an expired token is never used.
 */
public final class NodeIssuer {
    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Duration DEFAULT_TTL = Duration.ofHours(1);

    /** Body of {@code POST /api/v1/join-tokens}. */
    public record TokenRequest(String node, List<String> names, List<String> addresses, Duration ttl) {
    }

    /**
     * Answer of {@code POST /api/v1/join-tokens}: the secret, shown this once, and the CA's fingerprint, which the
     * node pins ({@code tls.caSha256}) so its join can only go to this control plane.
     */
    public record TokenCreated(String token, String node, List<String> names, List<String> addresses,
            Instant expiresAt, String caSha256) {
    }

    private final CertificateAuthority ca;
    private final JoinTokens tokens;
    private final ControlPlaneTls settings;
    private final Clock clock;

    public NodeIssuer(CertificateAuthority ca, JoinTokens tokens, ControlPlaneTls settings, Clock clock) {
        this.ca = ca;
        this.tokens = tokens;
        this.settings = settings;
        this.clock = clock;
    }

    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    public TokenCreated createToken(TokenRequest request) {
        if (request.node() == null || !Certificates.NODE_ID.matcher(request.node()).matches()) {
            throw Problem.invalid("bad_node", "node must be 1..64 letters, digits, '.', '_' or '-', was '"
                    + request.node() + "'");
        }
        List<String> names = request.names() == null ? List.of()
                : request.names().stream().map(n -> n == null ? "" : n.toLowerCase(Locale.ROOT)).toList();
        for (String name : names) {
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                throw Problem.invalid("bad_name", "names: '" + name + "' is not a DNS name");
            }
            if (name.equals(Certificates.CONTROL_PLANE_NAME)) {
                throw Problem.invalid("reserved_name", "names: '" + name
                        + "' is reserved for the control plane's own certificate");
            }
        }
        List<String> addresses = new ArrayList<>();
        for (String address : request.addresses() == null ? List.<String>of() : request.addresses()) {
            try {
                addresses.add(ControlPlaneTls.address("addresses", address == null ? "" : address).getHostAddress());
            } catch (IllegalArgumentException e) {
                throw Problem.invalid("bad_address", e.getMessage());
            }
        }
        if (names.isEmpty() && addresses.isEmpty()) {
            throw Problem.invalid("no_names", "list at least one DNS name (names) or IP address (addresses) "
                    + "the node's certificate may carry");
        }
        Duration ttl = request.ttl() == null ? DEFAULT_TTL : request.ttl();
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(settings.maxJoinTokenTtl()) > 0) {
            throw Problem.invalid("bad_ttl", "ttl must be > 0 and at most tls.maxJoinTokenTtl ("
                    + settings.maxJoinTokenTtl() + "), was " + ttl);
        }
        Instant expiresAt = clock.instant().plus(ttl);
        String secret = tokens.create(request.node(), names, addresses, expiresAt);
        return new TokenCreated(secret, request.node(), names, addresses, expiresAt,
                Certificates.sha256(ca.certificate()));
    }

    /** A join: token checks, CSR checks, then the token is used and the certificate issued. */
    public CertificateReply join(String token, String csrPem) {
        if (token == null || token.isBlank()) {
            throw Problem.invalid("missing_token", "token: give the one-time join token");
        }
        JoinTokens.JoinToken found = tokens.find(token.strip()).orElseThrow(() -> new Problem(
                Problem.Kind.UNAUTHENTICATED, "unknown_join_token", "token: no such join token (check for a typo, or create one with "
                        + "POST /api/v1/join-tokens)"));
        Instant now = clock.instant();
        if (found.usedAt().isPresent()) {
            throw Problem.conflict("join_token_used", "token: this join token was used at "
                    + found.usedAt().get() + "; join tokens work once, create a new one");
        }
        if (!now.isBefore(found.expiresAt())) {
            throw new Problem(Problem.Kind.UNAUTHENTICATED, "join_token_expired", "token: this join token expired at "
                    + found.expiresAt() + "; create a new one");
        }
        Csr csr = csr(csrPem);
        allowed(csr, Set.copyOf(found.names()), Set.copyOf(found.addresses()), "the join token for node '"
                + found.node() + "'");
        if (!tokens.use(found, now)) {
            throw Problem.conflict("join_token_used", "token: this join token was used meanwhile; join "
                    + "tokens work once, create a new one");
        }
        return issue(found.node(), csr);
    }

    /**
     * A renewal by the holder of {@code current} (verified by the mutual-TLS handshake): same node id, taken from
     * {@code current}; a certificate from before node ids were bound is not renewed (the node joins again).
     */
    public CertificateReply renew(X509Certificate current, String csrPem) {
        String node = nodeId(current);
        Csr csr = csr(csrPem);
        allowed(csr, Set.copyOf(Certificates.dnsNames(current)), normalized(Certificates.ipAddresses(current)),
                "the presented certificate");
        return issue(node, csr);
    }

    /**
     * The node id the presented certificate was issued to; 403 {@code node_id_missing} for a certificate from
     * before node ids were bound into certificates.
     */
    public static String nodeId(X509Certificate presented) {
        return Certificates.nodeId(presented).orElseThrow(() -> Problem.forbidden("node_id_missing",
                "the client certificate names no node (no " + Certificates.NODE_ID_PREFIX + "<id> URI; it was issued "
                        + "before node ids were bound to certificates); join again with a new join token"));
    }

    private CertificateReply issue(String node, Csr csr) {
        X509Certificate leaf = ca.issue(csr, settings.certificateValidity(), Optional.of(node));
        return new CertificateReply(node, Pem.encode(ca.chain(leaf)), Pem.encode(ca.certificate()),
                leaf.getNotAfter().toInstant());
    }

    private static Csr csr(String pem) {
        if (pem == null || pem.isBlank()) {
            throw Problem.invalid("bad_csr", "csr: give a PEM CERTIFICATE REQUEST");
        }
        try {
            Csr csr = Csr.fromPem(pem);
            csr.checkSignature();
            return csr;
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("bad_csr", "csr: " + e.getMessage());
        }
    }

    private static void allowed(Csr csr, Set<String> names, Set<String> addresses, String by) {
        for (String name : csr.names()) {
            if (name.equals(Certificates.CONTROL_PLANE_NAME) || !names.contains(name)) {
                throw Problem.forbidden("name_not_allowed", "csr: DNS name '" + name + "' is not allowed by "
                        + by + " (allowed: " + names.stream().sorted().toList() + ")");
            }
        }
        for (InetAddress address : csr.addresses()) {
            if (!addresses.contains(address.getHostAddress())) {
                throw Problem.forbidden("name_not_allowed", "csr: IP address " + address.getHostAddress()
                        + " is not allowed by " + by + " (allowed: " + addresses.stream().sorted().toList() + ")");
            }
        }
    }

    private static Set<String> normalized(List<String> addresses) {
        Set<String> out = new HashSet<>();
        addresses.forEach(a -> out.add(ControlPlaneTls.address("san", a).getHostAddress()));
        return out;
    }
}
