package dev.outpost.common.controlplane;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.HashSet;
import java.util.List;

/**
 * The control planes a node talks to, in the configured order, and the one in use: a call goes to the one that
 * answered last; when it fails, the next is tried at once, and so on round the list; only when none answered in a
 * full round does the call fail, and the caller backs off as it would with one control plane. Several control
 * planes on one shared store (issue 18) hold the same state, so which one answers does not matter. A switch is
 * logged as one line naming from where to where and why (at DEBUG while none answers: an outage is logged by the
 * caller, once), and the first answer after a round where none answered as one line naming who answered.
 *
 * <p>A call fails over on an {@link IOException} (no answer, or an answer that says this control plane cannot help
 * now, such as a 5xx); a {@link RuntimeException} is an answer (a refusal another control plane would give too)
 * and goes straight to the caller.
 *
 * <p>Thread-safe: a node's link, renewal and notifier threads may share one.
 */
public final class ControlPlanes {
    private static final Logger LOG = System.getLogger(ControlPlanes.class.getName());

    /** One call to one control plane. */
    @FunctionalInterface
    public interface Call<T> {
        T to(URI controlPlane) throws IOException;
    }

    private final String who;
    private final List<URI> urls;
    private volatile int current;
    /** A full round failed and none has answered since: the switches that follow are logged at DEBUG only. */
    private boolean outage;

    /**
     * @param who  what talks to them, for the log line ({@code "edge eu-1"}, {@code "origin notices"})
     * @param urls tried in this order; at least one, no duplicates
     */
    public ControlPlanes(String who, List<URI> urls) {
        if (urls == null || urls.isEmpty()) {
            throw new IllegalArgumentException(who + ": at least one control-plane URL is needed");
        }
        this.who = who;
        this.urls = List.copyOf(urls);
    }

    /**
     * Checks a configured list: at least one URL, none twice; fails naming {@code key}. Returns the list, copied.
     */
    public static List<URI> requireDistinct(String key, List<URI> urls) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(key + " must name at least one URL, was empty");
        }
        HashSet<String> seen = new HashSet<>();
        for (URI url : urls) {
            if (url == null) {
                throw new IllegalArgumentException(key + " holds an empty entry");
            }
            if (!seen.add(url.toString().replaceAll("/+$", ""))) {
                throw new IllegalArgumentException(key + " names " + url + " twice");
            }
        }
        return List.copyOf(urls);
    }

    /**
     * Exactly one of a single-URL key and its list form, as a list; fails naming both keys when both or neither
     * are set (unless {@code required} is false: then neither gives an empty list).
     */
    public static List<URI> oneOf(String singleKey, java.util.Optional<URI> single, String listKey, List<URI> list,
            boolean required) {
        if (single.isPresent() && list != null) {
            throw new IllegalArgumentException("set " + singleKey + " or " + listKey + ", not both");
        }
        if (list != null) {
            return requireDistinct(listKey, list);
        }
        if (single.isPresent()) {
            return List.of(single.get());
        }
        if (required) {
            throw new IllegalArgumentException(singleKey + " (or " + listKey + ") must be set");
        }
        return List.of();
    }

    /** Every control plane, in the configured order. */
    public List<URI> all() {
        return urls;
    }

    /** The one calls go to now: the last that answered (the first until one failed). */
    public URI current() {
        return urls.get(current);
    }

    /**
     * Makes {@code call} to the current control plane, and on failure to the next ones in turn, at once; returns
     * the first answer. Throws the last failure (its message names every control plane tried) when none answered.
     */
    public <T> T call(Call<T> call) throws IOException {
        int start = current;
        List<IOException> failures = new java.util.ArrayList<>();
        StringBuilder tried = new StringBuilder();
        for (int i = 0; i < urls.size(); i++) {
            int index = (start + i) % urls.size();
            URI url = urls.get(index);
            try {
                T answer = call.to(url);
                answered(index);
                return answer;
            } catch (IOException e) {
                failures.add(e);
                tried.append(tried.isEmpty() ? "" : "; ").append(url).append(": ").append(e.getMessage());
                if (urls.size() > 1) {
                    switchFrom(index, e);
                }
            }
        }
        roundFailed();
        if (urls.size() == 1) {
            throw failures.get(0);
        }
        IOException none = new IOException("no control plane answered (" + tried + ")", failures.get(0));
        failures.subList(1, failures.size()).forEach(none::addSuppressed);
        throw none;
    }

    private synchronized void answered(int index) {
        current = index;
        if (outage && urls.size() > 1) {
            LOG.log(Level.INFO, who + ": control plane answers again: url=" + urls.get(index));
        }
        outage = false;
    }

    private synchronized void roundFailed() {
        outage = true;
    }

    /** Moves on from {@code index} when it is still the one in use (another thread may have moved already). */
    private synchronized void switchFrom(int index, IOException why) {
        if (current != index) {
            return;
        }
        int next = (index + 1) % urls.size();
        current = next;
        // While none answers, every round would log each switch again: only the first round is worth a warning.
        LOG.log(outage ? Level.DEBUG : Level.WARNING, who + ": control plane switched: from=" + urls.get(index) + " to=" + urls.get(next)
                + " why=\"" + why.getMessage() + "\"");
    }

    @Override
    public String toString() {
        return urls.toString();
    }
}
