package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OriginSlotsTest {
    private static final URI ORIGIN = URI.create("http://127.0.0.1:8080");
    private static final URI OTHER = URI.create("http://127.0.0.1:9090");

    @Test
    void oneClientCannotTakeMoreThanItsShare() throws Exception {
        OriginSlots slots = new OriginSlots(10, 2, Duration.ofMillis(50));
        OriginSlots.Slot a = slots.acquire(ORIGIN, "10.0.0.1");
        slots.acquire(ORIGIN, "10.0.0.1");
        assertThatThrownBy(() -> slots.acquire(ORIGIN, "10.0.0.1")).isInstanceOf(OriginSlots.Busy.class)
                .hasMessageContaining("10.0.0.1");
        assertThat(slots.acquire(ORIGIN, "10.0.0.2")).as("another client still gets one").isNotNull();
        a.close();
        assertThat(slots.acquire(ORIGIN, "10.0.0.1")).as("a closed slot is free again").isNotNull();
        assertThat(slots.refused()).isEqualTo(1);
    }

    @Test
    void oneOriginCannotHaveMoreThanItsCapOpenFromThisEdge() throws Exception {
        OriginSlots slots = new OriginSlots(2, 2, Duration.ofMillis(50));
        slots.acquire(ORIGIN, "a");
        slots.acquire(ORIGIN, "b");
        assertThat(slots.open()).isEqualTo(2);
        assertThatThrownBy(() -> slots.acquire(ORIGIN, "c")).isInstanceOf(OriginSlots.Busy.class)
                .hasMessageContaining(ORIGIN.toString());
        assertThat(slots.acquire(OTHER, "c")).as("another origin has its own cap").isNotNull();
    }

    @Test
    void aRequestBeyondTheCapWaitsForASlotToBeGivenBack() throws Exception {
        OriginSlots slots = new OriginSlots(1, 1, Duration.ofSeconds(5));
        OriginSlots.Slot held = slots.acquire(ORIGIN, "a");
        CompletableFuture<OriginSlots.Slot> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return slots.acquire(ORIGIN, "b");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertThat(waiting).isNotDone();
        held.close();
        assertThat(waiting.get(5, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void closingASlotTwiceGivesItBackOnce() throws Exception {
        OriginSlots slots = new OriginSlots(1, 1, Duration.ofMillis(20));
        OriginSlots.Slot slot = slots.acquire(ORIGIN, "a");
        slot.close();
        slot.close();
        slots.acquire(ORIGIN, "a");
        assertThatThrownBy(() -> slots.acquire(ORIGIN, "a")).isInstanceOf(OriginSlots.Busy.class);
    }

    @Test
    void capsMustBePositive() {
        assertThatThrownBy(() -> new OriginSlots(0, 1, Duration.ZERO)).hasMessageContaining("caps");
    }
}
