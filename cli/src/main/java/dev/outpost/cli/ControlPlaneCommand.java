package dev.outpost.cli;

import dev.outpost.common.config.ConfigFiles;
import dev.outpost.control.ControlPlane;
import dev.outpost.control.ControlPlaneConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code outpost control-plane}: the registry, the invalidation log, the purge/push API and steering. */
@Command(name = "control-plane", mixinStandardHelpOptions = true,
        description = "Run the control plane: node registry, durable purge log, purge/push API and steering.")
final class ControlPlaneCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "cp.yml (or .json); flags below override its values. A relative 'data' or 'geoipCsv' in "
                    + "it is taken from the file's own folder.")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "API listener (default: " + ControlPlaneConfig.DEFAULT_LISTEN + ")")
    Optional<String> listen = Optional.empty();

    @Option(names = "--data", paramLabel = "DIR", description = "data directory of the invalidation log")
    Optional<Path> data = Optional.empty();

    @Override
    public Integer call() throws InterruptedException {
        ControlPlaneConfig settings = settings();
        ControlPlane plane = ControlPlane.start(settings, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(plane::close, "control-plane-shutdown"));
        System.err.println("outpost control-plane: API on " + plane.apiUri()
                + plane.steeringUri().map(u -> ", steering on " + u).orElse("") + ", log in "
                + Path.of(settings.data()).toAbsolutePath().normalize() + "; Ctrl-C stops");
        Thread.currentThread().join();
        return 0;
    }

    ControlPlaneConfig settings() {
        ControlPlaneConfig settings = ConfigFiles.load(config, ControlPlaneConfig.class);
        Path base = config.toAbsolutePath().getParent();
        settings = settings.withData(base.resolve(settings.data()).normalize().toString());
        if (settings.geoipCsv().isPresent()) {
            settings = settings.withGeoipCsv(base.resolve(settings.geoipCsv().get()).normalize().toString());
        }
        if (data.isPresent()) {
            settings = settings.withData(data.get().toString());
        }
        if (listen.isPresent()) {
            settings = settings.withListen(listen.get());
        }
        return settings;
    }
}
