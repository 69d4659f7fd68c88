package dev.outpost.common.http;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Warns at start when a listener's {@code maxConnections} is more than the process may have open files (each
 * connection is one; {@code ulimit -n}, systemd's {@code LimitNOFILE}, Docker's {@code --ulimit nofile}), as nginx
 * does for {@code worker_connections}. Past that limit the kernel queues new connections and XNIO backs off from
 * {@code accept} (a warning every 250 ms) until some close: the configured limit never takes effect. A warning, not
 * a refusal to start: the default (10,000) is above the 1,024 some systems give, and such a node still works.
 */
final class OpenFileLimit {
    private static final Logger LOG = System.getLogger(NodeServer.class.getName());
    /** Files a node holds besides client connections: its jar, logs, origin connections, disk tier, spool. */
    static final long OTHER_FILES = 256;

    private OpenFileLimit() {
    }

    /** Logs the warning for a listener on {@code listen}, if the process's limit is known and too low. */
    static void check(String listen, int maxConnections) {
        maxOpenFiles().ifPresent(max -> warning(listen, maxConnections, max)
                .ifPresent(w -> LOG.log(Level.WARNING, w)));
    }

    /** The warning for {@code maxConnections} under a limit of {@code maxOpenFiles}; empty when it fits. */
    static Optional<String> warning(String listen, int maxConnections, long maxOpenFiles) {
        if (maxConnections + OTHER_FILES <= maxOpenFiles) {
            return Optional.empty();
        }
        return Optional.of("listener " + listen + ": maxConnections (" + maxConnections + ") is more than this process"
                + " may have open files (" + maxOpenFiles + ", less ~" + OTHER_FILES + " for its own files): past"
                + " that, new connections wait in the kernel's queue until others close. Raise the limit (ulimit -n,"
                + " systemd LimitNOFILE, docker --ulimit nofile) or lower maxConnections");
    }

    /** The process's open-file limit, where the JVM can tell (a Unix-like system with jdk.management). */
    private static OptionalLong maxOpenFiles() {
        try {
            var os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
                return OptionalLong.of(unix.getMaxFileDescriptorCount());
            }
        } catch (LinkageError e) {
            // a runtime without jdk.management: nothing to check against
        }
        return OptionalLong.empty();
    }
}
