package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.SchedulerAdmin;

/** {@code task:list} names the providers whose task list could not be read in time, and since when. */
class ProviderProblemsListTest {

    private static final Instant NOW = Instant.parse("2026-06-01T10:00:42Z");

    @Test
    void listNamesEachProblemProviderWithItsOwnerSinceAndReason() {
        ProviderProblem problem = new ProviderProblem("hostile.plugin",
                "provider service 42 of hostile.plugin 1.0.0", NOW.minusSeconds(12),
                "tasks() has not returned within PT10S (thread task-scheduler-provider-read-3); no new tasks from it "
                        + "until it does");
        SchedulerStats stats = new SchedulerStats(Instant.EPOCH, Map.of(), new SchedulerStats.Lag(0, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, Duration.ZERO), List.of(), 0, 0, 0, false, true, 0, Optional.empty(),
                List.of(), List.of(problem));
        SchedulerAdmin scheduler = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "tasks" -> List.of();
                    case "isPausedAll" -> false;
                    case "stats" -> stats;
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        // without tasks, the list shows times in the JVM's zone
        String since = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss XXX").format(NOW.minusSeconds(12)
                .atZone(ZoneId.systemDefault()));
        String list = new TaskCommands(scheduler, Clock.fixed(NOW, ZoneOffset.UTC)).list("", "", "");
        assertEquals("no tasks\nprovider problem: provider service 42 of hostile.plugin 1.0.0 (owner hostile.plugin) "
                + "since " + since + " (for 12s): tasks() has not returned within PT10S (thread "
                + "task-scheduler-provider-read-3); no new tasks from it until it does", list);
    }

    @Test
    void listSaysWhichPluginsRunsWaitForTheirShareOfAPool() {
        SchedulerStats stats = new SchedulerStats(Instant.EPOCH, Map.of(), new SchedulerStats.Lag(0, Duration.ZERO,
                Duration.ZERO, Duration.ZERO, Duration.ZERO), List.of(), 4, 0, 0, false, true, 0, Optional.empty(),
                List.of(new SchedulerStats.OwnerUsage("hostile.plugin", org.pluginscheduler.api.Priority.NORMAL, 4, 16,
                                4, 4),
                        new SchedulerStats.OwnerUsage("other.plugin", org.pluginscheduler.api.Priority.NORMAL, 4, 3, 0,
                                4),
                        new SchedulerStats.OwnerUsage("good.plugin", org.pluginscheduler.api.Priority.NORMAL, 1, 0, 0,
                                4)),
                List.of());
        org.pluginscheduler.api.TaskInfo hostile = new org.pluginscheduler.api.TaskInfo(
                org.pluginscheduler.api.TaskId.of("hostile.plugin", "block"), "hostile.plugin 1.0.0", Optional.empty(),
                "every:PT1S", false, org.pluginscheduler.api.TaskState.ACTIVE, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        SchedulerAdmin scheduler = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "tasks" -> List.of(hostile);
                    case "isPausedAll" -> false;
                    case "stats" -> stats;
                    case "preview" -> List.of();
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        String list = new TaskCommands(scheduler, Clock.fixed(NOW, ZoneOffset.UTC)).list("", "", "");
        assertTrue(list.endsWith("\nwaiting for their plugin's share: 16 run(s) of hostile.plugin in the NORMAL pool "
                + "(it holds 4 of its 4 threads, 4 of them stuck; see task:stats)"), list);
        assertFalse(list.contains("other.plugin"), "only the plugins of the tasks listed: " + list);
    }
}
