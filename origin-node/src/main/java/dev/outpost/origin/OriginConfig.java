package dev.outpost.origin;

import dev.outpost.common.http.accesslog.AccessLogSettings;
import dev.outpost.common.config.ConfigValues;
import dev.outpost.common.config.RenamedKeys;
import dev.outpost.common.controlplane.ControlPlanes;
import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.ListenerLimits;
import dev.outpost.origin.content.PathRule;
import dev.outpost.origin.content.ResponsePolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An origin node's settings, read from {@code origin.yml} (unknown keys rejected) or built from CLI flags. Missing
 * keys take the defaults below; bad values fail at startup naming the key.
 *
 * @param listen         address of the content port and the asset API, e.g. {@code 127.0.0.1:8080}
 * @param data           the data directory holding the master copies
 * @param apiToken       bearer token for the asset API; absent → the asset API answers 403 {@code api_disabled}
 * @param maxUploadBytes largest asset a PUT may write (413 above it)
 * @param rules          ordered path rules; the first match decides Cache-Control and Surrogate-Key
 * @param defaults       caching headers for paths no rule matches
 * @param notifications  where asset changes are announced (the control plane); absent url → not announced
 * @param limits         listener limits (head size, slow-client timeouts, connections); absent → safe defaults
 * @param tls            node certificate for mutual TLS with the control plane; absent → plain HTTP
 * @param replication    this origin's place in a primary/replica group; absent → a primary without sync replicas
 * @param accessLog      format, destination and file bounds of the access log (docs/logging.md); absent → JSON
 *                       lines on stdout, the node named by {@code replication.name} or its listen address
 * @param serverTiming   send {@code Server-Timing: total;dur=..} on every answer; default false (it tells any
 *                       client how long the origin took)
 */
