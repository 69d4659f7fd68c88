package dev.outpost.control.tls;

import dev.outpost.common.json.Json;
import dev.outpost.control.ControlPlaneConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.type.TypeReference;

/**
 * One-time join tokens ({@code joins.db} in the data directory): what node may join with a token, which names and
 * addresses its certificate may carry, until when, and whether the token was used. Only the token's SHA-256 is
 * stored; the secret is shown once, when it is created. Using a token is one conditional UPDATE, so two joins
 * racing with the same token cannot both succeed. Written with {@code synchronous=FULL}: a used token stays used
 * across a crash.
 */
public final class JoinTokens implements AutoCloseable {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    /** A stored token (without its secret). */
    public record JoinToken(String sha256, String node, List<String> names, List<String> addresses,
            Instant expiresAt, Optional<Instant> usedAt) {
    }

    private final Connection db;
    private final SecureRandom random = new SecureRandom();

    private JoinTokens(Connection db) {
        this.db = db;
    }

    public static JoinTokens open(Path dataDir) {
        Path file = dataDir.resolve("joins.db");
        try {
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS join_tokens (sha256 TEXT PRIMARY KEY, node TEXT NOT NULL, "
                        + "names TEXT NOT NULL, addresses TEXT NOT NULL, expires_at INTEGER NOT NULL, "
                        + "used_at INTEGER)");
            }
            return new JoinTokens(db);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the join-token store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Stores a new token and returns its secret (shown once; only its hash is kept). */
    public synchronized String create(String node, List<String> names, List<String> addresses, Instant expiresAt) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String secret = "oj_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try (PreparedStatement s = db.prepareStatement("INSERT INTO join_tokens (sha256, node, names, addresses, "
                + "expires_at) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, ControlPlaneConfig.sha256(secret));
            s.setString(2, node);
            s.setString(3, Json.mapper().writeValueAsString(names));
            s.setString(4, Json.mapper().writeValueAsString(addresses));
            s.setLong(5, expiresAt.toEpochMilli());
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("join-token store: " + e.getMessage(), e);
        }
        return secret;
    }

    /** The token with this secret, used or not. */
    public synchronized Optional<JoinToken> find(String secret) {
        try (PreparedStatement s = db.prepareStatement("SELECT sha256, node, names, addresses, expires_at, used_at "
                + "FROM join_tokens WHERE sha256 = ?")) {
            s.setString(1, ControlPlaneConfig.sha256(secret));
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long used = rs.getLong(6);
                Optional<Instant> usedAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(used));
                return Optional.of(new JoinToken(rs.getString(1), rs.getString(2),
                        Json.mapper().readValue(rs.getString(3), STRINGS),
                        Json.mapper().readValue(rs.getString(4), STRINGS),
                        Instant.ofEpochMilli(rs.getLong(5)), usedAt));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("join-token store: " + e.getMessage(), e);
        }
    }

    /** Marks the token used; false when it was used (or had expired) meanwhile. */
    public synchronized boolean use(JoinToken token, Instant now) {
        try (PreparedStatement s = db.prepareStatement("UPDATE join_tokens SET used_at = ? WHERE sha256 = ? "
                + "AND used_at IS NULL AND expires_at > ?")) {
            s.setLong(1, now.toEpochMilli());
            s.setString(2, token.sha256());
            s.setLong(3, now.toEpochMilli());
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("join-token store: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException("join-token store: " + e.getMessage(), e);
        }
    }
}
