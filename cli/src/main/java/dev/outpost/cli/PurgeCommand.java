package dev.outpost.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code outpost purge}: asks the control plane to purge; with {@code --wait}, shows every edge's ack. */
@Command(name = "purge", mixinStandardHelpOptions = true,
        description = "Purge cached content on the edges through the control plane. Exit code 0 when accepted "
                + "(and, with --wait, complete), 1 when still not complete after the wait, 2 on errors (then "
                + "nothing was submitted unless the message says so), 3 when an edge serves no delivery service "
                + "for a host it names.")
final class PurgeCommand implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", description = "absolute URL to purge (repeatable)")
    List<String> urls = new ArrayList<>();

    @Option(names = "--prefix", paramLabel = "URL", description = "purge every URL starting with this (repeatable)")
    List<String> prefixes = new ArrayList<>();

    @Option(names = "--tag", paramLabel = "KEY", description = "surrogate key (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST", description = "everything of a host (repeatable; needs --confirm "
            + "and a token with scope purge:all)")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--all", description = "purge everything (needs --confirm and a token with scope purge:all)")
    boolean all;

    @Option(names = "--confirm", description = "confirm a purge that empties a whole host or everything (--all, "
            + "--host, or a --prefix that is a host's root); the token needs scope purge:all")
    boolean confirm;

    @Option(names = "--soft", description = "mark stale (revalidate) instead of deleting")
    boolean soft;

    @Option(names = "--region", paramLabel = "REGION", description = "only these regions (repeatable)")
    List<String> regions = new ArrayList<>();

    @Option(names = "--wait", paramLabel = "DURATION", arity = "0..1", fallbackValue = "10s",
            description = "wait until every edge applied it (default 10s, e.g. 500ms, 30s, 2m)")
    Optional<String> wait = Optional.empty();

    @Override
    public Integer call() {
        Optional<String> wholeHost = all ? Optional.of("everything (--all)")
                : !hosts.isEmpty() ? Optional.of("every object of " + hosts.get(0) + " (--host)")
                : prefixes.stream().filter(PurgeCommand::isHostRoot).findFirst()
                        .map(p -> "every object of the host of " + p + " (--prefix is the host's root)");
        if (wholeHost.isPresent() && !confirm) {
            spec.commandLine().getErr().println("outpost purge: this purge empties " + wholeHost.get()
                    + "; add --confirm to do that (the token needs scope purge:all); nothing was submitted");
            spec.commandLine().getErr().flush();
            return 2;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("urls", urls);
        body.put("prefixes", prefixes);
        body.put("tags", tags);
        body.put("hosts", hosts);
        body.put("all", all);
        body.put("soft", soft);
        body.put("regions", regions);
        if (confirm) {
            body.put("confirmPurgeAll", true);
        }
        return Submit.run(api, spec, "/api/v1/purges", body, wait);
    }

    private static boolean isHostRoot(String prefix) {
        try {
            java.net.URI uri = java.net.URI.create(prefix);
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            return uri.getHost() != null && (path.isEmpty() || path.equals("/")) && uri.getRawQuery() == null;
        } catch (IllegalArgumentException e) {
            return false; // the control plane names what is wrong with it
        }
    }
}
