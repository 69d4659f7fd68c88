package dev.outpost.control;

import dev.outpost.common.config.ConfigFiles;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Run in a child JVM by {@link ControlPlaneKillIT}: starts a control plane from a config file, prints its API URL,
 * and serves until the test kills the process (SIGKILL: nothing is closed).
 */
public final class ControlPlaneChild {
    public static void main(String[] args) throws InterruptedException {
        ControlPlane plane = ControlPlane.start(ConfigFiles.load(Path.of(args[0]), ControlPlaneConfig.class),
                Clock.systemUTC());
        System.out.println("api " + plane.apiUri());
        System.out.flush();
        Thread.sleep(120_000); // bounded: the test kills it long before
    }
}
