package dev.outpost.testkit;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The guard of the "every key takes effect" tests: walks a config record type (its components, and the records in
 * its lists, maps and optionals) beside a parsed config file and names every key the file leaves unset. A test
 * whose file must set every key fails as soon as someone adds a component to a config record without adding it to
 * that file (and so without checking that it reaches the running node). In a list or map of records a key counts
 * as set when any element sets it, so keys that exclude each other ({@code sha256} or {@code token}) are covered by
 * two elements.
 */
public final class ConfigCoverage {
    private ConfigCoverage() {
    }

    /** The keys of {@code type} that {@code file} does not set, as paths ({@code limits.listener.failedAuth}). */
    public static List<String> unsetKeys(Class<?> type, JsonNode file) {
        return unsetKeys(type, List.of(file));
    }

    /**
     * The keys of {@code type} that none of {@code files} sets: for sections whose keys exclude each other (the
     * store's {@code path} for sqlite, {@code url} for postgresql), each variant of the section is one file.
     */
    public static List<String> unsetKeys(Class<?> type, List<JsonNode> files) {
        return List.copyOf(unset(type, files, ""));
    }

    private static Set<String> unset(Type type, List<JsonNode> nodes, String path) {
        Class<?> raw = raw(type);
        Set<String> missing = new LinkedHashSet<>();
        if (raw.isRecord()) {
            for (RecordComponent component : raw.getRecordComponents()) {
                String key = path.isEmpty() ? component.getName() : path + "." + component.getName();
                List<JsonNode> values = new ArrayList<>();
                for (JsonNode node : nodes) {
                    JsonNode value = node.get(component.getName());
                    if (value != null && !value.isNull()) {
                        values.add(value);
                    }
                }
                if (values.isEmpty()) {
                    missing.add(key);
                } else {
                    missing.addAll(unset(component.getGenericType(), values, key));
                }
            }
        } else if (raw == Optional.class) {
            missing.addAll(unset(argument(type, 0), nodes, path));
        } else if (Collection.class.isAssignableFrom(raw) && raw(argument(type, 0)).isRecord()) {
            List<JsonNode> elements = new ArrayList<>();
            nodes.forEach(n -> n.values().forEach(elements::add));
            missing.addAll(elements.isEmpty() ? List.of(path + "[]") : unset(argument(type, 0), elements, path + "[]"));
        } else if (Map.class.isAssignableFrom(raw) && raw(argument(type, 1)).isRecord()) {
            List<JsonNode> values = new ArrayList<>();
            nodes.forEach(n -> n.values().forEach(values::add));
            missing.addAll(values.isEmpty() ? List.of(path + ".*") : unset(argument(type, 1), values, path + ".*"));
        }
        return missing;
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return Object.class;
    }

    private static Type argument(Type type, int index) {
        return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
    }
}
