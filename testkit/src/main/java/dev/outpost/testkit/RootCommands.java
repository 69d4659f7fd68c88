package dev.outpost.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/** Runs the mount commands of the file-system helpers ({@link SmallTmpfs}, {@link ReadOnlyMount}). */
final class RootCommands {
    private RootCommands() {
    }

    /** Runs {@code command}, its output dropped; its exit code, or -1 when it could not run or took over 30 s. */
    static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
