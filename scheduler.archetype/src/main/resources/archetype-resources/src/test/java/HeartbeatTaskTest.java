package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.testkit.TaskHarness;
import org.pluginscheduler.testkit.TestExecution;

/** Unit tests on the test kit: no OSGi framework, no sleeping. */
class HeartbeatTaskTest {

    @TempDir
    Path folder;

    /** The harness runs the task on its annotation's schedule against a clock the test moves. */
    @Test
    void firesEveryMinute() throws Exception {
        Path log = folder.resolve("heartbeat.log");
        Instant start = Instant.parse("2026-06-01T00:00:00Z");
        try (TaskHarness harness = TaskHarness.at(start).task(new HeartbeatTask(log))) {
            harness.advance(Duration.ofMinutes(3));

            // newest first; an every: schedule fires when the task is registered, then every minute
            List<RunRecord> runs = harness.runs("HeartbeatTask");
            assertEquals(4, runs.size(), runs::toString);
            assertTrue(runs.stream().allMatch(r -> r.status() == RunStatus.SUCCEEDED), runs::toString);
            assertEquals(List.of(start + " alive", start.plusSeconds(60) + " alive", start.plusSeconds(120) + " alive",
                    start.plusSeconds(180) + " alive"), Files.readAllLines(log));
        }
    }

    /** TestExecution is one run's context, for calling the task directly. */
    @Test
    void writesTheNoteArgument() throws Exception {
        Path log = folder.resolve("heartbeat.log");
        TestExecution run = TestExecution.builder("HeartbeatTask").argument("note", "deployed").build();

        TaskResult result = new HeartbeatTask(log).execute(run);

        assertTrue(result.successful(), result::message);
        assertEquals("deployed", result.data().get("note"));
        assertEquals(List.of(run.startTime() + " deployed"), Files.readAllLines(log));
    }
}
