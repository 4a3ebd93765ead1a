package org.pluginscheduler.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * Keeps the benchmarks from rotting: every workload of every scheduler runs end to end with tiny sizes, in this JVM,
 * and the table comes out. Seconds, not minutes; the numbers mean nothing at these sizes. The full run is
 * {@code java -jar scheduler.bench/target/scheduler-bench.jar} (docs/BENCHMARKS.md).
 */
class BenchSmokeTest {

    @Test
    void everyWorkloadRunsAndTheTableComesOut() {
        Sizes z = Sizes.smoke(4);
        Bench.Outcome outcome = Bench.runAll(z, Set.of("P1", "P2", "P3", "P4", "P5", "P6", "W1"),
                true);
        assertEquals(Map.of(), outcome.errors(), "every workload runs");
        for (String run : List.of("P1/ours", "P1/quartz", "P1/db-scheduler", "P2/ours", "P2/quartz", "P3/ours",
                "P3/quartz", "P4/ours", "P4/quartz", "P5/ours", "P6/jmh", "W1/ours")) {
            assertTrue(outcome.results().containsKey(run), run + " has a result");
        }
        Map<String, Double> durable = outcome.results().get("P1/ours");
        assertEquals(durable.get("expected_rows"), durable.get("durable_rows"),
                "every run of ours is in the H2 file after the framework stopped");
        assertTrue(outcome.results().get("P3/ours").get("fires") > 0, "the lag tasks fired");
        Map<String, Double> web = outcome.results().get("W1/ours");
        // the monitor bundle is part of the reactor: the scrape is measured, not reported missing
        for (String kind : List.of("first", "filtered", "page1000", "metrics")) {
            assertTrue(web.containsKey(kind + "_p99_ms") && web.get(kind + "_bytes") > 0,
                    kind + " was measured: " + web);
        }
        String table = outcome.table(z);
        System.out.println(table);
        assertTrue(table.contains("| P6 |") && table.contains("| W1 |") && !table.contains("error"), table);
    }
}
