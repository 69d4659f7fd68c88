package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost completion} prints a script that bash really completes commands and flags with. */
class CompletionCommandTest {
    @TempDir
    Path dir;

    @Test
    void scriptCompletesCommandNames() throws Exception {
        assertThat(complete("outpost pu")).containsExactlyInAnyOrder("purge", "push");
        assertThat(complete("outpost st")).containsExactlyInAnyOrder("status", "steering");
        assertThat(complete("outpost sta")).containsExactly("status");
    }

    @Test
    void scriptCompletesTheFlagsOfACommand() throws Exception {
        assertThat(complete("outpost purge --js")).containsExactly("--json");
        assertThat(complete("outpost status --")).contains("--api", "--token", "--json", "--purges", "--help");
    }

    @Test
    void scriptPrintsNothingElseAndNamesTheCommand() {
        Cli.Run run = Cli.run("completion");
        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_outpost");
    }

    /** Sources the script in bash and asks its completion function what follows {@code line}. */
    private java.util.List<String> complete(String line) throws IOException, InterruptedException {
        Path script = dir.resolve("outpost-completion.bash");
        Files.writeString(script, Cli.run("completion").out());
        String[] words = line.split(" ", -1);
        // compopt only works while bash itself runs a completion: a no-op stands in for it here
        String probe = "source " + script + "\ncompopt() { :; }\n"
                + "COMP_WORDS=(" + String.join(" ", quoted(words)) + ")\n"
                + "COMP_CWORD=" + (words.length - 1) + "\n"
                + "COMP_LINE='" + line + "'\nCOMP_POINT=" + line.length() + "\n"
                + "_complete_outpost outpost\n"
                + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process bash = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", probe).redirectErrorStream(true)
                .start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as(output).isZero();
        return output.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String[] quoted(String[] words) {
        String[] quoted = new String[words.length];
        for (int i = 0; i < words.length; i++) {
            quoted[i] = "'" + words[i] + "'";
        }
        return quoted;
    }
}
