package dev.outpost.origin.content;

import dev.outpost.common.problem.Problem;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Confines a raw request target to the data directory, before any file system call. The raw (undecoded) path is
 * checked, then decoded exactly once with a strict UTF-8 decoder, then checked again: this refuses {@code ..} in
 * every spelling ({@code %2e%2e}, {@code %252e} stays a literal name, overlong {@code %c0%ae} is malformed UTF-8),
 * encoded separators ({@code %2f}, {@code %5c}), backslashes, NUL and control characters, all with 400.
 */
public final class RequestPaths {
    /** Longest raw path accepted; longer → 400 (file systems cap names anyway, and it bounds the work). */
    public static final int MAX_RAW_LENGTH = 2048;

    private RequestPaths() {
    }

    /**
     * Confines a raw request path (as sent on the request line, without query). Absolute-form targets
     * ({@code http://host/path}) are reduced to their path.
     */
    public static AssetPath confine(String rawTarget) {
        String raw = stripQuery(stripAbsoluteForm(rawTarget));
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw bad("path must start with '/'");
        }
        if (raw.length() > MAX_RAW_LENGTH) {
            throw bad("path is longer than " + MAX_RAW_LENGTH + " characters");
        }
        String lowerRaw = raw.toLowerCase(Locale.ROOT);
        if (lowerRaw.contains("%2f") || lowerRaw.contains("%5c") || lowerRaw.contains("%00")) {
            throw bad("encoded '/', '\\' or NUL is not allowed in a path");
        }
        return segments(decodeStrictly(raw));
    }

    /**
     * Confines a path that is already decoded, as the asset API and the replication log name assets
     * ({@code /css/a b.css}): the same checks as {@link #confine}, without percent-decoding.
     */
    public static AssetPath confineDecoded(String path) {
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            throw bad("path must start with '/'");
        }
        if (path.length() > MAX_RAW_LENGTH) {
            throw bad("path is longer than " + MAX_RAW_LENGTH + " characters");
        }
        return segments(path);
    }

    private static AssetPath segments(String decoded) {
        List<String> segments = new ArrayList<>();
        for (String segment : decoded.substring(1).split("/", -1)) {
            if (segment.isEmpty()) {
                continue; // "//" and a trailing "/" name the same place as one slash
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw bad("dot segments ('.', '..') are not allowed in a path");
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                if (c == '\\' || c < 0x20 || c == 0x7f) {
                    throw bad("backslash or control character in path");
                }
            }
            segments.add(segment);
        }
        return new AssetPath(segments);
    }

    private static String stripAbsoluteForm(String target) {
        if (target == null) {
            throw bad("missing path");
        }
        String lower = target.length() >= 8 ? target.substring(0, 8).toLowerCase(Locale.ROOT) : "";
        int schemeEnd = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (schemeEnd < 0) {
            return target;
        }
        int slash = target.indexOf('/', schemeEnd);
        return slash < 0 ? "/" : target.substring(slash);
    }

    private static String stripQuery(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    private static String decodeStrictly(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw bad("truncated percent-escape in path");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw bad("invalid percent-escape in path");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c >= 0x80) {
                throw bad("non-ASCII characters must be percent-encoded in a path");
            } else {
                bytes.write(c);
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad("path is not valid UTF-8 (overlong or malformed percent-encoding)");
        }
    }

    private static Problem bad(String message) {
        return Problem.invalid("bad_path", message);
    }
}
