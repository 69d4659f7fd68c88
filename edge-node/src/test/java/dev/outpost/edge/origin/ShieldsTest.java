package dev.outpost.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.common.wire.ShieldNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShieldsTest {
    private static ShieldNode shield(String id, String region) {
        return new ShieldNode(id, region, URI.create("http://" + id + ".test"));
    }

    @Test
    void everyEdgeOrdersTheShieldsOfAKeyTheSameWhateverTheListOrder() {
        Shields one = new Shields("eu-1");
        Shields other = new Shields("ap-1");
        List<ShieldNode> listed = List.of(shield("s1", "us"), shield("s2", "us"), shield("s3", "us"));
        one.replace(listed);
        other.replace(listed.reversed());
        for (int i = 0; i < 50; i++) {
            assertThat(one.forKey("us", "assets/" + i)).isEqualTo(other.forKey("us", "assets/" + i));
        }
    }

    @Test
    void onlyTheServicesRegionCountsAndANodeNeverListsItself() {
        Shields shields = new Shields("s1");
        shields.replace(List.of(shield("s1", "us"), shield("s2", "us"), shield("e1", "eu")));
        assertThat(shields.forKey("us", "assets/a")).extracting(ShieldNode::id).containsExactly("s2");
        assertThat(shields.forKey("ap", "assets/a")).isEmpty();
    }

    @Test
    void aShieldLeavingMovesOnlyTheKeysItHeld() {
        List<ShieldNode> three = List.of(shield("s1", "us"), shield("s2", "us"), shield("s3", "us"));
        List<ShieldNode> two = List.of(three.get(0), three.get(1));
        List<String> moved = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String key = "assets/" + i;
            ShieldNode before = Shields.order(three, key).get(0);
            ShieldNode after = Shields.order(two, key).get(0);
            if (!before.equals(after)) {
                assertThat(before.id()).as(key).isEqualTo("s3");
                moved.add(key);
            }
        }
        assertThat(moved).as("s3's keys moved, spread over the others").isNotEmpty();
    }
}
