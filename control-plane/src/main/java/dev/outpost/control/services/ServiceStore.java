package dev.outpost.control.services;

import dev.outpost.common.json.Json;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.control.invalidation.InvalidationLog;
import dev.outpost.control.registry.Registry;
import dev.outpost.control.store.Store;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every SQL statement of the delivery-service configuration, over the invalidation log's store (SQLite or
 * PostgreSQL, docs/store.md) through {@link InvalidationLog#read} and {@link InvalidationLog#appendAll}, so that a
 * version and its log entries commit in one transaction. One table, {@code service_versions}: one row per accepted change, never deleted (the log
 * is compacted, this history is not, so a snapshot at any sequence can always be built from it). The current
 * configuration is, per service, its newest row unless that row deletes it.
 *
 * <p>Columns: {@code version} (the global configuration version this change created), {@code service},
 * {@code definition} (the definition as the API wrote it, canonical JSON; {@code NULL} = deleted), {@code sequence}
 * (its config entry in the log), {@code purge} (the purge entry logged right after it, as JSON, when the change
 * alters what a cached object would be), {@code changed_at}, {@code changed_by} (the token's name), {@code summary}.
 */
public final class ServiceStore implements Registry.ConfigSource {
    /** One accepted change: the row of {@code service_versions}. */
    public record Version(long version, String service, Optional<String> definition, long sequence,
            Optional<Purged> purged, Instant changedAt, String changedBy, String summary) {
        public boolean deletes() {
            return definition.isEmpty();
        }

        /** The definition as an object (its JSON was validated before it was written). */
        public Optional<DeliveryService> parsed() {
            return definition.map(json -> Json.mapper().readValue(json, DeliveryService.class));
        }
    }

    /**
     * The purge a change logged right after its config entry.
     *
     * @param id       the purge's API id ({@code p-<sequence>})
     * @param hosts    the hosts purged
     * @param soft     revalidate (true) or remove (false)
     * @param reasons  which changed fields made it necessary
     */
    public record Purged(String id, long sequence, List<String> hosts, boolean soft, List<String> reasons) {
    }

    private static final String COLUMNS = "version, service, definition, sequence, purge, changed_at, changed_by, "
            + "summary";

    private final InvalidationLog log;

    private ServiceStore(InvalidationLog log) {
        this.log = log;
    }

    /** Over the log's store, whose migrations created the table ({@code V3__service_versions.sql}). */
    public static ServiceStore open(InvalidationLog log) {
        return new ServiceStore(log);
    }

    /** The newest configuration version (0 before the first change). */
    @Override
    public long version() {
        return log.read(db -> {
            try (Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM service_versions")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Every service as of log sequence {@code sequence} (its newest version logged at or before it), by name. */
    public List<Version> asOf(long sequence) {
        return query("SELECT " + COLUMNS + " FROM service_versions v WHERE v.version = (SELECT max(w.version) "
                + "FROM service_versions w WHERE w.service = v.service AND w.sequence <= ?) "
                + "AND v.definition IS NOT NULL ORDER BY v.service", sequence);
    }

    /** Every service now, by name. */
    public List<Version> current() {
        return asOf(Long.MAX_VALUE);
    }

    /**
     * The configuration as of log sequence {@code sequence}: what a node that applied every entry up to it runs.
     * Built from this table, not the log, so compaction never loses it.
     */
    @Override
    public Optional<ServiceSnapshot> snapshotAt(long sequence) {
        return Optional.of(snapshot(sequence));
    }

    /** The configuration as of log sequence {@code sequence} (see {@link #snapshotAt}). */
    public ServiceSnapshot snapshot(long sequence) {
        return log.read(db -> {
            long version;
            try (PreparedStatement s = db.prepareStatement(
                    "SELECT coalesce(max(version), 0) FROM service_versions WHERE sequence <= ?")) {
                s.setLong(1, sequence);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    version = rs.getLong(1);
                }
            }
            return new ServiceSnapshot(version, asOf(sequence).stream().map(v -> v.parsed().orElseThrow())
                    .toList());
        });
    }

    /** The service's newest version, a deletion included; empty when it never existed. */
    public Optional<Version> latest(String service) {
        return query("SELECT " + COLUMNS + " FROM service_versions WHERE service = ? ORDER BY version DESC LIMIT 1",
                service).stream().findFirst();
    }

    /** The service's versions, newest first. */
    public List<Version> history(String service) {
        return query("SELECT " + COLUMNS + " FROM service_versions WHERE service = ? ORDER BY version DESC",
                service);
    }

    /** Version {@code version}, if it changed {@code service}. */
    public Optional<Version> version(String service, long version) {
        return query("SELECT " + COLUMNS + " FROM service_versions WHERE service = ? AND version = ?", service,
                version).stream().findFirst();
    }

    /** The change a config entry of the log carried, by the entry's sequence. */
    public Optional<Version> bySequence(long sequence) {
        return query("SELECT " + COLUMNS + " FROM service_versions WHERE sequence = ?", sequence).stream()
                .findFirst();
    }

    /**
     * The version a change was numbered with was taken by a change committed meanwhile (another control plane on the
     * same database): its append rolls back whole, and the change is checked and numbered again.
     */
    static final class VersionTaken extends RuntimeException {
        VersionTaken(long version, long newest) {
            super("configuration version " + version + " was taken (newest is " + newest + ")", null, false, false);
        }
    }

    /**
     * The write of {@code change} for {@link InvalidationLog#appendAll}: its row, with the sequences the log just
     * gave its config entry (the first) and its purge entry (the second, when there is one).
     */
    InvalidationLog.AlsoWrite insert(long version, String service, Optional<String> definition, Instant at,
            String by, String summary, Optional<PurgePlan> purge) {
        return (db, sequences) -> {
            // Checked in the appending transaction, after it took the log's counter (whose row lock orders every
            // append on this database): a version another control plane wrote meanwhile is visible here
            long newest = Store.longValue(db, "SELECT coalesce(max(version), 0) FROM service_versions");
            if (newest != version - 1) {
                throw new VersionTaken(version, newest);
            }
            Optional<String> purged = purge.map(p -> Json.mapper().writeValueAsString(new Purged(
                    "p-" + sequences.get(1), sequences.get(1), p.hosts(), p.soft(), p.reasons())));
            try (PreparedStatement s = db.prepareStatement("INSERT INTO service_versions (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                bind(s, version, service, definition.orElse(null), sequences.get(0), purged.orElse(null),
                        at.toEpochMilli(), by, summary);
                s.executeUpdate();
            }
        };
    }

    private List<Version> query(String sql, Object... args) {
        return log.read(db -> {
            List<Version> out = new ArrayList<>();
            try (PreparedStatement s = db.prepareStatement(sql)) {
                bind(s, args);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
            }
            return out;
        });
    }

    private static Version row(ResultSet rs) throws SQLException {
        return new Version(rs.getLong("version"), rs.getString("service"),
                Optional.ofNullable(rs.getString("definition")), rs.getLong("sequence"),
                Optional.ofNullable(rs.getString("purge")).map(j -> Json.mapper().readValue(j, Purged.class)),
                Instant.ofEpochMilli(rs.getLong("changed_at")), rs.getString("changed_by"), rs.getString("summary"));
    }

    private static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
    }
}
