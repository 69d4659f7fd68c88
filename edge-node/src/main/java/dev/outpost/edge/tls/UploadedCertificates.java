package dev.outpost.edge.tls;

import dev.outpost.common.problem.Problem;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.SecretFiles;
import dev.outpost.common.tls.SniKeyManager;
import dev.outpost.common.tls.TlsIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Per-delivery-service certificates uploaded as PEM (admin API): checked, served by SNI from the next handshake on,
 * and kept in {@code tls.dir/certificates/<host>.pem} (owner-only, key and chain in one file) so a restart serves
 * them again. A wildcard host {@code *.example.com} is stored as {@code _.example.com.pem}.
 */
public final class UploadedCertificates {
    private static final Logger LOG = System.getLogger(UploadedCertificates.class.getName());
    private static final Pattern HOST =
            Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");

    /** One served certificate, as the admin API lists it. */
    public record Served(String host, String subject, List<String> names, Instant notAfter) {
        static Served of(String host, X509Certificate leaf) {
            return new Served(host, leaf.getSubjectX500Principal().getName(), Certificates.dnsNames(leaf),
                    leaf.getNotAfter().toInstant());
        }
    }

    private final SniKeyManager keys;
    private final Path dir;

    public UploadedCertificates(SniKeyManager keys, Path tlsDir) {
        this.keys = keys;
        this.dir = tlsDir.resolve("certificates");
        SecretFiles.ownerOnlyDirectory(dir);
        loadStored();
    }

    private void loadStored() {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".pem")).sorted().toList()) {
                String name = file.getFileName().toString();
                String host = name.substring(0, name.length() - 4).replaceFirst("^_\\.", "*.");
                try {
                    String pem = SecretFiles.read(file);
                    keys.put(host, TlsIdentity.fromPem(pem, pem));
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "not serving " + file + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Checks and installs a certificate for {@code host}; an invalid {@link Problem} naming what is wrong if not. */
    public Served put(String host, String chainPem, String keyPem) {
        String name = checkedHost(host);
        List<X509Certificate> chain;
        try {
            chain = Pem.certificates(chainPem);
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("bad_certificate", "certificate: " + e.getMessage());
        }
        PrivateKey key;
        try {
            key = Pem.privateKey(keyPem);
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("bad_key", "key: " + e.getMessage());
        }
        TlsIdentity identity;
        try {
            identity = new TlsIdentity(key, chain);
        } catch (IllegalArgumentException e) {
            throw Problem.invalid("key_mismatch", "key: " + e.getMessage());
        }
        if (!Certificates.covers(identity.leaf(), name)) {
            throw Problem.invalid("certificate_name_mismatch", "certificate: its DNS names "
                    + Certificates.dnsNames(identity.leaf()) + " do not cover '" + name + "'");
        }
        SecretFiles.write(file(name), Pem.encode(key) + Pem.encode(chain));
        keys.put(name, identity);
        return Served.of(name, identity.leaf());
    }

    /** Stops serving {@code host}'s certificate; false when there was none. */
    public boolean remove(String host) {
        String name = checkedHost(host);
        boolean had = keys.hosts().contains(name);
        keys.remove(name);
        try {
            Files.deleteIfExists(file(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file(name) + ": " + e.getMessage(), e);
        }
        return had;
    }

    public List<Served> list() {
        return keys.hosts().stream().map(h -> Served.of(h, keys.chainFor(java.util.Optional.of(h)).get(0)))
                .toList();
    }

    private Path file(String host) {
        return dir.resolve(host.replaceFirst("^\\*\\.", "_.") + ".pem");
    }

    private static String checkedHost(String host) {
        String name = host == null ? "" : host.toLowerCase(Locale.ROOT);
        if (name.length() > 253 || !HOST.matcher(name).matches()) {
            throw Problem.invalid("bad_host", "host: '" + host
                    + "' is not a host name (a.example.com or *.example.com)");
        }
        return name;
    }
}
