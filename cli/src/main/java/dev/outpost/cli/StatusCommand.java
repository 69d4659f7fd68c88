package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code outpost status}: nodes with health, catch-up and hit ratio since start, the latest purges, the traffic and
 * hit ratio of the last 15 minutes per minute ({@code /api/v1/stats}), then the open dead letters (entries an edge
 * refused or could not apply). With {@code --json}, one document {@code {"nodes": [...], "purges": [...],
 * "deadLetters": [...], "traffic": {...}}} holding the API's answers.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the nodes (health, caught up, hit ratio), the latest purges, the last 15 minutes' traffic "
                + "and the open dead letters.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--purges", paramLabel = "N", description = "how many recent purges to list (default 10)")
    int purges = 10;

    /** Open dead letters listed; more are counted, and {@code outpost dead-letters} lists them all. */
    static final int DEAD_LETTERS_SHOWN = 20;

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
                out.println(Json.mapper().writeValueAsString(both));
                out.flush();
                return 0;
            }
            out.printf("%-12s %-6s %-6s %-9s %-10s %8s %6s %12s%n", "NODE", "KIND", "REGION", "HEALTH", "CAUGHT-UP",
                    "REQUESTS", "HIT%", "CACHED");
            for (JsonNode n : nodes) {
                out.printf("%-12s %-6s %-6s %-9s %-10s %8d %5.1f%% %12d%n", JsonApi.text(n, "id"),
                        JsonApi.text(n, "kind"), JsonApi.text(n, "region"),
                        n.get("fenced") != null && n.get("fenced").asBoolean() ? "FENCED"
                                : n.get("healthy").asBoolean() ? "healthy" : "DOWN",
                        n.get("caughtUp").asBoolean() ? "yes" : "no (" + n.get("appliedSequence").asLong() + "/"
                                + n.get("dueSequence").asLong() + ")",
                        n.get("requests").asLong(), n.get("hitRatio").asDouble() * 100, n.get("bytesCached").asLong());
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
