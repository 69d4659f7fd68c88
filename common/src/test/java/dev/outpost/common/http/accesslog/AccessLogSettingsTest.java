package dev.outpost.common.http.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.common.config.ConfigFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessLogSettingsTest {
    @Test
    void defaultsAreJsonOnStdoutWithBoundedFilesAndCredentialsRedacted() {
        AccessLogSettings d = AccessLogSettings.DEFAULTS;
        assertThat(d.lineFormat()).isEqualTo(AccessLogSettings.Format.JSON);
        assertThat(d.destination()).isEqualTo("stdout");
        assertThat(d.file()).isEmpty();
        assertThat(d.maxFileBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(d.maxFiles()).isEqualTo(5);
        assertThat(d.redactQueryParameters()).contains("token", "signature", "x-amz-signature");
    }

    @Test
    void everyBadValueFailsNamingItsKey() {
        assertThatThrownBy(() -> new AccessLogSettings("xml", null, null, null, null, null))
                .hasMessageContaining("accessLog.format").hasMessageContaining("xml");
        assertThatThrownBy(() -> new AccessLogSettings(null, " ", null, null, null, null))
                .hasMessageContaining("accessLog.destination");
        assertThatThrownBy(() -> new AccessLogSettings(null, "a\0b", null, null, null, null))
                .hasMessageContaining("accessLog.destination");
        assertThatThrownBy(() -> new AccessLogSettings(null, null, 1000L, null, null, null))
                .hasMessageContaining("accessLog.maxFileBytes");
        assertThatThrownBy(() -> new AccessLogSettings(null, null, null, -1, null, null))
                .hasMessageContaining("accessLog.maxFiles");
        assertThatThrownBy(() -> new AccessLogSettings(null, null, null, null, java.util.Optional.of("a b"), null))
                .hasMessageContaining("accessLog.node");
        assertThatThrownBy(() -> new AccessLogSettings(null, null, null, null, null, List.of("")))
                .hasMessageContaining("accessLog.redactQueryParameters");
    }

    @Test
    void aConfigFileWithAnUnknownFormatOrKeyFailsNamingIt() {
        assertThatThrownBy(() -> ConfigFiles.parse("edge.yml", "{format: xml}".getBytes(StandardCharsets.UTF_8),
                AccessLogSettings.class)).hasMessageContaining("accessLog.format must be json or text, was 'xml'");
        assertThatThrownBy(() -> ConfigFiles.parse("edge.yml", "{format: json, rotate: daily}"
                .getBytes(StandardCharsets.UTF_8), AccessLogSettings.class)).hasMessageContaining("rotate");
    }

    @Test
    void credentialLikeQueryValuesAreReplacedWhateverTheirCaseOrEncoding() {
        Set<String> names = Set.of("token", "x-amz-signature");
        assertThat(AccessLog.redact("v=1&Token=abc&%74oken=def&X-Amz-Signature=sig&tokens=kept&token", names))
                .isEqualTo("v=1&Token=REDACTED&%74oken=REDACTED&X-Amz-Signature=REDACTED&tokens=kept&token");
        assertThat(AccessLog.redact("&token=a&&b=", names)).isEqualTo("&token=REDACTED&&b=");
    }
}
