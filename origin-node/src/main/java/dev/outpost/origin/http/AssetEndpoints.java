package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.common.http.HttpJson;
import dev.outpost.common.http.RefusedBodies;
import dev.outpost.common.http.UploadLimitStream;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.AssetInfo;
import dev.outpost.origin.assets.AssetListing;
import dev.outpost.origin.assets.AssetWriter;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.assets.DigestCheck;
import dev.outpost.origin.content.AssetPath;
import dev.outpost.origin.content.MasterStore;
import dev.outpost.origin.content.RequestPaths;
import dev.outpost.origin.replication.Replication;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The asset API's resources under {@code /_origin/assets}: {@code GET} of the listing, {@code GET}/{@code HEAD},
 * {@code PUT} and {@code DELETE} of one asset. Thin: the route table ({@link OriginRoutes}) has checked the token and
 * the method and confined the path ({@link #confined}); these read parameters and headers and hand the work to
 * {@link AssetWriter} and {@link AssetListing}. Runs on a worker thread with blocking streams; whatever the answer,
 * the rest of a refused body is read first ({@link #lingering}).
 */
final class AssetEndpoints {
    private static final HttpString REPR_DIGEST = new HttpString("Repr-Digest");
    private static final Set<String> LISTING_PARAMETERS = Set.of("prefix", "limit", "after");
    private static final AttachmentKey<AssetPath> PATH = AttachmentKey.create(AssetPath.class);

    private final MasterStore store;
    private final AssetWriter writer;
    private final AssetListing listing;
    private final Replication replication;
    private final long maxUploadBytes;
    private final OriginMetrics metrics;

    AssetEndpoints(MasterStore store, OriginConfig config, ChangeNotifier notifier, Replication replication,
            OriginMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        this.maxUploadBytes = config.maxUploadBytes();
        this.writer = new AssetWriter(store, config.maxUploadBytes(), notifier, replication.journal());
        this.listing = new AssetListing(store);
        this.replication = replication;
    }

    /**
     * Reads the unread rest of a refused upload (up to a bound) before any answer of the API goes out, so its sender
     * reads the answer rather than a reset ({@link RefusedBodies}).
     */
    HandlerWrapper lingering() {
        return next -> exchange -> {
            try {
                next.handleRequest(exchange);
            } catch (Exception | LinkageError e) {
                RefusedBodies.linger(exchange, maxUploadBytes);
                throw e;
            }
            RefusedBodies.linger(exchange, maxUploadBytes);
        };
    }

    /** The asset's path after {@code /_origin/assets}, confined on the raw (undecoded) request target. */
    static HandlerWrapper confined() {
        return next -> exchange -> {
            exchange.putAttachment(PATH, assetPath(exchange));
            next.handleRequest(exchange);
        };
    }

    /** A replica copies its primary's changes and takes none of its own. */
    HandlerWrapper primaryOnly() {
        return next -> exchange -> {
            if (!replication.isPrimary()) {
                throw new ApiException(409, "read_only_replica", "this origin is a replica: it copies its primary's "
                        + "changes and takes no writes; send them to the primary (see GET /_origin/replication)");
            }
            next.handleRequest(exchange);
        };
    }

    /** {@code GET /_origin/assets?prefix=&limit=&after=}. */
    void list(HttpServerExchange exchange) {
        HttpJson.send(exchange, 200, listing.list(listingQuery(exchange)));
    }

    /** {@code GET /_origin/assets/{path}}: the asset's metadata. */
    void show(HttpServerExchange exchange) {
        AssetPath path = exchange.getAttachment(PATH);
        AssetWriter.refuseHidden(path);
        AssetInfo asset = store.find(path).map(AssetInfo::of)
                .orElseThrow(() -> ApiException.notFound("no asset at " + path));
        exchange.getResponseHeaders().put(Headers.ETAG, asset.etag());
        HttpJson.send(exchange, 200, asset);
    }

    /** {@code DELETE /_origin/assets/{path}}. */
    void delete(HttpServerExchange exchange) {
        AssetPath path = exchange.getAttachment(PATH);
        long sequence = writer.delete(path);
        metrics.deleted();
        awaitReplicas(sequence, path + " is deleted on the primary");
        HttpJson.send(exchange, 200, new Deleted(path.urlPath(), true));
    }

    /** {@code PUT /_origin/assets/{path}}. */
    void put(HttpServerExchange exchange) {
        AssetPath path = exchange.getAttachment(PATH);
        DigestCheck check = DigestCheck.of(header(exchange, REPR_DIGEST), header(exchange, Headers.CONTENT_MD5));
        long length = exchange.getRequestContentLength();
        // The listener takes bodies up to maxUploadBytes (OriginHandlers); AssetWriter counts too, so a body is
        // cut off with 413 at the same byte whichever of the two notices it first.
        AssetWriter.Written written = writer.write(path,
                length < 0 ? OptionalLong.empty() : OptionalLong.of(length),
                new UploadLimitStream(exchange.getInputStream(), AssetWriter.tooLarge(maxUploadBytes, "the body")),
                check);
        metrics.stored(written.created(), written.asset().size());
        awaitReplicas(written.sequence(), path + " is written on the primary (ETag " + written.asset().etag() + ")");
        exchange.getResponseHeaders().put(Headers.ETAG, written.asset().etag());
        HttpJson.send(exchange, written.created() ? 201 : 200, written.asset());
    }

    /** Synchronous replication: the answer waits until enough replicas have the change, or says they did not. */
    private void awaitReplicas(long sequence, String done) {
        Replication.SyncOutcome outcome = replication.awaitReplicas(sequence);
        if (!outcome.met()) {
            throw new ApiException(504, "replication_timeout", done + ", but only " + outcome.confirmed() + " of "
                    + outcome.wanted() + " replicas confirmed it within " + replication.syncTimeout().toMillis()
                    + " ms (replication.syncReplicas); the others copy it when they can");
        }
    }

    /** The part after {@code /_origin/assets}, confined on the raw (undecoded) request target. */
    private static AssetPath assetPath(HttpServerExchange exchange) {
        String raw = exchange.getRequestURI();
        int scheme = raw.indexOf("://");
        if (scheme > 0 && raw.indexOf('/') > scheme) {
            int slash = raw.indexOf('/', scheme + 3);
            raw = slash < 0 ? "/" : raw.substring(slash);
        }
        if (!raw.startsWith(OriginRoutes.ASSETS)) {
            throw ApiException.badRequest("bad_path", "spell " + OriginRoutes.ASSETS + " without percent-encoding");
        }
        String rest = raw.substring(OriginRoutes.ASSETS.length());
        if (rest.isEmpty()) {
            return new AssetPath(List.of());
        }
        return RequestPaths.confine(rest);
    }

    private static AssetListing.Query listingQuery(HttpServerExchange exchange) {
        Map<String, Deque<String>> parameters = exchange.getQueryParameters();
        for (Map.Entry<String, Deque<String>> parameter : parameters.entrySet()) {
            if (!LISTING_PARAMETERS.contains(parameter.getKey())) {
                throw ApiException.badRequest("bad_parameter", "unknown parameter '" + parameter.getKey()
                        + "'; the listing takes prefix, limit and after");
            }
            if (parameter.getValue().size() > 1) {
                throw ApiException.badRequest("bad_parameter", "parameter '" + parameter.getKey()
                        + "' is given more than once");
            }
        }
        return AssetListing.Query.parse(parameter(parameters, "prefix"), parameter(parameters, "limit"),
                parameter(parameters, "after"));
    }

    private static Optional<String> parameter(Map<String, Deque<String>> parameters, String name) {
        Deque<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    /** All values of a header, joined with commas as RFC 9110 allows for list-valued fields. */
    private static Optional<String> header(HttpServerExchange exchange, HttpString name) {
        HeaderValues values = exchange.getRequestHeaders().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", values));
    }

    /** The DELETE answer. */
    record Deleted(String path, boolean deleted) {
    }
}
