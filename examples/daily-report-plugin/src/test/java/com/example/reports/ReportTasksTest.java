package com.example.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.testkit.TaskHarness;
import org.pluginscheduler.testkit.TestExecution;

/**
 * The example's task is valid, runs (test kit: TestExecution, and TaskHarness for its schedule), and bnd wrote the
 * manifest the README describes.
 */
class ReportTasksTest {

    @Test
    void theTaskIsValid() {
        TaskDefinition daily = new ReportTasks().tasks().get(0);
        assertEquals("daily-report", daily.id());
        assertEquals(java.util.List.of(), daily.problems());
        assertEquals(Schedule.parse("cron:0 6 * * *"), daily.schedule());
    }

    @Test
    void theTaskWritesItsReport() throws Exception {
        TaskResult result = new ReportTasks().execute(TestExecution.of("daily-report"));

        assertTrue(result.successful());
        assertEquals("report written", result.message());
    }

    @Test
    void theTaskRunsEveryDayAtSix() {
        try (TaskHarness harness = TaskHarness.at(Instant.parse("2026-03-01T00:00:00Z")).provider(new ReportTasks())) {
            List<RunRecord> runs = harness.advance(Duration.ofDays(2));

            assertEquals(List.of(Instant.parse("2026-03-01T06:00:00Z"), Instant.parse("2026-03-02T06:00:00Z")),
                    runs.stream().map(RunRecord::scheduledTime).toList());
            runs.forEach(r -> assertEquals(RunStatus.SUCCEEDED, r.status()));
        }
    }

    @Test
    void bndWroteTheComponentAndTheConsumerImport() throws IOException {
        Manifest manifest;
        try (InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            manifest = new Manifest(in);
        }
        String imports = manifest.getMainAttributes().getValue("Import-Package");
        // the consumer range: from the API version compiled against up to the next major
        assertTrue(imports.matches(".*org\\.pluginscheduler\\.api;version=\"\\[1\\.\\d+,2\\)\".*"), imports);
        String components = manifest.getMainAttributes().getValue("Service-Component");
        assertTrue(components.contains("OSGI-INF/com.example.reports.ReportTasks.xml")
                && components.contains("OSGI-INF/com.example.reports.ReportFailureHook.xml"), components);
        assertEquals(null, manifest.getMainAttributes().getValue("Export-Package"), "nothing exported");
    }
}
