package dev.outpost.edge.origin;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * How much direct memory (where bodies live) is free by the JVM's own count: the {@code direct} buffer pool's
 * reserved bytes against {@code -XX:MaxDirectMemorySize} (by default the heap's maximum). Dead buffers the GC has
 * not collected yet count as used, so "no room" here is only a hint to take the slow, exact path: allocating,
 * which makes the JVM collect them.
 */
final class DirectMemory {
    private static final BufferPoolMXBean POOL = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
            .stream().filter(p -> p.getName().equals("direct")).findFirst().orElse(null);
    private static final long MAX = max();

    private DirectMemory() {
    }

    private static long max() {
        try {
            long set = Long.parseLong(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxDirectMemorySize").getValue());
            return set > 0 ? set : Runtime.getRuntime().maxMemory();
        } catch (RuntimeException e) { // not a HotSpot JVM: no count to go by
            return -1;
        }
    }

    /** Whether {@code bytes} more fit without a collection; false when unknown. */
    static boolean hasRoomFor(long bytes) {
        return POOL != null && MAX > 0 && POOL.getMemoryUsed() + bytes <= MAX;
    }
}
