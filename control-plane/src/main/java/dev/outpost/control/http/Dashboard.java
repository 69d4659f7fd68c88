package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.RouteTable;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.ETag;
import io.undertow.util.ETagUtils;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operator's dashboard: the page at {@code GET /dashboard} and its script, style sheet and icon at
 * {@code GET /dashboard/{asset}}, resources of this jar read once at start (a jar without them fails at start-up
 * naming the file). The files hold no data and need no token: the page asks the operator for an API token, keeps it
 * in the tab's {@code sessionStorage} and reads everything it shows from the token-protected API with the
 * {@code read} scope (docs/dashboard.md says why this and not a cookie).
 *
 * <p>Each answer carries a strict Content-Security-Policy (scripts, styles and fetches from this origin only, no
 * inline script or style, no framing, no form submission), so an injected string can neither run nor send the token
 * anywhere; {@code Cache-Control: no-cache} with a strong ETag, so a browser revalidates (304) and picks up a new
 * jar's page at once.
 */
final class Dashboard {
    /** The path of the page; it and everything under it is taken by the API listener instead of steering. */
    static final String PATH = "/dashboard";
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final String PAGE = "index.html";

    private record Asset(String contentType, byte[] body, ETag etag) {
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    Dashboard() {
        add(PAGE, "text/html; charset=utf-8");
        add("dashboard.js", "text/javascript; charset=utf-8");
        add("dashboard.css", "text/css; charset=utf-8");
        add("icon.svg", "image/svg+xml");
    }

    /** Whether the API listener's table, not steering, takes {@code path}. */
    static boolean serves(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    /** {@code GET /dashboard}. */
    void page(HttpServerExchange exchange) {
        send(exchange, assets.get(PAGE));
    }

    /** {@code GET /dashboard/{asset}}: one of the page's files; 404 for any other name. */
    void asset(HttpServerExchange exchange) {
        String name = RouteTable.parameter(exchange, "asset");
        Asset asset = assets.get(name);
        if (asset == null || name.equals(PAGE)) {
            throw ApiException.notFound("no dashboard file '" + name + "'; the dashboard is at " + PATH);
        }
        send(exchange, asset);
    }

    private static void send(HttpServerExchange exchange, Asset asset) {
        var headers = exchange.getResponseHeaders();
        headers.put(Headers.CACHE_CONTROL, "no-cache");
        headers.put(Headers.ETAG, asset.etag().toString());
        headers.put(Headers.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        headers.put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff");
        headers.put(Headers.X_FRAME_OPTIONS, "DENY"); // frame-ancestors for browsers without CSP level 2
        headers.put(Headers.REFERRER_POLICY, "no-referrer");
        if (!ETagUtils.handleIfNoneMatch(exchange, asset.etag(), true)) {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(200);
        headers.put(Headers.CONTENT_TYPE, asset.contentType());
        exchange.setResponseContentLength(asset.body().length);
        exchange.getResponseSender().send(ByteBuffer.wrap(asset.body()));
    }

    private void add(String name, String contentType) {
        String resource = "dashboard/" + name;
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("dashboard file " + resource + " is missing from the classpath");
            }
            byte[] body = in.readAllBytes();
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body), 0, 16);
            assets.put(name, new Asset(contentType, body, new ETag(false, digest)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard file " + resource, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
