package dev.outpost.control.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.control.ControlPlaneFixture;
import dev.outpost.testkit.HttpReply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import tools.jackson.databind.JsonNode;

/**
 * The control plane's DNS server over real UDP and TCP sockets on loopback, asked by dnsjava's resolver client:
 * each region's clients (by EDNS Client Subnet or by their resolver's address) get an edge of their region, health
 * changes show in the next answer, and the zone's SOA, NS, NXDOMAIN and REFUSED are what resolvers expect.
 */
class DnsSteeringIT {
    static final String DNS_YAML = """
            dns: {listen: "127.0.0.1:0", zone: outpost.test, names: [cdn.outpost.test, img.cdn2.outpost.test],
                  ttl: 5s, nameServer: ns1.outpost.test, nameServerAddresses: [127.0.0.1, "::1"]}
            """;

    @TempDir
    java.nio.file.Path dir;
    private ControlPlaneFixture cp;

    @BeforeEach
    void start() {
        cp = new ControlPlaneFixture(dir, DNS_YAML);
        cp.registerEdge("us-1", "us", "http://127.0.1.1:8080");
        cp.registerEdge("eu-1", "eu", "http://127.0.2.1:8080");
        cp.registerEdge("ap-1", "ap", "http://127.0.3.1:8080");
    }

    @AfterEach
    void stop() {
        cp.close();
    }

    private InetSocketAddress server() {
        return cp.plane().dnsAddress().orElseThrow();
    }

    private SimpleResolver resolver(String clientAddress) throws IOException {
        SimpleResolver resolver = new SimpleResolver(server());
        resolver.setTimeout(Duration.ofSeconds(10));
        if (clientAddress != null) {
            resolver.setLocalAddress(InetAddress.getByName(clientAddress));
        }
        return resolver;
    }

