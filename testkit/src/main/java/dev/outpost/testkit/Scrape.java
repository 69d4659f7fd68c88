package dev.outpost.testkit;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * One scrape of a node's metrics endpoint, parsed from the Prometheus text format (0.0.4) as a scraper reads it:
 * every sample's name, labels and value, and each family's {@code # TYPE}. A line that is not valid text format
 * fails the parse, so a test also proves the exposition is well-formed. Lookups of a sample that is not there fail
 * with the names that are, so a missing or renamed metric fails the test that expects it.
 */
public final class Scrape {
    /** One sample line: {@code name{labels} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private Scrape(List<Sample> samples, Map<String, String> types) {
        this.samples = List.copyOf(samples);
        this.types = Map.copyOf(types);
    }

    /** GETs {@code url} (no Accept header: the text format), checks the 200 and its content type, and parses it. */
    public static Scrape of(OkHttpClient client, URI url) {
        HttpReply reply = HttpReply.call(client, new Request.Builder().url(url.toString()).build());
        if (reply.status() != 200) {
            throw new AssertionError("GET " + url + " answered " + reply.status() + ": " + reply.body());
        }
        String type = String.valueOf(reply.header("Content-Type"));
        if (!type.startsWith("text/plain; version=0.0.4")) {
            throw new AssertionError("GET " + url + " answered Content-Type " + type + ", not the text format");
        }
        return parse(reply.body());
    }

    public static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("bad TYPE line: " + line);
                }
                types.put(parts[0], parts[1]);
            } else if (!line.startsWith("#")) {
                samples.add(sample(line));
            }
        }
        return new Scrape(samples, types);
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("bad metric name in: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf("=\"", i);
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException("bad label name '" + label + "' in: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(label, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("bad sample value in: " + line);
        }
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name, labels, value);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The {@code # TYPE} of a family ({@code counter}, {@code gauge}, {@code histogram}, ...), if declared. */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** Samples of {@code name} whose labels include every given {@code label, value} pair. */
    public List<Sample> find(String name, String... labelPairs) {
        if (labelPairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        return samples.stream().filter(s -> s.name().equals(name)).filter(s -> {
            for (int k = 0; k < labelPairs.length; k += 2) {
                if (!labelPairs[k + 1].equals(s.labels().get(labelPairs[k]))) {
                    return false;
                }
            }
            return true;
        }).toList();
    }

    /** The value of the one sample of {@code name} with these labels; fails when there is none or several. */
    public double value(String name, String... labelPairs) {
        List<Sample> found = find(name, labelPairs);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + name + " with " + List.of(labelPairs)
                    + (found.isEmpty() ? "; samples of that name: " + find(name) + "; names: " + names()
                    : ": " + found));
        }
        return found.get(0).value();
    }

    /** The sum over every sample of {@code name} with these labels (0 when there is none). */
    public double sum(String name, String... labelPairs) {
        return find(name, labelPairs).stream().mapToDouble(Sample::value).sum();
    }

    /** Whether some sample is called {@code name}. */
    public boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name().equals(name));
    }

    /** Every sample name, sorted, once each. */
    public List<String> names() {
        return samples.stream().map(Sample::name).distinct().sorted().toList();
    }
}
