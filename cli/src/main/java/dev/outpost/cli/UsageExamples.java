package dev.outpost.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * The "Examples:" section at the end of every command's {@code --help}, kept in one table so that every command,
 * picocli's own {@code help} included, has one ({@code MainTest} checks that none is missing).
 */
final class UsageExamples {
    private static final Map<String, String[]> EXAMPLES = Map.ofEntries(
            Map.entry("outpost", new String[] {
                "outpost local                                  # the whole CDN on loopback, Ctrl-C stops it",
                "export OUTPOST_API=http://127.0.0.1:8000 OUTPOST_TOKEN=...",
                "outpost purge --url http://www.example.com/app.js --wait",
                "source <(outpost completion)                   # tab completion in bash (zsh: see completion)"}),
            Map.entry("local", new String[] {
                "outpost local",
                "outpost local --data-dir /tmp/outpost-local    # keep the purge log and files across runs"}),
            Map.entry("origin", new String[] {
                "outpost origin --data ./site --listen 127.0.0.1:8090 --token \"$ORIGIN_TOKEN\"",
                "outpost origin --config origin.yml"}),
            Map.entry("edge", new String[] {
                "outpost edge --origin http://127.0.0.1:8090 --host www.example.com --listen 127.0.0.1:8081",
                "outpost edge --config edge.yml --id eu-1 --region eu"}),
            Map.entry("control-plane", new String[] {
                "outpost control-plane --config cp.yml",
                "outpost control-plane --config cp.yml --listen 0.0.0.0:8000 --data /var/lib/outpost"}),
            Map.entry("purge", new String[] {
                "outpost purge --url http://www.example.com/app.js --wait",
                "outpost purge --tag product-42 --soft --region eu",
                "outpost purge --host www.example.com --confirm --wait=30s",
                "outpost purge --prefix http://www.example.com/img/ --json | jq -r .id"}),
            Map.entry("push", new String[] {
                "outpost push --url http://www.example.com/big.js --wait",
                "outpost push --url http://www.example.com/a.mp4 --region us --json"}),
            Map.entry("status", new String[] {
                "outpost status",
                "outpost status --json | jq -r '.nodes[] | select(.healthy | not) | .id'"}),
            Map.entry("sign-url", new String[] {
                "outpost sign-url --url https://video.example/a.mp4 --secret-file secret.txt --ttl 10m"}),
            Map.entry("completion", new String[] {
                "source <(outpost completion)                   # bash, this shell",
                "outpost completion > /etc/bash_completion.d/outpost"}),
            Map.entry("help", new String[] {
                "outpost help purge"}));

    private UsageExamples() {
    }

    /** Adds the examples to the command and every subcommand registered on it. */
    static void addTo(CommandLine cli) {
        String[] examples = EXAMPLES.get(cli.getCommandName());
        if (examples != null) {
            String[] indented = new String[examples.length];
            for (int i = 0; i < examples.length; i++) {
                indented[i] = "  " + examples[i];
            }
            cli.getCommandSpec().usageMessage().footerHeading("%nExamples:%n").footer(indented);
        }
        cli.getSubcommands().values().forEach(UsageExamples::addTo);
    }
}
