package dev.outpost.origin.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.assets.ChangeNotifier;
import dev.outpost.origin.content.MasterStore;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** The bearer-token asset API under /_origin/assets. (Being written: PUT, DELETE, listing.) */
final class AssetApiHandler implements HttpHandler {
    private final MasterStore store;
    private final OriginConfig config;
    private final ChangeNotifier notifier;

    AssetApiHandler(MasterStore store, OriginConfig config, ChangeNotifier notifier) {
        this.store = store;
        this.config = config;
        this.notifier = notifier;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        throw new ApiException(501, "not_implemented", "the asset API is being written");
    }
}
