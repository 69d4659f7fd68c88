package dev.outpost.origin;

import dev.outpost.common.http.ListenAddress;
import dev.outpost.common.http.ListenerLimits;
import dev.outpost.origin.content.PathRule;
import dev.outpost.origin.content.ResponsePolicy;
import java.net.URI;
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
 */
public record OriginConfig(String listen, String data, Optional<String> apiToken, long maxUploadBytes,
        List<PathRule> rules, Defaults defaults, Notify notifications, ListenerLimits limits,
        Optional<OriginTls> tls) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 512L * 1024 * 1024;

    public OriginConfig {
        listen = listen == null ? DEFAULT_LISTEN : listen;
        ListenAddress.parse(listen);
        if (data == null || data.isBlank()) {
            throw new IllegalArgumentException("data (the data directory) must be set");
        }
        apiToken = apiToken == null ? Optional.empty() : apiToken.filter(t -> !t.isBlank());
        apiToken.ifPresent(t -> {
            if (t.length() < 8) {
                throw new IllegalArgumentException("apiToken must be at least 8 characters");
            }
        });
        maxUploadBytes = maxUploadBytes == 0 ? DEFAULT_MAX_UPLOAD_BYTES : maxUploadBytes;
        if (maxUploadBytes < 0) {
            throw new IllegalArgumentException("maxUploadBytes must be > 0, was " + maxUploadBytes);
        }
        rules = rules == null ? List.of() : List.copyOf(rules);
        defaults = defaults == null ? Defaults.NONE : defaults;
        notifications = notifications == null ? Notify.DISABLED : notifications;
        limits = limits == null ? ListenerLimits.DEFAULTS : limits;
        tls = tls == null ? Optional.empty() : tls;
    }

    /** A config with the default listener limits (the shape before {@code limits} existed). */
    public OriginConfig(String listen, String data, Optional<String> apiToken, long maxUploadBytes,
            List<PathRule> rules, Defaults defaults, Notify notifications) {
        this(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, null, null);
    }

    public OriginConfig withTls(OriginTls newTls) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, limits,
                Optional.of(newTls));
    }

    public OriginConfig withLimits(ListenerLimits newLimits) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, notifications, newLimits,
                tls);
    }

    /** A config with defaults for everything but the data directory. */
    public static OriginConfig of(String data) {
        return new OriginConfig(null, data, Optional.empty(), 0, null, null, null, null, null);
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
                tls);
    }

    public OriginConfig withData(String newData) {
        return new OriginConfig(listen, newData, apiToken, maxUploadBytes, rules, defaults, notifications, limits,
                tls);
    }

    public OriginConfig withApiToken(String token) {
        return new OriginConfig(listen, data, Optional.of(token), maxUploadBytes, rules, defaults, notifications,
                limits, tls);
    }

    public OriginConfig withRules(List<PathRule> newRules, Defaults newDefaults) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, newRules, newDefaults, notifications, limits,
                tls);
    }

    public OriginConfig withMaxUploadBytes(long bytes) {
        return new OriginConfig(listen, data, apiToken, bytes, rules, defaults, notifications, limits,
                tls);
    }

    public OriginConfig withNotify(Notify newNotify) {
        return new OriginConfig(listen, data, apiToken, maxUploadBytes, rules, defaults, newNotify, limits, tls);
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
     * in the background, retried with exponential backoff from {@code initialBackoffMillis} up to
     * {@code maxBackoffMillis}; at most {@code maxPending} notices wait (the oldest is dropped, and logged, beyond).
     * Undelivered notices wait on disk in {@code queueDirectory} (relative to the data directory; default
     * {@code .outpost/notices}) and are sent again after a restart.
     */
    public record Notify(Optional<URI> url, Optional<String> token, long initialBackoffMillis,
            long maxBackoffMillis, int maxPending, long timeoutMillis, Optional<String> queueDirectory) {
        public static final Notify DISABLED = new Notify(Optional.empty(), Optional.empty(), 0, 0, 0, 0);
        /** Where undelivered notices wait, relative to the data directory unless configured. */
        public static final String DEFAULT_QUEUE_DIRECTORY = ".outpost/notices";

        public Notify(Optional<URI> url, Optional<String> token, long initialBackoffMillis, long maxBackoffMillis,
                int maxPending, long timeoutMillis) {
            this(url, token, initialBackoffMillis, maxBackoffMillis, maxPending, timeoutMillis, Optional.empty());
        }

        public Notify {
            queueDirectory = queueDirectory == null ? Optional.empty() : queueDirectory.filter(d -> !d.isBlank());
            url = url == null ? Optional.empty() : url;
            url.ifPresent(u -> {
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    throw new IllegalArgumentException("notifications.url must be an absolute http(s) URL, was " + u);
                }
            });
            token = token == null ? Optional.empty() : token.filter(t -> !t.isBlank());
            initialBackoffMillis = initialBackoffMillis == 0 ? 200 : initialBackoffMillis;
            maxBackoffMillis = maxBackoffMillis == 0 ? 30_000 : maxBackoffMillis;
            maxPending = maxPending == 0 ? 10_000 : maxPending;
            timeoutMillis = timeoutMillis == 0 ? 5_000 : timeoutMillis;
            if (initialBackoffMillis < 0 || maxBackoffMillis < initialBackoffMillis) {
                throw new IllegalArgumentException("notifications backoff must satisfy initialBackoffMillis > 0 and "
                        + "maxBackoffMillis >= initialBackoffMillis, were " + initialBackoffMillis + " and "
                        + maxBackoffMillis);
            }
            if (maxPending < 0 || timeoutMillis < 0) {
                throw new IllegalArgumentException("notifications.maxPending and notifications.timeoutMillis must be > 0");
            }
        }

        public static Notify to(URI url) {
            return new Notify(Optional.of(url), Optional.empty(), 0, 0, 0, 0);
        }

        public Notify withQueueDirectory(String directory) {
            return new Notify(url, token, initialBackoffMillis, maxBackoffMillis, maxPending, timeoutMillis,
                    Optional.of(directory));
        }
    }
}
