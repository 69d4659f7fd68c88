package dev.outpost.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Config files with names in double braces ({@code listen: "127.0.0.1:{{PORT}}"}) filled in by the test: ports,
 * directories and URLs only known when it runs.
 */
public final class ConfigTemplates {
    private ConfigTemplates() {
    }

    /** The class-path resource {@code name} (next to {@code anchor}'s class loader root) with {@code values} filled in. */
    public static String resource(Class<?> anchor, String name, Map<String, String> values) {
        try (InputStream in = anchor.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name);
            }
            return fill(new String(in.readAllBytes(), StandardCharsets.UTF_8), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code template} with {@code values} filled in; a name left unfilled fails, naming it. */
    public static String fill(String template, Map<String, String> values) {
        String text = template;
        for (var value : values.entrySet()) {
            text = text.replace("{{" + value.getKey() + "}}", value.getValue());
        }
        int left = text.indexOf("{{");
        if (left >= 0) {
            throw new IllegalArgumentException("unfilled " + text.substring(left, text.indexOf("}}", left) + 2));
        }
        return text;
    }
}
