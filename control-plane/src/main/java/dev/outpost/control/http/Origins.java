package dev.outpost.control.http;

import dev.outpost.common.http.ApiException;
import dev.outpost.control.ControlPlaneConfig;
import io.undertow.server.HandlerWrapper;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import java.util.List;
import java.util.Optional;

/**
 * The origin a call speaks for: {@code ?origin=<id>}, or the only one configured; 400 {@code unknown_origin} naming
 * the known ones otherwise. A route that needs it declares {@link #named}; its endpoint reads it with {@link #of}.
 */
final class Origins {
    private static final AttachmentKey<ControlPlaneConfig.Origin> ORIGIN =
            AttachmentKey.create(ControlPlaneConfig.Origin.class);

    private final List<ControlPlaneConfig.Origin> origins;

    Origins(List<ControlPlaneConfig.Origin> origins) {
        this.origins = List.copyOf(origins);
    }

    HandlerWrapper named() {
        return next -> exchange -> {
            exchange.putAttachment(ORIGIN, find(Queries.first(exchange, "origin")));
            next.handleRequest(exchange);
        };
    }

    static ControlPlaneConfig.Origin of(HttpServerExchange exchange) {
        ControlPlaneConfig.Origin origin = exchange.getAttachment(ORIGIN);
        if (origin == null) {
            throw new IllegalStateException(exchange.getRequestPath() + " names no origin in the route table");
        }
        return origin;
    }

    private ControlPlaneConfig.Origin find(Optional<String> originId) {
        if (originId.isPresent()) {
            return origins.stream().filter(o -> o.id().equals(originId.get())).findFirst()
                    .orElseThrow(() -> ApiException.badRequest("unknown_origin", "origin: '" + originId.get()
                            + "' is not configured; known: " + origins.stream().map(o -> o.id()).toList()));
        }
        if (origins.size() == 1) {
            return origins.get(0);
        }
        throw ApiException.badRequest("unknown_origin", "origin: name the origin with ?origin=<id>; known: "
                + origins.stream().map(o -> o.id()).toList());
    }
}
