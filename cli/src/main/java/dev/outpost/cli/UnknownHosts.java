package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * The hosts that edges answered no delivery service serves, read from each edge's detail of a purge or push (the
 * edge's own answer, whose first field is {@code unknownHosts}). The control plane keeps only the start of a long
 * answer, so the field is read as a stream and the rest is never needed.
 */
final class UnknownHosts {
    private UnknownHosts() {
    }

    /** Host → the edges that serve no delivery service for it, in the order seen. */
    static Map<String, List<String>> in(JsonNode entry) {
        Map<String, List<String>> byHost = new LinkedHashMap<>();
        JsonNode edges = entry.get("edges");
        if (edges == null) {
            return byHost;
        }
        for (JsonNode edge : edges) {
            JsonNode detail = edge.get("detail");
            if (detail == null || !detail.isString()) {
                continue;
            }
            for (String host : named(detail.asString())) {
                byHost.computeIfAbsent(host, h -> new ArrayList<>()).add(JsonApi.text(edge, "id"));
            }
        }
        return byHost;
    }

    /** The {@code unknownHosts} an edge's answer starts with; none when it starts otherwise or is not JSON. */
    static List<String> named(String detail) {
        List<String> hosts = new ArrayList<>();
        try (JsonParser p = Json.mapper().createParser(detail)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.PROPERTY_NAME
                    || !"unknownHosts".equals(p.currentName()) || p.nextToken() != JsonToken.START_ARRAY) {
                return List.of();
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.VALUE_STRING; t = p.nextToken()) {
                hosts.add(p.getString());
            }
        } catch (JacksonException cutOrNotJson) {
            // the detail was shortened inside the list, or is not an edge's answer: keep what was read
        }
        return hosts;
    }

    /** Prints one line per unknown host; true when there was any. */
    static boolean report(String command, JsonNode entry, PrintWriter err) {
        Map<String, List<String>> byHost = in(entry);
        byHost.forEach((host, edges) -> err.println("outpost " + command + ": no delivery service serves host '"
                + host + "' on " + String.join(", ", edges) + ": nothing was " + (command.equals("push")
                ? "fetched" : "purged") + " for it there (a service's cache keys do not depend on the host "
                + "name, so name one of the hosts in the edge config)"));
        err.flush();
        return !byHost.isEmpty();
    }
}
