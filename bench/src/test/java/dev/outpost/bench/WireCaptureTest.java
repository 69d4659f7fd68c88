package dev.outpost.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireCaptureTest {
    private static final int CLIENT = 40_000;
    private static final int SERVER = 8080;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    /** A pcap file (nanosecond timestamps, little-endian, Ethernet) built packet by packet. */
    private static final class Pcap {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pcap() {
            ByteBuffer head = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(WireCapture.NANO_MAGIC).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                    .putInt(128).putInt(WireCapture.LINKTYPE_ETHERNET);
            out.writeBytes(head.array());
        }

        Pcap packet(long nanos, int source, int destination, long seq, int flags, int payload) {
            ByteBuffer p = ByteBuffer.allocate(14 + 20 + 20).order(ByteOrder.BIG_ENDIAN);
            p.position(12);
            p.putShort((short) 0x0800);
            p.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 20 + payload)).putInt(0)
                    .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(0x7f000001).putInt(0x7f000001);
            p.putShort((short) source).putShort((short) destination).putInt((int) seq).putInt(0)
                    .put((byte) (5 << 4)).put((byte) flags).putShort((short) 0).putInt(0);
            ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            record.putInt((int) (nanos / 1_000_000_000L)).putInt((int) (nanos % 1_000_000_000L))
                    .putInt(p.capacity()).putInt(p.capacity() + payload);
            out.writeBytes(record.array());
            out.writeBytes(p.array()); // captured headers only, as tcpdump -s 128 leaves them
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    @Test
    void theFirstByteAfterTheHeadIsTimedFromTheRequestsFirstSegment() throws IOException {
        long serverIsn = 0xffff_fff0L; // the server's sequence numbers wrap inside the answer
        byte[] pcap = new Pcap()
                .packet(1_000_000_000L, CLIENT, SERVER, 100, SYN, 0)
                .packet(1_000_010_000L, SERVER, CLIENT, serverIsn, SYN | ACK, 0)
                .packet(1_000_020_000L, CLIENT, SERVER, 101, ACK, 0)
                .packet(1_000_100_000L, CLIENT, SERVER, 101, ACK, 60) // the request
                .packet(1_000_400_000L, SERVER, CLIENT, serverIsn + 1, ACK, 120) // the head alone (120 bytes)
                .packet(1_001_300_000L, SERVER, CLIENT, serverIsn + 121, ACK, 65_000) // the first body bytes
                .packet(1_002_000_000L, SERVER, CLIENT, serverIsn + 65_121, ACK, 65_000)
                .bytes();
        Map<WireCapture.PortPair, ArrayDeque<WireCapture.Connection>> read = WireCapture.read(pcap);
        WireCapture.Connection c = read.get(new WireCapture.PortPair(CLIENT, SERVER)).peekFirst();
        assertThat(c.firstByteAfter(120)).contains(1_200_000L);
        assertThat(c.firstByteAfter(100)).contains(300_000L); // a shorter head: its body began in the first segment
        assertThat(c.firstByteAfter(200_000)).isEmpty(); // never sent
    }

    @Test
    void aPortUsedAgainIsASecondConnectionInOrder() throws IOException {
        byte[] pcap = new Pcap()
                .packet(10_000, CLIENT, SERVER, 1, SYN, 0)
                .packet(20_000, SERVER, CLIENT, 500, SYN | ACK, 0)
                .packet(30_000, CLIENT, SERVER, 2, ACK, 50)
                .packet(90_000, SERVER, CLIENT, 501, ACK, 200)
                .packet(1_000_000, CLIENT, SERVER, 7, SYN, 0)
                .packet(1_010_000, SERVER, CLIENT, 9000, SYN | ACK, 0)
                .packet(1_020_000, CLIENT, SERVER, 8, ACK, 50)
                .packet(1_520_000, SERVER, CLIENT, 9001, ACK, 200)
                .bytes();
        ArrayDeque<WireCapture.Connection> both = WireCapture.read(pcap).get(new WireCapture.PortPair(CLIENT, SERVER));
        assertThat(both).hasSize(2);
        assertThat(both.pollFirst().firstByteAfter(100)).contains(60_000L);
        assertThat(both.pollFirst().firstByteAfter(100)).contains(500_000L);
    }

    @Test
    void aFileWithMicrosecondTimestampsIsRefused() {
        byte[] pcap = new Pcap().bytes();
        ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0xa1b2c3d4);
        assertThatThrownBy(() -> WireCapture.read(pcap)).hasMessageContaining("nanosecond");
    }
}
