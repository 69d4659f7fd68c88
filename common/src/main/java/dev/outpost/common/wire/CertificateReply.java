package dev.outpost.common.wire;

import java.time.Instant;

/**
 * Answer to a join or a renewal: the issued certificate followed by the CA ({@code certificate}, PEM), the CA
 * certificate alone ({@code ca}, what the node trusts from now on), and when the certificate expires.
 */
public record CertificateReply(String node, String certificate, String ca, Instant notAfter) {
}