public record OriginConfig(String listen, String data, Optional<String> apiToken, Long maxUploadBytes,
        List<PathRule> rules, Defaults defaults, Notify notifications, ListenerLimits limits,
        Optional<OriginTls> tls, Replication replication, AccessLogSettings accessLog, Boolean serverTiming) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 512L * 1024 * 1024;

    public OriginConfig {
        listen = ConfigValues.or(listen, DEFAULT_LISTEN);
        ListenAddress.parse(listen);
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("data (the data directory) must be set");
        }
        apiToken = ConfigValues.orEmptyText(apiToken);
        apiToken.ifPresent(t -> {
            if (t.length() < 8) {
                throw new IllegalArgumentException("apiToken must be at least 8 characters");
            }
        });
        maxUploadBytes = ConfigValues.atLeast("maxUploadBytes", maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES, 1);
        rules = ConfigValues.orEmpty(rules);
        defaults = ConfigValues.or(defaults, Defaults.NONE);
        notifications = ConfigValues.or(notifications, Notify.DISABLED);
        limits = ConfigValues.or(limits, ListenerLimits.DEFAULTS);
        tls = ConfigValues.orEmpty(tls);
        replication = ConfigValues.or(replication, Replication.PRIMARY);
        accessLog = ConfigValues.or(accessLog, AccessLogSettings.DEFAULTS);
        serverTiming = ConfigValues.or(serverTiming, false);
        notServed("replication.directory", data, replication.directory());
        notServed("notifications.queueDirectory", data, notifications.queueDirectory());
        if (replication.replicaOf().isPresent() && apiToken.isEmpty()) {
            throw new IllegalArgumentException("replication.replicaOf needs apiToken: a replica presents it to its "
                    + "primary (every origin of a group has the same apiToken)");
        }
    }

    public OriginConfig withTls(OriginTls newTls) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, limits,
                Optional.of(newTls), replication, accessLog, serverTiming);
    }

    public OriginConfig withLimits(ListenerLimits newLimits) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, newLimits,
                tls, replication, accessLog, serverTiming);
    }

    /**
     * A directory of the origin's own state (change log, notice queue) inside the data directory must be a
     * dot-directory: everything else there is served, listed and copied to replicas as content.
     */
    private static void notServed(String key, String data, Optional<String> directory) {
        directory.ifPresent(d -> {
            java.nio.file.Path base = java.nio.file.Path.of(data).toAbsolutePath().normalize();
            java.nio.file.Path resolved = base.resolve(d).normalize();
            if (!resolved.startsWith(base)) {
                return;
            }
            for (java.nio.file.Path part : base.relativize(resolved)) {
                if (part.toString().startsWith(".")) {
                    return;
                }
            }
            throw new IllegalArgumentException(key + " '" + d + "' lies in the data directory, where it would be "
                    + "served and copied to replicas as content: use a dot-directory (such as .outpost/...) or a "
                    + "path outside the data directory");
        });
    }

    /** A config with defaults for everything but the data directory. */
    public static OriginConfig of(String data) {
        return new OriginConfig(null, data, null, null, null, null, null, null, null, null, null, null);
    }

    public OriginConfig withReplication(Replication newReplication) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, limits, tls,
                newReplication, accessLog, serverTiming);
    }

    /**
     * Fails naming a section (or key) that is present but can take no effect on this origin, so a config never says
     * more than the running node does (docs/deployment.md, "Config files"). {@code OriginNode.start} calls it on
     * the final config, after command-line flags ({@code --notify-url}, {@code --replica-of}).
     */
    public void requireEverySectionUsed() {
        if (notifications.url().isEmpty() && !notifications.equals(Notify.DISABLED)) {
            throw new IllegalArgumentException("notifications: no notifications.url, so no change would be "
                    + "announced; set the control plane's origin-events URL or remove the section");
        }
        tls.ifPresent(t -> {
            boolean mutualNotices = notifications.url().map(u -> "https".equals(u.getScheme())).orElse(false);
            if (!mutualNotices && t.controlPlaneUrl().isEmpty()) {
                throw new IllegalArgumentException("tls: the node certificate serves change notices to the control "
                        + "plane's node listener (an https notifications.url) and renewals (tls.controlPlaneUrl); "
                        + "neither is set, so it would serve nothing: set one of them or remove the tls section");
            }
            if (t.joinToken().isPresent() && t.joinUrl().isEmpty()) {
                throw new IllegalArgumentException("tls.joinToken needs tls.joinUrl (the control plane's API, where "
                        + "the join is sent)");
            }
        });
        if (!replication.isReplica() && !replication.pollWait().equals(Replication.PRIMARY.pollWait())) {
            throw new IllegalArgumentException("replication.pollWait is a replica's setting, and this origin is a "
                    + "primary (no replication.replicaOf)");
        }
    }

    /** This origin's name in its group: {@code replication.name}, or its listen address. */
    public String replicaName() {
        return replication.name().orElse(listen);
    }

    /**
     * Where the change log lives: {@code replication.directory}, relative to the data directory, or
     * {@code <data>/.outpost/replication} (a dot-directory: never served, listed or written by the asset API).
     */
    public java.nio.file.Path replicationDirectory() {
        return java.nio.file.Path.of(data).resolve(replication.directory().orElse(Replication.DEFAULT_DIRECTORY));
    }

    /**
     * The directory of the durable change-notice queue: {@code notifications.queueDirectory}, relative to the
     * data directory, or {@code <data>/.outpost/notices} (a dot-directory: never served, listed or written by the
     * asset API).
     */
    public java.nio.file.Path noticeQueueDirectory() {
        return java.nio.file.Path.of(data).resolve(notifications.queueDirectory()
                .orElse(Notify.DEFAULT_QUEUE_DIRECTORY));
    }

    public ListenAddress listenAddress() {
        return ListenAddress.parse(listen);
    }

    public OriginConfig withListen(String newListen) {
        return new OriginConfig(newListen, data, apiToken, maxUploadBytes, rules, defaults, notifications, limits,
                tls, replication, accessLog, serverTiming);
    }

    public OriginConfig withData(String newData) {
        return new OriginConfig(listen, newData, apiToken, maxUploadBytes, rules, defaults, notifications, limits,
                tls, replication, accessLog, serverTiming);
    }

    public OriginConfig withApiToken(String token) {
        return new OriginConfig(listen, data, Optional.of(token), maxUploadBytes, rules, defaults, notifications,
                limits, tls, replication, accessLog, serverTiming);
    }

    public OriginConfig withRules(List<PathRule> newRules, Defaults newDefaults) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, newRules, newDefaults, notifications, limits,
                tls, replication, accessLog, serverTiming);
    }

    public OriginConfig withMaxUploadBytes(long bytes) {
        return new OriginConfig(listen, data, apiToken, bytes, rules, defaults, notifications, limits,
                tls, replication, accessLog, serverTiming);
    }

    public OriginConfig withNotify(Notify newNotify) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, newNotify, limits, tls,
                replication, accessLog, serverTiming);
    }

    /**
     * This origin's place in a primary/replica group (docs/origin.md, "Replication").
     *
     * @param name           this origin's name in the group, as its primary lists it; default: its listen address
     * @param replicaOf      the primary's base URL ({@code http://host:port}); absent → this origin is a primary
     * @param syncReplicas   on a primary: how many replicas must have a change before the write is answered;
     *                       0 (default) → answered at once, replicas copy it after (asynchronous)
     * @param syncTimeout    how long a write waits for them; past it the answer is 504 {@code replication_timeout}
     *                       (the write stays on the primary and still reaches the replicas); default 5 s
     * @param historyEntries changes the primary keeps for replicas to catch up from (default 100000); a replica
     *                       further behind copies everything again from the primary's listing
     * @param pollWait       how long a replica's request for changes waits on the primary when there are none;
     *                       default 20 s
     * @param directory      where the change log lives, relative to the data directory (default
     *                       {@code .outpost/replication}); set it elsewhere when the data directory is read-only
     */
    public record Replication(Optional<String> name, Optional<URI> replicaOf, Integer syncReplicas,
            Duration syncTimeout, Long historyEntries, Duration pollWait, Optional<String> directory) {
        public static final Replication PRIMARY = new Replication(null, null, null, null, null, null, null);
        public static final String DEFAULT_DIRECTORY = ".outpost/replication";
        private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

        public Replication {
            directory = ConfigValues.orEmptyText(directory);
            name = ConfigValues.orEmptyText(name);
            name.ifPresent(n -> {
                if (!NAME.matcher(n).matches()) {
                    throw new IllegalArgumentException("replication.name must be 1-64 letters, digits or . _ : -, "
                            + "was '" + n + "'");
                }
            });
            replicaOf = ConfigValues.orEmpty(replicaOf);
            replicaOf.ifPresent(u -> {
                if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                        || u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")
                        || u.getRawQuery() != null) {
                    throw new IllegalArgumentException("replication.replicaOf must be the primary's "
                            + "http(s)://host:port, without path or query, was " + u);
                }
            });
            syncReplicas = ConfigValues.between("replication.syncReplicas", syncReplicas, 0, 0, 16);
            // Bounded well below what writers wait for an answer (the control plane's write-through: 60 s).
            syncTimeout = ConfigValues.atMost("replication.syncTimeout", syncTimeout, Duration.ofSeconds(5),
                    Duration.ofSeconds(30));
            historyEntries = ConfigValues.between("replication.historyEntries", historyEntries, 100_000L, 10L,
                    100_000_000L);
            pollWait = ConfigValues.atMost("replication.pollWait", pollWait, Duration.ofSeconds(20),
                    Duration.ofSeconds(60));
            if (replicaOf.isPresent() && syncReplicas > 0) {
                throw new IllegalArgumentException("replication.syncReplicas is a primary's setting; a replica "
                        + "(replication.replicaOf) copies from its primary and takes no writes");
            }
        }

        /** A replica of the primary at {@code primary}. */
        public static Replication replicaOf(URI primary, Optional<String> name) {
            return new Replication(name, Optional.of(primary), null, null, null, null, null);
        }

        public Replication withName(String newName) {
            return new Replication(Optional.of(newName), replicaOf, syncReplicas, syncTimeout, historyEntries,
                    pollWait, directory);
        }

        public Replication withReplicaOf(URI primary) {
            return new Replication(name, Optional.of(primary), syncReplicas, syncTimeout, historyEntries, pollWait,
                    directory);
        }

        public Replication withSync(int replicas, Duration timeout) {
            return new Replication(name, replicaOf, replicas, timeout, historyEntries, pollWait, directory);
        }

        public Replication withHistoryEntries(long entries) {
            return new Replication(name, replicaOf, syncReplicas, syncTimeout, entries, pollWait, directory);
        }

        public boolean isReplica() {
            return replicaOf.isPresent();
        }
    }

    /** Caching headers for paths that no rule matches. */
    public record Defaults(Optional<String> cacheControl, List<String> tags) {
        public static final Defaults NONE = new Defaults(Optional.empty(), List.of());

        public Defaults {
            // Validated the same way as a rule's headers.
            PathRule checked = new PathRule("/**", cacheControl, tags);
            cacheControl = checked.cacheControl();
            tags = checked.tags();
        }

        public ResponsePolicy policy() {
            return new ResponsePolicy(cacheControl, tags);
        }
    }

    /**
     * Change notifications: after each PUT/DELETE, {@code {"event":..,"path":..,"etag":..}} is POSTed to {@code url}
     * in the background, retried with exponential backoff from {@code initialBackoff} (default 200 ms) up to
     * {@code maxBackoff} (default 30 s), each attempt bounded by {@code timeout} (default 5 s); at most
     * {@code maxPending} notices wait (default 10000; the oldest is dropped, and logged, beyond). Undelivered notices
     * wait on disk in {@code queueDirectory} (relative to the data directory; default {@code .outpost/notices}) and
     * are sent again after a restart. A notice not delivered after {@code maxTries} attempts (default 20), or
     * refused by the receiver as invalid (400, 404, 405, 410, 411, 413, 414, 415, 422), goes to the dead-letter file
     * {@code queueDirectory/dead-letters.jsonl} with the reason, which holds up to {@code deadLetterMaxBytes}
     * (default 16 MiB; beyond, it is rotated to {@code dead-letters.jsonl.1}, replacing the older one).
     *
     * <p>{@code urls} instead of {@code url} (one of the two) names several control planes' origin-events URLs, all
     * {@code http} or all {@code https}: a notice goes to the one that took the last, and when that one does not
     * answer (or answers 5xx, 408, 429, 401, 403) to the next at once; only a round where none took it counts as one
     * failed try and waits the backoff. Read back, {@code url} is the first of {@code urls}.
     */
    @RenamedKeys({"initialBackoffMillis -> initialBackoff (a duration such as 200ms)",
            "maxBackoffMillis -> maxBackoff (a duration such as 30s)",
            "timeoutMillis -> timeout (a duration such as 5s)"})
    public record Notify(Optional<URI> url, Optional<String> token, Duration initialBackoff, Duration maxBackoff,
            Integer maxPending, Duration timeout, Optional<String> queueDirectory, Integer maxTries,
            Long deadLetterMaxBytes, List<URI> urls) {
        public static final Notify DISABLED = new Notify(null, null, null, null, null, null, null);

        /** Notices to one URL (or none). */
        public Notify(Optional<URI> url, Optional<String> token, Duration initialBackoff, Duration maxBackoff,
                Integer maxPending, Duration timeout, Optional<String> queueDirectory, Integer maxTries,
                Long deadLetterMaxBytes) {
            this(url, token, initialBackoff, maxBackoff, maxPending, timeout, queueDirectory, maxTries,
                    deadLetterMaxBytes, null);
        }

        /** Notices with the default tries and dead-letter file size. */
        public Notify(Optional<URI> url, Optional<String> token, Duration initialBackoff, Duration maxBackoff,
                Integer maxPending, Duration timeout, Optional<String> queueDirectory) {
            this(url, token, initialBackoff, maxBackoff, maxPending, timeout, queueDirectory, null, null);
        }
        /** Where undelivered notices wait, relative to the data directory unless configured. */
        public static final String DEFAULT_QUEUE_DIRECTORY = ".outpost/notices";

        public Notify {
            queueDirectory = ConfigValues.orEmptyText(queueDirectory);
            String key = url != null && url.isPresent() ? "notifications.url" : "notifications.urls";
            urls = ControlPlanes.oneOf("notifications.url", ConfigValues.orEmpty(url), "notifications.urls", urls,
                    false);
            for (URI u : urls) {
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    throw new IllegalArgumentException(key + " must be an absolute http(s) URL, was " + u);
                }
                if (!u.getScheme().equals(urls.get(0).getScheme())) {
                    throw new IllegalArgumentException("notifications.urls must be all http or all https (one "
                            + "client certificate setting serves them all), was " + urls);
                }
            }
            url = urls.stream().findFirst();
            token = ConfigValues.orEmptyText(token);
            initialBackoff = ConfigValues.positive("notifications.initialBackoff", initialBackoff,
                    Duration.ofMillis(200));
            maxBackoff = ConfigValues.positive("notifications.maxBackoff", maxBackoff, Duration.ofSeconds(30));
            if (maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("notifications.maxBackoff (" + maxBackoff + ") must not be "
                        + "shorter than notifications.initialBackoff (" + initialBackoff + ")");
            }
            maxPending = ConfigValues.atLeast("notifications.maxPending", maxPending, 10_000, 1);
            timeout = ConfigValues.positive("notifications.timeout", timeout, Duration.ofSeconds(5));
            maxTries = ConfigValues.between("notifications.maxTries", maxTries, 20, 1, 1_000_000);
            deadLetterMaxBytes = ConfigValues.atLeast("notifications.deadLetterMaxBytes", deadLetterMaxBytes,
                    16L * 1024 * 1024, 4096);
        }

        public Notify withTries(int newMaxTries) {
            return new Notify(null, token, initialBackoff, maxBackoff, maxPending, timeout, queueDirectory,
                    newMaxTries, deadLetterMaxBytes, listed());
        }

        public Notify withDeadLetterMaxBytes(long bytes) {
            return new Notify(null, token, initialBackoff, maxBackoff, maxPending, timeout, queueDirectory, maxTries,
                    bytes, listed());
        }

        /** Notices to {@code url}, with default timings. */
        public static Notify to(URI url) {
            return DISABLED.withUrl(url);
        }

        /** Notices to several control planes, in this order. */
        public Notify withUrls(List<URI> newUrls) {
            return new Notify(null, token, initialBackoff, maxBackoff, maxPending, timeout, queueDirectory, maxTries,
                    deadLetterMaxBytes, newUrls);
        }

        /** {@code urls} for a copy: null when none is set, so the copy validates. */
        private List<URI> listed() {
            return urls.isEmpty() ? null : urls;
        }

        public Notify withUrl(URI newUrl) {
            return new Notify(Optional.of(newUrl), token, initialBackoff, maxBackoff, maxPending, timeout,
                    queueDirectory, maxTries, deadLetterMaxBytes, null);
        }

        public Notify withToken(String newToken) {
            return new Notify(null, Optional.of(newToken), initialBackoff, maxBackoff, maxPending, timeout,
                    queueDirectory, maxTries, deadLetterMaxBytes, listed());
        }

        public Notify withBackoff(Duration newInitial, Duration newMax) {
            return new Notify(null, token, newInitial, newMax, maxPending, timeout, queueDirectory, maxTries,
                    deadLetterMaxBytes, listed());
        }

        public Notify withTimeout(Duration newTimeout) {
            return new Notify(null, token, initialBackoff, maxBackoff, maxPending, newTimeout, queueDirectory,
                    maxTries, deadLetterMaxBytes, listed());
        }

        public Notify withQueueDirectory(String directory) {
            return new Notify(null, token, initialBackoff, maxBackoff, maxPending, timeout, Optional.of(directory),
                    maxTries, deadLetterMaxBytes, listed());
        }
    }

    public OriginConfig withAccessLog(AccessLogSettings newAccessLog) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, limits, tls,
                replication, newAccessLog, serverTiming);
    }
}
