package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine(args);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("origin").contains("edge").contains("control-plane").contains("purge")
                .contains("push").contains("status").contains("Usage: outpost");
    }

    @Test
    void unknownKeyInOriginConfigFailsNamingFileAndKey(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("origin.yml");
        Files.writeString(config, "data: site\nrulez: []\n");
        assertThat(run("origin", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("origin.yml").contains("unknown key 'rulez'").doesNotContain("\tat ");
    }

    @Test
    void badValueInOriginConfigFailsNamingIt(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("origin.yml");
        Files.writeString(config, "data: site\nlisten: nowhere\n");
        assertThat(run("origin", "--config", config.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("origin.yml").contains("listen address must be host:port");
    }

    @Test
    void originWithoutDataOrConfigExplainsWhatIsMissing() {
        assertThat(run("origin")).isEqualTo(2);
        assertThat(err.toString()).contains("--data DIR or --config FILE");
    }

    @Test
    void everyCommandsHelpEndsWithExamplesOfThatCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Examples:").contains("outpost completion");
        List<String> commands = new ArrayList<>();
        Main.commandLine().getSubcommands().forEach((name, command) -> {
            commands.add(name);
            command.getSubcommands().keySet().forEach(sub -> commands.add(name + " " + sub));
        });
        assertThat(commands).contains("origin promote", "origin replication");
        for (String command : commands) {
            out.getBuffer().setLength(0);
            assertThat(run((command + " --help").split(" "))).as(command).isZero();
            String help = out.toString();
            assertThat(help).as(command).contains("Usage: outpost " + command);
            assertThat(help).as(command).contains("Examples:");
            assertThat(help.substring(help.indexOf("Examples:"))).as(command).contains("outpost " + command);
        }
    }

    @Test
    void aCommandRegistersOnlyItselfAndHelpRegistersEveryCommand() {
        assertThat(Main.commandLine("purge", "--url", "x").getSubcommands()).containsOnlyKeys("purge");
        assertThat(Main.commandLine("help", "purge").getSubcommands())
                .containsKeys("local", "origin", "edge", "control-plane", "purge", "push", "status", "sign-url",
                        "completion", "help");
        assertThat(Main.commandLine("purg").getSubcommands()).containsKey("purge");
        assertThat(Main.commandLine("--version").getSubcommands()).isEmpty();
    }

    @Test
    void versionAloneNeedsNoCommand() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString().strip()).isEqualTo("outpost 0.1.0");
    }

    @Test
    void unknownCommandIsNamedWithTheClosestOne() {
        assertThat(run("purg")).isEqualTo(2);
        assertThat(err.toString()).contains("Unmatched argument at index 0: 'purg'").contains("purge");
    }
}
