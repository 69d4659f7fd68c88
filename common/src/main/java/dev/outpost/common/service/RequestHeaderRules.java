package dev.outpost.common.service;

import dev.outpost.common.config.ConfigValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which of a client's request headers a delivery service's origin gets (config key
 * {@code services[].requestHeaders}). The edge is a transparent cache: by default every end-to-end header goes
 * upstream, and what keeps one client's headers out of another client's answer is the cache key (the response's
 * {@code Vary}), not withholding. Some headers never go upstream whatever this says (hop-by-hop, override and
 * forwarding headers, names with {@code _}; see {@code ProxyHeaders}).
 *
 * @param forward {@code all} (default): every end-to-end header, minus {@code drop}; {@code listed}: only
 *                {@code Accept}, {@code Accept-Language}, the normalised {@code Accept-Encoding}, {@code
 *                Authorization}, the headers a stored response's {@code Vary} names, and {@code allow} — for an
 *                origin that reads request headers without saying so in {@code Vary}
 * @param drop    with {@code all}: headers never forwarded (lower-cased)
 * @param allow   with {@code listed}: the other headers forwarded (lower-cased); never one the edge always withholds
 */
public record RequestHeaderRules(String forward, List<String> drop, List<String> allow) {

    public RequestHeaderRules {
        forward = ConfigValues.or(forward, "all").toLowerCase(Locale.ROOT);
        if (!forward.equals("all") && !forward.equals("listed")) {
            throw new IllegalArgumentException("requestHeaders.forward must be 'all' or 'listed', was '" + forward
                    + "'");
        }
        drop = names("requestHeaders.drop", ConfigValues.orEmpty(drop));
        allow = names("requestHeaders.allow", ConfigValues.orEmpty(allow));
        if (forward.equals("all") && !allow.isEmpty()) {
            throw new IllegalArgumentException("requestHeaders.allow " + allow + " needs forward: listed; with "
                    + "forward: all every end-to-end header is forwarded (list in drop what must not be)");
        }
        if (forward.equals("listed") && !drop.isEmpty()) {
            throw new IllegalArgumentException("requestHeaders.drop " + drop + " needs forward: all; with forward: "
                    + "listed only Accept*, Authorization, Vary-named headers and allow are forwarded");
        }
        for (String name : allow) {
            if (CONDITIONALS.contains(name)) {
                throw new IllegalArgumentException("requestHeaders.allow: '" + name + "' is never forwarded on a "
                        + "fetch for the cache: the edge sends its own validators and ranges");
            }
            withheld(name).ifPresent(why -> {
                throw new IllegalArgumentException("requestHeaders.allow: '" + name + "' is never forwarded: "
                        + why);
            });
        }
    }

    /** Only the listed headers go upstream. */
    public boolean listed() {
        return forward.equals("listed");
    }

    private static List<String> names(String key, List<String> given) {
        List<String> out = new ArrayList<>();
        for (String name : given) {
            if (name == null || name.isEmpty() || !name.chars().allMatch(RequestHeaderRules::isTokenChar)) {
                throw new IllegalArgumentException(key + ": '" + name + "' is not a header field name");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (!out.contains(lower)) {
                out.add(lower);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Request headers that frameworks and proxies read as "the real host/path/scheme/method" (X-Forwarded-Host,
     * X-Original-URL, X-HTTP-Method-Override, ...). None is in the cache key, and an origin that obeys one answers
     * for another URL: withheld from every origin request, pass-through ones included.
     */
    public static final List<String> OVERRIDES = List.of("x-forwarded-host", "x-forwarded-server",
            "x-forwarded-port", "x-forwarded-scheme", "x-forwarded-prefix", "x-forwarded-path", "x-forwarded-uri",
            "x-forwarded-ssl", "forwarded", "x-original-url", "x-original-host", "x-original-uri", "x-rewrite-url",
            "x-http-method-override", "x-http-method", "x-method-override", "x-host", "x-http-host-override",
            "front-end-https", "x-url-scheme", "x-forwarded-protocol", "x-original-method", "x-backend-host",
            "proxy-host");

    /**
     * Claims of "the client's real address": origins behind a proxy trust them (access rules, rate limits, logs),
     * so a client must not be able to set them. The edge's own X-Forwarded-For names the client.
     */
    public static final List<String> CLIENT_ADDRESS_CLAIMS = List.of("x-real-ip", "true-client-ip", "x-client-ip",
            "client-ip", "x-cluster-client-ip", "x-originating-ip", "x-remote-addr", "x-remote-ip",
            "x-proxyuser-ip", "cf-connecting-ip", "fastly-client-ip");

    /** Fields of this connection or message (RFC 9110 §7.6.1 and framing), never of the request itself. */
    public static final List<String> CONNECTION_FIELDS = List.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect");

    /** The client's validators and ranges: a fetch for the cache carries the edge's own instead. */
    public static final List<String> CONDITIONALS = List.of("if-match", "if-none-match", "if-modified-since",
            "if-unmodified-since", "if-range", "range");

    /** Every end-to-end header forwarded, none dropped. (Declared after the lists its constructor reads.) */
    public static final RequestHeaderRules DEFAULTS = new RequestHeaderRules(null, null, null);

    /**
     * Why the edge withholds this (lower-case) header from every origin request, or empty when it may go upstream.
     * {@link #CONDITIONALS} are withheld only from fetches for the cache, and not named here.
     */
    public static Optional<String> withheld(String lowerName) {
        if (lowerName.indexOf('_') >= 0) {
            return Optional.of("a name with '_' is read as '-' by some servers (CGI, nginx, PHP), so it could pass "
                    + "for a withheld header");
        }
        if (CONNECTION_FIELDS.contains(lowerName)) {
            return Optional.of("it describes this connection or message, not the request");
        }
        if (OVERRIDES.contains(lowerName)) {
            return Optional.of("it makes an origin answer for another host, path, scheme or method");
        }
        if (lowerName.startsWith("x-forwarded-") || lowerName.equals("via")) {
            return Optional.of("the edge writes its own forwarding headers");
        }
        if (CLIENT_ADDRESS_CLAIMS.contains(lowerName)) {
            return Optional.of("it claims the client's address, which the edge's X-Forwarded-For states");
        }
        return Optional.empty();
    }

    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
