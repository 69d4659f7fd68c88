package dev.outpost.control;

import static dev.outpost.control.ControlPlaneFixture.OPS;
import static dev.outpost.control.ControlPlaneFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testkit.LogRecords;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A purge through the API, as {@code docker logs} of the control plane shows it: one line when it is accepted (who,
 * scope, how many edges), one when every edge applied it; the edges' calls and the status polls add none.
 */
class EntryLinesIT {
    @TempDir
    Path data;

    @Test
    void aPurgeIsOneLineAcceptedAndOneLineSettled() throws Exception {
        try (LogRecords lines = LogRecords.under("dev.outpost.control.invalidation");
                ControlPlaneFixture cp = new ControlPlaneFixture(data)) {
            cp.edge("eu-1", "eu");
            cp.edge("us-1", "us");
            assertThat(cp.post("/api/v1/purges", OPS, "{\"urls\":[\"http://www.example.com/a.js\","
                    + "\"http://www.example.com/b.js\"]}").status()).isEqualTo(202);
            assertThat(cp.get("/api/v1/purges/p-1?wait=10s", READER).json().get("status").asString())
                    .isEqualTo("complete");
            cp.get("/api/v1/purges/p-1", READER);

            assertThat(lines.messages()).filteredOn(l -> l.startsWith("entry ")).satisfiesExactly(
                    accepted -> assertThat(accepted).isEqualTo("entry accepted: id=p-1 sequence=1 by=ops edges=2 "
                            + "scope=\"purge 2 urls in every region\""),
                    settled -> assertThat(settled).startsWith("entry settled: id=p-1 sequence=1 status=complete "
                            + "edges=2 elapsed="));
        }
    }
}
