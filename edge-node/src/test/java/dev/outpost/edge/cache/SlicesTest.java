package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Slice caching's pure rules: which answers are sliced, the keys, and the byte arithmetic. */
class SlicesTest {
    private static final long MIB = 1024 * 1024;
    private final Slices slices = new Slices(true, MIB, 16 * MIB);

    @Test
    void headAndSliceKeysBelongToTheirObjectOnlyAndKeepItsPrefix() {
        String key = "assets/video.mp4";
        String slice = Slices.sliceKey(key, "\"v1\"", 7);
        assertThat(Slices.belongsTo(slice, key)).isTrue();
        assertThat(Slices.belongsTo(Slices.headKey(key), key)).isTrue();
        assertThat(Slices.belongsTo(key, key)).as("the object's own key is not one of its slices").isFalse();
        assertThat(Slices.belongsTo(Slices.sliceKey("assets/video.mp4.bak", "\"v1\"", 0), key))
                .as("another URL that merely starts the same").isFalse();
        assertThat(slice).as("a purge by URL prefix matches the slices of the URLs under it").startsWith("assets/");
        assertThat(Slices.objectKeyOf(slice)).isEqualTo(key);
        assertThat(Slices.sliceKey(key, "\"v1\"", 7)).isNotEqualTo(Slices.sliceKey(key, "\"v2\"", 7));
    }

    @Test
    void theValidatorIsAStrongEtagElseLastModifiedButNeverAWeakEtag() {
        assertThat(Slices.validator(Fields.of("etag", "\"abc\"", "last-modified", "x"))).contains("\"abc\"");
        assertThat(Slices.validator(Fields.of("last-modified", "Sat, 05 Dec 2026 10:00:00 GMT")))
                .contains("Sat, 05 Dec 2026 10:00:00 GMT");
        assertThat(Slices.validator(Fields.of("etag", "W/\"abc\"", "last-modified", "x")))
                .as("a weak ETag: the bytes may differ between answers").isEmpty();
        assertThat(Slices.validator(Fields.empty())).isEmpty();
    }

    @Test
    void onlyStorableAnswersOverTheThresholdOrOfUnknownLengthWithAValidatorAreSliced() {
        Fields tagged = Fields.of("etag", "\"v\"");
        assertThat(slices.slices(200, tagged, 16 * MIB + 1, true)).isTrue();
        assertThat(slices.slices(200, tagged, -1, true)).as("unknown length").isTrue();
        assertThat(slices.slices(200, tagged, 16 * MIB, true)).as("stored whole as before").isFalse();
        assertThat(slices.slices(200, tagged, 100 * MIB, false)).as("not storable").isFalse();
        assertThat(slices.slices(200, Fields.empty(), 100 * MIB, true)).as("no validator").isFalse();
        assertThat(slices.slices(404, tagged, 100 * MIB, true)).isFalse();
        assertThat(new Slices(false, MIB, 16 * MIB).slices(200, tagged, 100 * MIB, true)).as("off").isFalse();
    }

    @Test
    void slicesCoverTheRepresentationExactlyWithAShorterLastOne() {
        long total = 3 * MIB + 5;
        assertThat(slices.count(total)).isEqualTo(4);
        assertThat(slices.indexOf(MIB - 1)).isZero();
        assertThat(slices.indexOf(MIB)).isEqualTo(1);
        assertThat(slices.range(3, total)).isEqualTo("bytes=" + 3 * MIB + "-" + (3 * MIB + 4));
        assertThat(slices.range(0, -1)).as("slice 0 before the length is known").isEqualTo("bytes=0-" + (MIB - 1));
    }
}
