package dev.outpost.common.json;

import java.time.Duration;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The one configured Jackson setup: every node reads and writes JSON (wire records, API bodies) and YAML (config
 * files) through these mappers, so unknown and duplicate keys are rejected and dates are written the same way
 * everywhere.
 * Mappers are immutable and thread-safe once built, so sharing them is safe.
 */
public final class Json {
    /** Config durations read as {@code 10s} or {@code PT10S} (see {@link Durations}). */
    private static final SimpleModule DURATIONS = new SimpleModule("outpost-durations")
            .addDeserializer(Duration.class, new Durations.Deserializer());

    // Duplicate keys are refused everywhere: two readers taking the first or the last of {"all":false,"all":true}
    // would act on different requests (and a config key given twice is a mistake, never an override).
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .addModule(DURATIONS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();

    /** Built on first use: the CLI's client commands read only JSON and start faster without the YAML stack. */
    private static final class Yaml {
        static final YAMLMapper MAPPER = YAMLMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .addModule(DURATIONS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
    }

    private Json() {
    }

    /** The JSON mapper for wire records and API bodies. */
    public static JsonMapper mapper() {
        return JSON;
    }

    /** The YAML mapper for config files; same rules as {@link #mapper()}. */
    public static YAMLMapper yaml() {
        return Yaml.MAPPER;
    }

    /** Serializes a value to compact JSON bytes (UTF-8). */
    public static byte[] bytes(Object value) {
        return JSON.writeValueAsBytes(value);
    }
}
