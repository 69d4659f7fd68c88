package dev.outpost.common.config;

import dev.outpost.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Reads a YAML (.yml/.yaml) or JSON config file into a config record. Records validate themselves in their compact
 * constructors; whatever goes wrong becomes a {@link ConfigException} naming the file and the key.
 */
public final class ConfigFiles {
    private ConfigFiles() {
    }

    public static <T> T load(Path file, Class<T> type) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(file.toString(), content, type);
    }

    /**
     * The first key of {@code tree} that no component of {@code type} (a config record, walked through its nested
     * records, lists and maps) takes, as a sentence naming its path and the keys known there; empty when all are
     * known. For definitions that arrive as JSON through an API rather than as a file.
     */
    public static Optional<String> unknownKey(JsonNode tree, Class<?> type) {
        return ConfigKeys.checkKnown(tree, type, "");
    }

    /** Parses config content; {@code source} names where it came from in error messages and picks the format. */
    public static <T> T parse(String source, byte[] content, Class<T> type) {
        String lower = source.toLowerCase(Locale.ROOT);
        ObjectMapper mapper = lower.endsWith(".json") ? Json.mapper() : Json.yaml();
        try {
            // Jackson reports unknown keys only after the record was built, so a typo would surface as a confusing
            // "missing value" from the record's own validation; check the keys first.
            JsonNode tree = mapper.readTree(content);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new ConfigException(source + ": the file is empty");
            }
            ConfigKeys.checkKnown(tree, type, "").ifPresent(problem -> {
                throw new ConfigException(source + ": " + problem);
            });
            T value = mapper.treeToValue(tree, type);
            if (value == null) {
                throw new ConfigException(source + ": the file is empty");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown key '" + e.getPropertyName() + "'" + where(e.getPath())
                    + "; known keys here: " + e.getKnownPropertyIds(), e);
        } catch (JacksonException e) {
            throw new ConfigException(source + ": bad value" + where(e.getPath()) + ": " + rootMessage(e), e);
        }
    }

    private static String where(List<JacksonException.Reference> path) {
        if (path == null || path.isEmpty()) {
            return "";
        }
        StringBuilder key = new StringBuilder();
        for (JacksonException.Reference ref : path) {
            if (ref.getPropertyName() != null) {
                if (!key.isEmpty()) {
                    key.append('.');
                }
                key.append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                key.append('[').append(ref.getIndex()).append(']');
            }
        }
        return key.isEmpty() ? "" : " at '" + key + "'";
    }

    /** Record constructors throw IllegalArgumentException with the useful text; Jackson wraps it. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof JacksonException je) {
            return je.getOriginalMessage();
        }
        return t.getMessage();
    }
}
