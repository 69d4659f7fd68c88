package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code outpost status}: nodes with health, catch-up and hit ratio since start, a line per origin an edge holds
 * down (its circuit breaker open), the origins named with {@code --origin} (role, replication state and lag), the
 * latest purges, the traffic and hit ratio of the last 15 minutes per minute ({@code /api/v1/stats}), then the open
 * dead letters (entries an edge refused or could not apply). Origins do not register with the control plane, so
 * they are asked directly. With {@code --json}, one document {@code {"nodes": [...], "purges": [...],
 * "deadLetters": [...], "traffic": {...}}} holding the API's answers, plus {@code "origins": [{"url":..,"health":
 * {..}}]} (or {@code "error"} for an origin that did not answer) with {@code --origin}.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the nodes (health, caught up, hit ratio, origins an edge holds down), the origins named "
                + "with --origin (role, replication lag), the latest purges, the last 15 minutes' traffic and the "
                + "open dead letters.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--purges", paramLabel = "N", description = "how many recent purges to list (default 10)")
    int purges = 10;

    /** Open dead letters listed; more are counted, and {@code outpost dead-letters} lists them all. */
    static final int DEAD_LETTERS_SHOWN = 20;

    @Option(names = "--origin", paramLabel = "URL", description = "also show this origin's role and replication lag "
            + "(its /_origin/health, no token); repeat for each origin of a group")
    List<String> origins = new ArrayList<>();

    private final JsonApi originCalls = new JsonApi("origin", "--origin");

    /**
     * An origin's {@code /_origin/health} answer with its URL, or {@code {"url":..,"error":..}} when it cannot be
     * read: one origin down must not hide the others, nor the nodes.
     */
    private ObjectNode originHealth(String url) {
        ObjectNode row = Json.mapper().createObjectNode();
        try {
            URI base = JsonApi.baseUrl(url, "--origin");
            row.put("url", base.toString());
            row.set("health", originCalls.get(URI.create(base + "/_origin/health"), null, Duration.ofSeconds(10)));
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            row.put("url", url);
            row.put("error", e.getMessage());
        }
        return row;
    }

    /** One line: a primary's replicas and the most any is behind, or a replica's state and lag. */
    private static void printOrigin(PrintWriter out, String url, ObjectNode row) {
        JsonNode health = row.get("health");
        if (health == null) {
            out.printf("%-32s %-8s %-12s %8s %10s  %s%n", url, "-", "DOWN", "-", "-", JsonApi.text(row, "error"));
            return;
        }
        JsonNode replication = health.get("replication");
        JsonNode following = replication == null ? null : replication.get("following");
        if (following != null && !following.isNull()) {
            out.printf("%-32s %-8s %-12s %8d %8.1f s%n", url, "replica", JsonApi.text(following, "state"),
                    following.get("lagEntries").asLong(), following.get("lagSeconds").asDouble());
            return;
        }
        long behind = 0;
        int replicas = 0;
        for (JsonNode replica : replication == null ? Json.mapper().createArrayNode() : replication.get("replicas")) {
            behind = Math.max(behind, replica.get("lagEntries").asLong());
            replicas++;
        }
        out.printf("%-32s %-8s %-12s %8d %10s%n", url, "primary", replicas + " replica" + (replicas == 1 ? "" : "s"),
                behind, "-");
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            api.check();
            JsonNode nodes = api.get("/api/v1/nodes", Duration.ofSeconds(10)).get("nodes");
            JsonNode recent = api.get("/api/v1/purges?limit=" + Math.max(1, Math.min(500, purges)),
                    Duration.ofSeconds(10)).get("purges");
            JsonNode deadLetters = api.get("/api/v1/dead-letters?limit=" + DEAD_LETTERS_SHOWN,
                    Duration.ofSeconds(10));
            JsonNode traffic = api.get("/api/v1/stats", Duration.ofSeconds(10));
            if (api.json()) {
                ObjectNode both = Json.mapper().createObjectNode();
                both.set("nodes", nodes);
                both.set("purges", recent);
                both.set("deadLetters", deadLetters.get("deadLetters"));
                both.set("traffic", traffic);
                if (!origins.isEmpty()) {
                    ArrayNode list = both.putArray("origins");
                    origins.forEach(url -> list.add(originHealth(url)));
                }
                out.println(Json.mapper().writeValueAsString(both));
                out.flush();
                return 0;
            }
            out.printf("%-12s %-6s %-6s %-9s %-10s %-11s %8s %6s %12s%n", "NODE", "KIND", "REGION", "HEALTH",
                    "CAUGHT-UP", "CONFIG", "REQUESTS", "HIT%", "CACHED");
            for (JsonNode n : nodes) {
                out.printf("%-12s %-6s %-6s %-9s %-10s %-11s %8d %5.1f%% %12d%n", JsonApi.text(n, "id"),
                        JsonApi.text(n, "kind"), JsonApi.text(n, "region"),
                        n.get("fenced") != null && n.get("fenced").asBoolean() ? "FENCED"
                                : n.get("healthy").asBoolean() ? "healthy" : "DOWN",
                        n.get("caughtUp").asBoolean() ? "yes" : "no (" + n.get("appliedSequence").asLong() + "/"
                                + n.get("dueSequence").asLong() + ")",
                        configColumn(n), n.get("requests").asLong(), n.get("hitRatio").asDouble() * 100, n.get("bytesCached").asLong());
            }
            for (JsonNode n : nodes) {
                JsonNode down = n.get("originsDown");
                for (int i = 0; down != null && i < down.size(); i++) {
                    out.printf("%s: origin %s is DOWN (circuit open: stale copies answer, misses go elsewhere or "
                            + "fail fast)%n", JsonApi.text(n, "id"), down.get(i).asString());
                }
            }
            if (!origins.isEmpty()) {
                out.println();
                out.printf("%-32s %-8s %-12s %8s %10s%n", "ORIGIN", "ROLE", "STATE", "BEHIND", "LAG");
                for (String url : origins) {
                    printOrigin(out, url, originHealth(url));
                }
            }
            out.println();
            out.printf("%-10s %-9s %-10s %s%n", "PURGE", "STATUS", "EDGES", "ACCEPTED");
            for (JsonNode p : recent) {
                out.printf("%-10s %-9s %-10s %s%n", JsonApi.text(p, "id"), JsonApi.text(p, "status"),
                        p.get("edgesApplied").asInt() + "/" + p.get("edgesTotal").asInt(),
                        JsonApi.text(p, "acceptedAt"));
            }
            out.println();
            printTraffic(out, traffic);
            out.println();
            printDeadLetters(out, deadLetters);
            out.flush();
            return 0;
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            spec.commandLine().getErr().println("outpost status: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
    }

    /** The last minutes' traffic over every edge: totals, then each minute that had any. */
    static void printTraffic(PrintWriter out, JsonNode stats) {
        long requests = stats.path("requests").asLong();
        if (requests == 0) {
            out.println("TRAFFIC: none from " + JsonApi.text(stats, "from") + " to " + JsonApi.text(stats, "to"));
            return;
        }
        out.printf("TRAFFIC from %s to %s: %d requests, hit ratio %.1f%%, %d bytes%n", JsonApi.text(stats, "from"),
                JsonApi.text(stats, "to"), requests, stats.path("hitRatio").asDouble() * 100,
                stats.path("bytes").asLong());
        out.printf("%-20s %9s %6s %12s %6s%n", "MINUTE", "REQUESTS", "HIT%", "BYTES", "5XX");
        for (JsonNode m : stats.path("minutes")) {
            if (m.path("requests").asLong() > 0) {
                out.printf("%-20s %9d %5.1f%% %12d %6d%n", JsonApi.text(m, "minute"), m.path("requests").asLong(),
                        m.path("hitRatio").asDouble() * 100, m.path("bytes").asLong(),
                        m.path("statusClasses").path("5xx").asLong());
            }
        }
    }

    /**
     * The configuration version a node runs: {@code v7}, {@code v6 (old)} while the newest has not reached it (or
     * it refused it: see the dead letters), {@code -} for one that takes none from the control plane.
     */
    static String configColumn(JsonNode node) {
        JsonNode version = node.path("configVersion");
        if (!version.isNumber()) {
            return "-";
        }
        return "v" + version.asLong() + (node.path("configCurrent").asBoolean() ? "" : " (old)");
    }

    static void printDeadLetters(PrintWriter out, JsonNode page) {
        JsonNode letters = page.path("deadLetters");
        if (letters.isEmpty()) {
            out.println("DEAD LETTERS: none");
            return;
        }
        out.printf("DEAD LETTERS%s: retry or discard with 'outpost dead-letters retry|discard SEQUENCE EDGE'%n",
                page.path("more").asBoolean() ? " (first " + letters.size() + ", more with 'outpost dead-letters')"
                        : "");
        out.printf("%-10s %-8s %-12s %-14s %5s %s%n", "ENTRY", "SEQUENCE", "EDGE", "STATE", "TRIES", "REASON");
        for (JsonNode d : letters) {
            out.printf("%-10s %-8d %-12s %-14s %5d %s%n", JsonApi.text(d, "id"), d.get("sequence").asLong(),
                    JsonApi.text(d, "node"), JsonApi.text(d, "state"), d.get("tries").asInt(),
                    JsonApi.text(d, "reason"));
        }
    }
}
