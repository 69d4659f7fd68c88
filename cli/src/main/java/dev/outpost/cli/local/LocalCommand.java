package dev.outpost.cli.local;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code outpost local}: the whole multi-region CDN in this process ({@link LocalCdn}), until Ctrl-C. Prints the
 * node table and commands to try once every edge is healthy; on SIGINT or SIGTERM stops everything in order,
 * removes its temporary work directory and exits 0.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = "Run the whole CDN on loopback in one process: control plane + steering, origin (demo site), "
                + "two edges in each of us, eu, ap, and a shield in the origin's region (--no-shield: none), with "
                + "simulated WAN delays between regions. Ctrl-C stops it.")
public final class LocalCommand implements Callable<Integer> {
    static final Duration READY_PATIENCE = Duration.ofSeconds(30);
    /** Longer than any part's own bounded stop (LocalCdn#close), shorter than a user's or a test's patience. */
    static final Duration STOP_PATIENCE = Duration.ofSeconds(25);

    @Option(names = "--config", paramLabel = "FILE",
            description = "topology file (regions, client networks, edges, delays, addresses); default: the "
                    + "built-in topology, the same as deploy/local-topology.yml")
    Optional<Path> config = Optional.empty();

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "keep the control plane's database and the origin's files here (kept after exit, reused "
                    + "on the next run); default: a temporary folder deleted on exit")
    Optional<Path> dataDir = Optional.empty();

    @Option(names = "--site", paramLabel = "DIR",
            description = "folder the origin serves a copy of; default: deploy/sample-site when run from the "
                    + "repository, else the copy inside the jar")
    Optional<Path> site = Optional.empty();

    @Option(names = "--no-shield",
            description = "run without the shield tier: every edge fetches its misses from the origin itself "
                    + "(default: a shield in the origin's region, which the other edges fetch through)")
    boolean noShield;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Topology topology = config.map(Topology::load).orElseGet(Topology::defaults);
        CountDownLatch stop = new CountDownLatch(1);
        if (!onStopSignal(stop)) {
            spec.commandLine().getErr().println("outpost local: SIGINT is ignored in this process (started in the "
                    + "background by a shell without job control?), so Ctrl-C / kill -INT will not stop it; "
                    + "use kill -TERM " + ProcessHandle.current().pid());
        }
        Path work = dataDir.isPresent() ? Files.createDirectories(dataDir.get())
                : Files.createTempDirectory("outpost-local-");
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopped = new CountDownLatch(1);
        try (LocalCdn cdn = LocalCdn.start(topology, work, site,
                noShield ? LocalCdn.Shield.OFF : LocalCdn.Shield.IN_ORIGIN_REGION)) {
            List<LocalCdn.NodeState> nodes;
            try {
                nodes = cdn.awaitEdgesReady(READY_PATIENCE);
            } catch (IllegalStateException notReady) { // one line, like every other startup problem
                spec.commandLine().getErr().println("outpost local: " + notReady.getMessage());
                return 1;
            }
            out.print(LocalBanner.render(topology, cdn.shield(), nodes, cdn.originInternalUri(),
                    work + (dataDir.isPresent() ? " (kept)" : " (deleted on exit)"), cdn.siteSource()));
            out.print(LocalBanner.accessLogs(cdn.logDir(), cdn.accessLogs()));
            out.flush();
            stop.await();
            out.println("outpost local: stopping (edges, origin, control plane, WAN links) ...");
            out.flush();
            exitIfStuck(Thread.currentThread(), stopped, spec.commandLine().getErr());
        } finally {
            if (dataDir.isEmpty()) {
                deleteTree(work);
            }
            stopped.countDown();
        }
        out.println("outpost local: stopped");
        out.flush();
        return 0;
    }

    /**
     * Ctrl-C (SIGINT) and SIGTERM end the wait instead of the JVM, so shutdown runs in order on this thread and the
     * exit code is 0 rather than 130/143. Answers false when SIGINT was ignored when the JVM started (a background
     * job of a non-interactive shell): the JVM then keeps ignoring it and installs no handler.
     */
    private static boolean onStopSignal(CountDownLatch stop) {
        boolean interruptible = true;
        for (String name : List.of("INT", "TERM")) {
            SignalHandler previous = Signal.handle(new Signal(name), signal -> stop.countDown());
            if (previous == SignalHandler.SIG_IGN) {
                interruptible = false;
            }
        }
        return interruptible;
    }

    /**
     * The backstop behind every part's own bounded stop: if stopping still runs after {@link #STOP_PATIENCE}, says
     * where the stopping thread is (its stack, on stderr) and halts with exit code 1, so Ctrl-C always ends the
     * process.
     */
    private static void exitIfStuck(Thread stopping, CountDownLatch stopped, PrintWriter err) {
        Thread.ofPlatform().daemon().name("outpost-local-stop-watchdog").start(() -> {
            try {
                if (stopped.await(STOP_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            err.println("outpost local: still stopping after " + STOP_PATIENCE.toSeconds()
                    + " s; exiting anyway. Stuck at:");
            for (StackTraceElement frame : stopping.getStackTrace()) {
                err.println("\tat " + frame);
            }
            err.flush();
            Runtime.getRuntime().halt(1);
        });
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the work dir " + root + ": " + e.getMessage(), e);
        }
    }
}
