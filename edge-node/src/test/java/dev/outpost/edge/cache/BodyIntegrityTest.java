package dev.outpost.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BodyIntegrityTest {
    private static final ByteBuffer NEW = body("new version, longer");
    private static final String NEW_SHA256 = digest("SHA-256", "new version, longer");
    private static final String NEW_SHA512 = digest("SHA-512", "new version, longer");
    private static final String OLD_SHA256 = digest("SHA-256", "old version");

    @Test
    void aBodyMatchingItsLengthAndReprDigestIsIntact() {
        assertThat(BodyIntegrity.check(200, Fields.of("content-length", "19", "repr-digest",
                "sha-256=:" + NEW_SHA256 + ":"), NEW)).isEmpty();
    }

    @Test
    void aReprDigestOfAnotherVersionIsADigestMismatch() {
        Optional<BodyIntegrity.Mismatch> broken = BodyIntegrity.check(200, Fields.of("repr-digest",
                "sha-256=:" + OLD_SHA256 + ":"), NEW);
        assertThat(broken).get().extracting(BodyIntegrity.Mismatch::kind).isEqualTo("digest");
        assertThat(broken.get().message()).contains("sha-256").contains(OLD_SHA256).contains(NEW_SHA256);
    }

    @Test
    void aLengthOtherThanTheDeclaredOneIsALengthMismatch() {
        assertThat(BodyIntegrity.check(200, Fields.of("content-length", "11"), NEW)).get()
                .extracting(BodyIntegrity.Mismatch::kind).isEqualTo("length");
    }

    @Test
    void sha512IsCheckedAndEverySupportedDigestMustMatch() {
        assertThat(BodyIntegrity.check(200, Fields.of("repr-digest", "sha-512=:" + NEW_SHA512 + ":"), NEW))
                .isEmpty();
        assertThat(BodyIntegrity.check(200, Fields.of("repr-digest", "sha-512=:" + NEW_SHA512 + ":, sha-256=:"
                + OLD_SHA256 + ":"), NEW)).isPresent();
    }

    @Test
    void unknownAlgorithmsAndInvalidFieldsAreIgnored() {
        assertThat(BodyIntegrity.check(200, Fields.of("repr-digest", "md5=:AAAA:, crc32c=:AAAA:"), NEW)).isEmpty();
        assertThat(BodyIntegrity.check(200, Fields.of("repr-digest", "this is ; not, a dictionary ("), NEW))
                .isEmpty();
    }

    @Test
    void aPartialResponseIsCheckedAgainstContentDigestNotReprDigest() {
        // A 206's Repr-Digest is that of the whole representation, which this part is not.
        assertThat(BodyIntegrity.check(206, Fields.of("repr-digest", "sha-256=:" + OLD_SHA256 + ":"), NEW))
                .isEmpty();
        assertThat(BodyIntegrity.check(206, Fields.of("content-digest", "sha-256=:" + OLD_SHA256 + ":"), NEW))
                .isPresent();
        assertThat(BodyIntegrity.check(200, Fields.of("content-digest", "sha-256=:" + NEW_SHA256 + ":"), NEW))
                .isEmpty();
    }

    @Test
    void theBodyIsNotConsumed() {
        ByteBuffer body = body("abc");
        BodyIntegrity.check(200, Fields.of("repr-digest", "sha-256=:" + digest("SHA-256", "abc") + ":"), body);
        assertThat(body.remaining()).isEqualTo(3);
    }

    private static ByteBuffer body(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)).asReadOnlyBuffer();
    }

    private static String digest(String algorithm, String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance(algorithm)
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
