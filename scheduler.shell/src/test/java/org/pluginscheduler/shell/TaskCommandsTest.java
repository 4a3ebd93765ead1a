package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskScheduler;

class TaskCommandsTest {

    @Test
    void aBareCronIsAcceptedWhereAScheduleIsExpected() {
        assertEquals(Schedule.parse("cron:0 3 * * 1-5"), TaskCommands.parseSchedule("0 3 * * 1-5"));
        assertEquals(Schedule.parse("every:PT5M"), TaskCommands.parseSchedule("every:PT5M"));
        ScheduleParseException e = assertThrows(ScheduleParseException.class,
                () -> TaskCommands.parseSchedule("61 * * * *"));
        assertEquals("minute: 61 is not in 0–59", e.getMessage());
    }

    @Test
    void argumentsAreNameValuePairs() {
        assertEquals(Map.of("path", "/tmp/x", "n", "a=b"), TaskCommands.arguments("path=/tmp/x", "n=a=b"));
        assertEquals("argument 'oops' is not name=value",
                assertThrows(IllegalArgumentException.class, () -> TaskCommands.arguments("oops")).getMessage());
    }

    @Test
    void tablesAlignColumnsAndTrimTrailingSpace() {
        String table = Tables.align(List.of(new String[] {"A", "BB", "C"}, new String[] {"long value", "x", ""}));
        assertEquals("A           BB  C\nlong value  x", table);
    }

    @Test
    void aStatusFilterThatIsNoStateNorRunStatusIsAnErrorNotAnEmptyList() {
        TaskCommands commands = new TaskCommands(noTasks(), Clock.systemUTC());
        assertEquals("no tasks", commands.list("", "timed_out", ""));
        assertEquals("no tasks", commands.list("", "Disabled", ""));
        CommandException e = assertThrows(CommandException.class, () -> commands.list("", "faild", ""));
        assertEquals("task:list: --status: 'faild' is neither a state (active, paused, disabled, dormant, conflict, "
                + "invalid) nor a run status (running, succeeded, failed, timed_out, skipped, cancelled, abandoned)",
                e.getMessage());
    }

    @Test
    void olderThanWithoutHistoryIsRefusedRatherThanPurgingEveryDeadLetter() {
        TaskCommands commands = new TaskCommands(noTasks(), Clock.systemUTC());
        CommandException e = assertThrows(CommandException.class, () -> commands.purge(false, "P7D"));
        assertEquals("task:purge: --older-than applies only with --history; dead letters are purged all at once or "
                + "one task's", e.getMessage());
    }

    @Test
    void listAndStatsSayWhenFiresAreHeldForWantOfAnExecutionService() {
        SchedulerStats held = stats(false, 2);
        TaskCommands commands = new TaskCommands(noTasks(held), Clock.systemUTC());
        String notice = "no execution service (bundle scheduler.execution stopped?): fires are held, 2 run(s) "
                + "waiting; missed scheduled fires follow their misfire policy when it returns";
        assertEquals("no tasks\n" + notice, commands.list("", "", ""));
        assertTrue(commands.stats().contains("\n" + notice + "\n\nstuck runs: 0"), commands.stats());
        assertEquals("no tasks", new TaskCommands(noTasks(stats(true, 0)), Clock.systemUTC()).list("", "", ""));
    }

    private static SchedulerStats stats(boolean executing, int held) {
        return new SchedulerStats(Instant.EPOCH, Map.of(), new SchedulerStats.Lag(0, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO), List.of(), 0, 0, 0, false, executing, held);
    }

    private static TaskScheduler noTasks() {
        return noTasks(stats(true, 0));
    }

    /** A scheduler without tasks that fails any call but {@code tasks()}, {@code isPausedAll()}, {@code stats()}. */
    private static TaskScheduler noTasks(SchedulerStats stats) {
        return (TaskScheduler) Proxy.newProxyInstance(TaskScheduler.class.getClassLoader(),
                new Class<?>[] {TaskScheduler.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "tasks" -> List.of();
                    case "isPausedAll" -> stats.paused();
                    case "stats" -> stats;
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
    }
}
