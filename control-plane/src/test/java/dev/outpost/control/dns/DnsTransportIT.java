package dev.outpost.control.dns;

import static dev.outpost.control.dns.DnsSteeringIT.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.control.ControlPlaneFixture;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * How the DNS server's answers travel: a large answer is truncated over UDP and whole over TCP, a source over its
 * UDP budget gets only empty truncated replies (while TCP still answers), and malformed packets are answered
 * FORMERR or dropped without stopping the server. Real sockets on loopback; the clock is moved by hand.
 */
class DnsTransportIT {
    /** 32 answers of 40 AAAA edges: over 512 bytes (no EDNS), under 1232 (EDNS). */
    private static final String DNS_YAML = """
            dns: {listen: "127.0.0.1:0", zone: outpost.test, answers: 32, responsesPerSecond: 5}
            """;

    @TempDir
    java.nio.file.Path dir;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(dir, DNS_YAML);
        for (int i = 1; i <= 40; i++) {
            cp.registerEdge("eu-" + i, "eu", "http://[2001:db8:2::" + Integer.toHexString(i) + "]:8080");
        }
        cp.registerEdge("us-1", "us", "http://127.0.1.1:8080");
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private InetSocketAddress server() {
        return cp.plane().dnsAddress().orElseThrow();
    }

    private SimpleResolver resolver(String clientAddress) throws Exception {
        SimpleResolver resolver = new SimpleResolver(server());
        resolver.setTimeout(Duration.ofSeconds(10));
        resolver.setLocalAddress(InetAddress.getByName(clientAddress));
        return resolver;
    }

    private static long aaaaCount(Message reply) {
        return reply.getSection(Section.ANSWER).stream().filter(AAAARecord.class::isInstance).count();
    }

    @Test
    void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws Exception {
        SimpleResolver udpOnly = resolver("127.0.2.50");
        udpOnly.setEDNS(-1); // no EDNS: a 512-byte UDP limit
        udpOnly.setIgnoreTruncation(true);
        Message truncated = query(udpOnly, "cdn.outpost.test.", Type.AAAA);
        assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(truncated.numBytes()).isLessThanOrEqualTo(512);

        SimpleResolver tcp = resolver("127.0.2.51");
        tcp.setTCP(true);
        Message whole = query(tcp, "cdn.outpost.test.", Type.AAAA);
        assertThat(whole.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(aaaaCount(whole)).isEqualTo(32);

        SimpleResolver fallsBack = resolver("127.0.2.52");
        fallsBack.setEDNS(-1);
        Message viaFallback = query(fallsBack, "cdn.outpost.test.", Type.AAAA);
        assertThat(viaFallback.getHeader().getFlag(Flags.TC)).as("the resolver retried over TCP").isFalse();
        assertThat(viaFallback.getSection(Section.ANSWER)).isEqualTo(whole.getSection(Section.ANSWER));

        SimpleResolver edns = resolver("127.0.2.53");
        Message fits = query(edns, "cdn.outpost.test.", Type.AAAA);
        assertThat(fits.getHeader().getFlag(Flags.TC)).as("1232 bytes of EDNS buffer hold it").isFalse();
        assertThat(aaaaCount(fits)).isEqualTo(32);
    }

    @Test
    void aSourceNetworkOverItsUdpBudgetGetsEmptyTruncatedRepliesButTcpStillAnswers() throws Exception {
        SimpleResolver udp = resolver("127.0.4.7");
        udp.setIgnoreTruncation(true);
        for (int i = 0; i < 5; i++) {
            Message answered = query(udp, "cdn.outpost.test.", Type.A);
            assertThat(answered.getSection(Section.ANSWER)).as("query " + i + " of 5 per second").hasSize(1);
        }
        Message slipped = query(resolver("127.0.4.200", true), "cdn.outpost.test.", Type.A);
        assertThat(slipped.getHeader().getFlag(Flags.TC)).as("same /24, over budget").isTrue();
        assertThat(slipped.getSection(Section.ANSWER)).isEmpty();
        assertThat(slipped.numBytes()).as("no amplification").isLessThan(64);

        assertThat(query(resolver("127.0.5.7", true), "cdn.outpost.test.", Type.A).getSection(Section.ANSWER))
                .as("another /24 has its own budget").hasSize(1);
        SimpleResolver tcp = resolver("127.0.4.7");
        tcp.setTCP(true);
        assertThat(query(tcp, "cdn.outpost.test.", Type.A).getSection(Section.ANSWER)).as("TCP is not limited")
                .hasSize(1);
        cp.clock.advance(Duration.ofSeconds(1));
        assertThat(query(udp, "cdn.outpost.test.", Type.A).getSection(Section.ANSWER)).as("refilled").hasSize(1);
    }

    private SimpleResolver resolver(String clientAddress, boolean ignoreTruncation) throws Exception {
        SimpleResolver resolver = resolver(clientAddress);
        resolver.setIgnoreTruncation(ignoreTruncation);
        return resolver;
    }

    @Test
    void malformedPacketsGetFormerrOrNothingAndTheServerKeepsAnswering() throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.6.1", 0))) {
            socket.setSoTimeout(10_000);
            // a header (id 0x1234, one question) followed by a name whose label runs past the end of the packet
            byte[] badName = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 'a', 'b'};
            socket.send(new DatagramPacket(badName, badName.length, server()));
            Message formerr = receive(socket);
            assertThat(formerr.getHeader().getID()).isEqualTo(0x1234);
            assertThat(formerr.getHeader().getFlag(Flags.QR)).isTrue();
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);

            byte[] tooShort = {0x00, 0x01, 0x02};
            socket.send(new DatagramPacket(tooShort, tooShort.length, server()));
            Message response = Message.newQuery(Record.newRecord(Name.fromString("cdn.outpost.test."), Type.A,
                    DClass.IN));
            response.getHeader().setFlag(Flags.QR); // a "reply" sent to the server: never answered (no loops)
            byte[] reflected = response.toWire();
            socket.send(new DatagramPacket(reflected, reflected.length, server()));

            Message good = Message.newQuery(Record.newRecord(Name.fromString("cdn.outpost.test."), Type.A,
                    DClass.IN));
            byte[] wire = good.toWire();
            socket.send(new DatagramPacket(wire, wire.length, server()));
            Message answer = receive(socket);
            assertThat(answer.getHeader().getID()).as("the next datagram back answers the good query: the short "
                    + "packet and the reply got nothing").isEqualTo(good.getHeader().getID());
            assertThat(answer.getSection(Section.ANSWER)).hasSize(1);
        }
        SimpleResolver tcp = resolver("127.0.6.2");
        tcp.setTCP(true);
        assertThat(query(tcp, "cdn.outpost.test.", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void twoQuestionsInOneQueryAreFormerr() throws Exception {
        Message query = Message.newQuery(Record.newRecord(Name.fromString("cdn.outpost.test."), Type.A, DClass.IN));
        query.addRecord(Record.newRecord(Name.fromString("outpost.test."), Type.SOA, DClass.IN), Section.QUESTION);
        Message reply = resolver("127.0.6.3").send(query);
        assertThat(reply.getRcode()).isEqualTo(Rcode.FORMERR);
    }

    private static Message receive(DatagramSocket socket) throws Exception {
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        socket.receive(packet);
        return new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
    }

}
