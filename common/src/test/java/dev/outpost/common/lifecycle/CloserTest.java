package dev.outpost.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
    private final List<String> closed = new ArrayList<>();
    private final Closer closer = new Closer("node n-1");

    @Test
    void partsCloseInTheReverseOrderOfTheirStart() {
        closer.add("client", () -> closed.add("client"));
        closer.add("store", () -> closed.add("store"));
        closer.add("listener", () -> closed.add("listener"));

        closer.close();

        assertThat(closed).containsExactly("listener", "store", "client");
    }

    @Test
    void aFailingPartDoesNotKeepTheOthersOpenAndIsNamed() {
        closer.add("client", () -> closed.add("client"));
        closer.add("store", () -> {
            throw new IllegalStateException("disk gone");
        });
        closer.add("listener", () -> {
            throw new IllegalStateException("port stuck");
        });

        assertThatThrownBy(closer::close).hasMessage("stopping node n-1 failed: listener")
                .hasRootCauseMessage("port stuck")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .satisfies(s -> assertThat(s).hasMessage("disk gone")));
        assertThat(closed).containsExactly("client");
    }

    @Test
    void aFailedStartStopsWhatStartedAndKeepsItsOwnFailureFirst() {
        closer.add("client", () -> closed.add("client"));
        closer.add("store", () -> {
            throw new IllegalStateException("disk gone");
        });
        RuntimeException startFailure = new IllegalArgumentException("port taken");

        RuntimeException thrown = closer.closeAfter(startFailure);

        assertThat(thrown).isSameAs(startFailure);
        assertThat(thrown.getSuppressed()).singleElement().satisfies(s -> assertThat(s).hasRootCauseMessage("disk gone"));
        assertThat(closed).containsExactly("client");
    }

    @Test
    void closingTwiceClosesNothingTwice() {
        closer.add("client", () -> closed.add("client"));
        closer.close();
        closer.close();
        assertThat(closed).containsExactly("client");
    }
}
