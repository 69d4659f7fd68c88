package dev.outpost.common.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Outpost's own certificate authority: a self-signed CA certificate and its key, kept in one directory
 * ({@code ca.crt}, {@code ca.key}), created on first start and reloaded afterwards, so a restart keeps the same CA
 * and every certificate it issued stays valid. It issues node certificates from CSRs.
 *
 * <p>The key file is created owner-only ({@code rw-------}) before any key byte is written, and a key file that
 * others may read is refused at load time. Issued certificates carry exactly the CSR's DNS names and IP addresses,
 * plus, for a node, the URI {@code outpost:node:<id>} the caller decided on (never taken from the CSR),
 * serverAuth + clientAuth, and a bounded validity that never outlives the CA.
 */
public final class CertificateAuthority {
    static final String CERT_FILE = "ca.crt";
    static final String KEY_FILE = "ca.key";
    /** Longest leaf validity issued (the CA/Browser Forum limit; Outpost's own renewals are much shorter). */
    public static final Duration MAX_VALIDITY = Duration.ofDays(397);
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    // Issued certificates start a little in the past so a node whose clock lags slightly accepts them.
    private static final Duration BACKDATE = Duration.ofMinutes(5);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(X509Certificate certificate, PrivateKey key, Clock clock) {
        this.certificate = certificate;
        this.key = key;
        this.clock = clock;
    }

    /** Loads the CA kept in {@code directory}, or creates one there (EC P-256, named {@code name}) on first start. */
    public static CertificateAuthority openOrCreate(Path directory, String name, Clock clock) {
        Path certFile = directory.resolve(CERT_FILE);
        Path keyFile = directory.resolve(KEY_FILE);
        try {
            if (Files.exists(certFile) || Files.exists(keyFile)) {
                return load(certFile, keyFile, clock);
            }
            createOwnerOnlyDirectory(directory);
            KeyPair keyPair = Keys.ecP256();
            X509Certificate cert = selfSigned(keyPair, name, clock.instant());
            // Key first: a crash between the two writes leaves no certificate without its key.
            writeOwnerOnly(keyFile, Pem.encode(keyPair.getPrivate()));
            writeAtomically(certFile, Pem.encode(cert));
            return new CertificateAuthority(cert, keyPair.getPrivate(), clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open or create the CA in " + directory + ": " + e.getMessage(), e);
        }
    }

    private static CertificateAuthority load(Path certFile, Path keyFile, Clock clock) throws IOException {
        if (!Files.exists(certFile) || !Files.exists(keyFile)) {
            throw new IllegalStateException("the CA directory holds only one of " + certFile.getFileName() + " and "
                    + keyFile.getFileName() + "; restore the other or remove both to create a new CA");
        }
        PosixFileAttributeView posix = Files.getFileAttributeView(keyFile, PosixFileAttributeView.class);
        if (posix != null) {
            Set<PosixFilePermission> perms = posix.readAttributes().permissions();
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new IllegalStateException("CA key " + keyFile + " is readable by others ("
                        + PosixFilePermissions.toString(perms) + "); chmod 600 it");
            }
        }
        X509Certificate cert = Pem.certificate(Files.readString(certFile, StandardCharsets.US_ASCII));
        PrivateKey key = Pem.privateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
        if (!Keys.matches(key, cert.getPublicKey())) {
            throw new IllegalStateException("CA key " + keyFile + " does not belong to certificate " + certFile);
        }
        return new CertificateAuthority(cert, key, clock);
    }

    /** The CA certificate: what nodes and clients trust. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Issues a certificate for the CSR's key with the CSR's DNS names and IP addresses as SANs, valid from now for
     * {@code validity} (at most {@link #MAX_VALIDITY}, never past the CA's own expiry). The CSR's signature must
     * prove possession of the key. Whether the requester may have those names is the caller's decision (a join
     * token, an admin): the CA signs what it is handed.
     */
    public X509Certificate issue(Csr csr, Duration validity) {
        return issue(csr, validity, Optional.empty());
    }

    /**
     * As {@link #issue(Csr, Duration)}, and with {@code nodeId} present the certificate also carries the URI SAN
     * {@code outpost:node:<nodeId>} ({@link Certificates#nodeId}): which node it was issued to. The id comes from
     * the caller (a join token, the certificate being renewed), never from the CSR, which cannot ask for a URI.
     */
    public X509Certificate issue(Csr csr, Duration validity, Optional<String> nodeId) {
        nodeId.ifPresent(id -> {
            if (!Certificates.NODE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("node id must be 1..64 letters, digits, '.', '_' or '-', was '"
                        + id + "'");
            }
        });
        if (validity.isNegative() || validity.isZero() || validity.compareTo(MAX_VALIDITY) > 0) {
            throw new IllegalArgumentException("validity must be > 0 and <= " + MAX_VALIDITY.toDays()
                    + " days, was " + validity);
        }
        PKCS10CertificationRequest request = csr.request();
        try {
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder()
                    .build(request.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the CSR's signature does not verify with its own public key");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("the CSR's signature cannot be checked: " + e.getMessage(), e);
        }
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            notAfter = certificate.getNotAfter().toInstant();
        }
        List<GeneralName> sans = new ArrayList<>();
        csr.names().forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
        csr.addresses().forEach(a -> sans.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress())));
        nodeId.ifPresent(id -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier,
                Certificates.NODE_ID_PREFIX + id)));
        String commonName = csr.names().isEmpty() ? csr.addresses().get(0).getHostAddress() : csr.names().get(0);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            PublicKey subjectKey = new JcaPEMKeyConverter()
                    .getPublicKey(request.getSubjectPublicKeyInfo());
            boolean rsa = "RSA".equals(subjectKey.getAlgorithm());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new JcaX509CertificateHolder(certificate).getSubject(),
                    serial(), Date.from(now.minus(BACKDATE)), Date.from(notAfter), cn(commonName), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(rsa
                            ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                            : KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(sans.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            utils.createAuthorityKeyIdentifier(certificate));
            return sign(builder, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot issue a certificate for this CSR: " + e.getMessage(), e);
        }
    }

    /** The issued leaf followed by the CA: the chain a node serves. */
    public List<X509Certificate> chain(X509Certificate leaf) {
        return List.of(leaf, certificate);
    }

    private BigInteger serial() {
        return new BigInteger(127, random).add(BigInteger.ONE); // positive, unpredictable
    }

    private static X509Certificate selfSigned(KeyPair keyPair, String name, Instant now) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X500Name subject = cn(name);
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(127, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(BACKDATE)),
                    Date.from(now.plus(CA_VALIDITY)), subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            utils.createSubjectKeyIdentifier(keyPair.getPublic()));
            return sign(builder, keyPair.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the CA certificate: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
            throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(Keys.signatureAlgorithm(signingKey)).build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static X500Name cn(String name) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name).build();
    }

    private static void createOwnerOnlyDirectory(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Path parent = directory.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        if (Files.getFileStore(parent).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.createDirectory(directory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectory(directory);
        }
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        if (Files.getFileStore(file.getParent()).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(temp);
        }
        Files.writeString(temp, text, StandardCharsets.US_ASCII);
        moveNoReplace(temp, file);
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temp, text, StandardCharsets.US_ASCII);
        moveNoReplace(temp, file);
    }

    private static void moveNoReplace(Path temp, Path file) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "another process created the CA first");
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
