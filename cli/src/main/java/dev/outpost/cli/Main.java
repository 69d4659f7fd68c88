package dev.outpost.cli;

import dev.outpost.cli.local.LocalCommand;
import dev.outpost.common.config.ConfigException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code outpost}: one runnable jar for every node role and the client commands. {@code main} only parses. */
@Command(name = "outpost", mixinStandardHelpOptions = true, version = "outpost 0.1.0",
        description = "Outpost, a small CDN: origin nodes hold master copies, edges cache and serve, a control plane "
                + "purges, pushes and steers.",
        subcommands = {LocalCommand.class, OriginCommand.class, EdgeCommand.class, ControlPlaneCommand.class,
                PurgeCommand.class,
                PushCommand.class, StatusCommand.class, SignUrlCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        Logging.configure();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@code main} and tests. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::reportFailure);
        return cli;
    }

    /** Startup problems a user can fix (bad config, port taken, unreadable folder) are one line, not a trace. */
    private static int reportFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof ConfigException || e instanceof IllegalArgumentException
                || e instanceof UncheckedIOException) {
            err.println("outpost " + cli.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        if (e instanceof RuntimeException && e.getCause() instanceof java.net.BindException bind) {
            err.println("outpost " + cli.getCommandName() + ": cannot listen: " + bind.getMessage());
            return 2;
        }
        err.println("outpost " + cli.getCommandName() + ": failed: " + e);
        e.printStackTrace(err);
        return 1;
    }
}
