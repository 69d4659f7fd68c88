package dev.outpost.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;

/**
 * {@code outpost completion}: prints the bash/zsh completion script that picocli's {@link AutoComplete} generates
 * from the command tree at run time, so it always matches the jar's commands and flags.
 */
@Command(name = "completion", mixinStandardHelpOptions = true, helpCommand = true,
        description = "Print the bash/zsh completion script: source <(outpost completion)")
final class CompletionCommand extends AutoComplete.GenerateCompletion {
}
