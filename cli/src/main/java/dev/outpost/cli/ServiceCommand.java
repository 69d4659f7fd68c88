package dev.outpost.cli;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code outpost service list|get|put|delete|versions|diff|rollback}: the control plane's delivery services
 * ({@code /api/v1/services}, docs/services.md). {@code get} prints a definition as YAML headed by
 * {@code # version: N}; {@code put} sends a YAML or JSON definition (a file, or {@code -} for stdin) with
 * {@code If-Match} taken from that line, from {@code --if-match}, or (for a service that does not exist yet)
 * {@code If-None-Match: *}; a definition of an existing service without a version is refused unless {@code --force}
 * (which replaces whatever is current). With {@code --json}, the API's answer.
 */
@Command(name = "service", mixinStandardHelpOptions = true,
        description = "List, show, change, delete and roll back the control plane's delivery services.",
        subcommands = {ServiceCommand.ListServices.class, ServiceCommand.Get.class, ServiceCommand.Put.class,
                ServiceCommand.Delete.class, ServiceCommand.Versions.class, ServiceCommand.Diff.class,
                ServiceCommand.Rollback.class})
final class ServiceCommand implements Callable<Integer> {
    /** The line {@code get} heads a definition with, and {@code put} reads its If-Match from. */
    private static final Pattern VERSION_LINE = Pattern.compile("(?m)^#\\s*version:\\s*([1-9][0-9]{0,17})\\s*$");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** What every subcommand shares: the API flags, the output and the error handling. */
    abstract static class Action implements Callable<Integer> {
        @Mixin
        ApiClient api;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                api.check();
                run(spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return 0;
            } catch (JsonApi.Failure | IllegalArgumentException | UncheckedIOException e) {
                spec.commandLine().getErr().println("outpost " + spec.qualifiedName(" ").replaceFirst("^outpost ",
                        "") + ": " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 2;
            }
        }

        abstract void run(PrintWriter out);

        void printJsonOr(PrintWriter out, JsonNode answer, Runnable text) {
            if (api.json()) {
                out.println(Json.mapper().writeValueAsString(answer));
            } else {
                text.run();
            }
        }

        /** One line for an accepted change: version, entry, summary and what it purged. */
        void printChange(PrintWriter out, JsonNode changed) {
            printJsonOr(out, changed, () -> {
                if (changed.path("unchanged").asBoolean()) {
                    out.printf("%s: unchanged at version %d (nothing logged)%n", JsonApi.text(changed, "name"),
                            changed.get("version").asLong());
                    return;
                }
                out.printf("%s: version %d (%s): %s%n", JsonApi.text(changed, "name"), changed.get("version").asLong(),
                        JsonApi.text(changed, "id"), JsonApi.text(changed, "summary"));
                JsonNode purged = changed.path("purged");
                if (purged.isObject()) {
                    out.printf("  purged %s (%s) %s: %s%n", JsonApi.text(purged, "id"),
                            purged.path("soft").asBoolean() ? "soft: revalidate" : "hard: removed",
                            purged.get("hosts"), purged.get("reasons"));
                }
            });
        }
    }

    /** Whether a name is a service name the API takes in its path. */
    static String checked(String name) {
        if (!name.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new IllegalArgumentException("NAME must be letters, digits, '.', '_' or '-', was '" + name + "'");
        }
        return name;
    }

    /** {@code outpost service list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List every delivery service.")
    static final class ListServices extends Action {
        @Override
        void run(PrintWriter out) {
            JsonNode answer = api.get("/api/v1/services", Duration.ofSeconds(10));
            printJsonOr(out, answer, () -> {
                out.printf("CONFIGURATION VERSION %d%n", answer.get("version").asLong());
                out.printf("%-20s %8s  %-40s %s%n", "SERVICE", "VERSION", "HOSTS", "ORIGINS");
                for (JsonNode s : answer.get("services")) {
                    out.printf("%-20s %8d  %-40s %s%n", JsonApi.text(s, "name"), s.get("version").asLong(),
                            String.join(",", s.get("definition").get("hosts").valueStream().map(JsonNode::asString)
                                    .toList()),
                            String.join(",", s.get("definition").get("origins").valueStream()
                                    .map(JsonNode::asString).toList()));
                }
            });
        }
    }

    /** {@code outpost service get NAME}. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print a service's definition as YAML, headed by '# version: N' (what put sends as "
                    + "If-Match).")
    static final class Get extends Action {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        void run(PrintWriter out) {
            JsonNode answer = api.get("/api/v1/services/" + checked(name), Duration.ofSeconds(10));
            printJsonOr(out, answer, () -> {
                out.printf("# outpost service %s; put it back with 'outpost service put %s FILE'%n", name, name);
                out.printf("# version: %d%n", answer.get("version").asLong());
                out.print(Json.yaml().writeValueAsString(answer.get("definition")).replaceFirst("^---\\n", ""));
            });
        }
    }

    /** {@code outpost service put NAME FILE}. */
    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Create or change a service from a YAML or JSON definition (FILE, or - for stdin).")
    static final class Put extends Action {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "FILE", description = "the definition, YAML or JSON; - reads stdin")
        String file;
        @Option(names = "--if-match", paramLabel = "VERSION",
                description = "change only if the service is still at VERSION (default: the file's '# version:' "
                        + "line)")
        Optional<Long> ifMatch = Optional.empty();
        @Option(names = "--force", description = "replace the service whatever its current version")
        boolean force;
        @Option(names = "--wait", description = "wait (up to 60 s) until every edge applied or refused it")
        boolean await;

        @Override
        void run(PrintWriter out) {
            String text = read(file);
            byte[] json = toJson(text);
            OptionalLong version = ifMatch.map(OptionalLong::of).orElseGet(() -> versionLine(text));
            Map<String, String> precondition;
            if (version.isPresent() && !force) {
                precondition = Map.of("If-Match", "\"" + version.getAsLong() + "\"");
            } else {
                Optional<Long> current = currentVersion(api, checked(name));
                if (current.isPresent() && !force) {
                    throw new IllegalArgumentException("service '" + name + "' exists at version " + current.get()
                            + " and " + file + " says no version: check 'outpost service get " + name + "', then "
                            + "pass --if-match " + current.get() + " (or --force to replace it as it is now)");
                }
                precondition = current.map(v -> Map.of("If-Match", "\"" + v + "\""))
                        .orElse(Map.of("If-None-Match", "*"));
            }
            JsonNode changed = api.put("/api/v1/services/" + checked(name), json, precondition);
            printChange(out, changed);
            if (await && !changed.path("unchanged").asBoolean()) {
                Versions.printProgress(out, api, name, changed.get("version").asLong());
            }
        }
    }

    /** {@code outpost service delete NAME}. */
    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a service (every host it served is purged).")
    static final class Delete extends Action {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--if-match", paramLabel = "VERSION", required = true,
                description = "delete only if the service is still at VERSION ('outpost service get' shows it)")
        long ifMatch;

        @Override
        void run(PrintWriter out) {
            printChange(out, api.delete("/api/v1/services/" + checked(name), Map.of("If-Match", "\"" + ifMatch
                    + "\"")));
        }
    }

    /** {@code outpost service versions NAME [VERSION]}. */
    @Command(name = "versions", mixinStandardHelpOptions = true,
            description = "A service's history (who changed what, and what it purged), or one version with each "
                    + "edge's progress.")
    static final class Versions extends Action {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "VERSION", arity = "0..1")
        Optional<Long> version = Optional.empty();

        @Override
        void run(PrintWriter out) {
            if (version.isPresent()) {
                JsonNode detail = api.get("/api/v1/services/" + checked(name) + "/versions/" + version.get(),
                        Duration.ofSeconds(10));
                printJsonOr(out, detail, () -> printDetail(out, detail));
                return;
            }
            JsonNode history = api.get("/api/v1/services/" + checked(name) + "/versions", Duration.ofSeconds(10));
            printJsonOr(out, history, () -> {
                out.printf("%8s %-10s %-24s %-12s %s%n", "VERSION", "ENTRY", "CHANGED", "BY", "SUMMARY");
                for (JsonNode v : history.get("versions")) {
                    JsonNode purged = v.path("purged");
                    out.printf("%8d %-10s %-24s %-12s %s%s%n", v.get("version").asLong(), JsonApi.text(v, "id"),
                            JsonApi.text(v, "changedAt"), JsonApi.text(v, "changedBy"), JsonApi.text(v, "summary"),
                            purged.isObject() ? "; purged " + JsonApi.text(purged, "id") : "");
                }
            });
        }

        static void printProgress(PrintWriter out, ApiClient api, String name, long version) {
            printDetail(out, api.get("/api/v1/services/" + name + "/versions/" + version + "?wait=60s",
                    Duration.ofSeconds(70)));
        }

        static void printDetail(PrintWriter out, JsonNode detail) {
            out.printf("%s version %d (%s) by %s at %s: %s%n", JsonApi.text(detail, "name"),
                    detail.get("version").asLong(), JsonApi.text(detail, "id"), JsonApi.text(detail, "changedBy"),
                    JsonApi.text(detail, "changedAt"), JsonApi.text(detail, "summary"));
            JsonNode progress = detail.path("progress");
            if (!progress.isObject()) {
                out.println("  (its log entry was compacted; every edge has long applied or skipped it)");
                return;
            }
            out.printf("  %s: %d of %d edges applied%n", JsonApi.text(progress, "status"),
                    progress.get("edgesApplied").asInt(), progress.get("edgesTotal").asInt());
            for (JsonNode edge : progress.get("edges")) {
                out.printf("  %-12s %-14s %s%n", JsonApi.text(edge, "id"), JsonApi.text(edge, "state"),
                        edge.path("detail").isString() ? edge.get("detail").asString() : "");
            }
        }
    }

    /** {@code outpost service diff NAME FROM [TO]}. */
    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "What changed between two versions of a service, field by field (TO: the newest).")
    static final class Diff extends Action {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "FROM")
        long from;
        @Parameters(index = "2", paramLabel = "TO", arity = "0..1")
        Optional<Long> to = Optional.empty();

        @Override
        void run(PrintWriter out) {
            JsonNode diff = api.get("/api/v1/services/" + checked(name) + "/diff?from=" + from
                    + to.map(t -> "&to=" + t).orElse(""), Duration.ofSeconds(10));
            printJsonOr(out, diff, () -> {
                out.printf("%s: version %d -> %d%n", name, diff.get("from").asLong(), diff.get("to").asLong());
                if (diff.get("changes").isEmpty()) {
                    out.println("  no difference");
                }
                for (JsonNode c : diff.get("changes")) {
                    out.printf("  %s: %s -> %s%n", JsonApi.text(c, "field"), shown(c.get("from")), shown(c.get("to")));
                }
            });
        }

        private static String shown(JsonNode value) {
            return value == null || value.isNull() ? "(absent)" : Json.mapper().writeValueAsString(value);
        }
    }

    /** {@code outpost service rollback NAME --to N}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Make version N's definition current again, as a new version.")
    static final class Rollback extends Action {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--to", paramLabel = "VERSION", required = true)
        long to;
        @Option(names = "--wait", description = "wait (up to 60 s) until every edge applied or refused it")
        boolean await;

        @Override
        void run(PrintWriter out) {
            if (to <= 0) {
                throw new IllegalArgumentException("--to must be a version number, was " + to);
            }
            JsonNode changed = api.postEmpty("/api/v1/services/" + checked(name) + "/rollback?to=" + to);
            printChange(out, changed);
            if (await && !changed.path("unchanged").asBoolean()) {
                Versions.printProgress(out, api, name, changed.get("version").asLong());
            }
        }
    }

    /** The service's current version, empty when it does not exist (404). */
    static Optional<Long> currentVersion(ApiClient api, String name) {
        try {
            return Optional.of(api.get("/api/v1/services/" + name, Duration.ofSeconds(10)).get("version").asLong());
        } catch (JsonApi.Refused e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The {@code # version: N} line {@code get} wrote, if the text has one. */
    static OptionalLong versionLine(String text) {
        Matcher m = VERSION_LINE.matcher(text);
        return m.find() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The definition as JSON: YAML (a superset of JSON) is read as YAML and written as JSON. */
    static byte[] toJson(String text) {
        JsonNode tree;
        try {
            tree = Json.yaml().readTree(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the definition is neither YAML nor JSON: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("the definition must be a mapping (hosts, origins, ...)");
        }
        return Json.bytes(tree);
    }

    private static String read(String file) {
        try {
            if (file.equals("-")) {
                InputStream in = System.in;
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
