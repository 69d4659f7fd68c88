package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldsTest {

    @Test
    void namesAreCaseInsensitiveAndKeepTheirFirstSeenOrderAndEveryLine() {
        Fields f = Fields.builder().add("Accept", "text/html").add("Host", "a.test").add("ACCEPT", "*/*").build();

        assertThat(f.names()).containsExactly("accept", "host");
        assertThat(f.all("accept")).containsExactly("text/html", "*/*");
        assertThat(f.first("Accept")).hasValue("text/html");
        assertThat(f.joined("accept")).hasValue("text/html, */*");
        assertThat(f.has("HOST")).isTrue();
        assertThat(f.has("cookie")).isFalse();
        assertThat(f.first("cookie")).isEmpty();
        assertThat(f.all("cookie")).isEmpty();
        List<String> seen = new ArrayList<>();
        f.forEach((name, value) -> seen.add(name + "=" + value));
        assertThat(seen).containsExactly("accept=text/html", "accept=*/*", "host=a.test");
        assertThat(f.nameCount()).isEqualTo(2);
        assertThat(f.nameAt(1)).isEqualTo("host");
        assertThat(f.linesAt(0)).containsExactly("text/html", "*/*");
        assertThatThrownBy(() -> f.nameAt(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void setReplacesRemoveDropsAndTheBuiltFieldsAreImmutable() {
        Fields.Builder b = Fields.builder(1).add("a", "1").add("b", "2").add("a", "3").add("c", "4");
        b.set("A", "only").remove("b");
        Fields f = b.build();

        assertThat(f.names()).containsExactly("a", "c");
        assertThat(f.all("a")).containsExactly("only");
        assertThatThrownBy(() -> f.all("a").add("x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> b.add("d", "5")).isInstanceOf(IllegalStateException.class);
        Fields repeated = Fields.of("x", "1", "x", "2");
        assertThatThrownBy(() -> repeated.all("x").add("3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void manyDistinctNamesGoThroughTheIndexAndStayCorrectAcrossRemoves() {
        Fields.Builder b = Fields.builder();
        for (int i = 0; i < 200; i++) {
            b.add("X-Name-" + i, "v" + i);
        }
        b.add("x-name-7", "again").remove("X-Name-3").set("x-name-150", "replaced");
        Fields f = b.build();

        assertThat(f.nameCount()).isEqualTo(199);
        assertThat(f.all("x-name-7")).containsExactly("v7", "again");
        assertThat(f.has("x-name-3")).isFalse();
        assertThat(f.first("X-NAME-4")).hasValue("v4");
        assertThat(f.first("x-name-199")).hasValue("v199");
        assertThat(f.all("x-name-150")).containsExactly("replaced");
        assertThat(f.nameAt(3)).isEqualTo("x-name-4");
    }

    @Test
    void equalityIgnoresTheOrderOfDifferentNamesButNotOfLines() {
        assertThat(Fields.of("a", "1", "b", "2")).isEqualTo(Fields.of("b", "2", "a", "1"))
                .hasSameHashCodeAs(Fields.of("b", "2", "a", "1"));
        assertThat(Fields.of("a", "1", "a", "2")).isNotEqualTo(Fields.of("a", "2", "a", "1"));
        assertThat(Fields.builder().build()).isSameAs(Fields.empty()).isEqualTo(Fields.of());
    }

    @Test
    void withoutAndUpdatedWithMakeNewFields() {
        Fields stored = Fields.of("ETag", "\"1\"", "Cache-Control", "max-age=60", "X-Extra", "a", "x-extra", "b");

        assertThat(stored.without(List.of("X-EXTRA")).names()).containsExactly("etag", "cache-control");
        Fields refreshed = stored.updatedWith(Fields.of("Cache-Control", "max-age=120", "Date", "d"));
        assertThat(refreshed.names()).containsExactly("etag", "x-extra", "cache-control", "date");
        assertThat(refreshed.all("cache-control")).containsExactly("max-age=120");
        assertThat(refreshed.all("x-extra")).containsExactly("a", "b");
        assertThat(stored.all("cache-control")).containsExactly("max-age=60");
        assertThat(stored.byteSize()).isEqualTo(("etag".length() + 3 + 4) + ("cache-control".length() + 10 + 4)
                + 2 * ("x-extra".length() + 1 + 4));
    }

    @Test
    void aNameWithOneLineHoldsItWithoutAListAndRepeatedNamesKeepEveryLine() {
        Fields f = Fields.of("ETag", "\"x\"", "Via", "1.1 a", "via", "1.1 b");

        assertThat(f.lineCount(0)).isEqualTo(1);
        assertThat(f.lineAt(0, 0)).isEqualTo("\"x\"");
        assertThat(f.linesAt(0)).containsExactly("\"x\"");
        assertThat(f.lineCount(1)).isEqualTo(2);
        assertThat(f.lineAt(1, 1)).isEqualTo("1.1 b");
        assertThat(f.all("via")).containsExactly("1.1 a", "1.1 b");
        assertThatThrownBy(() -> f.lineAt(0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void storedFieldsShareRepeatingValuesAndTheirNamesAndAreChargedOnlyForTheirOwnValues() {
        String date = "Sat, 05 Dec 2026 00:00:01 GMT";
        Fields a = Fields.of("Server", "fields-test/1", "Date", date, "ETag", "\"a\"").forStorage();
        Fields b = Fields.of("Server", new String("fields-test/1".toCharArray()), "Date",
                new String(date.toCharArray()), "ETag", "\"b\"").forStorage();

        assertThat(b.lineAt(0, 0)).isSameAs(a.lineAt(0, 0)); // Server repeats across an origin's objects: shared
        assertThat(b.lineAt(1, 0)).isNotSameAs(a.lineAt(1, 0)).isEqualTo(date); // Date differs per object: own
        assertThat(b).isEqualTo(Fields.of("server", "fields-test/1", "date", date, "etag", "\"b\""));
        assertThat(b.forStorage()).isSameAs(b);
        // object 32, its values array of exactly 3 slots (16 + 12, padded to 32), no names array (shared) and no
        // name characters, Server's shared line nothing, Date's and ETag's strings 47 + chars each
        assertThat(b.heapBytes()).isEqualTo(32 + 32 + 47 + date.length() + 47 + 3);
        assertThat(Fields.of("Server", new String("fields-test/1".toCharArray()), "Date", date, "ETag", "\"b\"")
                .heapBytes())
                .isGreaterThan(b.heapBytes() + 47 + 13 + 48);
    }

    @Test
    void heapBytesCountTheObjectItsArraysAndEachLinesString() {
        Fields one = Fields.of("ETag", "\"x\"");
        Fields repeated = Fields.of("Via", "a", "Via", "bc");

        // object 32, two arrays of 8 slots 2 * (16 + 32), name chars, per line 47 + value chars
        assertThat(one.heapBytes()).isEqualTo(32 + 2 * (16 + 32) + 4 + 47 + 3);
        // a name with several lines adds its list (32 + 4 per line)
        assertThat(repeated.heapBytes()).isEqualTo(32 + 2 * (16 + 32) + 3 + 32 + 8 + 47 + 1 + 47 + 2);
    }

    /** Lookups take any case: lower-case names skip the name cache, others go through it, both find the field. */
    @Test
    void lookupsFindAFieldWhateverTheCaseOfTheNameAsked() {
        Fields f = Fields.of("Content-Type", "text/plain", "x-lower", "1");

        for (String name : new String[] {"content-type", "Content-Type", "CONTENT-TYPE", "cOnTeNt-TyPe"}) {
            assertThat(f.first(name)).as(name).contains("text/plain");
        }
        assertThat(f.has("X-LOWER")).isTrue();
        assertThat(f.has("x-lower")).isTrue();
        assertThat(f.has("content-typ")).isFalse();
        String lower = "x-already-lower-1";
        assertThat(Fields.lowerCase(lower)).isSameAs(lower);
        assertThat(Fields.lowerCase("X-Mixed")).isEqualTo("x-mixed");
    }
}
