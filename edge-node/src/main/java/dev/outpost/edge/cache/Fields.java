package dev.outpost.edge.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 *
 * <p>Every request's headers are copied into one, so it is two parallel arrays (names, values) searched
 * linearly, not a map: a request with a handful of headers costs a few small objects. A name's value is its one
 * line as a {@code String}, or an immutable list when the name came more than once: no list object per line, which
 * every stored object would otherwise carry for each of its header lines (24 bytes each, charged by the store's
 * weigher). Past {@link #INDEXED_FROM} names a hash index is added, so a head stuffed with many distinct names
 * never makes lookups quadratic.
 */
public final class Fields {
    /** Above this many distinct names, lookups go through a hash index instead of a scan. */
    static final int INDEXED_FROM = 16;
    private static final Fields EMPTY = new Fields(new String[0], new Object[0], 0, null);
    /** Field names as sent ({@code Host}) → lower case, so the hit path does not lower-case them per request. */
    private static final Map<String, String> LOWER_CASE_NAMES = new ConcurrentHashMap<>();
    private static final int MAX_CACHED_NAMES = 1024;

    private final String[] names;
    /** Per name: its single line (a String) or its lines (an immutable List of String). */
    private final Object[] values;
    private final int size;
    private final Map<String, Integer> index;
    /** {@link #names} is a process-wide shared array ({@link SharedValues#names}), not this object's own. */
    private final boolean sharedNames;

    private Fields(String[] names, Object[] values, int size, Map<String, Integer> index) {
        this(names, values, size, index, false);
    }

    private Fields(String[] names, Object[] values, int size, Map<String, Integer> index, boolean sharedNames) {
        this.names = names;
        this.values = values;
        this.size = size;
        this.index = index;
        this.sharedNames = sharedNames;
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
        return new Builder(8);
    }

    /** A builder sized for about {@code expectedNames} names (e.g. a request's header count). */
    public static Builder builder(int expectedNames) {
        return new Builder(Math.max(1, expectedNames));
    }

    public Optional<String> first(String name) {
        int i = indexOf(lowerCase(name));
        return i < 0 ? Optional.empty() : Optional.of(lineAt(i, 0));
    }

    public List<String> all(String name) {
        int i = indexOf(lowerCase(name));
        return i < 0 ? List.of() : lines(values[i]);
    }

    /** All field lines of a field joined as one comma-separated value; empty when absent. */
    public Optional<String> joined(String name) {
        List<String> lines = all(name);
        return lines.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", lines));
    }

    public boolean has(String name) {
        return indexOf(lowerCase(name)) >= 0;
    }

    /** The distinct names, lower case, in first-seen order (a copy). */
    public Set<String> names() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(names).subList(0, size)));
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** How many distinct names; with {@link #nameAt} and {@link #linesAt}, iteration without allocating. */
    public int nameCount() {
        return size;
    }

    public String nameAt(int i) {
        return names[checked(i)];
    }

    /** The lines of the {@code i}th name (a list made on the spot for a single line: prefer {@link #lineAt}). */
    public List<String> linesAt(int i) {
        return lines(values[checked(i)]);
    }

    /** How many lines the {@code i}th name has; with {@link #lineAt}, reading them without allocating. */
    public int lineCount(int i) {
        return values[checked(i)] instanceof List<?> lines ? lines.size() : 1;
    }

    /** Line {@code j} of the {@code i}th name. */
    @SuppressWarnings("unchecked")
    public String lineAt(int i, int j) {
        Object v = values[checked(i)];
        if (v instanceof List<?> lines) {
            return ((List<String>) lines).get(j);
        }
        if (j != 0) {
            throw new IndexOutOfBoundsException(j + " of 1 line");
        }
        return (String) v;
    }

    @SuppressWarnings("unchecked")
    private static List<String> lines(Object value) {
        return value instanceof List<?> lines ? (List<String>) lines : List.of((String) value);
    }

    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < size; i++) {
            for (int j = 0, n = lineCount(i); j < n; j++) {
                action.accept(names[i], lineAt(i, j));
            }
        }
    }

    /** {@code name} in lower case; names seen before come from a bounded cache instead of a new string. */
    static String lowerCase(String name) {
        if (isLowerCase(name)) {
            return name; // the code's own names and HTTP/2's: a scan is cheaper than the map (3 % of a disk-tier edge)
        }
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

    /** Whether {@code name} has no upper-case letter (as {@link Locale#ROOT} lower-cases them). */
    private static boolean isLowerCase(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 0x7f) {
                return false; // non-ASCII: left to toLowerCase, which knows its cases
            }
        }
        return true;
    }

    /** These fields without the named ones (names in any case). */
    public Fields without(Collection<String> dropped) {
        Set<String> drop = new HashSet<>();
        dropped.forEach(n -> drop.add(n.toLowerCase(Locale.ROOT)));
        return withoutLowerCase(drop);
    }

    /** {@link #without} for names already in lower case (a set made once, not per call). */
    Fields withoutLowerCase(Set<String> drop) {
        Builder b = builder(size);
        for (int i = 0; i < size; i++) {
            if (!drop.contains(names[i])) {
                b.addAll(names[i], lines(values[i]));
            }
        }
        return b.build();
    }

    /** These fields with every field present in {@code updates} replaced by its new lines (a 304's refresh). */
    public Fields updatedWith(Fields updates) {
        Builder b = builder(size + updates.size);
        for (int i = 0; i < size; i++) {
            if (!updates.has(names[i])) {
                b.addAll(names[i], lines(values[i]));
            }
        }
        for (int i = 0; i < updates.size; i++) {
            b.addAll(updates.names[i], lines(updates.values[i]));
        }
        return b.build();
    }

    /**
     * These fields as a stored object keeps them, for as long as it lives: arrays of exactly their size, the names
     * array and the values that repeat across objects shared with every other stored object
     * ({@link SharedValues}), so an entry holds only its own values.
     */
    Fields forStorage() {
        if (size == 0 || sharedNames) {
            return this;
        }
        String[] shared = index == null ? SharedValues.names(names, size) : null;
        Object[] kept = new Object[size];
        for (int i = 0; i < size; i++) {
            kept[i] = values[i] instanceof String line ? SharedValues.value(names[i], line) : values[i];
        }
        return shared != null ? new Fields(shared, kept, size, null, true)
                : new Fields(Arrays.copyOf(names, size), kept, size, index, false);
    }

    /**
     * Heap bytes these fields hold, for the store's weigher (64-bit JVM, compressed pointers, as measured by the
     * bench's {@code EntryCost}): this object and its arrays (not a shared names array), and per line its string
     * (object and byte array, Latin-1 text) unless it is a shared copy ({@link SharedValues}). Names count their
     * characters only (none with a shared names array): the lower-case names come from one shared cache, so their
     * string objects are not this entry's.
     */
    public int heapBytes() {
        int bytes = FIELDS_BYTES + arrayBytes(values.length) + (sharedNames ? 0 : arrayBytes(names.length))
                + (index == null ? 0 : 48 * size);
        for (int i = 0; i < size; i++) {
            bytes += sharedNames ? 0 : names[i].length();
            int lines = lineCount(i);
            if (lines > 1) {
                bytes += LIST_BYTES + 4 * lines;
            }
            for (int j = 0; j < lines; j++) {
                String line = lineAt(i, j);
                bytes += lines == 1 && SharedValues.isShared(line) ? 0 : LINE_BYTES + line.length();
            }
        }
        return bytes;
    }

    /** An array of {@code length} references: its header and slots, padded to 8 bytes. */
    private static int arrayBytes(int length) {
        return (ARRAY_BYTES + 4 * length + 7) & ~7;
    }

    /** The Fields object: header and four fields. */
    private static final int FIELDS_BYTES = 32;
    /** An array's header. */
    private static final int ARRAY_BYTES = 16;
    /** An immutable list of several lines: its object and its array's header. */
    private static final int LIST_BYTES = 32;
    /** A line's String (24) and its byte array's header (16), plus up to 7 bytes of padding. */
    private static final int LINE_BYTES = 47;

    /** Approximate bytes on the wire ({@code name: value\r\n} per line), for the store's weigher. */
    public int byteSize() {
        int bytes = 0;
        for (int i = 0; i < size; i++) {
            for (int j = 0, n = lineCount(i); j < n; j++) {
                bytes += names[i].length() + lineAt(i, j).length() + 4;
            }
        }
        return bytes;
    }

    /** Equal when the same names have the same lines; the order of different names does not matter. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Fields f && asMap().equals(f.asMap());
    }

    @Override
    public int hashCode() {
        return asMap().hashCode();
    }

    @Override
    public String toString() {
        return asMap().toString();
    }

    private Map<String, List<String>> asMap() {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(names[i], lines(values[i]));
        }
        return map;
    }

    private int indexOf(String lowerName) {
        return find(names, size, index, lowerName);
    }

    private static int find(String[] names, int size, Map<String, Integer> index, String lowerName) {
        if (index != null) {
            Integer i = index.get(lowerName);
            return i == null ? -1 : i;
        }
        for (int i = 0; i < size; i++) {
            if (names[i].equals(lowerName)) {
                return i;
            }
        }
        return -1;
    }

    private int checked(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i + " of " + size + " names");
        }
        return i;
    }


    /**
     * Collects fields; not thread-safe, used once: {@link #build} hands its arrays to the {@code Fields} (no copy,
     * as it runs for every request's headers), after which the builder refuses changes. A name's first value is
     * held as the string itself; a second one turns it into an {@code ArrayList}, made immutable at
     * build.
     */
    public static final class Builder {
        private String[] names;
        /** A String per name with one line, a growing ArrayList once it has more. */
        private Object[] values;
        private int size;
        private Map<String, Integer> index;
        private boolean built;

        private Builder(int capacity) {
            names = new String[capacity];
            values = new Object[capacity];
        }

        @SuppressWarnings("unchecked")
        public Builder add(String name, String value) {
            int i = appendIfAbsent(name, value);
            if (i >= 0) {
                Object lines = values[i];
                List<String> growing = lines instanceof ArrayList<?> list ? (List<String>) list
                        : new ArrayList<>(Fields.lines(lines));
                growing.add(value);
                values[i] = growing;
            }
            return this;
        }

        private void addAll(String lowerName, List<String> lines) {
            for (String line : lines) {
                add(lowerName, line);
            }
        }

        public Builder set(String name, String value) {
            int i = appendIfAbsent(name, value);
            if (i >= 0) {
                values[i] = value;
            }
            return this;
        }

        /** Appends {@code name: value} when the name is new (answers -1), else answers the name's slot. */
        private int appendIfAbsent(String name, String value) {
            open();
            String lower = lowerCase(name);
            int i = find(names, size, index, lower);
            if (i < 0) {
                append(lower, value);
            }
            return i;
        }

        public Builder remove(String name) {
            open();
            int i = find(names, size, index, lowerCase(name));
            if (i >= 0) {
                System.arraycopy(names, i + 1, names, i, size - i - 1);
                System.arraycopy(values, i + 1, values, i, size - i - 1);
                size--;
                names[size] = null;
                values[size] = null;
                index = size > INDEXED_FROM ? indexOf(names, size) : null;
            }
            return this;
        }

        public Fields build() {
            open();
            built = true;
            if (size == 0) {
                return EMPTY;
            }
            for (int i = 0; i < size; i++) {
                if (values[i] instanceof ArrayList<?> lines) {
                    values[i] = List.copyOf(lines);
                }
            }
            return new Fields(names, values, size, index);
        }

        private void append(String lower, String line) {
            if (size == names.length) {
                names = Arrays.copyOf(names, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            names[size] = lower;
            values[size] = line;
            size++;
            if (index != null) {
                index.put(lower, size - 1);
            } else if (size > INDEXED_FROM) {
                index = indexOf(names, size);
            }
        }

        private static Map<String, Integer> indexOf(String[] names, int size) {
            Map<String, Integer> index = new HashMap<>(size * 2);
            for (int i = 0; i < size; i++) {
                index.put(names[i], i);
            }
            return index;
        }

        private void open() {
            if (built) {
                throw new IllegalStateException("this Fields.Builder was already built");
            }
        }
    }
}
