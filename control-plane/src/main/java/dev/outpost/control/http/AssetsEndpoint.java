package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RefusedBodies;
import dev.outpost.common.http.UploadLimitStream;
import dev.outpost.common.problem.Problem;
import dev.outpost.control.ControlPlaneConfig.Origin;
import dev.outpost.control.assets.OriginWriter;
import dev.outpost.control.assets.RecentWrites;
import dev.outpost.control.invalidation.Dispatcher;
import dev.outpost.control.invalidation.LoggedEntry;
import dev.outpost.control.invalidation.NewEntry;
import io.undertow.server.HttpServerExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code PUT /api/v1/assets/{path}[?origin=id]}: write-through upload. The body becomes the master copy on the
 * origin first, streamed through as it arrives (never held whole here); only once the origin stored it does the
 * control plane purge the path on every host of that origin and then push (preload) it, so edges fetch the new
 * bytes and the first client request is a hit. The origin's own change notice for this write purges nothing more
 * ({@link RecentWrites}): the upload is registered there before the origin is written, so the notice is recognised
 * whenever it arrives.
 */
final class AssetsEndpoint {
    static final String PREFIX = "/api/v1/assets";

    /** The answer: what the origin stored, and the purge and push that followed. */
    record Written(String path, String etag, String origin, Views.Accepted purge, Views.Accepted push) {
    }

    private final OriginWriter writer;
    private final RecentWrites recentWrites;
    private final Dispatcher dispatcher;

    AssetsEndpoint(OriginWriter writer, RecentWrites recentWrites, Dispatcher dispatcher) {
        this.writer = writer;
        this.recentWrites = recentWrites;
        this.dispatcher = dispatcher;
    }

    /** {@code PUT /api/v1/assets/{path...}}; the route table has checked the token, the origin and the budget. */
    void put(HttpServerExchange exchange) throws IOException {
        Origin origin = Origins.of(exchange);
        Principal who = Auth.principal(exchange);
        String rawPath = exchange.getRequestURI().substring(exchange.getRequestURI().indexOf(PREFIX)
                + PREFIX.length());
        if (!rawPath.startsWith("/") || rawPath.length() < 2 || rawPath.chars().anyMatch(c -> c <= ' ')) {
            throw ApiException.badRequest("bad_path", "give the asset path after " + PREFIX + "/, e.g. PUT "
                    + PREFIX + "/css/site.css");
        }
        long declared = exchange.getRequestContentLength();
        Problem tooLarge = new Problem(Problem.Kind.TOO_LARGE, "body_too_large", "the upload is larger than origin '"
                + origin.id() + "' takes through the control plane (maxUploadBytes " + origin.maxUploadBytes()
                + " bytes)");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : List.of("Content-Type", "Repr-Digest", "Content-MD5")) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        if (!exchange.isBlocking()) {
            exchange.startBlocking();
        }
        List<String> urls = origin.hosts().stream().map(host -> "http://" + host + rawPath).toList();
        OriginWriter.Written stored;
        LoggedEntry purge;
        LoggedEntry push;
        // Registered before the origin is written: its change notice may arrive before it answers us.
        try (RecentWrites.Write write = recentWrites.begin(origin.id(), decoded(rawPath))) {
            try {
                if (declared > origin.maxUploadBytes()) {
                    throw tooLarge; // before the origin is asked
                }
                stored = writer.put(origin, rawPath, new OriginWriter.Upload(
                        new UploadLimitStream(exchange.getInputStream(), tooLarge),
                        declared < 0 ? OptionalLong.empty() : OptionalLong.of(declared), tooLarge), headers);
            } catch (RuntimeException e) {
                RefusedBodies.linger(exchange, origin.maxUploadBytes());
                throw e;
            }
            purge = write.purge(stored.etag(), () -> dispatcher.submit(NewEntry.purgeUrls(urls), who.name()));
            push = dispatcher.submit(NewEntry.push(urls, List.of()), who.name());
        }
        HttpJson.send(exchange, stored.status(), new Written(stored.path(), stored.etag(), origin.id(),
                new Views.Accepted(purge.id(), purge.sequence(), "pending"),
                new Views.Accepted(push.id(), push.sequence(), "pending")));
    }

    /** The path as the origin's notices name it (percent-decoded); a malformed escape stays as sent. */
    private static String decoded(String rawPath) {
        try {
            return java.net.URI.create("http://h" + rawPath).getPath();
        } catch (IllegalArgumentException e) {
            return rawPath;
        }
    }
}
