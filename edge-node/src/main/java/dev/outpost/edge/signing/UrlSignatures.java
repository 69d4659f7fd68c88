package dev.outpost.edge.signing;

import dev.outpost.common.service.SigningConfig;
import dev.outpost.common.service.SigningKey;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks URLs with a delivery service's shared secrets: pure code, time passed in.
 *
 * <p>Token: query parameters {@code exp} (expiry, Unix seconds), optional {@code prefix} (the token then covers
 * every path starting with it, else exactly the request path), optional {@code ip} (only this client address may
 * use it), and {@code sig} = base64url(HMAC-SHA256(secret, message)) without padding. The message is
 * {@code outpost-url-v2}, the host (lower case, no port, no trailing dot), the scope ({@code path} or
 * {@code prefix}), the path or prefix, {@code exp} and {@code ip}, each written as {@code length:value\n} so no two
 * different tokens share a message: a token made for one host is refused on every other host sharing the secret.
 * Paths are the edge's normalized paths (dot segments removed, unreserved escapes decoded), so
 * {@code /public/../private} is checked as {@code /private}. Other query parameters are not covered.
 *
 * <p>A token whose {@code exp} lies further ahead than {@code maxLifetime} is refused (a leaked URL must not work for
 * years). Under a prefix token, a request whose raw path holds a dot segment in any spelling ({@code ..%2F},
 * {@code %2e%2e}, {@code ..;}, {@code ..%3B}, {@code ..%5C}, double encodings) is refused: the edge's normalizer
 * leaves {@code %2F}, {@code ;} and {@code \} alone, but an origin that decodes them, reads path parameters or
 * takes a backslash for a slash would climb out of the prefix.
 *
 * <p>Order of checks: the signature first, with every listed key not yet expired (the first key signs), compared
 * in constant time; only a token that verifies is then checked for expiry, prefix and address, so a forged token
 * learns nothing else. A token bound to one path used on another path therefore reads {@link Verdict#BAD_SIGNATURE};
 * {@link Verdict#WRONG_PATH} is a prefix token used outside its prefix.
 */
public final class UrlSignatures {
    public static final String EXPIRES = "exp";
    public static final String PREFIX = "prefix";
    public static final String ADDRESS = "ip";
    public static final String SIGNATURE = "sig";
    /** The token's parameters: never part of the cache key, never sent to the origin. */
    public static final List<String> PARAMS = List.of(EXPIRES, PREFIX, ADDRESS, SIGNATURE);

    /** Longest a token may stay valid unless the service says otherwise ({@code signing.maxLifetime}). */
    public static final Duration DEFAULT_MAX_LIFETIME = SigningConfig.DEFAULT_MAX_LIFETIME;

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,12}");
    /** Times a raw path is percent-decoded looking for dot segments ({@code %252e} is {@code %2e} once decoded). */
    private static final int DECODE_ROUNDS = 3;

    private final List<SigningKey> keys;
    private final Duration maxLifetime;

    public UrlSignatures(List<SigningKey> keys, Duration maxLifetime) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("signing needs at least one key");
        }
        if (maxLifetime.isNegative() || maxLifetime.isZero()) {
            throw new IllegalArgumentException("signing.maxLifetime must be > 0, was " + maxLifetime);
        }
        this.keys = List.copyOf(keys);
        this.maxLifetime = maxLifetime;
    }

    /**
     * The token's query parameters ({@code exp=..&sig=..}, already encoded) for {@code path} (normalized, as the
     * edge sees it) on {@code host}, valid until {@code expires} (at most {@code maxLifetime} from now), signed with
     * the first key.
     */
    public String sign(String host, String path, Instant expires, Optional<String> prefix,
            Optional<String> clientAddress, Instant now) {
        SigningKey key = keys.get(0);
        if (!key.usableAt(now)) {
            throw new IllegalStateException("the first signing key expired at " + key.expires().orElseThrow()
                    + "; put the new key first");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', was '" + path + "'");
        }
        prefix.ifPresent(p -> {
            if (!p.startsWith("/") || !path.startsWith(p)) {
                throw new IllegalArgumentException("prefix '" + p + "' must start with '/' and path '" + path
                        + "' must start with it");
            }
        });
        if (!expires.isAfter(now)) {
            throw new IllegalArgumentException("expiry " + expires + " is not after now (" + now + ")");
        }
        if (Duration.between(now, expires).compareTo(maxLifetime) > 0) {
            throw new IllegalArgumentException("lifetime " + Duration.between(now, expires) + " is longer than the"
                    + " service's signing.maxLifetime " + maxLifetime + ": the edge would refuse the URL");
        }
        String signedHost = canonicalHost(host);
        if (signedHost.isEmpty()) {
            throw new IllegalArgumentException("host must be set: the host is part of the signature");
        }
        Optional<String> ip = clientAddress.map(a -> canonicalAddress(a).orElseThrow(
                () -> new IllegalArgumentException("ip must be an IPv4 or IPv6 address, was '" + a + "'")));
        String exp = Long.toString(expires.getEpochSecond());
        String sig = mac(key, message(signedHost, prefix.orElse(path), prefix.isPresent(), exp, ip.orElse("")));
        StringBuilder query = new StringBuilder(EXPIRES).append('=').append(exp);
        prefix.ifPresent(p -> query.append('&').append(PREFIX).append('=').append(encode(p)));
        ip.ifPresent(a -> query.append('&').append(ADDRESS).append('=').append(encode(a)));
        return query.append('&').append(SIGNATURE).append('=').append(sig).toString();
    }

    /**
     * Checks the token in {@code query} (decoded parameters) for a request to {@code host} of {@code path}
     * (normalized; {@code rawPath} is the path as the client sent it) from {@code clientAddress} at {@code now}.
     */
    public Verdict verify(String host, String path, String rawPath, Map<String, ? extends Collection<String>> query,
            String clientAddress, Instant now) {
        if (!query.containsKey(SIGNATURE) || !query.containsKey(EXPIRES)) {
            return Verdict.MISSING;
        }
        Optional<String> sig = single(query, SIGNATURE);
        Optional<String> exp = single(query, EXPIRES);
        Optional<String> prefix = single(query, PREFIX);
        Optional<String> ip = single(query, ADDRESS);
        // A parameter given twice could be read one way here and another way elsewhere: refuse it.
        if (sig.isEmpty() || exp.isEmpty() || prefix.isEmpty() && query.containsKey(PREFIX)
                || ip.isEmpty() && query.containsKey(ADDRESS) || !DIGITS.matcher(exp.get()).matches()) {
            return Verdict.BAD_SIGNATURE;
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(sig.get());
        } catch (IllegalArgumentException e) {
            return Verdict.BAD_SIGNATURE;
        }
        String message = message(canonicalHost(host), prefix.orElse(path), prefix.isPresent(), exp.get(),
                ip.orElse(""));
        boolean signed = false;
        for (SigningKey key : keys) {
            // Every usable key is tried, whatever the outcome, so timing does not tell which key matched.
            signed |= key.usableAt(now) && MessageDigest.isEqual(given, rawMac(key, message));
        }
        if (!signed) {
            return Verdict.BAD_SIGNATURE;
        }
        Instant expires = Instant.ofEpochSecond(Long.parseLong(exp.get()));
        if (!now.isBefore(expires)) {
            return Verdict.EXPIRED;
        }
        if (Duration.between(now, expires).compareTo(maxLifetime) > 0) {
            return Verdict.LIFETIME_TOO_LONG;
        }
        if (prefix.isPresent() && (!path.startsWith(prefix.get()) || hasDotSegment(rawPath))) {
            return Verdict.WRONG_PATH;
        }
        if (ip.isPresent() && (canonicalAddress(ip.get()).isEmpty()
                || !canonicalAddress(ip.get()).equals(canonicalAddress(clientAddress)))) {
            return Verdict.WRONG_ADDRESS;
        }
        return Verdict.VALID;
    }

    /** Whether the query carries a signature: where signing is optional, only such requests are checked. */
    public static boolean present(Map<String, ? extends Collection<String>> query) {
        return query.containsKey(SIGNATURE);
    }

    private static Optional<String> single(Map<String, ? extends Collection<String>> query, String name) {
        Collection<String> values = query.get(name);
        return values == null || values.size() != 1 ? Optional.empty() : Optional.of(values.iterator().next());
    }

    /**
     * Whether a raw path holds a {@code .} or {@code ..} segment in any spelling: percent-decoded up to three times,
     * with {@code \\} taken as a separator and a segment's {@code ;parameters} ignored, as some origins read them.
     */
    static boolean hasDotSegment(String rawPath) {
        String text = rawPath;
        for (int round = 0; round <= DECODE_ROUNDS; round++) {
            for (String segment : text.split("[/\\\\]", -1)) {
                int semicolon = segment.indexOf(';');
                String name = semicolon < 0 ? segment : segment.substring(0, semicolon);
                if (name.equals(".") || name.equals("..")) {
                    return true;
                }
            }
            String decoded = percentDecoded(text);
            if (decoded.equals(text)) {
                return false;
            }
            text = decoded;
        }
        return true; // still encoded after several rounds: nobody sends that in good faith
    }

    /** Every {@code %XX} escape decoded to its byte (as ISO-8859-1); malformed escapes left as they are. */
    private static String percentDecoded(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && HexFormat.isHexDigit(text.charAt(i + 1))
                    && HexFormat.isHexDigit(text.charAt(i + 2))) {
                b.append((char) HexFormat.fromHexDigits(text, i + 1, i + 3));
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The host as signed: lower case, without a port or a trailing dot ({@code Assets.Test.:443} → {@code assets.test}). */
    static String canonicalHost(String host) {
        String h = host == null ? "" : host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(0, end + 1);
        } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static String message(String host, String scopeValue, boolean isPrefix, String exp, String ip) {
        StringBuilder m = new StringBuilder("outpost-url-v2\n");
        for (String field : List.of(host, isPrefix ? "prefix" : "path", scopeValue, exp, ip)) {
            m.append(field.length()).append(':').append(field).append('\n');
        }
        return m.toString();
    }

    private static String mac(SigningKey key, String message) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(rawMac(key, message));
    }

    private static byte[] rawMac(SigningKey key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * The address in one spelling ({@code ::1} and {@code 0:0:0:0:0:0:0:1} agree); empty for anything that is not
     * an IP literal. Only literals reach {@link InetAddress#getByName}, so this never does a DNS lookup.
     */
    static Optional<String> canonicalAddress(String address) {
        if (!IPV4.matcher(address).matches() && !(address.indexOf(':') >= 0 && address.matches("[0-9A-Fa-f:.]+"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(address).getHostAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
