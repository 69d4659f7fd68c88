package dev.outpost.common.wire;

/** The JSON body of every 4xx/5xx answer: a stable machine code and a message that names what is wrong. */
public record ErrorBody(String error, String message) {
}
