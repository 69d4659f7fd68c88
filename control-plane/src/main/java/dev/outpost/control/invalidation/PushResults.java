package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Reads an edge's answer to a push ({@code POST /_edge/prefetch}: {@code {"stored":1,"notStored":0,"bytes":10,
 * "failures":[{"url":...,"error":...}]}}) and says whether it failed: a push that did not store every URL is a
 * failure for that edge, named by the URLs and reasons the edge gave.
 */
public final class PushResults {
    private PushResults() {
    }

    /** The failure to show for this edge, or empty when it stored every URL. */
    public static Optional<String> failure(String answer) {
        JsonNode json;
        try {
            json = Json.mapper().readTree(answer);
        } catch (RuntimeException e) {
            return Optional.of("unreadable push result: " + abbreviate(answer));
        }
        if (json == null || !json.isObject()) {
            return Optional.of("unreadable push result: " + abbreviate(answer));
        }
        JsonNode failures = json.get("failures");
        if (failures != null && failures.isArray() && !failures.isEmpty()) {
            return Optional.of(abbreviate(answer));
        }
        JsonNode notStored = json.get("notStored");
        if (notStored != null && notStored.asLong() > 0) {
            return Optional.of(abbreviate(answer));
        }
        JsonNode stored = json.get("stored");
        if (stored != null && stored.asLong() == 0) {
            return Optional.of("nothing stored: " + abbreviate(answer));
        }
        return Optional.empty();
    }

    /**
     * Whether the edge answered that it had applied the entry before ({@code "alreadyApplied":true}: a catch-up page
     * got there first); such an answer says nothing about what the entry did.
     */
    public static boolean alreadyApplied(String answer) {
        try {
            JsonNode json = Json.mapper().readTree(answer);
            return json != null && json.isObject() && json.has("alreadyApplied")
                    && json.get("alreadyApplied").asBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Delivery details are shown in listings: keep each one short. */
    static String abbreviate(String text) {
        String stripped = text.strip();
        return stripped.length() <= 1024 ? stripped : stripped.substring(0, 1024) + "...";
    }
}
