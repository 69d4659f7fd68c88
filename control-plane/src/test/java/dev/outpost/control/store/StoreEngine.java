package dev.outpost.control.store;

import dev.outpost.control.StoreSettings;
import dev.outpost.testkit.PostgresServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The two engines a store test runs on ({@code @ParameterizedClass @EnumSource(StoreEngine.class)}): SQLite, a file
 * in the test's directory, and PostgreSQL, a fresh database on this JVM's {@link PostgresServer#shared() server}
 * for each directory a test names (so reopening the same directory reopens the same database, as a restart would).
 */
public enum StoreEngine {
    SQLITE,
    POSTGRESQL;

    private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();

    /** The settings of the store that belongs to {@code dataDir} on this engine. */
    public StoreSettings settings(Path dataDir) {
        if (this == SQLITE) {
            return StoreSettings.sqlite(dataDir.resolve(StoreSettings.DEFAULT_FILE));
        }
        String url = DATABASES.computeIfAbsent(dataDir.toAbsolutePath(),
                dir -> PostgresServer.shared().createDatabase("store_test"));
        return StoreSettings.postgresql(url, PostgresServer.USER);
    }
}
