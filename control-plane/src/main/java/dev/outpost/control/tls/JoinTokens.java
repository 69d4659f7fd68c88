package dev.outpost.control.tls;

import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlaneConfig;
import dev.outpost.control.StoreSettings;
import dev.outpost.control.store.Store;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;

/**
 * One-time join tokens (table {@code join_tokens} of the control plane's {@link Store}): what node may join with a token, which names and
 * addresses its certificate may carry, until when, and whether the token was used. Only the token's SHA-256 is
 * stored; the secret is shown once, when it is created. Using a token is one conditional UPDATE, so two joins
 * racing with the same token cannot both succeed (on any number of control planes sharing a database). Written
 * in durable transactions: a used token stays used across a crash.
 */
public final class JoinTokens implements AutoCloseable {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    /** A stored token (without its secret). */
    public record JoinToken(String sha256, String node, List<String> names, List<String> addresses,
            Instant expiresAt, Optional<Instant> usedAt) {
    }

    private static final String WHAT = "join-token store";
    private final Store store;
    private final boolean ownsStore;
    private final SecureRandom random = new SecureRandom();

    private JoinTokens(Store store, boolean ownsStore) {
        this.store = store;
        this.ownsStore = ownsStore;
    }

    /** The join tokens in the control plane's store, which outlives them. */
    public static JoinTokens in(Store store) {
        return new JoinTokens(store, false);
    }

    /** Join tokens with their own SQLite store in {@code dataDir} (tests and tools). */
    public static JoinTokens open(Path dataDir) {
        return open(StoreSettings.DEFAULTS, dataDir);
    }

    /** Join tokens with their own store as {@code settings} say (tests and tools). */
    public static JoinTokens open(StoreSettings settings, Path dataDir) {
        return new JoinTokens(Store.open(settings, dataDir), true);
    }

    /** Stores a new token and returns its secret (shown once; only its hash is kept). */
    public synchronized String create(String node, List<String> names, List<String> addresses, Instant expiresAt) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = "oj_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        store.transaction(WHAT, Store.Durability.DURABLE, db -> Store.update(db, "INSERT INTO join_tokens (sha256, "
                + "node, names, addresses, expires_at) VALUES (?, ?, ?, ?, ?)", ControlPlaneConfig.sha256(secret), node,
                Json.mapper().writeValueAsString(names), Json.mapper().writeValueAsString(addresses),
                expiresAt.toEpochMilli()));
        return secret;
    }

    /** The token with this secret, used or not. */
    public synchronized Optional<JoinToken> find(String secret) {
        return store.read(WHAT, db -> {
            try (PreparedStatement s = db.prepareStatement("SELECT sha256, node, names, addresses, expires_at, "
                    + "used_at FROM join_tokens WHERE sha256 = ?")) {
                s.setString(1, ControlPlaneConfig.sha256(secret));
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<JoinToken>empty();
                    }
                    long used = rs.getLong(6);
                    Optional<Instant> usedAt = rs.wasNull() ? Optional.empty()
                            : Optional.of(Instant.ofEpochMilli(used));
                    return Optional.of(new JoinToken(rs.getString(1), rs.getString(2),
                            Json.mapper().readValue(rs.getString(3), STRINGS),
                            Json.mapper().readValue(rs.getString(4), STRINGS),
                            Instant.ofEpochMilli(rs.getLong(5)), usedAt));
                }
            }
        });
    }

    /** Marks the token used; false when it was used (or had expired) meanwhile. */
    public synchronized boolean use(JoinToken token, Instant now) {
        return store.transaction(WHAT, Store.Durability.DURABLE, db -> Store.update(db, "UPDATE join_tokens SET "
                + "used_at = ? WHERE sha256 = ? AND used_at IS NULL AND expires_at > ?", now.toEpochMilli(),
                token.sha256(), now.toEpochMilli())) == 1;
    }

    @Override
    public synchronized void close() {
        if (ownsStore) {
            store.close();
        }
    }
}
