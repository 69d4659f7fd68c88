package dev.outpost.testkit;

/**
 * The regions system tests steer between, as in docs/architecture.md, "The local topology": us, eu and ap, whose
 * clients are 127.0.R.0/24 (R = 1, 2, 3; any 127.x address answers on Linux, see {@link BoundClients}), with the
 * local topology's one-way latencies, and 127.0.0.1 as the one trusted proxy.
 */
public final class ThreeRegions {
    private ThreeRegions() {
    }

    /** The control plane's {@code regions}, {@code defaultRegion}, {@code latency} and {@code trustedProxies}. */
    public static final String CONTROL_PLANE_YAML = """
            regions:
              - {name: us, cidrs: [127.0.1.0/24]}
              - {name: eu, cidrs: [127.0.2.0/24]}
              - {name: ap, cidrs: [127.0.3.0/24]}
            defaultRegion: us
            latency: {us: {eu: 40ms, ap: 90ms}, eu: {ap: 120ms}}
            trustedProxies: [127.0.0.1/32]
            """;
}
