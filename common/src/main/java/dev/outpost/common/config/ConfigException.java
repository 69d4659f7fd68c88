package dev.outpost.common.config;

/** A config file or flag that cannot be used; the message names the file, the key and what is wrong. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
