package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FillerReadBufferTest {
    @Test
    void aSmallAnnouncedBodyIsReadIntoABufferOfItsOwnLength() {
        assertThat(OriginFetch.readChunkBytes(2048)).isEqualTo(2048);
        assertThat(OriginFetch.readChunkBytes(1)).isEqualTo(1);
    }

    @Test
    void largeEmptyOrUnannouncedBodiesAreReadInWholeChunks() {
        assertThat(OriginFetch.readChunkBytes(64 * 1024)).isEqualTo(64 * 1024);
        assertThat(OriginFetch.readChunkBytes(16L * 1024 * 1024 * 1024)).isEqualTo(64 * 1024);
        assertThat(OriginFetch.readChunkBytes(-1)).as("no Content-Length").isEqualTo(64 * 1024);
        assertThat(OriginFetch.readChunkBytes(0)).as("never a zero-length buffer, whose read returns 0 forever")
                .isEqualTo(64 * 1024);
    }
}
