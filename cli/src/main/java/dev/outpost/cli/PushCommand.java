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

/** {@code outpost push}: makes the edges fetch and store URLs ahead of requests; {@code --wait} shows progress. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = "Preload URLs on the edges through the control plane. Exit code 0 when accepted (and, with "
                + "--wait, every edge stored every URL), 1 when not complete after the wait or some edge could not "
                + "store a URL (404 at the origin, not cacheable...: the failures are named), 2 on errors, 3 when "
                + "an edge serves no delivery service for a host it names.")
final class PushCommand implements Callable<Integer> {
    @Mixin
    ApiClient api;

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", required = true, description = "absolute URL (repeatable)")
    List<String> urls = new ArrayList<>();

    @Option(names = "--region", paramLabel = "REGION", description = "only these regions (repeatable)")
    List<String> regions = new ArrayList<>();

    @Option(names = "--wait", paramLabel = "DURATION", arity = "0..1", fallbackValue = "30s",
            description = "wait until every edge fetched them (default 30s, e.g. 2m)")
    Optional<String> wait = Optional.empty();

    @Override
    public Integer call() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("urls", urls);
        body.put("regions", regions);
        return Submit.run(api, spec, "/api/v1/pushes", body, wait);
    }
}
