package dev.outpost.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The module picture of docs/architecture.md, checked on the compiled classes (main code only). */
class ArchitectureTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.outpost");
        assertThat(classes).hasSizeGreaterThan(100);
    }

    @Test
    void edgeOriginAndControlPlaneNeverImportEachOther() {
        noClasses().that().resideInAPackage("dev.outpost.edge..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.outpost.origin..", "dev.outpost.control..", "dev.outpost.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.outpost.origin..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.outpost.edge..", "dev.outpost.control..", "dev.outpost.cli..")
                .check(classes);
        noClasses().that().resideInAPackage("dev.outpost.control..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.outpost.edge..", "dev.outpost.origin..", "dev.outpost.cli..")
                .check(classes);
    }

    @Test
    void commonDependsOnNoNode() {
        noClasses().that().resideInAPackage("dev.outpost.common..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.outpost.edge..", "dev.outpost.origin..", "dev.outpost.control..",
                        "dev.outpost.cli..")
                .check(classes);
    }

    @Test
    void onlyHttpPackagesTouchUndertow() {
        noClasses().that().resideOutsideOfPackage("dev.outpost..http..")
                .and().resideOutsideOfPackage("dev.outpost.bench..")
                // the IO thread's origin client (origin.fetchOnIoThread) is Undertow's HTTP client itself, as
                // OkHttp is the blocking origin client beside it: an adapter, no decision of its own
                .and().haveNameNotMatching("dev\\.outpost\\.edge\\.origin\\.Io(Origin|Pool|Framing|ChannelBody|RawSource)(\\$.*)?")
                .should().dependOnClassesThat().resideInAnyPackage("io.undertow..", "org.xnio..")
                .because("Undertow is the HTTP adapter: decisions stay testable without a server")
                .check(classes);
    }

    @Test
    void onlyHttpPackagesChooseStatusCodes() {
        noClasses().that().resideOutsideOfPackage("dev.outpost..http..")
                .should().dependOnClassesThat().haveFullyQualifiedName("dev.outpost.common.http.ApiException")
                .because("domain code throws a Problem; ErrorStatuses maps its kind to a status in one table")
                .check(classes);
    }

    @Test
    void theCacheImportsNeitherUndertowNorOkHttp() {
        noClasses().that().resideInAPackage("dev.outpost.edge.cache..").should().dependOnClassesThat()
                .resideInAnyPackage("io.undertow..", "org.xnio..", "okhttp3..", "okio..")
                .because("the caching rules and the store are pure: I/O happens in edge.http and edge.origin")
                .check(classes);
    }

    @Test
    void noPackageIsSplitAcrossModules() throws IOException {
        Map<String, Set<String>> modulesByPackage = new TreeMap<>();
        List<Path> sourceRoots = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).forEach(sourceRoots::add);
        }
        assertThat(sourceRoots).hasSizeGreaterThanOrEqualTo(6);
        for (Path sourceRoot : sourceRoots) {
            String module = ROOT.relativize(sourceRoot).getName(0).toString();
            try (Stream<Path> files = Files.walk(sourceRoot)) {
                files.filter(f -> f.toString().endsWith(".java")).map(f -> sourceRoot.relativize(f.getParent()))
                        .map(p -> p.toString().replace('/', '.'))
                        .forEach(pkg -> modulesByPackage.computeIfAbsent(pkg, k -> new TreeSet<>()).add(module));
            }
        }
        Map<String, Set<String>> split = new TreeMap<>();
        modulesByPackage.forEach((pkg, modules) -> {
            if (modules.size() > 1) {
                split.put(pkg, modules);
            }
        });
        assertThat(split).as("packages declared in more than one module").isEmpty();
    }
}
