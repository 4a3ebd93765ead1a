package org.pluginscheduler.monitor;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/**
 * A {@link SchedulerAdmin} answering only what the monitor asks ({@code tasks()}, {@code stats()},
 * {@code deadLetters()}, {@code run(String)}) from fields a test sets, counting the calls. Any other method fails
 * the test: the monitor must not call it.
 */
final class FakeAdmin {

    volatile List<TaskInfo> tasks = List.of();
    volatile SchedulerStats stats = stats(0, lag(0, 0, 0), 0, List.of(), true, false);
    volatile List<DeadLetter> deadLetters = List.of();
    /** When set, every call of that method throws it. */
    final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    final SchedulerAdmin admin = (SchedulerAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> {
                String name = method.getName();
                if (method.getDeclaringClass() == Object.class) {
                    return switch (name) {
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "FakeAdmin";
                    };
                }
                calls.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                RuntimeException failure = failures.get(name);
                if (failure != null) {
                    throw failure;
                }
                return switch (name) {
                    case "tasks" -> tasks;
                    case "stats" -> stats;
                    case "deadLetters" -> deadLetters;
                    case "run" -> Optional.empty();
                    default -> throw new AssertionError("the monitor must not call " + method);
                };
            });

    int calls(String method) {
        AtomicInteger n = calls.get(method);
        return n == null ? 0 : n.get();
    }

    static TaskInfo task(String owner, String id, TaskState state, Instant nextFire) {
        return new TaskInfo(TaskId.of(owner, id), owner + " 1.0.0", Optional.empty(), "every:PT1M", false, state,
                Optional.ofNullable(nextFire), Optional.empty(), Optional.empty(), Optional.empty());
    }

    static List<TaskInfo> tasks(int count, TaskState state) {
        List<TaskInfo> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(task("owner" + i % 10, "task-" + i, state, Instant.parse("2030-01-01T00:00:00Z")));
        }
        return tasks;
    }

    static SchedulerStats.Lag lag(int samples, long p50Ms, long p99Ms) {
        return new SchedulerStats.Lag(samples, Duration.ofMillis(p50Ms), Duration.ofMillis(p99Ms),
                Duration.ofMillis(p99Ms), Duration.ofMillis(p99Ms));
    }

    static SchedulerStats stats(int stuck, SchedulerStats.Lag lag, int heldLocks, List<ProviderProblem> problems,
                                boolean executing, boolean paused) {
        return new SchedulerStats(Instant.parse("2026-12-07T00:00:00Z"), Map.of(RunStatus.SUCCEEDED, 3L), lag,
                List.of(new SchedulerStats.Pool(Priority.NORMAL, 4, 2, 7, 1),
                        new SchedulerStats.Pool(Priority.REALTIME, 1, 0, 0, 0)),
                stuck, 5, heldLocks, paused, executing, executing ? 0 : 3, Optional.empty(),
                stuck == 0 ? List.of() : List.of(new SchedulerStats.OwnerUsage("slow.plugin", Priority.NORMAL, stuck,
                        0, stuck, 4)),
                problems);
    }

    static RunRecord run(String runId, TaskId task, RunStatus status, Instant scheduled, Duration lag,
                         Duration duration) {
        Instant start = scheduled.plus(lag);
        return new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, status, scheduled, Optional.of(start),
                Optional.of(start.plus(duration)), "", Map.of(), Map.of());
    }
}
