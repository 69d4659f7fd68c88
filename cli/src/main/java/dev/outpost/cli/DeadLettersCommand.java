package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code outpost dead-letters}: the entries edges refused or could not apply ({@code GET /api/v1/dead-letters},
 * every page), and {@code retry} / {@code discard} of one ({@code POST /api/v1/dead-letters/{sequence}/{edge}/...}).
 * With {@code --json}, the API's answer (for the listing, {@code {"deadLetters": [...]}} with every page's).
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "List the entries edges refused or could not apply; retry or discard one.",
        subcommands = {DeadLettersCommand.Retry.class, DeadLettersCommand.Discard.class})
final class DeadLettersCommand implements Callable<Integer> {
    /** At most this many are listed (pages of 500), so a runaway list cannot flood a terminal. */
    private static final int MAX_LISTED = 10_000;

    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--edge", paramLabel = "ID", description = "only this edge's")
    Optional<String> edge = Optional.empty();

    @Option(names = "--all", description = "retried and discarded ones too (default: open ones only)")
    boolean all;

    @Override
    public Integer call() {
        return run(spec, () -> {
            api.check();
            String query = "?limit=500" + edge.map(e -> "&node=" + URLEncoder.encode(e, StandardCharsets.UTF_8))
                    .orElse("") + (all ? "&state=all" : "");
            tools.jackson.databind.node.ArrayNode letters = Json.mapper().createArrayNode();
            boolean more = true;
            while (more && letters.size() < MAX_LISTED) {
                JsonNode page = api.get("/api/v1/dead-letters" + query, Duration.ofSeconds(10));
                letters.addAll((tools.jackson.databind.node.ArrayNode) page.get("deadLetters"));
                more = page.get("more").asBoolean();
                query = more ? page.get("next").asString() : query;
            }
            tools.jackson.databind.node.ObjectNode answer = Json.mapper().createObjectNode();
            answer.set("deadLetters", letters);
            answer.put("more", more);
            PrintWriter out = spec.commandLine().getOut();
            if (api.json()) {
                out.println(Json.mapper().writeValueAsString(answer));
            } else {
                StatusCommand.printDeadLetters(out, answer);
            }
            out.flush();
        });
    }

    /** What {@code retry} and {@code discard} share: the dead letter they act on, named by sequence and edge. */
    abstract static class Action implements Callable<Integer> {
        @Mixin
        ApiClient api;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "SEQUENCE", description = "the entry's sequence")
        long sequence;
        @Parameters(index = "1", paramLabel = "EDGE", description = "the edge's id")
        String edge;
        private final String action;

        Action(String action) {
            this.action = action;
        }

        @Override
        public Integer call() {
            return act(spec, api, sequence, edge, action);
        }
    }

    /** {@code outpost dead-letters retry SEQUENCE EDGE}. */
    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Push a dead-lettered entry to its edge again (exit 0 once the edge applied it).")
    static final class Retry extends Action {
        Retry() {
            super("retry");
        }
    }

    /** {@code outpost dead-letters discard SEQUENCE EDGE}. */
    @Command(name = "discard", mixinStandardHelpOptions = true,
            description = "Give up on a dead-lettered entry: its purge or push stops waiting for that edge.")
    static final class Discard extends Action {
        Discard() {
            super("discard");
        }
    }

    private static int act(CommandSpec spec, ApiClient api, long sequence, String edge, String action) {
        return run(spec, () -> {
            api.check();
            if (sequence <= 0 || !edge.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("SEQUENCE must be > 0 and EDGE a node id, were " + sequence
                        + " and '" + edge + "'");
            }
            JsonNode letter = api.post("/api/v1/dead-letters/" + sequence + "/" + edge + "/" + action, Map.of());
            PrintWriter out = spec.commandLine().getOut();
            out.println(api.json() ? Json.mapper().writeValueAsString(letter)
                    : JsonApi.text(letter, "id") + " on " + edge + ": " + JsonApi.text(letter, "state"));
            out.flush();
        });
    }

    private static int run(CommandSpec spec, Runnable body) {
        try {
            body.run();
            return 0;
        } catch (JsonApi.Failure | IllegalArgumentException e) {
            spec.commandLine().getErr().println("outpost " + spec.qualifiedName(" ").replaceFirst("^outpost ", "")
                    + ": " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
    }
}
