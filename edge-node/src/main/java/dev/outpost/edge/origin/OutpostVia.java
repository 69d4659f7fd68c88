package dev.outpost.edge.origin;

import dev.outpost.edge.cache.Fields;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Via} entries Outpost nodes write (RFC 9110 §7.6.3): {@code 1.1 <node id> (Outpost)}, the node id as
 * pseudonym and the comment naming the software, on requests upstream and on responses. Pure. On a request, the
 * Outpost entries tell a node that it already passed through Outpost nodes: it then never sends the request to a
 * shield (one shield hop at most), and one that finds its own id, or a chain of {@link #MAX_HOPS} Outpost nodes,
 * answers 508 Loop Detected. Entries of other proxies are not Outpost's (they lack the comment) and count for
 * nothing here.
 *
 * <p>A client can write such entries too, and the edge cannot tell them from real ones (there is no shared secret
 * between nodes). What a forged entry can do is bounded: its own id makes the request fail with 508 (for that
 * client only), another node's id makes this edge fetch the miss from the origin instead of a shield (at most one
 * origin fetch per edge and object, what every edge without a shield costs anyway). Honoured entries are carried
 * on, re-written in this one shape, so a loop through several nodes is still seen.
 */
public final class OutpostVia {
    /** The comment that marks an Outpost node's entry. */
    public static final String COMMENT = "(Outpost)";
    /** A longer chain of Outpost nodes than any real path (edge → shield → origin) is a loop. */
    public static final int MAX_HOPS = 8;

    private static final Pattern ENTRY = Pattern.compile("\\s*[!-~&&[^,()]]+\\s+([A-Za-z0-9._-]+)\\s+\\(Outpost\\)\\s*");

    private OutpostVia() {
    }

    /** This node's entry: {@code 1.1 eu-1 (Outpost)}. */
    public static String entry(String nodeId) {
        return "1.1 " + nodeId + " " + COMMENT;
    }

    /** The ids of the Outpost nodes a request's {@code Via} names, nearest the client first. */
    public static List<String> hops(Fields request) {
        return hops(request.all("via"));
    }

    /** The ids of the Outpost nodes named by {@code viaLines} (a request's {@code Via} field lines). */
    public static List<String> hops(Iterable<String> viaLines) {
        List<String> ids = new ArrayList<>();
        for (String line : viaLines) {
            for (String element : line.split(",")) {
                Matcher m = ENTRY.matcher(element);
                if (m.matches()) {
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }

    /** Whether the request already passed through an Outpost node. */
    public static boolean passedOutpost(Fields request) {
        return !hops(request).isEmpty();
    }

    /** Why the request is a loop when it comes to node {@code self}; empty when it is not. */
    public static java.util.Optional<String> loop(Fields request, String self) {
        List<String> hops = hops(request);
        if (hops.contains(self)) {
            return java.util.Optional.of("this request already passed through " + self + " (Via: "
                    + String.join(", ", hops) + ")");
        }
        if (hops.size() >= MAX_HOPS) {
            return java.util.Optional.of("this request already passed through " + hops.size()
                    + " Outpost nodes (Via)");
        }
        return java.util.Optional.empty();
    }

    /** The {@code Via} value a fetch for the cache sends: the Outpost entries received, then this node's. */
    static String chained(Fields request, String self) {
        StringBuilder sb = new StringBuilder();
        for (String id : hops(request)) {
            sb.append(entry(id)).append(", ");
        }
        return sb.append(entry(self)).toString();
    }
}
