package org.pluginscheduler.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;

class TestExecutionTest {

    @Test
    void defaultsAreAFirstScheduledAttemptAtAFixedInstant() {
        TestExecution run = TestExecution.of("cleanup");

        assertEquals(TaskId.of("test.plugin", "cleanup"), run.taskId());
        assertEquals(1, run.attempt());
        assertEquals(RunTrigger.SCHEDULE, run.trigger());
        assertEquals(TestExecution.DEFAULT_TIME, run.scheduledTime());
        assertEquals(TestExecution.DEFAULT_TIME, run.startTime());
        assertEquals(Optional.empty(), run.deadline());
        assertEquals(Optional.empty(), run.tenant());
        assertEquals(Map.of(), run.arguments());
        assertEquals(Map.of(), run.config());
        assertEquals("cleanup", run.definition().id());
        assertFalse(run.isCancelled());
    }

    @Test
    void everyFieldCanBeSet() {
        Instant due = Instant.parse("2026-03-01T03:00:00Z");
        TestExecution run = TestExecution.builder("report").owner("my.plugin").runId("r-7").attempt(3)
                .trigger(RunTrigger.RETRY).scheduledTime(due).startTime(due.plusSeconds(2))
                .deadline(due.plusSeconds(60)).tenant("acme").argument("a", "1").arguments(Map.of("b", "2"))
                .config("folder", "/tmp").build();

        assertEquals(TaskId.of("my.plugin", "report").forTenant("acme"), run.taskId());
        assertEquals("r-7", run.runId());
        assertEquals(3, run.attempt());
        assertEquals(RunTrigger.RETRY, run.trigger());
        assertEquals(due, run.scheduledTime());
        assertEquals(due.plusSeconds(2), run.startTime());
        assertEquals(Optional.of(due.plusSeconds(60)), run.deadline());
        assertEquals(Optional.of("acme"), run.tenant());
        assertEquals(Map.of("a", "1", "b", "2"), run.arguments());
        assertEquals(Map.of("folder", "/tmp"), run.config());
        assertEquals(Map.of("folder", "/tmp"), run.definition().config());
    }

    @Test
    void aDefinitionGivesIdConfigAndDeadlineAndAClockGivesTheTimes() {
        TaskDefinition definition = TaskDefinition.builder("purge").schedule("cron:0 3 * * *")
                .timeout(Duration.ofMinutes(10)).config("days", "30").build();
        Instant now = Instant.parse("2026-07-01T12:00:00Z");

        TestExecution run = TestExecution.builder(definition).clock(Clock.fixed(now, ZoneOffset.UTC)).build();

        assertEquals("purge", run.taskId().id());
        assertEquals(Map.of("days", "30"), run.config());
        assertEquals(now, run.startTime());
        assertEquals(Optional.of(now.plus(Duration.ofMinutes(10))), run.deadline());
        assertEquals(definition.schedule(), TestExecution.of(definition).definition().schedule());
    }

    @Test
    void cancelTurnsIsCancelledOn() {
        TestExecution run = TestExecution.of("t");
        assertFalse(run.isCancelled());
        run.cancel();
        assertTrue(run.isCancelled());
    }

    @Test
    void cancelledAfterChecksAnswersFalseThatManyTimes() {
        TestExecution run = TestExecution.builder("t").cancelledAfterChecks(2).build();
        assertFalse(run.isCancelled());
        assertFalse(run.isCancelled());
        assertTrue(run.isCancelled());
        assertEquals(3, run.cancellationChecks());
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TestExecution.builder("t").attempt(0));
        assertTrue(e.getMessage().contains("attempt"), e.getMessage());
        NullPointerException n = assertThrows(NullPointerException.class, () -> TestExecution.builder("t").owner(null));
        assertEquals("owner", n.getMessage());
    }
}
