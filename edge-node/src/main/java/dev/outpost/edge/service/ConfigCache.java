package dev.outpost.edge.service;

import dev.outpost.common.json.Json;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.edge.origin.Routes;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The edge's copy of the control plane's configuration ({@code controlPlane.configCache}), so an edge restarted while
 * its control plane is down serves the services it last ran instead of none. Written on every change from the
 * control plane, atomically (a new file, flushed, then moved over the old one), so a crash leaves the previous copy
 * or the new one, never half of one; removed when the control plane says it defines no services.
 */
public final class ConfigCache {
    private static final Logger LOG = System.getLogger(ConfigCache.class.getName());

    private final Path file;

    public ConfigCache(Path file) {
        this.file = file;
    }

    /**
     * The cached configuration, if there is a readable one with version &gt; 0. A copy that cannot be read is
     * logged and skipped (the control plane hands the configuration over again at registration): it must not keep
     * the edge from starting.
     */
    public Optional<ServiceSnapshot> read() {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            ServiceSnapshot snapshot = Json.mapper().readValue(Files.readAllBytes(file), ServiceSnapshot.class);
            return snapshot.version() > 0 ? Optional.of(snapshot) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "controlPlane.configCache " + file + " cannot be read (" + e.getMessage()
                    + "); starting without it, the control plane hands the configuration over at registration");
            return Optional.empty();
        }
    }

    /** Keeps {@code routes} when they are the control plane's; forgets the copy when they are the file's. */
    public void keep(Routes routes) {
        try {
            if (routes.source() == Routes.Source.FILE) {
                Files.deleteIfExists(file);
                return;
            }
            byte[] json = Json.mapper().writeValueAsBytes(new ServiceSnapshot(routes.version(), routes.services()));
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temporary = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            try {
                try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                    channel.write(java.nio.ByteBuffer.wrap(json));
                    channel.force(true);
                }
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            // The edge runs the new configuration either way; only a restart without the control plane would miss it.
            LOG.log(Level.ERROR, "could not write controlPlane.configCache " + file + ": " + e);
        }
    }

    public Path file() {
        return file;
    }

}
