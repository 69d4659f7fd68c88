package dev.outpost.control;

import dev.outpost.common.config.ConfigValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the control plane keeps its state ({@code store} in the control-plane config; docs/store.md): an embedded
 * SQLite file (the default, nothing to install) or a PostgreSQL database. Absent keys take the defaults; a key that
 * belongs to the other engine, or a bad value, fails start-up naming it.
 *
 * @param engine         {@code sqlite} (default) or {@code postgresql}
 * @param path           sqlite only: the database file; default {@code outpost.db} in the data directory
 * @param url            postgresql only (required): {@code jdbc:postgresql://host:port/database}
 * @param user           postgresql only: the role to connect as; absent → the driver's default (the OS user)
 * @param passwordFile   postgresql only: a file holding the role's password (trailing newline ignored), e.g. a
 *                       Docker secret; absent → no password
 * @param poolSize       most connections held open to the database, 1..100, default 4
 * @param connectTimeout how long a call waits for a connection before it is refused with 503 {@code
 *                       store_unavailable}; 250ms..60s, default 5s
 */
public record StoreSettings(String engine, Optional<String> path, Optional<String> url, Optional<String> user,
        Optional<String> passwordFile, Integer poolSize, Duration connectTimeout) {
    public static final StoreSettings DEFAULTS = new StoreSettings(null, null, null, null, null, null, null);
    public static final String SQLITE = "sqlite";
    public static final String POSTGRESQL = "postgresql";
    /** The SQLite file's name in the data directory when {@code path} is absent. */
    public static final String DEFAULT_FILE = "outpost.db";

    public StoreSettings {
        engine = ConfigValues.or(engine, SQLITE);
        path = ConfigValues.orEmptyText(path);
        url = ConfigValues.orEmptyText(url);
        user = ConfigValues.orEmptyText(user);
        passwordFile = ConfigValues.orEmptyText(passwordFile);
        poolSize = ConfigValues.between("store.poolSize", poolSize, 4, 1, 100);
        connectTimeout = ConfigValues.positive("store.connectTimeout", connectTimeout, Duration.ofSeconds(5));
        if (connectTimeout.compareTo(Duration.ofMillis(250)) < 0 || connectTimeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("store.connectTimeout must be within 250ms..60s, was " + connectTimeout);
        }
        switch (engine) {
            case SQLITE -> {
                postgresqlOnly("url", url);
                postgresqlOnly("user", user);
                postgresqlOnly("passwordFile", passwordFile);
            }
            case POSTGRESQL -> {
                if (path.isPresent()) {
                    throw new IllegalArgumentException("store.path is a sqlite setting, but store.engine is "
                            + "postgresql (give store.url)");
                }
                if (url.isEmpty() || !url.get().startsWith("jdbc:postgresql:")) {
                    throw new IllegalArgumentException("store.url must be set to jdbc:postgresql://host:port/database "
                            + "when store.engine is postgresql, was " + url.orElse("(absent)"));
                }
            }
            default -> throw new IllegalArgumentException("store.engine must be sqlite or postgresql, was '"
                    + engine + "'");
        }
    }

    private static void postgresqlOnly(String key, Optional<String> value) {
        if (value.isPresent()) {
            throw new IllegalArgumentException("store." + key + " is a postgresql setting, but store.engine is sqlite");
        }
    }

    /** An embedded SQLite store in {@code file}, the other keys at their defaults (tests and tools). */
    public static StoreSettings sqlite(Path file) {
        return new StoreSettings(SQLITE, Optional.of(file.toString()), null, null, null, null, null);
    }

    /** A PostgreSQL store at {@code url} as {@code user}, the other keys at their defaults. */
    public static StoreSettings postgresql(String url, String user) {
        return new StoreSettings(POSTGRESQL, null, Optional.of(url), Optional.of(user), null, null, null);
    }

    /** The SQLite file: {@code path}, or {@code outpost.db} in {@code dataDir}. */
    public Path sqliteFile(Path dataDir) {
        return path.map(Path::of).orElse(dataDir.resolve(DEFAULT_FILE));
    }
}
