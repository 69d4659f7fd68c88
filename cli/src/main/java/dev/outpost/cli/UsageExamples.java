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
                "outpost local",
                "export OUTPOST_API=127.0.0.1:8000 OUTPOST_TOKEN=...",
                "outpost purge --url http://www.example.com/app.js --wait",
                "source <(outpost completion)"}),
            Map.entry("outpost local", new String[] {
                "outpost local",
                "outpost local --data-dir /tmp/outpost-local"}),
            Map.entry("outpost origin", new String[] {
                "outpost origin --data ./site --listen 127.0.0.1:8090 --token $TOKEN",
                "outpost origin --config origin.yml",
                "outpost origin --data ./copy --replica-of http://10.0.2.5:8080"}),
            Map.entry("outpost origin replication", new String[] {
                "outpost origin replication --url http://10.0.2.5:8080 --token $TOKEN",
                "outpost origin replication --url 10.0.2.6:8080 --json"}),
            Map.entry("outpost origin promote", new String[] {
                "outpost origin promote --url http://10.0.2.6:8080 --token $TOKEN"}),
            Map.entry("outpost edge", new String[] {
                "outpost edge --origin http://127.0.0.1:8090 --host www.example.com",
                "outpost edge --config edge.yml --id eu-1 --region eu"}),
            Map.entry("outpost control-plane", new String[] {
                "outpost control-plane --config cp.yml",
                "outpost control-plane --config cp.yml --listen 0.0.0.0:8000"}),
            Map.entry("outpost steering", new String[] {
                "outpost steering --config steering.yml",
                "outpost steering --config steering.yml --control-plane http://10.0.1.5:8000,http://10.0.1.6:8000"}),
            Map.entry("outpost purge", new String[] {
                "outpost purge --url http://www.example.com/app.js --wait",
                "outpost purge --tag product-42 --soft --region eu",
                "outpost purge --host www.example.com --confirm --wait=30s",
                "outpost purge --prefix http://www.example.com/img/ --json | jq -r .id"}),
            Map.entry("outpost push", new String[] {
                "outpost push --url http://www.example.com/big.js --wait",
                "outpost push --url http://www.example.com/a.mp4 --region us --json"}),
            Map.entry("outpost status", new String[] {
                "outpost status --api 10.0.1.2:8000",
                "outpost status --json | jq -r '.nodes[] | select(.healthy | not) | .id'"}),
            Map.entry("outpost dead-letters", new String[] {
                "outpost dead-letters --edge eu-1",
                "outpost dead-letters --json | jq -r '.deadLetters[] | \"\\(.sequence) \\(.node)\"'"}),
            Map.entry("outpost dead-letters retry", new String[] {
                "outpost dead-letters retry 42 eu-1"}),
            Map.entry("outpost dead-letters discard", new String[] {
                "outpost dead-letters discard 42 eu-1"}),
            Map.entry("outpost service", new String[] {
                "outpost service list",
                "outpost service get site > site.yml && $EDITOR site.yml && outpost service put site site.yml --wait",
                "outpost service rollback site --to 3"}),
            Map.entry("outpost service list", new String[] {
                "outpost service list --json | jq -r '.services[].name'"}),
            Map.entry("outpost service get", new String[] {
                "outpost service get site > site.yml",
                "outpost service get site --json | jq .definition.origins"}),
            Map.entry("outpost service put", new String[] {
                "outpost service put site site.yml --wait      # If-Match from the file's '# version:' line",
                "cat blog.json | outpost service put blog -     # a new service: If-None-Match: *",
                "outpost service put site site.yml --if-match 7"}),
            Map.entry("outpost service delete", new String[] {
                "outpost service delete blog --if-match 9"}),
            Map.entry("outpost service versions", new String[] {
                "outpost service versions site",
                "outpost service versions site 7               # each edge's progress"}),
            Map.entry("outpost service diff", new String[] {
                "outpost service diff site 3 5",
                "outpost service diff site 3                   # against the newest"}),
            Map.entry("outpost service rollback", new String[] {
                "outpost service rollback site --to 3 --wait"}),
            Map.entry("outpost sign-url", new String[] {
                "outpost sign-url --url https://video.example/a.mp4 --secret-file s.txt"}),
            Map.entry("outpost completion", new String[] {
                "source <(outpost completion)                   # bash",
                "autoload -U +X compinit && compinit            # zsh: these two first,",
                "autoload -U +X bashcompinit && bashcompinit    # then the same source",
                "source <(outpost completion)",
                "outpost completion > /etc/bash_completion.d/outpost"}),
            Map.entry("outpost help", new String[] {
                "outpost help purge"}));

    private UsageExamples() {
    }

    /** Adds the examples to the command and every subcommand registered on it. */
    static void addTo(CommandLine cli) {
        String[] examples = EXAMPLES.get(cli.getCommandSpec().qualifiedName());
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
