package dev.outpost.control.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * The field-level difference of two definitions: every leaf (or list, compared whole) that differs, by its path
 * ({@code cacheKey.dropParams}), with the value before and after (absent where the field is absent, e.g. a deleted
 * service or a signing block added).
 */
final class ServiceDiff {
    /** One changed field. */
    record Change(String field, Optional<JsonNode> from, Optional<JsonNode> to) {
    }

    private ServiceDiff() {
    }

    static List<Change> between(JsonNode from, JsonNode to) {
        List<Change> out = new ArrayList<>();
        walk("", from, to, out);
        return out;
    }

    private static void walk(String path, JsonNode a, JsonNode b, List<Change> out) {
        boolean aAbsent = a == null || a.isNull() || a.isMissingNode();
        boolean bAbsent = b == null || b.isNull() || b.isMissingNode();
        if (aAbsent && bAbsent) {
            return;
        }
        if (!aAbsent && !bAbsent && a.isObject() && b.isObject()) {
            TreeSet<String> names = new TreeSet<>(a.propertyNames());
            names.addAll(b.propertyNames());
            for (String name : names) {
                walk(path.isEmpty() ? name : path + "." + name, a.get(name), b.get(name), out);
            }
            return;
        }
        if (aAbsent || bAbsent || !a.equals(b)) {
            out.add(new Change(path.isEmpty() ? "(service)" : path, aAbsent ? Optional.empty() : Optional.of(a),
                    bAbsent ? Optional.empty() : Optional.of(b)));
        }
    }
}
