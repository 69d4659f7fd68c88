package dev.outpost.edge.attack;

import dev.outpost.common.tls.TlsContexts;
import dev.outpost.edge.EdgeFixture;
import dev.outpost.edge.config.EdgeConfig;
import dev.outpost.edge.config.EdgeTls;
import dev.outpost.edge.tls.TestPki;
import dev.outpost.testkit.RawHttp2;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSocketFactory;

/** An edge with an HTTPS listener (HTTP/2 by ALPN) under a test CA made in {@code dir}, for raw HTTP/2 clients. */
record TlsEdge(EdgeFixture fixture, SSLSocketFactory trust) {
    static TlsEdge start(Path dir, UnaryOperator<EdgeConfig> more) throws IOException {
        TestPki pki = new TestPki(dir.resolve("ca"), "Outpost CA");
        Path tlsDir = pki.provision(dir.resolve("edge-tls"), pki.identity(List.of(EdgeFixture.HOST),
                List.of(TestPki.loopback())));
        EdgeFixture fixture = new EdgeFixture(c -> more.apply(c.withTls(EdgeTls.in(tlsDir.toString())
                .withListen("127.0.0.1:0"))));
        return new TlsEdge(fixture, TlsContexts.client(pki.ca.certificate(), Optional.empty()).context()
                .getSocketFactory());
    }

    /** A new HTTP/2 connection to the edge's HTTPS listener, asking for the service's host by SNI. */
    RawHttp2 connect() throws IOException {
        return RawHttp2.connect(trust, EdgeFixture.HOST, fixture.edge.httpsUri().orElseThrow().getPort());
    }
}
