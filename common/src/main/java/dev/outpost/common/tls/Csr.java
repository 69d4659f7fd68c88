package dev.outpost.common.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A certificate signing request: the public key a node wants certified and the DNS names and IP addresses it wants
 * in its certificate, signed with the node's private key (which never leaves the node). Sent to the CA as PEM.
 */
public final class Csr {
    // A host name (lower-case labels) or a wildcard for one label (*.example.com).
    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private final PKCS10CertificationRequest request;
    private final List<String> names;
    private final List<InetAddress> addresses;

    private Csr(PKCS10CertificationRequest request, List<String> names, List<InetAddress> addresses) {
        this.request = request;
        this.names = List.copyOf(names);
        this.addresses = List.copyOf(addresses);
    }

    /** A CSR for {@code keyPair} asking for these DNS names and IP addresses (at least one in all). */
    public static Csr create(KeyPair keyPair, List<String> names, List<InetAddress> addresses) {
        List<String> dns = names.stream().map(n -> checkName(n.toLowerCase(Locale.ROOT))).toList();
        if (dns.isEmpty() && addresses.isEmpty()) {
            throw new IllegalArgumentException("a CSR must name at least one DNS name or IP address");
        }
        List<GeneralName> sans = new ArrayList<>();
        dns.forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
        addresses.forEach(a -> sans.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress())));
        String commonName = dns.isEmpty() ? addresses.get(0).getHostAddress() : dns.get(0);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(sans.toArray(GeneralName[]::new)));
            PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(subject,
                    keyPair.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new JcaContentSignerBuilder(Keys.signatureAlgorithm(keyPair.getPrivate()))
                            .build(keyPair.getPrivate()));
            return new Csr(request, dns, addresses);
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalArgumentException("cannot build a CSR: " + e.getMessage(), e);
        }
    }

    /** Reads a PEM {@code CERTIFICATE REQUEST}; its signature is checked by the CA, not here. */
    public static Csr fromPem(String pem) {
        PKCS10CertificationRequest request = Pem.request(pem);
        List<String> names = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>();
        for (GeneralName san : requestedNames(request)) {
            switch (san.getTagNo()) {
                case GeneralName.dNSName -> names.add(checkName(san.getName().toString().toLowerCase(Locale.ROOT)));
                case GeneralName.iPAddress -> addresses.add(address(san));
                default -> throw new IllegalArgumentException("the CSR asks for a subject alternative name of type "
                        + san.getTagNo() + "; only DNS names and IP addresses are issued");
            }
        }
        if (names.isEmpty() && addresses.isEmpty()) {
            throw new IllegalArgumentException("the CSR names no DNS name or IP address");
        }
        return new Csr(request, names, addresses);
    }

    /**
     * Fails unless the CSR's signature verifies with the public key inside it (proof that the sender holds the
     * private key); checked before anything is spent on the request, e.g. a one-time join token.
     */
    public void checkSignature() {
        try {
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder()
                    .build(request.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the CSR's signature does not verify with its own public key");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("the CSR's signature cannot be checked: " + e.getMessage(), e);
        }
    }

    public String pem() {
        return Pem.encode(request);
    }

    /** The DNS names asked for, lower-cased. */
    public List<String> names() {
        return names;
    }

    public List<InetAddress> addresses() {
        return addresses;
    }

    PKCS10CertificationRequest request() {
        return request;
    }

    private static List<GeneralName> requestedNames(PKCS10CertificationRequest request) {
        List<GeneralName> out = new ArrayList<>();
        for (Attribute attribute : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                GeneralNames names = GeneralNames.fromExtensions(Extensions.getInstance(value),
                        Extension.subjectAlternativeName);
                if (names != null) {
                    out.addAll(List.of(names.getNames()));
                }
            }
        }
        return out;
    }

    private static InetAddress address(GeneralName san) {
        byte[] raw = ASN1OctetString.getInstance(san.getName()).getOctets();
        try {
            return InetAddress.getByAddress(raw); // raw bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("the CSR holds an IP address of " + raw.length + " bytes", e);
        }
    }

    private static String checkName(String name) {
        if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a DNS name a certificate can carry");
        }
        return name;
    }
}
