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
                + "(and, with --wait, complete), 1 when still not complete after the wait, 2 on errors.")
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

    @Option(names = "--host", paramLabel = "HOST", description = "everything of a host (repeatable)")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--all", description = "purge everything")
    boolean all;

    @Option(names = "--soft", description = "mark stale (revalidate) instead of deleting")
    boolean soft;

    @Option(names = "--region", paramLabel = "REGION", description = "only these regions (repeatable)")
    List<String> regions = new ArrayList<>();

    @Option(names = "--wait", paramLabel = "DURATION", arity = "0..1", fallbackValue = "10s",
            description = "wait until every edge applied it (default 10s, e.g. 30s, 500ms)")
    Optional<String> wait = Optional.empty();

    @Override
    public Integer call() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("urls", urls);
        body.put("prefixes", prefixes);
        body.put("tags", tags);
        body.put("hosts", hosts);
        body.put("all", all);
        body.put("soft", soft);
        body.put("regions", regions);
        return Submit.run(api, spec, "/api/v1/purges", body, wait);
    }
}
