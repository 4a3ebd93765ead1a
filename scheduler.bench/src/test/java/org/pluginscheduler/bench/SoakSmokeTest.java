package org.pluginscheduler.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The short form of the storage soak (issue 16), in {@code mvn verify}: the real runtime on H2 and on the in-memory
 * store, 1,000 runs/s for a minute and a half, with a cap of 20 runs per task so the history is full after 20 s
 * and the second half is steady state. It judges the same goals as the hour-long run (docs/BENCHMARKS.md): the
 * file levels off, no task holds more than its cap plus one prune interval's runs, heap after GC and fire lag stay
 * flat; and it writes the same CSV, chart and summary, to target/soak.
 */
class SoakSmokeTest {

    /**
     * The short form's floor for the heap goal. Over 90 s at ~20 MB of heap, the H2 store's samples swing by ~4 MB
     * between two levels (seen in CI: 17.4–22.7 MB, medians 18.2 → 21.7 MB, with no trend), more than 10%; the
     * in-memory store's samples do not move. 5 MB still fails a leak of ~110 bytes per run over the last 45,000
     * runs; the hour-long runs judge ±10% with no floor.
     */
    private static final long HEAP_SLACK = 5_000_000;

    /**
     * The short form's extra allowance for the fire lag goal (+15 ms on top of +5 ms). Over 90 s on H2 the p99 of a
     * 5-second window swings between ~13 and ~34 ms with no trend (a local run failed with 13.3 → 20.8 ms); the
     * hour-long runs judge +5 ms.
     */
    private static final double LAG_SLACK_MS = 15;

    /**
     * The short form's extra allowance for the file size goal (+10 points on top of 10%). The H2 file's size swings
     * by up to half from one 5-second sample to the next as H2 writes and frees chunks (CI runs, with other builds
     * on the machine: 54.0 → 59.8 → 55.9 → 63.6 MB; 22.8 → 49.4 MB), so the goal compares the medians of the second
     * and the last quarter, five samples each; a file that grows without bound, as the issue found (50 MB/s), fails
     * it by far. The hour-long runs judge 10%.
     */
    private static final double FILE_SLACK = 0.10;

    private static Soak.Plan plan(String store) {
        // H2 prunes once a minute, so its file and its per-task history are judged over 90 s; the in-memory store
        // holds each task at its cap from its 20th run on (4 s), so 45 s show its heap flat
        Duration duration = store.equals("h2") ? Duration.ofSeconds(90) : Duration.ofSeconds(45);
        return new Soak.Plan(store, 200, Duration.ofMillis(200), 0, duration, Duration.ofSeconds(5), 20,
                1, Env.target().resolve("soak"), "soak-smoke-" + store, HEAP_SLACK, LAG_SLACK_MS, FILE_SLACK);
    }

    @Test
    void onH2TheFileLevelsOffAndHistoryStaysWithinItsCap() throws Exception {
        check(plan("h2"));
    }

    @Test
    void onTheInMemoryStoreHeapStaysFlat() throws Exception {
        check(plan("memory"));
    }

    private static void check(Soak.Plan plan) throws Exception {
        Soak.Result result = Soak.run(plan, System.out::println);
        result.write(plan);
        String summary = result.summary(plan);
        System.out.println(summary);
        Map<String, String> goals = result.goals(plan);
        goals.forEach((goal, verdict) -> assertTrue(verdict.startsWith("held"), goal + ": " + verdict));
        assertTrue(Files.size(plan.out().resolve(plan.name() + ".svg")) > 1000, "the chart is drawn");
        assertTrue(result.samples().stream().allMatch(s -> s.runsPerSecond() > 500),
                "the load ran throughout (1,000 runs/s asked): " + result.samples());
        assertTrue(!Files.exists(Env.target().resolve("bench-work").resolve(plan.name())),
                "the soak's database is deleted afterwards");
        Path csv = plan.out().resolve(plan.name() + ".csv");
        assertTrue(Files.readAllLines(csv).size() == result.samples().size() + 1, "one CSV line per sample");
    }
}
