package dev.outpost.common.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

/** The shared mappers refuse a key given twice, in JSON bodies and YAML config files alike. */
class DuplicateKeysTest {
    record Purge(Boolean all) {
    }

    @Test
    void jsonWithADuplicateKeyIsRefusedNamingIt() {
        assertThatThrownBy(() -> Json.mapper().readValue("{\"all\":false,\"all\":true}", Purge.class))
                .isInstanceOf(JacksonException.class).hasMessageContaining("Duplicate").hasMessageContaining("all");
        assertThatThrownBy(() -> Json.mapper().readTree("{\"a\":{\"b\":1,\"b\":2}}"))
                .isInstanceOf(JacksonException.class).hasMessageContaining("b");
    }

    @Test
    void yamlWithADuplicateKeyIsRefused() {
        assertThatThrownBy(() -> Json.yaml().readTree("listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n"))
                .isInstanceOf(JacksonException.class).hasMessageContaining("listen");
    }

    @Test
    void distinctKeysStillReadAsBefore() {
        assertThat(Json.mapper().readValue("{\"all\":true}", Purge.class).all()).isTrue();
        assertThat(Json.yaml().readValue("a: 1\nb: {a: 2}\n", Map.class)).containsEntry("a", 1);
    }
}
