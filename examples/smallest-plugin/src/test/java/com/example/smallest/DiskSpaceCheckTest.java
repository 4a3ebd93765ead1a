package com.example.smallest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.testkit.TaskHarness;

/** The smallest plugin fires on its annotation's schedule, and a low disk is a failed run that says where. */
class DiskSpaceCheckTest {

    static final Instant START = Instant.parse("2026-06-01T00:00:00Z");

    @TempDir
    File folder;

    @Test
    void firesEveryFiveMinutes() {
        try (TaskHarness harness = TaskHarness.at(START).task(new DiskSpaceCheck(folder, 0))) {
            harness.advance(Duration.ofMinutes(15));

            // newest first; an every: schedule fires when the task is registered, then every 5 minutes
            List<RunRecord> runs = harness.runs("DiskSpaceCheck");
            assertEquals(List.of(START.plusSeconds(900), START.plusSeconds(600), START.plusSeconds(300), START),
                    runs.stream().map(RunRecord::scheduledTime).toList());
            assertTrue(runs.stream().allMatch(r -> r.status() == RunStatus.SUCCEEDED), runs::toString);
        }
    }

    @Test
    void tooLittleFreeSpaceFailsTheRunNamingTheFolder() {
        try (TaskHarness harness = TaskHarness.at(START).task(new DiskSpaceCheck(folder, Long.MAX_VALUE))) {
            harness.advance(Duration.ofMinutes(5));

            RunRecord run = harness.runs("DiskSpaceCheck").get(0);
            assertEquals(RunStatus.FAILED, run.status());
            assertTrue(run.message().contains("MiB free under " + folder.getAbsolutePath()), run.message());
        }
    }
}
