package dev.outpost.common.http;

import dev.outpost.common.tls.TlsContexts;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import org.xnio.Options;
import org.xnio.Sequence;
import org.xnio.SslClientAuthMode;

/**
 * A started Undertow HTTPS listener: HTTP/1.1 and HTTP/2 (negotiated by ALPN), the certificate chosen per handshake
 * by the context's key manager (SNI, renewals), optionally requiring a client certificate from our CA (mutual TLS).
 * Same limits as {@link NodeServer}; the option list is kept in step with it by hand until the two merge. Only
 * AEAD cipher suites with forward secrecy are offered ({@link TlsContexts#aeadCipherSuites}).
 */
public final class HttpsServer implements AutoCloseable {
    private final Undertow undertow;
    private final InetSocketAddress address;

    private HttpsServer(Undertow undertow, InetSocketAddress address) {
        this.undertow = undertow;
        this.address = address;
    }

    public static HttpsServer start(ListenAddress listen, HttpHandler handler, ServerLimits limits,
            TlsContexts.Server tls) {
        Undertow.Builder builder = NodeServer.withLimits(
                Undertow.builder().addHttpsListener(listen.port(), listen.host(), tls.context()), handler, limits)
                .setServerOption(UndertowOptions.ENABLE_HTTP2, true)
                .setSocketOption(Options.SSL_ENABLED_CIPHER_SUITES,
                        Sequence.of(TlsContexts.aeadCipherSuites(tls.context())))
                .setSocketOption(Options.SSL_CLIENT_AUTH_MODE, tls.clientCertificateRequired()
                        ? SslClientAuthMode.REQUIRED : SslClientAuthMode.NOT_REQUESTED);
        Undertow undertow = builder.build();
        undertow.start();
        NodeServer.capConnectionsPerClient(undertow, limits);
        return new HttpsServer(undertow, NodeServer.boundAddress(undertow));
    }

    public InetSocketAddress address() {
        return address;
    }

    public int port() {
        return address.getPort();
    }

    /** {@code https://host:port}, for clients and tests. */
    public URI baseUri() {
        String host = address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("https://" + host + ":" + address.getPort());
    }

    @Override
    public void close() {
        undertow.stop();
    }
}
