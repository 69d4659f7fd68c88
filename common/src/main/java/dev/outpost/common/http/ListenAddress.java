package dev.outpost.common.http;

/** A {@code host:port} to listen on or connect to; port 0 asks the kernel for a free one. */
public record ListenAddress(String host, int port) {
    public ListenAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("listen host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port must be 0..65535, was " + port);
        }
    }

    /** Parses {@code 127.0.0.1:8080}, {@code [::1]:8080} or {@code localhost:0}. */
    public static ListenAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("listen address must be host:port, was null");
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("listen address must be host:port, was '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new ListenAddress(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen port must be a number, was '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
