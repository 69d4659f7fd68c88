package dev.outpost.control.registry;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry's {@code node health: ...} log lines, one when a node loses its health (unhealthy, then fenced) and
 * one when it returns. Health is computed when asked, so the periodic fencing pass notices the loss and the next
 * heartbeat or registration its end; this remembers which losses were logged so each change is logged once. Lines
 * are written under the {@link Registry}'s logger name, where operators (and the tests) read them.
 */
final class NodeHealthLines {
    private static final Logger LOG = System.getLogger(Registry.class.getName());

    /** Nodes whose loss of health was logged ({@code state=unhealthy} or {@code fenced}) and not yet their return. */
    private final Set<String> reportedUnhealthy = ConcurrentHashMap.newKeySet();

    /** An edge found silent past the timeout: logged the first time only. */
    void unhealthy(Node node, Duration timeout) {
        if (reportedUnhealthy.add(node.id())) {
            LOG.log(Level.WARNING, "node health: id=" + node.id() + " state=unhealthy was=healthy lastSeen="
                    + node.lastSeen() + " timeout=" + timeout + " (out of steering)");
        }
    }

    /** An edge fenced now, whose {@code released} deliveries purges stopped waiting for. */
    void fenced(Node node, int released) {
        reportedUnhealthy.add(node.id());
        LOG.log(Level.WARNING, "node health: id=" + node.id() + " state=fenced was=unhealthy lastSeen="
                + node.lastSeen() + " released=" + released + " (out of steering, no longer waited for; "
                + "it revalidates everything when it returns)");
    }

    /** A node that registered again, still {@code fenced} (it must revalidate first) or not. */
    void registeredAgain(String id, boolean fenced, boolean wasFenced) {
        if (reportedUnhealthy.remove(id)) {
            LOG.log(Level.INFO, "node health: id=" + id + " state=" + (fenced ? "fenced" : "healthy")
                    + " was=" + (wasFenced ? "fenced" : "unhealthy") + " (registered again)");
        }
    }

    /** A node heard from again; {@code before} is how the registry knew it until this heartbeat. */
    void heardAgain(String id, Node before) {
        if (reportedUnhealthy.remove(id)) {
            LOG.log(Level.INFO, "node health: id=" + id + " state=healthy was=" + (before.fenced() ? "fenced"
                    : "unhealthy") + " lastSeen=" + before.lastSeen());
        }
    }
}
