package dev.outpost.common.http.accesslog;

import dev.outpost.common.config.ConfigValues;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where and how a node writes its access log ({@code accessLog} in every node's config; docs/logging.md). Absent
 * keys take the defaults; a bad value fails start-up naming its key.
 *
 * @param format                {@code json} (one JSON object per line, the schema of docs/logging.md) or
 *                              {@code text} (one space-separated line); default {@code json}
 * @param destination           {@code stdout}, {@code stderr}, {@code none}, or a file path; default {@code stdout}
 * @param maxFileBytes          a file destination is rolled before it would grow past this; default 100 MiB, at
 *                              least 64 KiB
 * @param maxFiles              rolled files kept beside the current one ({@code name.1} newest .. {@code name.N});
 *                              the oldest is deleted; default 5, 0 keeps none. The log takes at most
 *                              {@code maxFileBytes × (maxFiles + 1)} bytes on disk
 * @param node                  the node name every line carries; default the edge's id, {@code origin@<listen>},
 *                              {@code control-plane@<listen>}
 * @param redactQueryParameters query parameters whose values are written as {@code REDACTED} (names compared
 *                              without case); replaces the default list of credential-like names
 */
public record AccessLogSettings(String format, String destination, Long maxFileBytes, Integer maxFiles,
        Optional<String> node, List<String> redactQueryParameters) {
    public static final long MIN_FILE_BYTES = 64 * 1024;
    /** Credentials that clients and signing schemes put in query strings (OAuth, API keys, S3 and GCS signatures). */
    public static final List<String> DEFAULT_REDACTED = List.of("token", "access_token", "id_token", "refresh_token",
            "api_key", "apikey", "key", "password", "secret", "client_secret", "auth", "sig", "signature", "code",
            "session", "x-amz-signature", "x-amz-credential", "x-amz-security-token", "x-goog-signature",
            "x-goog-credential");
    // after DEFAULT_REDACTED, which it reads
    public static final AccessLogSettings DEFAULTS = new AccessLogSettings(null, null, null, null, null, null);

    /** The line formats. */
    public enum Format {
        JSON, TEXT
    }

    public AccessLogSettings {
        format = ConfigValues.or(format, "json").toLowerCase(Locale.ROOT);
        if (!format.equals("json") && !format.equals("text")) {
            throw new IllegalArgumentException("accessLog.format must be json or text, was '" + format + "'");
        }
        destination = ConfigValues.or(destination, "stdout");
        if (destination.isBlank()) {
            throw new IllegalArgumentException("accessLog.destination must be stdout, stderr, none or a file path, "
                    + "was blank");
        }
        if (!List.of("stdout", "stderr", "none").contains(destination)) {
            try {
                Path.of(destination);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("accessLog.destination is not a file path: " + e.getMessage());
            }
        }
        maxFileBytes = ConfigValues.atLeast("accessLog.maxFileBytes", maxFileBytes, 100L * 1024 * 1024,
                MIN_FILE_BYTES);
        maxFiles = ConfigValues.between("accessLog.maxFiles", maxFiles, 5, 0, 1000);
        node = ConfigValues.orEmptyText(node);
        node.ifPresent(n -> {
            if (!n.matches("[A-Za-z0-9._@:\\[\\]-]{1,128}")) {
                throw new IllegalArgumentException("accessLog.node must be 1-128 letters, digits or . _ @ : [ ] -, "
                        + "was '" + n + "'");
            }
        });
        redactQueryParameters = ConfigValues.or(redactQueryParameters, DEFAULT_REDACTED).stream()
                .map(p -> p.toLowerCase(Locale.ROOT)).toList();
        for (String name : redactQueryParameters) {
            if (name.isBlank()) {
                throw new IllegalArgumentException("accessLog.redactQueryParameters holds a blank name");
            }
        }
    }

    public Format lineFormat() {
        return format.equals("json") ? Format.JSON : Format.TEXT;
    }

    /** The file written to, when the destination is one. */
    public Optional<Path> file() {
        return List.of("stdout", "stderr", "none").contains(destination) ? Optional.empty()
                : Optional.of(Path.of(destination));
    }

    /** These settings writing to {@code newDestination}. */
    public AccessLogSettings withDestination(String newDestination) {
        return new AccessLogSettings(format, newDestination, maxFileBytes, maxFiles, node, redactQueryParameters);
    }

    /** These settings naming the node {@code name} unless they name it already. */
    public AccessLogSettings withNodeIfAbsent(String name) {
        return node.isPresent() ? this
                : new AccessLogSettings(format, destination, maxFileBytes, maxFiles, Optional.of(name),
                        redactQueryParameters);
    }
}
