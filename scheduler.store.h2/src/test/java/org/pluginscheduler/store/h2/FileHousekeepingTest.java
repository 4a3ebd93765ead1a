package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.store.h2.TestStores.run;
import static org.pluginscheduler.store.h2.TestStores.task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;

/**
 * The file stays proportional to what it holds under a steady churn of records and prunes: H2's housekeeping
 * (which WRITE_DELAY=0 switches off) is done by the store, and chunks are reused after a short retention. The same
 * churn on a store without both grows the file without bound (the soak found 26 GB in 8 minutes).
 */
class FileHousekeepingTest {

    private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void underASteadyChurnTheFileStaysSmallWhereWithoutHousekeepingItKeepsGrowing() throws Exception {
        long[] kept = churn(dir.resolve("kept"), true, "");
        long[] grown = churn(dir.resolve("grown"), false, ";RETENTION_TIME=45000");
        assertTrue(grown[1] > grown[0] * 3 / 2, "without, the file keeps growing: " + grown[0] + " bytes after 3 s, "
                + grown[1] + " after 6 s");
        assertTrue(kept[1] - kept[0] < (grown[1] - grown[0]) / 4, "with housekeeping it levels off: "
                + kept[0] + " bytes after 3 s, " + kept[1] + " after 6 s (without: " + grown[0] + ", " + grown[1] + ")");
        assertTrue(kept[1] * 3 < grown[1], "and is a fraction of its size without: " + kept[1] + " vs " + grown[1]
                + " bytes");
    }

    @Test
    void aUrlThatSetsRetentionTimeIsLeftAlone() {
        assertTrue(TestStores.settings("jdbc:h2:file:./x;RETENTION_TIME=45000").urlSetsRetentionTime());
        assertFalse(TestStores.settings("jdbc:h2:file:./x;WRITE_DELAY=0").urlSetsRetentionTime());
    }

    @Test
    void anInMemoryDatabaseHasNoFileToKeep() {
        String url = "jdbc:h2:mem:housekeeping-" + System.nanoTime();
        try (H2TaskStore store = H2TaskStore.open(TestStores.dataSource(url, TestStores.PASSWORD),
                TestStores.settings(url))) {
            assertEquals(java.util.Optional.empty(), store.housekeeping());
        }
    }

    /**
     * 100 tasks record a run each 100 times a second (10,000 runs/s) for 6 s, each task pruned to its newest 20 once
     * it recorded 10 more, so the store holds about 2,000–3,000 runs throughout. @return the file's size after 3 s
     * and at the end
     */
    private static long[] churn(Path folder, boolean housekeeping, String urlSuffix) throws Exception {
        String url = TestStores.url(folder) + urlSuffix;
        long start = System.nanoTime();
        long end = start + 6_000_000_000L;
        long mid = -1;
        int n = 0;
        try (H2TaskStore store = H2TaskStore.open(TestStores.dataSource(url, TestStores.PASSWORD),
                TestStores.settings(url), Schema.current(), UnaryOperator.identity(), housekeeping)) {
            assertEquals(housekeeping, store.housekeeping().isPresent());
            long next = System.nanoTime();
            while (System.nanoTime() < end) {
                next += 10_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
                List<RunRecord> batch = new ArrayList<>();
                for (int t = 0; t < 100; t++) {
                    batch.add(run("r" + n++, task("t" + t), RunStatus.SUCCEEDED, T0.plusMillis(n)));
                }
                store.recordRuns(batch);
                store.pruneBusyTasks(T0.minusSeconds(3600), 20, 10);
                if (mid < 0 && System.nanoTime() - start > 3_000_000_000L) {
                    mid = Files.size(folder.resolve("scheduler.mv.db"));
                }
            }
            long size = Files.size(folder.resolve("scheduler.mv.db"));
            System.out.printf("%s: %d runs recorded, %.1f MB, housekeeping %s%n", folder.getFileName(), n,
                    size / 1e6, store.housekeeping().map(h -> "chunks " + h.chunksFillRate() + "% live, file "
                            + h.fileFillRate() + "% used, turns " + java.util.Arrays.toString(h.counts())).orElse("off"));
            return new long[] {mid, size};
        }
    }
}
