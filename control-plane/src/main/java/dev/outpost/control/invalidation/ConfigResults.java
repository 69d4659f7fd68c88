package dev.outpost.control.invalidation;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ConfigResult;
import java.util.Optional;

/**
 * Reads an edge's answer to a configuration entry ({@link ConfigResult}: {@code {"version":7,"applied":false,
 * "reason":"..."}}), live or reported from catch-up, and says whether it refused the change.
 */
public final class ConfigResults {
    private ConfigResults() {
    }

    /** "refused by the edge: <its reason>" when the answer is a refusal; empty when applied (or not a ConfigResult). */
    public static Optional<String> refusal(String answer) {
        try {
            ConfigResult result = Json.mapper().readValue(answer, ConfigResult.class);
            return result.applied() ? Optional.empty() : Optional.of(PushResults.abbreviate("refused by the edge: "
                    + (result.reason() == null ? "(no reason given)" : result.reason())));
        } catch (RuntimeException notAConfigResult) {
            return Optional.empty();
        }
    }
}
