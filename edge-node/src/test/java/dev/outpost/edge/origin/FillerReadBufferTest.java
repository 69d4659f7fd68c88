package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FillerReadBufferTest {
    @Test
    void aSmallAnnouncedBodyIsReadIntoABufferOfItsOwnLength() {
        assertThat(StreamedFetch.readChunkBytes(2048)).isEqualTo(2048);
        assertThat(StreamedFetch.readChunkBytes(1)).isEqualTo(1);
    }

    @Test
    void largeEmptyOrUnannouncedBodiesAreReadInWholeChunks() {
        assertThat(StreamedFetch.readChunkBytes(64 * 1024)).isEqualTo(64 * 1024);
        assertThat(StreamedFetch.readChunkBytes(16L * 1024 * 1024 * 1024)).isEqualTo(64 * 1024);
        assertThat(StreamedFetch.readChunkBytes(-1)).as("no Content-Length").isEqualTo(64 * 1024);
        assertThat(StreamedFetch.readChunkBytes(0)).as("never a zero-length buffer, whose read returns 0 forever")
                .isEqualTo(64 * 1024);
    }
}
