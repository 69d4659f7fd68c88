package dev.outpost.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.json.Json;
import dev.outpost.common.tls.Certificates;
import dev.outpost.common.tls.Pem;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.EdgeNode;
import dev.outpost.common.service.DeliveryService;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeTls;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge's public HTTPS listener over real handshakes: HTTP/2 by ALPN (HTTP/1.1 for clients without it), the node
 * certificate for clients without SNI, and per-delivery-service certificates uploaded as PEM through the admin
 * API chosen by SNI, kept across a restart; bad uploads are refused naming the problem.
 */
class EdgeHttpsIT {
    private static final String VIDEO_HOST = "cdn.video.test";

    @TempDir
    Path dir;

    private TestPki nodeCa;
    private TestPki customerCa;
    private Path tlsDir;

    @BeforeEach
    void pki() {
        nodeCa = new TestPki(dir.resolve("node-ca"), "Outpost CA");
        customerCa = new TestPki(dir.resolve("customer-ca"), "Customer CA");
        tlsDir = nodeCa.provision(dir.resolve("edge-tls"), nodeCa.identity(List.of("edge.internal"),
                List.of(TestPki.loopback())));
    }

    @Test
    void eachDeliveryServiceGetsItsOwnCertificateBySniOverHttp2() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withTlsAndVideoService)) {
            TlsIdentity assets = customerCa.identity(List.of(EdgeFixture.HOST), List.of());
            TlsIdentity video = customerCa.identity(List.of("*.video.test"), List.of());
            assertThat(upload(f, EdgeFixture.HOST, assets).code()).isEqualTo(200);
            assertThat(upload(f, "*.video.test", video).code()).isEqualTo(200);
            f.enqueue(f.ok("assets body", "max-age=60"));
            f.enqueue(f.ok("video body", "max-age=60"));

            OkHttpClient client = customerCa.client(Optional.empty(), List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
            try (Response a = client.newCall(get(f, EdgeFixture.HOST, "/a.js")).execute()) {
                assertThat(a.protocol()).isEqualTo(Protocol.HTTP_2);
                assertThat(served(a)).isEqualTo(assets.leaf());
                assertThat(a.body().string()).isEqualTo("assets body");
            }
            try (Response v = client.newCall(get(f, VIDEO_HOST, "/v.mp4")).execute()) {
                assertThat(v.protocol()).isEqualTo(Protocol.HTTP_2);
                assertThat(served(v)).isEqualTo(video.leaf());
                assertThat(v.body().string()).isEqualTo("video body");
            }
            // A client that speaks only HTTP/1.1 is served too, and the answer now comes from the cache.
            OkHttpClient http1 = customerCa.client(Optional.empty(), List.of(Protocol.HTTP_1_1));
            try (Response a = http1.newCall(get(f, EdgeFixture.HOST, "/a.js")).execute()) {
                assertThat(a.protocol()).isEqualTo(Protocol.HTTP_1_1);
                assertThat(a.header("X-Cache")).isEqualTo("HIT");
            }
        }
    }

    @Test
    void withoutSniTheNodeCertificateIsServedAndPlainHttpStillWorks() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withTlsAndVideoService)) {
            f.enqueue(f.ok("hello", "max-age=60"));
            OkHttpClient client = nodeCa.client(Optional.empty(), List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
            URI https = f.edge.httpsUri().orElseThrow();
            try (Response r = client.newCall(new Request.Builder().url(https + "/x").header("Host", EdgeFixture.HOST)
                    .build()).execute()) {
                assertThat(Certificates.dnsNames(served(r))).containsExactly("edge.internal");
                assertThat(r.body().string()).isEqualTo("hello");
            }
            // One cache entry for both schemes, and the origin was told the key's scheme, not the client's.
            assertThat(f.fetch("/x").xCache()).isEqualTo("HIT");
            assertThat(f.takeOriginRequest().getHeaders().get("X-Forwarded-Proto")).isEqualTo("http");
        }
    }

    @Test
    void badUploadsAreRefusedNamingTheProblem() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withTlsAndVideoService)) {
            TlsIdentity assets = customerCa.identity(List.of(EdgeFixture.HOST), List.of());
            TlsIdentity other = customerCa.identity(List.of("other.test"), List.of());
            String chain = Pem.encode(assets.chain());
            String key = Pem.encode(assets.key());

            assertRefused(upload(f, EdgeFixture.HOST, "not a certificate", key), "bad_certificate");
            assertRefused(upload(f, EdgeFixture.HOST, chain, "-----BEGIN PRIVATE KEY-----\nAAAA\n"
                    + "-----END PRIVATE KEY-----\n"), "bad_key");
            assertRefused(upload(f, EdgeFixture.HOST, chain, Pem.encode(other.key())), "key_mismatch");
            assertRefused(upload(f, EdgeFixture.HOST, Pem.encode(other.chain()), Pem.encode(other.key())),
                    "certificate_name_mismatch");
            assertRefused(upload(f, "bad host", chain, key), "bad_host");
            try (Response noToken = f.client.newCall(new Request.Builder()
                    .url(f.admin() + "/_edge/certificates/" + EdgeFixture.HOST)
                    .put(json(Map.of("certificate", chain, "key", key))).build()).execute()) {
                assertThat(noToken.code()).isEqualTo(401);
            }
            assertThat(list(f)).doesNotContain(EdgeFixture.HOST);
        }
    }

    @Test
    void uploadsAreKeptOwnerOnlyAcrossARestartAndCanBeRemoved() throws Exception {
        try (EdgeFixture f = new EdgeFixture(this::withTlsAndVideoService)) {
            TlsIdentity assets = customerCa.identity(List.of(EdgeFixture.HOST), List.of());
            assertThat(upload(f, EdgeFixture.HOST, assets).code()).isEqualTo(200);
            Path stored = tlsDir.resolve("certificates").resolve(EdgeFixture.HOST + ".pem");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stored))).isEqualTo("rw-------");

            try (EdgeNode restarted = EdgeNode.start(f.edge.config(), f.clock)) {
                OkHttpClient client = customerCa.client(Optional.empty(), List.of(Protocol.HTTP_1_1));
                f.enqueue(f.ok("again", "max-age=60"));
                try (Response r = client.newCall(new Request.Builder().url("https://" + EdgeFixture.HOST + ":"
                        + restarted.httpsUri().orElseThrow().getPort() + "/r").build()).execute()) {
                    assertThat(served(r)).isEqualTo(assets.leaf());
                }
            }

            try (Response removed = admin(f, "DELETE", EdgeFixture.HOST, null)) {
                assertThat(removed.code()).isEqualTo(200);
            }
            assertThat(list(f)).doesNotContain(EdgeFixture.HOST);
            assertThat(stored).doesNotExist();
            // A handshake asking for the host now gets the node certificate (the fallback).
            X509Certificate nowServed = f.edge.certificate().orElseThrow().keys()
                    .chainFor(Optional.of(EdgeFixture.HOST)).get(0);
            assertThat(Certificates.dnsNames(nowServed)).containsExactly("edge.internal");
        }
    }

    private EdgeConfig withTlsAndVideoService(EdgeConfig c) {
        DeliveryService video = DeliveryService.of("video", List.of(VIDEO_HOST), c.services().get(0).origins());
        return c.withServices(List.of(c.services().get(0), video))
                .withTls(EdgeTls.in(tlsDir.toString()).withListen("127.0.0.1:0"));
    }

    private static Request get(EdgeFixture f, String host, String path) {
        return new Request.Builder().url("https://" + host + ":" + f.edge.httpsUri().orElseThrow().getPort() + path)
                .build();
    }

    private static X509Certificate served(Response response) {
        return (X509Certificate) response.handshake().peerCertificates().get(0);
    }

    private static EdgeFixture.Answer upload(EdgeFixture f, String host, TlsIdentity identity) throws IOException {
        return upload(f, host, Pem.encode(identity.chain()), Pem.encode(identity.key()));
    }

    private static EdgeFixture.Answer upload(EdgeFixture f, String host, String chain, String key)
            throws IOException {
        try (Response r = admin(f, "PUT", host, json(Map.of("certificate", chain, "key", key)))) {
            return new EdgeFixture.Answer(r.code(), r.body().string(), r.headers());
        }
    }

    private static Response admin(EdgeFixture f, String method, String host, RequestBody body) throws IOException {
        return f.client.newCall(new Request.Builder().url(f.admin() + "/_edge/certificates/" + host)
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN).method(method, body).build()).execute();
    }

    private static String list(EdgeFixture f) throws IOException {
        try (Response r = f.client.newCall(new Request.Builder().url(f.admin() + "/_edge/certificates")
                .header("Authorization", "Bearer " + EdgeFixture.ADMIN_TOKEN).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            return r.body().string();
        }
    }

    private static RequestBody json(Object body) {
        return RequestBody.create(Json.bytes(body), MediaType.get("application/json"));
    }

    private static void assertRefused(EdgeFixture.Answer answer, String code) {
        assertThat(answer.code()).as(answer.body()).isEqualTo(400);
        assertThat(Json.mapper().readTree(answer.body()).get("error").asString()).isEqualTo(code);
    }
}
