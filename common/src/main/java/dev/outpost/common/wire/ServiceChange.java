package dev.outpost.common.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.outpost.common.service.DeliveryService;
import java.util.Objects;

/**
 * One accepted change of the delivery-service configuration, as a {@code config} entry of the invalidation log
 * carries it to the edges: service {@code service} at configuration version {@code version} is now
 * {@code definition}, or is gone when {@code definition} is absent.
 *
 * <pre>{"service":"site","version":7,"definition":{"name":"site","hosts":["www.example.com"],
 *  "origins":["http://origin.example.net:8081"]}}</pre>
 *
 * @param service    the service's name
 * @param version    the configuration version this change creates: one counter for the whole configuration, so
 *                   a node that applied version 7 runs every change up to 7 and none after
 * @param definition the service as it now is (the same shape as an entry of an edge YAML's {@code services});
 *                   absent when the change deletes the service
 */
public record ServiceChange(String service, long version,
        @JsonInclude(JsonInclude.Include.NON_NULL) DeliveryService definition) {
    public ServiceChange {
        Objects.requireNonNull(service, "service");
        if (version <= 0) {
            throw new IllegalArgumentException("version must be > 0, was " + version);
        }
        if (definition != null && !definition.name().equals(service)) {
            throw new IllegalArgumentException("definition.name '" + definition.name() + "' is not the service '"
                    + service + "' the change is for");
        }
    }

    public boolean deletes() {
        return definition == null;
    }
}
