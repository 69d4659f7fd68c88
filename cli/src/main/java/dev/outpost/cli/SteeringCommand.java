package dev.outpost.cli;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.replica.SteeringReplica;
import dev.outpost.control.replica.SteeringReplicaConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost steering}: a steering instance in a region, following the control planes' state as a replica. */
@Command(name = "steering", mixinStandardHelpOptions = true,
        description = "Run a steering instance (HTTP 302, /api/v1/route, DNS) that follows the control plane's state "
                + "as a read-only replica and keeps answering from it while the control plane is down.")
final class SteeringCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "steering.yml (or .json); flags below override its values.")
    Path config;

    @Option(names = "--control-plane", paramLabel = "URL", split = ",",
            description = "control plane(s) to follow, tried in order, e.g. http://cp-1:8000,http://cp-2:8000 "
                    + "(replaces controlPlanes of the file)")
    List<URI> controlPlanes = List.of();

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "HTTP listener (default: " + SteeringReplicaConfig.DEFAULT_LISTEN + ")")
    Optional<String> listen = Optional.empty();

    @Override
    public Integer call() throws InterruptedException {
        SteeringReplica replica = SteeringReplica.start(settings(), Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(replica::close, "steering-shutdown"));
        System.err.println("outpost steering: HTTP on " + replica.uri()
                + replica.dnsAddress().map(a -> ", DNS on " + a.getAddress().getHostAddress() + ":" + a.getPort())
                        .orElse("") + ", following " + settings().controlPlanes() + "; Ctrl-C stops");
        Thread.currentThread().join();
        return 0;
    }

    SteeringReplicaConfig settings() {
        SteeringReplicaConfig settings = ConfigFiles.load(config, SteeringReplicaConfig.class);
        if (!controlPlanes.isEmpty()) {
            settings = settings.withControlPlanes(controlPlanes);
        }
        if (listen.isPresent()) {
            settings = settings.withListen(listen.get());
        }
        return settings;
    }
}
