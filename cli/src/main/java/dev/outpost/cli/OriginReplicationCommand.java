package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code outpost origin replication --url URL}: an origin's role, position and replication lag. */
@Command(name = "replication", mixinStandardHelpOptions = true,
        description = "Show an origin's replication state: a primary's replicas and their lag, or a replica's "
                + "primary, state and lag.")
final class OriginReplicationCommand implements Callable<Integer> {
    @Mixin
    OriginAdmin origin;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            JsonNode status = origin.get("/_origin/replication");
            if (origin.json) {
                out.println(Json.mapper().writeValueAsString(status));
                out.flush();
                return 0;
            }
            out.printf("%s %s: log %s, epoch %d, changes %d..%d%n", JsonApi.text(status, "role"),
                    JsonApi.text(status, "name"), JsonApi.text(status, "log"), status.get("epoch").asLong(),
                    status.get("oldest").asLong(), status.get("head").asLong());
            JsonNode following = status.get("following");
            if (following != null && !following.isNull()) {
                out.printf("primary %s: %s%s, %s; %d changes behind (%.1f s)%n", JsonApi.text(following, "primary"),
                        JsonApi.text(following, "state"),
                        following.get("problem").isNull() ? "" : " (" + following.get("problem").asString() + ")",
                        following.get("ready").asBoolean() ? "serving" : "NOT READY",
                        following.get("lagEntries").asLong(), following.get("lagSeconds").asDouble());
            } else {
                JsonNode sync = status.get("sync");
                out.println("sync: " + (sync == null || sync.isNull() || sync.get("replicas").asInt() == 0
                        ? "off (writes are answered at once)"
                        : sync.get("replicas").asInt() + " replica(s), timeout " + sync.get("timeoutMillis").asLong()
                                + " ms"));
                out.printf("%-20s %10s %8s %10s%n", "REPLICA", "APPLIED", "BEHIND", "LAST SEEN");
                for (JsonNode replica : status.get("replicas")) {
                    out.printf("%-20s %10d %8d %8.1f s%n", JsonApi.text(replica, "name"),
                            replica.get("applied").asLong(), replica.get("lagEntries").asLong(),
                            replica.get("secondsSinceSeen").asDouble());
                }
            }
            out.flush();
            return 0;
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            spec.commandLine().getErr().println("outpost origin replication: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
    }
}
