package dev.outpost.origin.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.http.ErrorStatuses;
import dev.outpost.common.problem.Problem;
import dev.outpost.origin.assets.DigestCheck.Algorithm;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestCheckTest {
    private static final byte[] BODY = "hello, outpost".getBytes(StandardCharsets.UTF_8);
    private static final String SHA256 = b64("SHA-256", BODY);
    private static final String SHA512 = b64("SHA-512", BODY);
    private static final String MD5 = b64("MD5", BODY);
    private static final String OTHER_SHA256 = b64("SHA-256", "something else".getBytes(StandardCharsets.UTF_8));

    @Test
    void matchingSha256Passes() {
        assertThatCode(() -> verify(repr("sha-256=:" + SHA256 + ":"))).doesNotThrowAnyException();
    }

    @Test
    void matchingSha512AndSha256TogetherPass() {
        assertThatCode(() -> verify(repr("sha-512=:" + SHA512 + ":, sha-256=:" + SHA256 + ":")))
                .doesNotThrowAnyException();
    }

    @Test
    void mismatchIsRefusedNamingTheAlgorithm() {
        assertThatThrownBy(() -> verify(repr("sha-256=:" + OTHER_SHA256 + ":")))
                .isInstanceOfSatisfying(Problem.class, e -> {
                    assertThat(ErrorStatuses.status(e.kind())).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("digest_mismatch");
                    assertThat(e.getMessage()).contains("sha-256").contains(SHA256);
                });
    }

    @Test
    void oneWrongAlgorithmAmongRightOnesIsAMismatch() {
        String wrong512 = b64("SHA-512", "x".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> verify(repr("sha-256=:" + SHA256 + ":, sha-512=:" + wrong512 + ":")))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.getMessage()).contains("sha-512"));
    }

    @Test
    void unknownAlgorithmsAreIgnoredWhatEverTheirValue() {
        DigestCheck check = DigestCheck.of(Optional.of(
                "unixsum=30637, md5=:" + MD5 + ":, sha-256=:" + SHA256 + ":;p=1, id-sha-256=(:aaaa: \"x\"), x=?1"),
                Optional.empty());
        assertThatCode(() -> check.verify(digestsOf(check))).doesNotThrowAnyException();
    }

    @Test
    void onlyUnknownAlgorithmsIsRefusedAsUnsupported() {
        assertThatThrownBy(() -> DigestCheck.of(Optional.of("md5=:" + MD5 + ":, unixsum=30637"), Optional.empty()))
                .isInstanceOfSatisfying(Problem.class, e -> {
                    assertThat(ErrorStatuses.status(e.kind())).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("unsupported_digest");
                    assertThat(e.getMessage()).contains("sha-256");
                });
    }

    @Test
    void lastOfRepeatedKeysWins() {
        assertThatCode(() -> verify(repr("sha-256=:" + OTHER_SHA256 + ":, sha-256=:" + SHA256 + ":")))
                .doesNotThrowAnyException();
    }

    @Test
    void whitespaceAroundMembersIsAllowed() {
        assertThatCode(() -> verify(repr("  sha-256=:" + SHA256 + ":\t,\tsha-512=:" + SHA512 + ":  ")))
                .doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "   ", "sha-256", "sha-256=abc", "sha-256=:not base64!:", "sha-256=:YWJj:", "sha-256=:" + "A",
            "SHA-256=:x:", "sha-256=:YWJj:,", "sha-256=:YWJj: garbage", "1abc=:YWJj:", "unixsum=\"open",
            "x=(1 2", "sha-256=\"abc\""
    })
    void malformedReprDigestIsRefused(String value) {
        assertThatThrownBy(() -> DigestCheck.of(Optional.of(value), Optional.empty()))
                .isInstanceOfSatisfying(Problem.class, e -> {
                    assertThat(ErrorStatuses.status(e.kind())).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("bad_digest");
                });
    }

    @Test
    void wrongDigestLengthIsNamed() {
        assertThatThrownBy(() -> DigestCheck.of(Optional.of("sha-512=:" + SHA256 + ":"), Optional.empty()))
                .hasMessageContaining("sha-512 must be 64 bytes, was 32");
    }

    @Test
    void contentMd5IsCheckedWhenSent() {
        DigestCheck right = DigestCheck.of(Optional.empty(), Optional.of(" " + MD5 + " "));
        assertThatCode(() -> right.verify(digestsOf(right))).doesNotThrowAnyException();

        DigestCheck wrong = DigestCheck.of(Optional.empty(), Optional.of(b64("MD5", new byte[] {1})));
        assertThatThrownBy(() -> wrong.verify(digestsOf(wrong)))
                .isInstanceOfSatisfying(Problem.class, e -> {
                    assertThat(e.code()).isEqualTo("digest_mismatch");
                    assertThat(e.getMessage()).contains("Content-MD5");
                });
    }

    @Test
    void malformedContentMd5IsRefused() {
        assertThatThrownBy(() -> DigestCheck.of(Optional.empty(), Optional.of("zz")))
                .isInstanceOfSatisfying(Problem.class, e -> assertThat(e.code()).isEqualTo("bad_digest"));
        assertThatThrownBy(() -> DigestCheck.of(Optional.empty(), Optional.of(SHA256)))
                .hasMessageContaining("Content-MD5 must be 16 bytes");
    }

    @Test
    void sha256IsAlwaysComputedAndOthersOnlyWhenAsked() {
        assertThat(DigestCheck.none().start().finish()).containsOnlyKeys(Algorithm.SHA_256);
        DigestCheck md5 = DigestCheck.of(Optional.empty(), Optional.of(MD5));
        assertThat(md5.start().finish()).containsOnlyKeys(Algorithm.SHA_256, Algorithm.MD5);
        DigestCheck both = DigestCheck.of(Optional.of("sha-512=:" + SHA512 + ":"), Optional.of(MD5));
        assertThat(both.start().finish()).containsOnlyKeys(Algorithm.SHA_256, Algorithm.SHA_512, Algorithm.MD5);
    }

    @Test
    void digestsAreComputedOverChunks() {
        DigestCheck.Digesting digesting = DigestCheck.none().start();
        digesting.update(BODY, 0, 5);
        digesting.update(BODY, 5, BODY.length - 5);
        assertThat(Base64.getEncoder().encodeToString(digesting.finish().get(Algorithm.SHA_256))).isEqualTo(SHA256);
    }

    private static DigestCheck repr(String value) {
        return DigestCheck.of(Optional.of(value), Optional.empty());
    }

    private static void verify(DigestCheck check) {
        check.verify(digestsOf(check));
    }

    private static Map<Algorithm, byte[]> digestsOf(DigestCheck check) {
        DigestCheck.Digesting digesting = check.start();
        digesting.update(BODY, 0, BODY.length);
        return digesting.finish();
    }

    private static String b64(String algorithm, byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
