package dev.outpost.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One-line log records on stderr (time, level, logger, message), for every node; Undertow's chatter at WARNING. */
final class Logging {
    /**
     * Keeps the handlers through the JVM's shutdown. The JDK resets logging from its own shutdown hook, which runs
     * at the same time as the nodes' hooks, so what a node logs while it stops (the origin's undelivered change
     * notices, a slow part of outpost local) was lost. Records are flushed as they are written (ConsoleHandler),
     * so nothing waits for a final reset.
     */
    public static final class ShutdownSafeLogManager extends LogManager {
        @Override
        public void reset() {
            if (!shuttingDown()) {
                super.reset();
            }
        }

        /** Adding a shutdown hook is refused once shutdown has begun: the only public way to ask. */
        private static boolean shuttingDown() {
            Thread probe = new Thread(() -> { });
            try {
                Runtime.getRuntime().addShutdownHook(probe);
                Runtime.getRuntime().removeShutdownHook(probe);
                return false;
            } catch (IllegalStateException e) {
                return true;
            }
        }
    }

    /** JUL holds loggers weakly: a level set on a logger nobody references is lost at the next GC. */
    private static final java.util.List<Logger> QUIETED = new java.util.ArrayList<>();

    private Logging() {
    }

    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return; // the operator brought their own
        }
        if (System.getProperty("java.util.logging.manager") == null) {
            // Must be set before anything touches java.util.logging; main calls us first.
            System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
        }
        System.setProperty("java.util.logging.SimpleFormatter.format",
                "%1$tFT%1$tT.%1$tLZ %4$s %3$s: %5$s%6$s%n");
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        Handler console = new ConsoleHandler();
        console.setFormatter(new SimpleFormatter());
        console.setLevel(Level.ALL);
        root.addHandler(console);
        root.setLevel(Level.INFO);
        for (String noisy : new String[] {"io.undertow", "org.xnio", "okhttp3"}) {
            Logger logger = Logger.getLogger(noisy);
            logger.setLevel(Level.WARNING);
            QUIETED.add(logger);
        }
    }
}
