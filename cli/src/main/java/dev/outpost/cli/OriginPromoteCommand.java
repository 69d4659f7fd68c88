package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code outpost origin promote --url URL}: makes a replica the primary of its group. */
@Command(name = "promote", mixinStandardHelpOptions = true,
        description = "Make a replica origin the primary of its group (when its primary is lost): it stops copying, "
                + "starts a new epoch and takes writes. Restart the old primary with --replica-of pointing at it.")
final class OriginPromoteCommand implements Callable<Integer> {
    @Mixin
    OriginAdmin origin;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            JsonNode promoted = origin.post("/_origin/replication/promote");
            if (origin.json) {
                out.println(Json.mapper().writeValueAsString(promoted));
                out.flush();
                return 0;
            }
            out.println(origin.base() + " is now the primary: epoch " + promoted.get("epoch").asLong()
                    + ", its changes start at " + promoted.get("firstSequence").asLong());
            out.println("next: " + JsonApi.text(promoted, "next"));
            out.flush();
            return 0;
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            spec.commandLine().getErr().println("outpost origin promote: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
    }
}
