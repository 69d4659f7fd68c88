package dev.outpost.cli;

import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;

/** Prints a purge or push with its per-edge state, as {@code purge --wait} and {@code push --wait} show it. */
final class EntryReport {
    private EntryReport() {
    }

    static void print(JsonNode entry, PrintWriter out) {
        out.printf("%s  %s  %d/%d edges%s%n", JsonApi.text(entry, "id"), JsonApi.text(entry, "status"),
                entry.get("edgesApplied").asInt(), entry.get("edgesTotal").asInt(),
                entry.get("timeToLastAckMillis") == null || entry.get("timeToLastAckMillis").isNull() ? ""
                        : "  last ack after " + entry.get("timeToLastAckMillis").asLong() + " ms");
        for (String list : new String[] {"fencedEdges", "failedEdges"}) {
            JsonNode named = entry.get(list);
            if (named != null && named.isArray() && !named.isEmpty()) {
                out.printf("  %s: %s%n", list.equals("fencedEdges") ? "fenced (unreachable, not waited for)"
                        : "failed on", named.toString());
            }
        }
        for (JsonNode edge : entry.get("edges")) {
            out.printf("  %-12s %-8s %s %s%n", JsonApi.text(edge, "id"), JsonApi.text(edge, "state"),
                    JsonApi.text(edge, "appliedAt"),
                    edge.get("detail") == null || edge.get("detail").isNull() ? "" : JsonApi.text(edge, "detail"));
        }
        out.flush();
    }
}
