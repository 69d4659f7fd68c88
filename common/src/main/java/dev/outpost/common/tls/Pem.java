package dev.outpost.common.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * PEM text to and from certificates, private keys (PKCS#8 {@code PRIVATE KEY}, also reading OpenSSL's
 * {@code EC PRIVATE KEY}/{@code RSA PRIVATE KEY}) and CSRs. Uses the JDK's own providers: Bouncy Castle is used as a
 * library, never installed as a JCA provider. Unencrypted keys only; the files holding them are protected by
 * permissions.
 */
public final class Pem {
    private Pem() {
    }

    public static String encode(X509Certificate... certificates) {
        return write(List.of((Object[]) certificates));
    }

    public static String encode(List<X509Certificate> certificates) {
        return write(List.copyOf(certificates));
    }

    public static String encode(PrivateKey key) {
        try {
            return write(List.of(new JcaPKCS8Generator(key, null).generate()));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode the " + key.getAlgorithm() + " key as PKCS#8", e);
        }
    }

    static String encode(PKCS10CertificationRequest request) {
        return write(List.of(request));
    }

    private static String write(List<Object> objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Every certificate in the text, in order (a chain: leaf first); fails when there is none. */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : objects(pem)) {
            if (o instanceof X509CertificateHolder holder) {
                try {
                    out.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw new IllegalArgumentException("a PEM certificate could not be read: " + e.getMessage(), e);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the PEM text holds no CERTIFICATE block");
        }
        return List.copyOf(out);
    }

    public static X509Certificate certificate(String pem) {
        return certificates(pem).get(0);
    }

    /** The first private key in the text. */
    public static PrivateKey privateKey(String pem) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(pem)) {
            try {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("a PEM private key could not be read: " + e.getMessage(), e);
            }
        }
        throw new IllegalArgumentException("the PEM text holds no unencrypted PRIVATE KEY block");
    }

    static PKCS10CertificationRequest request(String pem) {
        for (Object o : objects(pem)) {
            if (o instanceof PKCS10CertificationRequest request) {
                return request;
            }
        }
        throw new IllegalArgumentException("the PEM text holds no CERTIFICATE REQUEST block");
    }

    private static List<Object> objects(String pem) {
        if (pem == null) {
            throw new IllegalArgumentException("PEM text must not be null");
        }
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed PEM text: " + e.getMessage(), e);
        }
        return out;
    }
}
