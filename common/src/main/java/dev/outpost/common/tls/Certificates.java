package dev.outpost.common.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a certificate is issued for: its DNS and IP subject alternative names and the node id it was issued to,
 * read with the JDK alone; and its SHA-256 fingerprint.
 */
public final class Certificates {
    /**
     * The DNS name only the control plane's own certificate carries: an edge's admin listener serves a peer whose
     * certificate has it, and the control plane never issues it to a node (a join or renewal asking for it is
     * refused).
     */
    public static final String CONTROL_PLANE_NAME = "outpost-control-plane";
    /** Prefix of the URI SAN naming the node a certificate was issued to: {@code outpost:node:eu-1}. */
    public static final String NODE_ID_PREFIX = "outpost:node:";
    /** What a node id may be (registrations, join tokens, the URI SAN). */
    public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int DNS = 2;
    private static final int URI = 6;
    private static final int IP = 7;

    private Certificates() {
    }

    /** The DNS names among the SANs, lower-cased. */
    public static List<String> dnsNames(X509Certificate cert) {
        return sans(cert, DNS).stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    }

    /** The IP addresses among the SANs, as the JDK prints them ({@code 127.0.0.1}, {@code 0:0:0:0:0:0:0:1}). */
    public static List<String> ipAddresses(X509Certificate cert) {
        return sans(cert, IP);
    }

    /**
     * The node id of a certificate the control plane issued to a node since node ids were bound (its one URI SAN
     * {@code outpost:node:<id>}); empty for a certificate without one (issued before, or not to a node) and for
     * one carrying more than one (never issued, so never trusted).
     */
    public static Optional<String> nodeId(X509Certificate cert) {
        List<String> ids = sans(cert, URI).stream().filter(u -> u.startsWith(NODE_ID_PREFIX))
                .map(u -> u.substring(NODE_ID_PREFIX.length())).toList();
        return ids.size() == 1 && NODE_ID.matcher(ids.get(0)).matches() ? Optional.of(ids.get(0)) : Optional.empty();
    }

    /** Lower-case hex SHA-256 of the certificate's DER encoding (what {@code tls.caSha256} pins). */
    public static String sha256(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("cannot fingerprint the certificate: " + e.getMessage(), e);
        }
    }

    /** Whether the certificate's DNS SANs cover {@code host}: an exact name or a one-label wildcard. */
    public static boolean covers(X509Certificate cert, String host) {
        String name = host.toLowerCase(Locale.ROOT);
        int dot = name.indexOf('.');
        String wildcard = dot > 0 ? "*" + name.substring(dot) : null;
        return dnsNames(cert).stream().anyMatch(n -> n.equals(name) || n.equals(wildcard));
    }

    private static List<String> sans(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> san : all) {
                    if (san.size() >= 2 && san.get(0) instanceof Integer t && t == type
                            && san.get(1) instanceof String value) {
                        out.add(value);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("the certificate's subject alternative names cannot be read: "
                    + e.getMessage(), e);
        }
        return out;
    }
}
