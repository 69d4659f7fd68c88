package dev.outpost.control.dns;

import dev.outpost.control.steering.Decision;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers one DNS query as an authoritative server for one zone, as a function of the packet, its source and the
 * transport (the sockets are {@link DnsServer}'s). In order:
 * <ol>
 * <li>shorter than a header, or itself a response: dropped (nothing to answer, and never answer an answer);</li>
 * <li>unparseable (dnsjava refuses it, e.g. a bad name, an ECS option with bits past its prefix): FORMERR;
 * not a QUERY: NOTIMP; not exactly one question: FORMERR; EDNS version above 0: BADVERS (RFC 6891);</li>
 * <li>a class other than IN, a zone transfer, or a name outside the zone: REFUSED (not authoritative);</li>
 * <li>the apex answers SOA and NS (with glue), a steered name answers A/AAAA with the edges steering chooses for
 * the client's network (EDNS Client Subnet when sent, echoed with its scope per RFC 7871, else the source address),
 * the name server's name answers its addresses; other types there are NODATA and a name that does not exist is
 * NXDOMAIN, both with the SOA in the authority section for negative caching (RFC 2308); no edge at all: SERVFAIL;
 * </li>
 * <li>over UDP the reply fits the client's EDNS buffer (512 bytes without EDNS, at most 1232) or is truncated with
 * TC, and the same query over TCP gets it whole; a source network over its UDP budget gets only an empty TC reply.
 * </li>
 * </ol>
 */
final class DnsResponder {
    /** The largest UDP reply sent (DNS flag day 2020: avoids IP fragmentation). */
    static final int MAX_UDP_PAYLOAD = 1232;
    private static final int HEADER_BYTES = 12;
    private static final int NO_EDNS_UDP_PAYLOAD = 512;

    private final Zone zone;
    private final DnsSteering steering;
    private final SourceRateLimit rateLimit;
    private final Consumer<Decision> answered;

    /** {@code answered} hears every steering decision a query is answered with (the metrics). */
    DnsResponder(Zone zone, DnsSteering steering, SourceRateLimit rateLimit, Consumer<Decision> answered) {
        this.zone = zone;
        this.steering = steering;
        this.rateLimit = rateLimit;
        this.answered = answered;
    }

    /** The reply's bytes, or empty to send nothing. */
    Optional<byte[]> respond(byte[] packet, InetAddress source, boolean udp) {
        if (packet.length < HEADER_BYTES) {
            return Optional.empty();
        }
        Header header;
        try {
            header = new Header(packet);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (header.getFlag(Flags.QR)) {
            return Optional.empty();
        }
        Message query;
        try {
            query = new Message(packet);
        } catch (IOException | RuntimeException e) {
            return Optional.of(bare(header, Rcode.FORMERR).toWire());
        }
        Message reply = answer(query, header, source);
        if (!udp) {
            return Optional.of(reply.toWire());
        }
        if (!rateLimit.tryAcquire(source)) {
            return Optional.of(slip(query).toWire());
        }
        OPTRecord opt = query.getOPT();
        int limit = opt == null ? NO_EDNS_UDP_PAYLOAD
                : Math.clamp(opt.getPayloadSize(), NO_EDNS_UDP_PAYLOAD, MAX_UDP_PAYLOAD);
        return Optional.of(reply.toWire(limit));
    }

    private Message answer(Message query, Header header, InetAddress source) {
        if (header.getOpcode() != Opcode.QUERY) {
            return withQuestion(query, Rcode.NOTIMP, false);
        }
        if (header.getCount(Section.QUESTION) != 1) {
            Message reply = bare(header, Rcode.FORMERR);
            query.getSection(Section.QUESTION).forEach(q -> reply.addRecord(q, Section.QUESTION));
            return reply;
        }
        OPTRecord opt = query.getOPT();
        if (opt != null && opt.getVersion() > 0) {
            Message reply = withQuestion(query, Rcode.NOERROR, false);
            // BADVERS (16) does not fit the header's 4 bits: its upper bits ride in the OPT record.
            reply.addRecord(new OPTRecord(MAX_UDP_PAYLOAD, Rcode.BADVERS >>> 4, 0, 0), Section.ADDITIONAL);
            return reply;
        }
        Optional<ClientSubnetOption> subnet = subnet(opt);
        Record question = query.getQuestion();
        String name = Zone.text(question.getName());
        int type = question.getType();
        Zone.Kind kind = zone.kindOf(name);
        if (question.getDClass() != DClass.IN || type == Type.AXFR || type == Type.IXFR
                || kind == Zone.Kind.OUTSIDE) {
            return withEdns(withQuestion(query, Rcode.REFUSED, false), opt, subnet, 0);
        }
        Message reply = withQuestion(query, Rcode.NOERROR, true);
        int scope = 0;
        switch (kind) {
            case APEX -> {
                if (type == Type.SOA || type == Type.ANY) {
                    reply.addRecord(zone.soa(), Section.ANSWER);
                }
                if (type == Type.NS || type == Type.ANY) {
                    reply.addRecord(zone.ns(), Section.ANSWER);
                    zone.glue(false).forEach(r -> reply.addRecord(r, Section.ADDITIONAL));
                    zone.glue(true).forEach(r -> reply.addRecord(r, Section.ADDITIONAL));
                }
            }
            case STEERED -> {
                if (type == Type.A || type == Type.AAAA || type == Type.ANY) {
                    DnsSteering.Client client = client(subnet, source);
                    DnsSteering.Answer answer = steering.decide(name, type == Type.AAAA, client, zone.answers());
                    answered.accept(answer.decision());
                    answer.addresses().forEach(a -> reply.addRecord(Zone.address(question.getName(), zone.ttl(), a),
                            Section.ANSWER));
                    scope = answer.scopePrefix();
                    if (answer.addresses().isEmpty() && !steering.anyEligible()) {
                        reply.getHeader().setRcode(Rcode.SERVFAIL);
                        reply.getHeader().unsetFlag(Flags.AA);
                        return withEdns(reply, opt, subnet, 0);
                    }
                }
            }
            case NAME_SERVER -> {
                if (type == Type.A || type == Type.AAAA) {
                    zone.glue(type == Type.AAAA).forEach(r -> reply.addRecord(r, Section.ANSWER));
                }
            }
            case EMPTY_NON_TERMINAL -> {
                // exists (a name below it does) but holds nothing: NODATA, not NXDOMAIN (RFC 8020)
            }
            default -> reply.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        if (reply.getSection(Section.ANSWER).isEmpty()) {
            reply.addRecord(zone.soa(), Section.AUTHORITY);
        }
        return withEdns(reply, opt, subnet, scope);
    }

    /** The resolver's ECS option, unless it asked for none (source prefix 0, RFC 7871 section 7.1.2). */
    private static Optional<ClientSubnetOption> subnet(OPTRecord opt) {
        if (opt == null) {
            return Optional.empty();
        }
        List<EDNSOption> options = opt.getOptions(EDNSOption.Code.CLIENT_SUBNET);
        return options.stream().filter(ClientSubnetOption.class::isInstance).map(ClientSubnetOption.class::cast)
                .findFirst();
    }

    private static DnsSteering.Client client(Optional<ClientSubnetOption> subnet, InetAddress source) {
        return subnet.filter(s -> s.getSourcePrefixLength() > 0)
                .map(s -> new DnsSteering.Client(s.getAddress().getAddress(), s.getSourcePrefixLength(), true))
                .orElseGet(() -> DnsSteering.Client.resolver(source));
    }

    /** A reply carrying the question, RD copied, AA when the zone is ours. */
    private static Message withQuestion(Message query, int rcode, boolean authoritative) {
        Message reply = bare(query.getHeader(), rcode);
        if (query.getQuestion() != null) {
            reply.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (authoritative) {
            reply.getHeader().setFlag(Flags.AA);
        }
        return reply;
    }

    private static Message bare(Header query, int rcode) {
        Message reply = new Message(query.getID());
        Header header = reply.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(query.getOpcode());
        if (query.getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setRcode(rcode);
        return reply;
    }

    /** EDNS answered with EDNS; the ECS option echoed with the answer's scope (RFC 7871 section 7.2.1). */
    private static Message withEdns(Message reply, OPTRecord opt, Optional<ClientSubnetOption> subnet, int scope) {
        if (opt == null) {
            return reply;
        }
        List<EDNSOption> echoed = subnet.map(s -> List.<EDNSOption>of(new ClientSubnetOption(
                s.getSourcePrefixLength(), s.getSourcePrefixLength() == 0 ? 0 : scope, s.getAddress())))
                .orElse(List.of());
        reply.addRecord(new OPTRecord(MAX_UDP_PAYLOAD, 0, 0, 0, echoed), Section.ADDITIONAL);
        return reply;
    }

    /** What a source over its budget gets: the question and TC, nothing else (a real resolver retries over TCP). */
    private static Message slip(Message query) {
        Message reply = withQuestion(query, Rcode.NOERROR, false);
        reply.getHeader().setFlag(Flags.TC);
        return reply;
    }
}
