package dev.outpost.common.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Walks a parsed config tree against the config record types and reports the first key no record component
 * matches, with its path ({@code rules[2].cacheControll}) and the keys that would have been valid there.
 */
final class ConfigKeys {
    private ConfigKeys() {
    }

    static Optional<String> checkKnown(JsonNode node, Type type, String path) {
        Class<?> raw = rawClass(type);
        if (raw == null) {
            return Optional.empty();
        }
        if (node.isObject() && raw.isRecord()) {
            List<String> known = new ArrayList<>();
            for (RecordComponent component : raw.getRecordComponents()) {
                known.add(jsonName(component));
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                int index = known.indexOf(field.getKey());
                String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (index < 0) {
                    String where = path.isEmpty() ? "" : " in '" + path + "'";
                    Optional<String> renamed = renamedTo(raw, field.getKey());
                    if (renamed.isPresent()) {
                        String[] keyAndHint = renamed.get().split(" ", 2);
                        return Optional.of("'" + childPath + "' was renamed: use '"
                                + (path.isEmpty() ? "" : path + ".") + keyAndHint[0] + "'"
                                + (keyAndHint.length > 1 ? " " + keyAndHint[1] : "") + "; known keys" + where + ": "
                                + known);
                    }
                    return Optional.of("unknown key '" + field.getKey() + "'" + where + "; known keys here: " + known);
                }
                Optional<String> problem = checkKnown(field.getValue(),
                        raw.getRecordComponents()[index].getGenericType(), childPath);
                if (problem.isPresent()) {
                    return problem;
                }
            }
        } else if (node.isArray() && Collection.class.isAssignableFrom(raw)) {
            Type element = typeArgument(type, 0);
            for (int i = 0; i < node.size(); i++) {
                Optional<String> problem = checkKnown(node.get(i), element, path + "[" + i + "]");
                if (problem.isPresent()) {
                    return problem;
                }
            }
        } else if (node.isObject() && Map.class.isAssignableFrom(raw)) {
            Type value = typeArgument(type, 1);
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                Optional<String> problem = checkKnown(field.getValue(), value, path + "." + field.getKey());
                if (problem.isPresent()) {
                    return problem;
                }
            }
        } else if (raw == Optional.class) {
            return checkKnown(node, typeArgument(type, 0), path);
        }
        return Optional.empty();
    }

    /** What an old key of {@code type} was renamed to (with its hint), per its {@link RenamedKeys}. */
    private static Optional<String> renamedTo(Class<?> type, String key) {
        RenamedKeys renamed = type.getAnnotation(RenamedKeys.class);
        if (renamed == null) {
            return Optional.empty();
        }
        for (String entry : renamed.value()) {
            int arrow = entry.indexOf("->");
            if (arrow > 0 && entry.substring(0, arrow).strip().equals(key)) {
                return Optional.of(entry.substring(arrow + 2).strip());
            }
        }
        return Optional.empty();
    }

    private static String jsonName(RecordComponent component) {
        JsonProperty property = component.getAnnotation(JsonProperty.class);
        if (property == null && component.getAccessor() != null) {
            property = component.getAccessor().getAnnotation(JsonProperty.class);
        }
        return property != null && !property.value().isEmpty() ? property.value() : component.getName();
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        return null;
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length > index) {
            return p.getActualTypeArguments()[index];
        }
        return Object.class;
    }
}
