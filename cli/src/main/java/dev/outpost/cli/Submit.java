package dev.outpost.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;

/** Posts a purge or push, prints its id, and with a wait shows the per-edge outcome; the exit code says how it went. */
final class Submit {
    private Submit() {
    }

    static int run(ApiClient api, CommandSpec spec, String path, Object body, Optional<String> wait) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            JsonNode accepted = api.post(path, body);
            String id = ApiClient.text(accepted, "id");
            out.println("accepted " + id + " (sequence " + accepted.get("sequence").asLong() + ")");
            out.flush();
            if (wait.isEmpty()) {
                return 0;
            }
            Duration timeout = parse(wait.get());
            JsonNode entry = api.get(path + "/" + id + "?wait=" + wait.get(), timeout.plusSeconds(10));
            EntryReport.print(entry, out);
            return "complete".equals(ApiClient.text(entry, "status")) ? 0 : 1;
        } catch (ApiClient.Failure | IllegalArgumentException e) {
            err.println("outpost " + spec.name() + ": " + e.getMessage());
            err.flush();
            return 2;
        }
    }

    private static Duration parse(String wait) {
        if (wait.matches("\\d+ms")) {
            return Duration.ofMillis(Long.parseLong(wait.substring(0, wait.length() - 2)));
        }
        if (wait.matches("\\d+s")) {
            return Duration.ofSeconds(Long.parseLong(wait.substring(0, wait.length() - 1)));
        }
        throw new IllegalArgumentException("--wait must look like 10s or 500ms, was '" + wait + "'");
    }
}
