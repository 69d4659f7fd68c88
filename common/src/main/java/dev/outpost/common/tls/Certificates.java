package dev.outpost.common.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** What a certificate is issued for: its DNS and IP subject alternative names, read with the JDK alone. */
public final class Certificates {
    /**
     * The DNS name only the control plane's own certificate carries: an edge's admin listener serves a peer whose
     * certificate has it, and the control plane never issues it to a node (a join or renewal asking for it is
     * refused).
     */
    public static final String CONTROL_PLANE_NAME = "outpost-control-plane";
    private static final int DNS = 2;
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