    static Message query(SimpleResolver resolver, String name, int type) throws IOException {
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN)));
    }

    static List<String> addresses(Message reply) {
        return reply.getSection(Section.ANSWER).stream().filter(ARecord.class::isInstance)
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    private Message askWithSubnet(String subnet, int prefix) throws IOException {
        SimpleResolver resolver = resolver(null);
        resolver.setEDNS(0, 1232, 0, List.of(new ClientSubnetOption(prefix, InetAddress.getByName(subnet))));
        return query(resolver, "cdn.outpost.test.", Type.A);
    }

    @Test
    void eachRegionsResolverGetsAnEdgeOfItsRegionByItsOwnAddress() throws Exception {
        assertThat(addresses(query(resolver("127.0.1.50"), "cdn.outpost.test.", Type.A)))
                .containsExactly("127.0.1.1");
        assertThat(addresses(query(resolver("127.0.2.50"), "cdn.outpost.test.", Type.A)))
                .containsExactly("127.0.2.1");
        Message ap = query(resolver("127.0.3.50"), "cdn.outpost.test.", Type.A);
        assertThat(addresses(ap)).containsExactly("127.0.3.1");
        assertThat(ap.getHeader().getFlag(Flags.AA)).as("authoritative").isTrue();
        assertThat(ap.getSection(Section.ANSWER).get(0).getTTL()).as("dns.ttl 5s").isEqualTo(5);
        assertThat(addresses(query(resolver("127.0.2.50"), "img.cdn2.outpost.test.", Type.A)))
                .as("every configured name is steered").containsExactly("127.0.2.1");
        dev.outpost.testkit.Scrape metrics = dev.outpost.testkit.Scrape.parse(
                cp.get("/api/v1/metrics", null).body());
        assertThat(metrics.sum("controlplane_steering_decisions_total", "via", "dns", "client_region", "eu",
                "region", "eu", "result", "local")).as("DNS answers are counted as steering decisions").isEqualTo(2);
    }

    @Test
    void aClientSubnetDecidesOverTheResolversAddressAndIsEchoedWithItsScope() throws Exception {
        Message eu = askWithSubnet("127.0.2.0", 24);
        assertThat(addresses(eu)).containsExactly("127.0.2.1");
        ClientSubnetOption echoed = (ClientSubnetOption) eu.getOPT()
                .getOptions(EDNSOption.Code.CLIENT_SUBNET).get(0);
        assertThat(echoed.getSourcePrefixLength()).isEqualTo(24);
        assertThat(echoed.getAddress().getHostAddress()).isEqualTo("127.0.2.0");
        assertThat(echoed.getScopePrefixLength()).as("the region's network is a /24").isEqualTo(24);
        assertThat(addresses(askWithSubnet("127.0.3.128", 25))).containsExactly("127.0.3.1");
        Message unmatched = askWithSubnet("198.51.100.0", 24);
        assertThat(addresses(unmatched)).as("no network matched: default region us").containsExactly("127.0.1.1");
    }

    @Test
    void aClientSubnetOfPrefixZeroFallsBackToTheResolversAddress() throws Exception {
        SimpleResolver resolver = resolver("127.0.3.9");
        resolver.setEDNS(0, 1232, 0, List.of(new ClientSubnetOption(0, InetAddress.getByName("0.0.0.0"))));
        Message reply = query(resolver, "cdn.outpost.test.", Type.A);
        assertThat(addresses(reply)).containsExactly("127.0.3.1");
        ClientSubnetOption echoed = (ClientSubnetOption) reply.getOPT()
                .getOptions(EDNSOption.Code.CLIENT_SUBNET).get(0);
        assertThat(echoed.getScopePrefixLength()).isZero();
    }

    @Test
    void anEdgeThatTurnsUnhealthyIsOutOfTheNextAnswerWithinOneTtl() throws Exception {
        cp.registerEdge("eu-2", "eu", "http://127.0.2.2:8080");
        SimpleResolver eu = resolver("127.0.2.50");
        String first = addresses(query(eu, "cdn.outpost.test.", Type.A)).get(0);
        String other = first.equals("127.0.2.1") ? "127.0.2.2" : "127.0.2.1";
        String otherId = first.equals("127.0.2.1") ? "eu-2" : "eu-1";
        // Only the other edge keeps heartbeating; past the heartbeat timeout (3 s, under the 5 s TTL) the first is
        // unhealthy, so a resolver whose cached answer expires gets the other one.
        cp.clock.advance(Duration.ofSeconds(2));
        cp.heartbeat(otherId, 0, 0);
        cp.clock.advance(Duration.ofMillis(1500));
        cp.heartbeat(otherId, 0, 0);
        assertThat(addresses(query(eu, "cdn.outpost.test.", Type.A))).containsExactly(other);
    }

    @Test
    void withNoEligibleEdgeAnywhereTheServerSaysServfail() throws Exception {
        cp.clock.advance(Duration.ofSeconds(4));
        Message reply = query(resolver("127.0.2.50"), "cdn.outpost.test.", Type.A);
        assertThat(reply.getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void theApexAnswersItsSoaAndItsNameServerWithGlue() throws Exception {
        Message soa = query(resolver(null), "outpost.test.", Type.SOA);
        assertThat(soa.getRcode()).isEqualTo(Rcode.NOERROR);
        SOARecord record = (SOARecord) soa.getSection(Section.ANSWER).get(0);
        assertThat(record.getHost()).isEqualTo(Name.fromString("ns1.outpost.test."));
        assertThat(record.getAdmin()).isEqualTo(Name.fromString("hostmaster.outpost.test."));
        assertThat(record.getMinimum()).as("negative TTL = dns.ttl").isEqualTo(5);

        Message ns = query(resolver(null), "outpost.test.", Type.NS);
        assertThat(((NSRecord) ns.getSection(Section.ANSWER).get(0)).getTarget())
                .isEqualTo(Name.fromString("ns1.outpost.test."));
        assertThat(ns.getSection(Section.ADDITIONAL).stream().map(Record::rdataToString))
                .as("glue").contains("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(addresses(query(resolver(null), "ns1.outpost.test.", Type.A))).containsExactly("127.0.0.1");
    }

    @Test
    void unknownNamesInTheZoneAreNxdomainWithTheSoaAndOtherTypesNodata() throws Exception {
        Message missing = query(resolver(null), "nope.outpost.test.", Type.A);
        assertThat(missing.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(missing.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(missing.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);

        Message mx = query(resolver(null), "cdn.outpost.test.", Type.MX);
        assertThat(mx.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(mx.getSection(Section.ANSWER)).isEmpty();
        assertThat(mx.getSection(Section.AUTHORITY)).singleElement().isInstanceOf(SOARecord.class);

        Message between = query(resolver(null), "cdn2.outpost.test.", Type.A);
        assertThat(between.getRcode()).as("an empty non-terminal exists (RFC 8020)").isEqualTo(Rcode.NOERROR);
    }

    @Test
    void namesOutsideTheZoneAreRefused() throws Exception {
        Message reply = query(resolver(null), "www.example.com.", Type.A);
        assertThat(reply.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(reply.getHeader().getFlag(Flags.AA)).isFalse();
        assertThat(reply.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void theRouteApiExplainsTheDnsAnswer() {
        HttpReply reply = cp.get("/api/v1/route?via=dns&name=cdn.outpost.test&client=127.0.3.0/24",
                ControlPlaneFixture.READER);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        JsonNode route = reply.json();
        assertThat(route.get("via").asString()).isEqualTo("dns");
        assertThat(route.get("clientRegion").asString()).isEqualTo("ap");
        assertThat(route.get("chosen").asString()).isEqualTo("ap-1");
        assertThat(route.get("policy").asString()).isEqualTo("rendezvous");
        assertThat(route.get("inputs").get("key").asString()).isEqualTo("cdn.outpost.test");
        assertThat(route.get("dns").get("addresses").get(0).asString()).isEqualTo("127.0.3.1");
        assertThat(route.get("dns").get("scopePrefix").asInt()).isEqualTo(24);
        assertThat(cp.get("/api/v1/route?via=dns&name=cdn.outpost.test&client=not-an-address",
                ControlPlaneFixture.READER).error()).isEqualTo("bad_client");
    }
}
