package dev.outpost.edge.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * An immutable set of HTTP header fields: lower-case names in first-seen order, each with its field lines. The
 * edge's pure code reads requests and responses through this, never through a server's or client's header types.
 */
public final class Fields {
    private static final Fields EMPTY = new Fields(Map.of());
    /** Field names as sent ({@code Host}) → lower case, so the hit path does not lower-case them per request. */
    private static final Map<String, String> LOWER_CASE_NAMES = new ConcurrentHashMap<>();
    private static final int MAX_CACHED_NAMES = 1024;

    private final Map<String, List<String>> map;

    private Fields(Map<String, List<String>> map) {
        this.map = map;
    }

    public static Fields empty() {
        return EMPTY;
    }

    /** Fields from name/value pairs: {@code Fields.of("Cache-Control", "max-age=60", "ETag", "\"x\"")}. */
    public static Fields of(String... namesAndValues) {
        Builder b = builder();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            b.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<String> first(String name) {
        List<String> values = map.get(lowerCase(name));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    public List<String> all(String name) {
        return map.getOrDefault(lowerCase(name), List.of());
    }

    /** All field lines of a field joined as one comma-separated value; empty when absent. */
    public Optional<String> joined(String name) {
        List<String> values = all(name);
        return values.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", values));
    }

    public boolean has(String name) {
        return map.containsKey(lowerCase(name));
    }

    public Set<String> names() {
        return map.keySet();
    }

    public boolean isEmpty() {
        return map.isEmpty();
    }

    public void forEach(BiConsumer<String, String> action) {
        for (Map.Entry<String, List<String>> e : map.entrySet()) {
            for (String value : e.getValue()) {
                action.accept(e.getKey(), value);
            }
        }
    }

    /** {@code name} in lower case; names seen before come from a bounded cache instead of a new string. */
    static String lowerCase(String name) {
        String cached = LOWER_CASE_NAMES.get(name);
        if (cached != null) {
            return cached;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (LOWER_CASE_NAMES.size() < MAX_CACHED_NAMES) {
            LOWER_CASE_NAMES.put(name, lower);
        }
        return lower;
    }

    /** These fields without the named ones (names in any case). */
    public Fields without(Collection<String> names) {
        Builder b = builder();
        Set<String> drop = new HashSet<>();
        names.forEach(n -> drop.add(n.toLowerCase(Locale.ROOT)));
        map.forEach((name, values) -> {
            if (!drop.contains(name)) {
                values.forEach(v -> b.add(name, v));
            }
        });
        return b.build();
    }

    /** These fields with every field present in {@code updates} replaced by its new lines (a 304's refresh). */
    public Fields updatedWith(Fields updates) {
        Builder b = builder();
        map.forEach((name, values) -> {
            if (!updates.has(name)) {
                values.forEach(v -> b.add(name, v));
            }
        });
        updates.forEach(b::add);
        return b.build();
    }

    /** Approximate bytes on the wire ({@code name: value\r\n} per line), for the store's weigher. */
    public int byteSize() {
        int size = 0;
        for (Map.Entry<String, List<String>> e : map.entrySet()) {
            for (String v : e.getValue()) {
                size += e.getKey().length() + v.length() + 4;
            }
        }
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fields f && map.equals(f.map);
    }

    @Override
    public int hashCode() {
        return map.hashCode();
    }

    @Override
    public String toString() {
        return map.toString();
    }

    /**
     * Collects fields; not thread-safe, used once: {@link #build} hands its map to the {@code Fields} (no copy, as
     * it runs for every request's headers), after which the builder refuses changes. A name's first value is held
     * as an immutable one-element list; a second one turns it into an {@code ArrayList}, made immutable at build.
     */
    public static final class Builder {
        private final Map<String, List<String>> map = new LinkedHashMap<>();
        private boolean built;

        private Builder() {
        }

        public Builder add(String name, String value) {
            open().merge(lowerCase(name), List.of(value), Builder::appended);
            return this;
        }

        public Builder set(String name, String value) {
            open().put(lowerCase(name), List.of(value));
            return this;
        }

        public Builder remove(String name) {
            open().remove(lowerCase(name));
            return this;
        }

        public Fields build() {
            open();
            built = true;
            if (map.isEmpty()) {
                return EMPTY;
            }
            map.replaceAll((name, values) -> values instanceof ArrayList ? List.copyOf(values) : values);
            return new Fields(Collections.unmodifiableMap(map));
        }

        private Map<String, List<String>> open() {
            if (built) {
                throw new IllegalStateException("this Fields.Builder was already built");
            }
            return map;
        }

        /** Another value of a name: an ArrayList of our own grows in place (no copy per line of a repeated field). */
        private static List<String> appended(List<String> values, List<String> one) {
            List<String> growing = values instanceof ArrayList ? values : new ArrayList<>(values);
            growing.add(one.get(0));
            return growing;
        }
    }
}
