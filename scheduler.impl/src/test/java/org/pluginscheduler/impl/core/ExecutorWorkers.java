package org.pluginscheduler.impl.core;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.execution.ExecutableRun;
import org.pluginscheduler.api.execution.ExecutionStats;
import org.pluginscheduler.api.execution.RunExecutor;

/**
 * A {@link RunExecutor} for tests: each priority goes to a given executor; deadlines are armed on a timer of its
 * own ({@link #watch}) that the test drives with its clock; a stuck run's replacement is only counted.
 */
public final class ExecutorWorkers implements RunExecutor {
    private final Map<Priority, Executor> executors = new EnumMap<>(Priority.class);
    final Map<Priority, Integer> extra = new EnumMap<>(Priority.class);
    /** Deadlines and stuck checks; run with {@code watch.runDue()} after advancing the clock. */
    final TaskTimer watch;
    private final Clock clock;
    private final Duration stuckAfter;
    private int stuck;
    /** The runs the core said it abandoned ({@link #abandoned}), by run id. */
    final List<String> abandoned = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ExecutorWorkers(Executor all) {
        this(all, Clock.systemUTC(), Duration.ofSeconds(5));
    }

    public ExecutorWorkers(Executor all, Clock clock, Duration stuckAfter) {
        for (Priority p : Priority.values()) {
            executors.put(p, all);
            extra.put(p, 0);
        }
        this.clock = clock;
        this.watch = new TaskTimer(clock);
        this.stuckAfter = stuckAfter;
    }

    ExecutorWorkers with(Priority p, Executor executor) {
        executors.put(p, executor);
        return this;
    }

    @Override
    public void execute(ExecutableRun run) {
        executors.get(run.priority()).execute(() -> runWatched(run, true));
    }

    @Override
    public void abandoned(ExecutableRun run) {
        abandoned.add(run.runId());
    }

    @Override
    public void executeHere(ExecutableRun run) {
        runWatched(run, false);
    }

    private void runWatched(ExecutableRun run, boolean pooled) {
        boolean[] state = new boolean[2]; // [0] returned, [1] replaced
        TaskTimer.Entry deadline = run.timeout().map(t -> watch.schedule(clock.instant().plus(t), due -> {
            synchronized (state) {
                if (state[0]) {
                    return;
                }
            }
            run.timedOut(t);
            watch.schedule(clock.instant().plus(stuckAfter), stuckDue -> {
                synchronized (state) {
                    if (state[0]) {
                        return;
                    }
                    state[1] = pooled && compensate(run.priority(), +1);
                }
                synchronized (this) {
                    stuck++;
                }
                run.stuck("test-worker", state[1]);
            });
        })).orElse(null);
        try {
            run.run();
        } finally {
            watch.cancel(deadline);
            boolean replaced;
            synchronized (state) {
                state[0] = true;
                replaced = state[1];
            }
            if (replaced) {
                compensate(run.priority(), -1);
                synchronized (this) {
                    stuck--;
                }
            }
            Thread.interrupted();
        }
    }

    synchronized boolean compensate(Priority priority, int delta) {
        extra.merge(priority, delta, Integer::sum);
        return true;
    }

    @Override
    public synchronized ExecutionStats stats() {
        return new ExecutionStats(List.of(), stuck);
    }
}
