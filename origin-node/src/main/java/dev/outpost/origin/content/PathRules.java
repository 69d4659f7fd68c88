package dev.outpost.origin.content;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Ordered path rules: the first rule whose glob matches a path decides its caching headers, else the default. */
public final class PathRules {
    private final List<Compiled> rules;
    private final ResponsePolicy fallback;

    public PathRules(List<PathRule> rules, ResponsePolicy fallback) {
        List<Compiled> compiled = new ArrayList<>();
        for (PathRule rule : rules) {
            compiled.add(new Compiled(globToRegex(rule.match()),
                    new ResponsePolicy(rule.cacheControl(), rule.tags())));
        }
        this.rules = List.copyOf(compiled);
        this.fallback = fallback;
    }

    /** The policy for a URL path such as {@code /assets/app.js}. */
    public ResponsePolicy policyFor(String urlPath) {
        for (Compiled rule : rules) {
            if (rule.pattern.matcher(urlPath).matches()) {
                return rule.policy;
            }
        }
        return fallback;
    }

    /** {@code **} spans segments ({@code /a/**} also matches {@code /a}), {@code *} and {@code ?} stay inside one. */
    static Pattern globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                boolean slashAfter = i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                boolean slashBefore = i > 0 && glob.charAt(i - 1) == '/';
                if (slashBefore && i + 2 == glob.length()) {
                    // "/a/**": the trailing "/**" also matches "/a" itself.
                    regex.setLength(regex.length() - 1);
                    regex.append("(?:/.*)?");
                } else if (slashAfter) {
                    regex.append("(?:.*/)?");
                    i++;
                } else {
                    regex.append(".*");
                }
                i++;
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else {
                if ("\\.[]{}()<>+-=!^$|&,:#~\"' ".indexOf(c) >= 0) {
                    regex.append('\\');
                }
                regex.append(c);
            }
        }
        return Pattern.compile(regex.toString());
    }

    private record Compiled(Pattern pattern, ResponsePolicy policy) {
    }
}
