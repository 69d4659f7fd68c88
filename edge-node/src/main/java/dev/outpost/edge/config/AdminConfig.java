package dev.outpost.edge.config;

import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.http.ListenAddress;

/**
 * The admin listener (purge, prefetch, push) and the bearer token it requires.
 *
 * @param listen {@code host:port}; keep it on a private interface
 * @param token  bearer token every admin request must carry; at least 16 characters
 */
public record AdminConfig(String listen, String token) {
    public AdminConfig {
        listen = ConfigValues.or(listen, "127.0.0.1:9081");
        ListenAddress.parse(listen);
        if (token == null || token.length() < 16) {
            throw new IllegalArgumentException("admin.token must be at least 16 characters");
        }
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }
}
