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
 * {@code outpost status}: nodes with health, catch-up and hit ratio, a line per origin an edge holds down (its
 * circuit breaker open), then the latest purges. With {@code --json},
 * one document {@code {"nodes": [...], "purges": [...]}} holding the two arrays as the API answered them.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the nodes (health, caught up, hit ratio) and the latest purges.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--purges", paramLabel = "N", description = "how many recent purges to list (default 10)")
    int purges = 10;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            api.check();
            JsonNode nodes = api.get("/api/v1/nodes", Duration.ofSeconds(10)).get("nodes");
            JsonNode recent = api.get("/api/v1/purges?limit=" + Math.max(1, Math.min(500, purges)),
                    Duration.ofSeconds(10)).get("purges");
            if (api.json()) {
                ObjectNode both = Json.mapper().createObjectNode();
                both.set("nodes", nodes);
                both.set("purges", recent);
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
            for (JsonNode n : nodes) {
                JsonNode down = n.get("originsDown");
                for (int i = 0; down != null && i < down.size(); i++) {
                    out.printf("%s: origin %s is DOWN (circuit open: stale copies answer, misses go elsewhere or "
                            + "fail fast)%n", JsonApi.text(n, "id"), down.get(i).asString());
                }
            }
            out.println();
            out.printf("%-10s %-9s %-10s %s%n", "PURGE", "STATUS", "EDGES", "ACCEPTED");
            for (JsonNode p : recent) {
                out.printf("%-10s %-9s %-10s %s%n", JsonApi.text(p, "id"), JsonApi.text(p, "status"),
                        p.get("edgesApplied").asInt() + "/" + p.get("edgesTotal").asInt(),
                        JsonApi.text(p, "acceptedAt"));
            }
            out.flush();
            return 0;
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            spec.commandLine().getErr().println("outpost status: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
    }
}
