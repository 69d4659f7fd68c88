package dev.outpost.common.wire;

/**
 * Body of {@code POST /api/v1/join}: a one-time join token and a PEM certificate signing request for the node's
 * new key; also of {@code POST /api/v1/certificates/renew} (without a token: the node's current certificate, shown
 * in the mutual-TLS handshake, stands for it).
 */
public record JoinRequest(String token, String csr) {
}
