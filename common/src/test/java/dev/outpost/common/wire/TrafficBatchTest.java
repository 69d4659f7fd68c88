package dev.outpost.common.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.TrafficBatch.TrafficCount;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The heartbeat's traffic batch on the wire: left out when absent (older control planes refuse unknown keys). */
class TrafficBatchTest {
    @Test
    void aHeartbeatWithoutTrafficHasNoTrafficKeySoAnOlderControlPlaneStillReadsIt() {
        String json = Json.mapper().writeValueAsString(new Heartbeat(1, 0.5, 10, 3));
        assertThat(json).doesNotContain("traffic");
        assertThat(Json.mapper().readValue(json, Heartbeat.class).traffic()).isNull();
    }

    @Test
    void aHeartbeatSaysLeavingOnlyWhenItIsAndAnOlderControlPlaneStillReadsEveryOther() throws Exception {
        Heartbeat beat = new Heartbeat(1, 0.5, 10, 3);
        assertThat(Json.mapper().writeValueAsString(beat)).doesNotContain("leaving");
        assertThat(beat.saysLeaving()).isFalse();
        String leaving = Json.mapper().writeValueAsString(beat.asLeaving());
        assertThat(leaving).contains("\"leaving\":true");
        Heartbeat read = Json.mapper().readValue(leaving, Heartbeat.class);
        assertThat(read.saysLeaving()).isTrue();
        assertThat(read.appliedSequence()).isEqualTo(3);
    }

    @Test
    void aHeartbeatWithTrafficReadsBackTheSameBatch() {
        TrafficBatch batch = new TrafficBatch("e-1", 4, List.of(new TrafficCount(60_000, "www", "2xx", 3, 2, 30)));
        Heartbeat beat = new Heartbeat(1, 0.5, 10, 3, List.of(), 0L, 0.0, List.of(), batch);
        assertThat(Json.mapper().readValue(Json.mapper().writeValueAsString(beat), Heartbeat.class).traffic())
                .isEqualTo(batch);
    }

    @Test
    void badCountsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> new TrafficCount(60_001, "www", "2xx", 1, 0, 0)).hasMessageContaining("minute");
        assertThatThrownBy(() -> new TrafficCount(60_000, "www", "6xx", 1, 0, 0)).hasMessageContaining("statusClass");
        assertThatThrownBy(() -> new TrafficCount(60_000, "www", "2xx", 1, 2, 0)).hasMessageContaining("hits");
        assertThatThrownBy(() -> new TrafficBatch("e 1", 1, List.of())).hasMessageContaining("traffic.epoch");
        assertThatThrownBy(() -> new TrafficBatch("e-1", 0, List.of())).hasMessageContaining("traffic.batch");
    }
}
