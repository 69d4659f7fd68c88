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
 * @param pollInterval   postgresql only: how often a control plane reads what the others wrote when no
 *                       notification came (the fallback of LISTEN/NOTIFY), and how long it waits between reconnects of
 *                       its listening connection; 50ms..60s, default 1s (docs/high-availability.md)
 * @param instanceLease  postgresql only: how long a control plane counts as alive after it last renewed its row in
 *                       {@code instances} (renewed every fifth of it); past it, the others take over pushing to its
 *                       edges; 1s..10m, default 5s
 */
public record StoreSettings(String engine, Optional<String> path, Optional<String> url, Optional<String> user,
        Optional<String> passwordFile, Integer poolSize, Duration connectTimeout, Duration pollInterval,
        Duration instanceLease) {
    public static final StoreSettings DEFAULTS = new StoreSettings(null, null, null, null, null, null, null, null,
            null);
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
        if (engine.equals(SQLITE)) {
            postgresqlOnly("pollInterval", Optional.ofNullable(pollInterval));
            postgresqlOnly("instanceLease", Optional.ofNullable(instanceLease));
        }
        pollInterval = ConfigValues.positive("store.pollInterval", pollInterval, Duration.ofSeconds(1));
        if (pollInterval.compareTo(Duration.ofMillis(50)) < 0 || pollInterval.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("store.pollInterval must be within 50ms..60s, was " + pollInterval);
        }
        instanceLease = ConfigValues.positive("store.instanceLease", instanceLease, Duration.ofSeconds(5));
        if (instanceLease.compareTo(Duration.ofSeconds(1)) < 0 || instanceLease.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("store.instanceLease must be within 1s..10m, was " + instanceLease);
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

    private static void postgresqlOnly(String key, Optional<?> value) {
        if (value.isPresent()) {
            throw new IllegalArgumentException("store." + key + " is a postgresql setting, but store.engine is sqlite");
        }
    }

    /** An embedded SQLite store in {@code file}, the other keys at their defaults (tests and tools). */
    public static StoreSettings sqlite(Path file) {
        return new StoreSettings(SQLITE, Optional.of(file.toString()), null, null, null, null, null, null, null);
    }

    /** A PostgreSQL store at {@code url} as {@code user}, the other keys at their defaults. */
    public static StoreSettings postgresql(String url, String user) {
        return new StoreSettings(POSTGRESQL, null, Optional.of(url), Optional.of(user), null, null, null, null,
                null);
    }

    /** The SQLite file: {@code path}, or {@code outpost.db} in {@code dataDir}. */
    public Path sqliteFile(Path dataDir) {
        return path.map(Path::of).orElse(dataDir.resolve(DEFAULT_FILE));
    }
}
