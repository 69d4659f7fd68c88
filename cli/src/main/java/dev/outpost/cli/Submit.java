package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/**
 * Posts a purge or push, prints its id, and with a wait shows the per-edge outcome; the exit code says how it went:
 * 0 accepted (and, with a wait, complete), 1 not complete after the wait or failed on some edge, 2 on errors, 3 some
 * edge serves no delivery service for a host the purge or push named (nothing was done for it there). Every flag is
 * checked before anything is sent, so a bad flag never leaves a purge behind. With {@code --json}, stdout holds one
 * JSON document: the accepted entry as the API answered it, or with a wait the entry as the last wait call answered
 * it.
 */
final class Submit {
    /** The longest the API waits in one call; longer waits are several calls. */
    private static final Duration API_MAX_WAIT = Duration.ofSeconds(60);

    private Submit() {
    }

    static int run(ApiClient api, CommandSpec spec, String path, Object body, Optional<String> wait) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Optional<Duration> timeout = wait.map(Submit::parse);
            api.check();
            JsonNode accepted = api.post(path, body);
            String id = JsonApi.text(accepted, "id");
            if (timeout.isEmpty() && api.json()) {
                out.println(Json.mapper().writeValueAsString(accepted));
            } else if (!api.json()) {
                out.println("accepted " + id + " (sequence " + accepted.get("sequence").asLong() + ")");
            }
            out.flush();
            if (timeout.isEmpty()) {
                return 0;
            }
            JsonNode entry;
            try {
                entry = await(api, path + "/" + id, timeout.get());
            } catch (JsonApi.Failure e) {
                throw new JsonApi.Failure(id + " was accepted, but waiting for it failed: " + e.getMessage());
            }
            if (api.json()) {
                out.println(Json.mapper().writeValueAsString(entry));
                out.flush();
            } else {
                EntryReport.print(entry, out);
            }
            if (UnknownHosts.report(spec.name(), entry, err)) {
                return 3;
            }
            return "complete".equals(JsonApi.text(entry, "status")) ? 0 : 1;
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            err.println("outpost " + spec.name() + ": " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    /** Waits up to {@code timeout} for the entry to settle, in calls of at most a minute each. */
    private static JsonNode await(ApiClient api, String entryPath, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            Duration step = left.compareTo(API_MAX_WAIT) > 0 ? API_MAX_WAIT : left;
            JsonNode entry = api.get(entryPath + "?wait=" + step.toMillis() + "ms", step.plusSeconds(10));
            String status = JsonApi.text(entry, "status");
            if (status.equals("complete") || status.equals("failed") || step.equals(left)) {
                return entry;
            }
        }
    }

    /** {@code 500ms}, {@code 10s}, {@code 2m}; at most an hour. */
    static Duration parse(String wait) {
        Duration duration;
        if (wait.matches("\\d{1,7}ms")) {
            duration = Duration.ofMillis(Long.parseLong(wait.substring(0, wait.length() - 2)));
        } else if (wait.matches("\\d{1,5}s")) {
            duration = Duration.ofSeconds(Long.parseLong(wait.substring(0, wait.length() - 1)));
        } else if (wait.matches("\\d{1,3}m")) {
            duration = Duration.ofMinutes(Long.parseLong(wait.substring(0, wait.length() - 1)));
        } else {
            throw new IllegalArgumentException("--wait must look like 500ms, 10s or 2m, was '" + wait
                    + "'; nothing was submitted");
        }
        if (duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("--wait must be at most 1h, was '" + wait + "'; nothing was submitted");
        }
        return duration;
    }
}
