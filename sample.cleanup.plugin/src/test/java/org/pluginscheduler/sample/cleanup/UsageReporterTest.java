package org.pluginscheduler.sample.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.sample.cleanup.TestFiles.days;
import static org.pluginscheduler.sample.cleanup.TestFiles.file;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.testkit.TestExecution;

class UsageReporterTest {

    @TempDir
    Path temp;

    private final UsageReporter reporter = new UsageReporter();

    private TaskResult report(Path folder) {
        return reporter.report(folder, 7, TestExecution.of(CleanupTaskProvider.USAGE_REPORT));
    }

    @Test
    void reportsCountSizeOldestAgeAndWhatIsDueForDeletion() {
        Path oldest = file(temp, "a/oldest", 100, days(10).plusHours(2));
        file(temp, "a/b/old", 200, days(8));
        file(temp, "young", 300, days(1));

        TaskResult result = report(temp);

        assertTrue(result.successful());
        assertEquals(Map.of("files", "3", "bytes", "600", "expired", "2", "expired_bytes", "300",
                "oldest_age_seconds", Long.toString(days(10).plusHours(2).toSeconds()), "cancelled", "false"),
                result.data());
        assertEquals("3 files (600 B) in " + temp + "; the oldest is 10 days 2 hours old; 2 files (300 B) older "
                + "than 7 days are due for deletion", result.message());
        assertTrue(Files.exists(oldest), "a report never deletes");
    }

    @Test
    void anEmptyFolderHasNoOldestAge() {
        TaskResult result = report(temp);

        assertEquals("0", result.data().get("files"));
        assertFalse(result.data().containsKey("oldest_age_seconds"));
        assertEquals("no files in " + temp, result.message());
    }

    @Test
    void aMissingFolderIsNotAFailure() {
        Path missing = temp.resolve("missing");

        TaskResult result = report(missing);

        assertTrue(result.successful());
        assertEquals("0", result.data().get("files"));
        assertEquals("folder " + missing + " does not exist; nothing to report", result.message());
    }

    @Test
    void aFileFromTheFutureCountsAsAgeZero() {
        file(temp, "future", 1, Duration.ofHours(-3));

        TaskResult result = report(temp);

        assertEquals("0", result.data().get("oldest_age_seconds"));
        assertEquals("0", result.data().get("expired"));
    }

    @Test
    void cancellationStopsEarlyAndReportsWhatWasScanned() {
        for (int i = 0; i < 4; i++) {
            file(temp, "f" + i, 10, days(30));
        }
        TestExecution run = TestExecution.builder(CleanupTaskProvider.USAGE_REPORT).cancelledAfterChecks(1).build();

        TaskResult result = reporter.report(temp, 7, run);

        assertTrue(result.successful());
        assertEquals("1", result.data().get("files"));
        assertEquals("true", result.data().get("cancelled"));
        assertEquals(2, run.cancellationChecks());
        assertTrue(result.message().startsWith("cancelled after scanning 1 file: 1 file (10 B) in "),
                result.message());
    }
}
