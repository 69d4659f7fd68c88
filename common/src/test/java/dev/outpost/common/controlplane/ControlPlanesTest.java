package dev.outpost.common.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.testkit.LogRecords;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Failover between control planes, with calls scripted per URL: who is asked, in which order, what is logged. */
class ControlPlanesTest {
    private static final URI A = URI.create("http://cp-a.test:8000");
    private static final URI B = URI.create("http://cp-b.test:8000");
    private static final URI C = URI.create("http://cp-c.test:8000");

    private final ControlPlanes controlPlanes = new ControlPlanes("edge eu-1", List.of(A, B, C));
    private final Set<URI> down = new HashSet<>();
    private final List<URI> asked = new ArrayList<>();

    private String call() throws IOException {
        return controlPlanes.call(url -> {
            asked.add(url);
            if (down.contains(url)) {
                throw new IOException("Connection refused");
            }
            return "answer from " + url.getHost();
        });
    }

    @Test
    void callsKeepGoingToTheFirstWhileItAnswers() throws IOException {
        assertThat(call()).isEqualTo("answer from cp-a.test");
        assertThat(call()).isEqualTo("answer from cp-a.test");
        assertThat(asked).containsExactly(A, A);
    }

    @Test
    void aFailedCallGoesToTheNextAtOnceAndStaysThere() throws IOException {
        call();
        down.add(A);
        assertThat(call()).isEqualTo("answer from cp-b.test");
        down.remove(A); // A is back, but B answered last: calls stay with B until it fails
        assertThat(call()).isEqualTo("answer from cp-b.test");
        assertThat(asked).containsExactly(A, A, B, B);
        assertThat(controlPlanes.current()).isEqualTo(B);
    }

    @Test
    void theRoundWrapsAroundToTheFirst() throws IOException {
        down.add(A);
        call(); // now on B
        down.clear();
        down.add(B);
        down.add(C);
        assertThat(call()).isEqualTo("answer from cp-a.test");
        assertThat(asked).containsExactly(A, B, B, C, A);
    }

    @Test
    void aRoundWithNoAnswerFailsNamingEveryControlPlaneTried() {
        down.addAll(List.of(A, B, C));
        assertThatThrownBy(this::call).isInstanceOf(IOException.class)
                .hasMessageContaining("no control plane answered")
                .hasMessageContaining(A.toString()).hasMessageContaining(B.toString())
                .hasMessageContaining(C.toString());
        assertThat(asked).as("each once, then the caller backs off").containsExactly(A, B, C);
    }

    @Test
    void aRefusalIsAnAnswerAndDoesNotSwitch() {
        assertThatThrownBy(() -> controlPlanes.call(url -> {
            asked.add(url);
            throw new IllegalStateException("token refused");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(asked).containsExactly(A);
        assertThat(controlPlanes.current()).isEqualTo(A);
    }

    @Test
    void aSwitchIsLoggedOnceNamingFromToAndWhy() throws IOException {
        try (LogRecords logs = LogRecords.of(ControlPlanes.class)) {
            call();
            down.add(A);
            call();
            call();
            assertThat(logs.messages()).containsExactly("edge eu-1: control plane switched: from=" + A + " to=" + B
                    + " why=\"Connection refused\"");
        }
    }

    @Test
    void duringAnOutageSwitchesAreQuietAndTheFirstAnswerIsLogged() throws IOException {
        try (LogRecords logs = LogRecords.of(ControlPlanes.class)) {
            down.addAll(List.of(A, B, C));
            assertThatThrownBy(this::call).isInstanceOf(IOException.class);
            assertThatThrownBy(this::call).isInstanceOf(IOException.class);
            down.remove(B);
            call();
            assertThat(logs.messages(java.util.logging.Level.WARNING)).as("only the first round warns").hasSize(3);
            assertThat(logs.messages(java.util.logging.Level.INFO)).contains(
                    "edge eu-1: control plane answers again: url=" + B);
        }
    }

    @Test
    void aListMustNameSomethingAndNothingTwice() {
        assertThatThrownBy(() -> ControlPlanes.requireDistinct("controlPlane.urls", List.of()))
                .hasMessageContaining("controlPlane.urls").hasMessageContaining("empty");
        assertThatThrownBy(() -> ControlPlanes.requireDistinct("controlPlane.urls",
                List.of(A, B, URI.create(A + "/"))))
                .hasMessageContaining("controlPlane.urls names " + A + "/ twice");
    }

    @Test
    void exactlyOneOfTheSingleAndTheListForm() {
        assertThatThrownBy(() -> ControlPlanes.oneOf("controlPlane.url", Optional.of(A), "controlPlane.urls",
                List.of(B), true)).hasMessage("set controlPlane.url or controlPlane.urls, not both");
        assertThatThrownBy(() -> ControlPlanes.oneOf("controlPlane.url", Optional.empty(), "controlPlane.urls",
                null, true)).hasMessage("controlPlane.url (or controlPlane.urls) must be set");
        assertThat(ControlPlanes.oneOf("tls.controlPlaneUrl", Optional.empty(), "tls.controlPlaneUrls", null, false))
                .isEmpty();
        assertThat(ControlPlanes.oneOf("controlPlane.url", Optional.of(A), "controlPlane.urls", null, true))
                .containsExactly(A);
    }
}
