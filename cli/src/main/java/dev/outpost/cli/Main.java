package dev.outpost.cli;

import dev.outpost.cli.local.LocalCommand;
import dev.outpost.common.config.ConfigException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code outpost}: one runnable jar for every node role and the client commands. {@code main} only parses. */
@Command(name = "outpost", mixinStandardHelpOptions = true, version = "outpost 0.1.0",
        description = "Outpost, a small CDN: origin nodes hold master copies, edges cache and serve, a control plane "
                + "purges, pushes and steers.")
public final class Main {
    /**
     * Every subcommand, in the order {@code --help} lists them. picocli reads a command's annotations (by
     * reflection, the slow part of its start) when it is registered, so a call registers only the command it runs.
     */
    private static final Map<String, Class<?>> COMMANDS = commands();
    /** Commands that show or walk the whole tree, so they need every command registered. */
    private static final Set<String> WHOLE_TREE = Set.of("help", "completion");
    /** Commands that run a node, the only ones that log. */
    private static final Set<String> NODES = Set.of("local", "origin", "edge", "control-plane", "steering");

    public static void main(String[] args) {
        // Setting up logging costs a client command a tenth of its run (SimpleFormatter checks its format by
        // formatting a date, which loads the locale's calendar data), and a client command never logs.
        if (args.length > 0 && NODES.contains(args[0])) {
            Logging.configure();
        }
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The configured command line for these arguments: with only the command named first when there is one (a
     * client command then never loads node code, Undertow, sqlite or Bouncy Castle), with none for {@code --version}
     * alone, else (no arguments, {@code --help}, {@code help}, {@code completion}, a typo) with every command.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        String first = args.length == 0 ? "" : args[0];
        boolean one = COMMANDS.containsKey(first) && !WHOLE_TREE.contains(first);
        // --version prints one line and needs no command at all
        boolean none = args.length == 1 && (first.equals("--version") || first.equals("-V"));
        COMMANDS.forEach((name, command) -> {
            if (!none && (!one || name.equals(first))) {
                cli.addSubcommand(name, command);
            }
        });
        UsageExamples.addTo(cli);
        cli.setExecutionExceptionHandler(Main::reportFailure);
        return cli;
    }

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("local", LocalCommand.class);
        commands.put("origin", OriginCommand.class);
        commands.put("edge", EdgeCommand.class);
        commands.put("control-plane", ControlPlaneCommand.class);
        commands.put("steering", SteeringCommand.class);
        commands.put("purge", PurgeCommand.class);
        commands.put("push", PushCommand.class);
        commands.put("status", StatusCommand.class);
        commands.put("dead-letters", DeadLettersCommand.class);
        commands.put("service", ServiceCommand.class);
        commands.put("sign-url", SignUrlCommand.class);
        commands.put("completion", CompletionCommand.class);
        commands.put("help", CommandLine.HelpCommand.class);
        return commands;
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
