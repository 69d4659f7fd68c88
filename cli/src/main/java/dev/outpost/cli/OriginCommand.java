package dev.outpost.cli;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.origin.OriginConfig;
import dev.outpost.origin.OriginNode;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost origin}: serves the master copies of a data directory, with the asset API. */
@Command(name = "origin", mixinStandardHelpOptions = true,
        description = "Run an origin node: serve the files of a data directory, with the asset API; as the primary "
                + "of its group, or as a replica of one (--replica-of).",
        subcommands = {OriginPromoteCommand.class, OriginReplicationCommand.class})
final class OriginCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
            description = "origin.yml (or .json); flags below override its values. A relative 'data' in it is "
                    + "taken from the file's own folder.")
    Optional<Path> config = Optional.empty();

    @Option(names = "--data", paramLabel = "DIR", description = "data directory holding the master copies")
    Optional<Path> data = Optional.empty();

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "default: " + OriginConfig.DEFAULT_LISTEN)
    Optional<String> listen = Optional.empty();

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "bearer token of the asset API (also env OUTPOST_ORIGIN_TOKEN); without one the asset "
                    + "API is disabled")
    Optional<String> token = Optional.empty();

    @Option(names = "--notify-url", paramLabel = "URL", split = ",",
            description = "where asset changes are POSTed; several (comma-separated control planes' origin-events "
                    + "URLs) fail over in order (replaces notifications.url/urls of the file)")
    List<URI> notifyUrls = List.of();

    @Option(names = "--replica-of", paramLabel = "URL",
            description = "run as a replica of the primary origin at URL (replication.replicaOf): copy its changes, "
                    + "serve reads, take no writes; needs the group's token")
    Optional<URI> replicaOf = Optional.empty();

    @Option(names = "--name", paramLabel = "NAME",
            description = "this origin's name in its group, as its primary lists it (replication.name; default: "
                    + "the listen address)")
    Optional<String> name = Optional.empty();

    @Override
    public Integer call() throws InterruptedException {
        OriginConfig settings = settings();
        OriginNode node = OriginNode.start(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "origin-shutdown"));
        System.err.println("outpost origin: serving " + Path.of(settings.data()).toAbsolutePath().normalize()
                + " on " + node.baseUri() + " (asset API " + (settings.apiToken().isPresent() ? "on" : "off: no token")
                + settings.replication().replicaOf().map(p -> "; replica of " + p + " as " + settings.replicaName())
                        .orElse("")
                + "); Ctrl-C stops");
        Thread.currentThread().join();
        return 0;
    }

    OriginConfig settings() {
        OriginConfig settings;
        if (config.isPresent()) {
            settings = ConfigFiles.load(config.get(), OriginConfig.class);
            Path base = config.get().toAbsolutePath().getParent();
            settings = settings.withData(base.resolve(settings.data()).normalize().toString());
        } else if (data.isPresent()) {
            settings = OriginConfig.of(data.get().toString());
        } else {
            throw new IllegalArgumentException("give --data DIR or --config FILE");
        }
        if (data.isPresent()) {
            settings = settings.withData(data.get().toString());
        }
        if (listen.isPresent()) {
            settings = settings.withListen(listen.get());
        }
        Optional<String> apiToken = token.or(() -> Optional.ofNullable(System.getenv("OUTPOST_ORIGIN_TOKEN")));
        if (apiToken.isPresent()) {
            settings = settings.withApiToken(apiToken.get());
        }
        if (!notifyUrls.isEmpty()) {
            settings = settings.withNotify(settings.notifications().withUrls(
                    dev.outpost.common.controlplane.ControlPlanes.requireDistinct("--notify-url", notifyUrls)));
        }
        OriginConfig.Replication replication = settings.replication();
        if (name.isPresent()) {
            replication = replication.withName(name.get());
        }
        if (replicaOf.isPresent()) {
            replication = replication.withReplicaOf(replicaOf.get());
        }
        return settings.withReplication(replication);
    }
}
