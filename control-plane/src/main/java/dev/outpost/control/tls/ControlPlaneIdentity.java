package dev.outpost.control.tls;

import dev.outpost.common.tls.CertificateAuthority;
import dev.outpost.common.tls.CertificateRenewal;
import dev.outpost.common.tls.Csr;
import dev.outpost.common.tls.Keys;
import dev.outpost.common.tls.SniKeyManager;
import dev.outpost.common.tls.TlsContexts;
import dev.outpost.common.tls.TlsIdentity;
import dev.outpost.control.ControlPlaneTls;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's CA ({@code <data>/ca}, created on first start) and its own certificate, issued from that CA
 * at every start (a fresh key each time, held in memory only) with the configured names plus
 * {@link dev.outpost.common.tls.Certificates#CONTROL_PLANE_NAME}, and renewed in place a third of its validity
 * before expiry. The same identity serves the node listener and is presented to edges' admin listeners.
 */
public final class ControlPlaneIdentity implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ControlPlaneIdentity.class.getName());

    private final CertificateAuthority ca;
    private final SniKeyManager keys;
    private final ScheduledExecutorService renewer;

    private ControlPlaneIdentity(CertificateAuthority ca, SniKeyManager keys, ScheduledExecutorService renewer) {
        this.ca = ca;
        this.keys = keys;
        this.renewer = renewer;
    }

    public static ControlPlaneIdentity start(Path dataDir, ControlPlaneTls settings, Clock clock) {
        CertificateAuthority ca = CertificateAuthority.openOrCreate(dataDir.resolve("ca"), "Outpost CA", clock);
        Duration validity = settings.certificateValidity();
        KeyPair keyPair = Keys.ecP256();
        Csr csr = Csr.create(keyPair, settings.certificateNames(), settings.certificateAddresses());
        SniKeyManager keys = new SniKeyManager(new TlsIdentity(keyPair.getPrivate(),
                ca.chain(ca.issue(csr, validity))));
        CertificateRenewal renewal = new CertificateRenewal(keys, settings.certificateNames(),
                settings.certificateAddresses(), c -> ca.chain(ca.issue(c, validity)), validity.dividedBy(3), clock);
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("control-plane-certificate").factory());
        long every = Math.max(1, Math.min(validity.dividedBy(10).toSeconds(), 3600));
        renewer.scheduleWithFixedDelay(() -> {
            try {
                if (renewal.renewIfDue()) {
                    LOG.log(Level.INFO, "control-plane certificate renewed");
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "control-plane certificate renewal failed; retrying", e);
            }
        }, every, every, TimeUnit.SECONDS);
        return new ControlPlaneIdentity(ca, keys, renewer);
    }

    public CertificateAuthority ca() {
        return ca;
    }

    /** The node listener: requires a client certificate from our CA. */
    public TlsContexts.Server nodeListener() {
        return TlsContexts.mutualServer(keys, ca.certificate());
    }

    /** For pushes to edges' admin listeners: trusts only our CA, presents the control plane's certificate. */
    public TlsContexts.Client client() {
        return TlsContexts.mutualClient(ca.certificate(), keys);
    }

    @Override
    public void close() {
        renewer.shutdownNow();
    }
}
