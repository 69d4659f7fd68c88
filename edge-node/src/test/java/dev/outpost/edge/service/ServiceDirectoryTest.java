package dev.outpost.edge.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.service.DeliveryService;
import dev.outpost.common.wire.ConfigResult;
import dev.outpost.common.wire.ServiceChange;
import dev.outpost.common.wire.ServiceSnapshot;
import dev.outpost.edge.origin.Routes;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The source rules and the whole-configuration swap of the edge's service directory, without sockets. */
class ServiceDirectoryTest {
    private static final URI ORIGIN = URI.create("http://origin.test:8080");
    private final DeliveryService fileSite = DeliveryService.of("file-site", List.of("file.test"), List.of(ORIGIN));
    private final List<Routes> told = new ArrayList<>();
    private final ServiceDirectory directory = new ServiceDirectory("edge-t", List.of(fileSite),
            new Routes(List.of(fileSite)), told::add);

    private static DeliveryService service(String name, String host) {
        return DeliveryService.of(name, List.of(host), List.of(ORIGIN));
    }

    @Test
    void theFirstChangeStartsFromTheControlPlanesConfigurationNotTheFiles() {
        assertThat(directory.apply(new ServiceChange("news", 1, service("news", "news.test"))))
                .isEqualTo(ConfigResult.applied(1));

        Routes now = directory.current();
        assertThat(now.source()).isEqualTo(Routes.Source.CONTROL_PLANE);
        assertThat(now.version()).isEqualTo(1);
        assertThat(now.services()).extracting(DeliveryService::name).containsExactly("news");
        assertThat(directory.find("file.test")).isEmpty();
        assertThat(told).containsExactly(now);
    }

    @Test
    void aReaderKeepsTheConfigurationItReadWhileChangesSwapIn() {
        Routes read = directory.current();
        directory.apply(new ServiceChange("news", 1, service("news", "news.test")));
        directory.apply(new ServiceChange("news", 2, null));

        assertThat(read.find("file.test")).as("the configuration a request started with is unchanged").isPresent();
        assertThat(directory.find("news.test")).isEmpty();
        assertThat(directory.current().version()).isEqualTo(2);
    }

    @Test
    void aRefusedChangeKeepsEverythingAndTellsNobody() {
        directory.apply(new ServiceChange("a", 1, service("a", "a.test")));
        Routes before = directory.current();
        told.clear();

        ConfigResult refused = directory.apply(new ServiceChange("b", 2, service("b", "A.test")));

        assertThat(refused.applied()).isFalse();
        assertThat(refused.version()).isEqualTo(2);
        assertThat(refused.reason()).contains("a.test").contains("'a'");
        assertThat(directory.current()).isSameAs(before);
        assertThat(told).isEmpty();
    }

    @Test
    void aServiceWhoseOriginIsTheEdgesOwnListenerIsRefused() {
        directory.listeningOn(new ServiceDirectory.OwnAddresses(List.of(new InetSocketAddress("127.0.0.1", 8081))));

        ConfigResult refused = directory.apply(new ServiceChange("loop", 1, DeliveryService.of("loop",
                List.of("loop.test"), List.of(URI.create("http://localhost:8081")))));

        assertThat(refused.applied()).isFalse();
        assertThat(refused.reason()).contains("own listener");
        assertThat(directory.apply(new ServiceChange("fine", 2, DeliveryService.of("fine", List.of("fine.test"),
                List.of(URI.create("http://127.0.0.1:8082")))))).isEqualTo(ConfigResult.applied(2));
    }

    @Test
    void aVersionAtOrBelowTheOneRunIsAppliedAlready() {
        directory.replace(new ServiceSnapshot(5, List.of(service("a", "a.test"))));
        told.clear();

        assertThat(directory.apply(new ServiceChange("b", 4, service("b", "b.test"))))
                .isEqualTo(ConfigResult.applied(4));
        assertThat(directory.find("b.test")).isEmpty();
        assertThat(told).isEmpty();
    }

    @Test
    void aSnapshotReplacesEverythingLeavingOutWhatCannotRunAndVersionZeroReturnsToTheFile() {
        List<String> leftOut = directory.replace(new ServiceSnapshot(3, List.of(service("a", "a.test"),
                service("b", "a.test"), service("c", "c.test"))));

        assertThat(leftOut).singleElement().asString().contains("'b'");
        assertThat(directory.current().services()).extracting(DeliveryService::name).containsExactly("a", "c");
        assertThat(directory.find("file.test")).isEmpty();

        directory.replace(new ServiceSnapshot(0, List.of()));
        assertThat(directory.current().source()).isEqualTo(Routes.Source.FILE);
        assertThat(directory.find("file.test")).isPresent();
    }

    @Test
    void theConfigCacheHoldsTheControlPlanesConfigurationAndIsRemovedForTheFiles(@TempDir Path dir)
            throws Exception {
        ConfigCache cache = new ConfigCache(dir.resolve("kept/services.json"));
        cache.keep(new Routes(List.of(service("a", "a.test")), Routes.Source.CONTROL_PLANE, 9));

        ServiceSnapshot read = cache.read().orElseThrow();
        assertThat(read.version()).isEqualTo(9);
        assertThat(read.services()).containsExactly(service("a", "a.test"));
        try (var files = Files.list(dir.resolve("kept"))) {
            assertThat(files).as("no temporary file left behind").hasSize(1);
        }

        cache.keep(new Routes(List.of(fileSite)));
        assertThat(cache.read()).isEmpty();
        assertThat(dir.resolve("kept/services.json")).doesNotExist();
    }

    @Test
    void anUnreadableConfigCacheIsSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("services.json");
        Files.writeString(file, "{\"version\":3,\"services\":[{\"name\":\"x\"");
        assertThat(new ConfigCache(file).read()).isEmpty();
    }
}
