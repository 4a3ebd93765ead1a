package com.example.smallest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.testkit.TaskHarness;
import org.pluginscheduler.testkit.TestExecution;

/** The on-demand task never fires by itself, runs when submitted (README's submit line), and checks its argument. */
class ExportTaskTest {

    @TempDir
    Path folder;

    @Test
    void runsOnlyWhenSubmitted() throws IOException {
        try (TaskHarness harness = TaskHarness.at(Instant.parse("2026-11-30T00:00:00Z")).owner("smallest-plugin")
                .task(new ExportTask(folder))) {
            harness.advance(Duration.ofDays(1));
            assertEquals(List.of(), harness.runs("export"), "an on-demand task does not fire by itself");

            TaskScheduler scheduler = harness.scheduler();
            scheduler.submit(TaskId.of("smallest-plugin", "export"), Map.of("customer", "acme"),
                    Optional.of(Instant.parse("2026-12-01T02:00:00Z")), Set.of("customer-acme"));
            harness.advance(Duration.ofDays(1));

            List<RunRecord> runs = harness.runs("export");
            assertEquals(1, runs.size(), runs::toString);
            assertEquals(RunStatus.SUCCEEDED, runs.get(0).status(), runs.get(0)::message);
            assertEquals(Instant.parse("2026-12-01T02:00:00Z"), runs.get(0).startTime().orElseThrow());
            assertEquals("export of acme at 2026-12-01T02:00:00Z" + System.lineSeparator(),
                    Files.readString(folder.resolve("acme.txt")));
        }
    }

    @Test
    void aCustomerThatIsNotAPlainNameIsRefusedAndNothingIsWritten() throws Exception {
        TaskResult result = new ExportTask(folder).execute(
                TestExecution.builder("export").argument("customer", "../etc").build());

        assertFalse(result.successful());
        assertTrue(result.message().contains("not ../etc"), result.message());
        try (var files = Files.list(folder)) {
            assertEquals(0, files.count(), "nothing written");
        }
    }
}
