package dev.outpost.common.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keys a config record used to have, each with what replaced it, as {@code "old -> new"} (the new key relative to
 * the same section, optionally followed by a hint: {@code "intervalMillis -> interval (a duration such as 5s)"}).
 * A file that still uses an old key fails start-up with a message naming the new one, instead of the plain
 * unknown-key message.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RenamedKeys {
    String[] value();
}
