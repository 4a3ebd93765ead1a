package org.pluginscheduler.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import org.apache.felix.hc.api.FormattingResultLog;
import org.apache.felix.hc.api.Result;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/**
 * What each health check decides, from what the scheduler's admin service says. Independent of OSGi; each check
 * component ({@link StoreCheck}, {@link TimerCheck}, {@link StuckRunsCheck}, {@link FireLagCheck},
 * {@link ProvidersCheck}) calls one method.
 */
final class SchedulerHealth {

    /**
     * The run id the store check looks up. No run has it (run ids are generated, sortable by time): the lookup
     * answers "none" after a real query of the store.
     */
    static final String PROBE_RUN_ID = "health-probe-no-such-run";

    private SchedulerHealth() {
    }

    /**
     * The store takes writes and answers, in time. CRITICAL if the scheduler's last store write failed and none
     * succeeded since (the file unwritable, the disk full, the connection broken), naming the error. Then one run
     * looked up by id goes to the task store (H2: a primary key query): CRITICAL if it throws; WARN if slower than
     * {@code store.slow}.
     *
     * @param failingWrite why the last store write failed, if none succeeded since
     * @param nanoTime     the clock the probe is timed with
     */
    static Result store(SchedulerAdmin admin, java.util.Optional<String> failingWrite, MonitorSettings settings,
                        LongSupplier nanoTime) {
        FormattingResultLog log = new FormattingResultLog();
        if (failingWrite.isPresent()) {
            log.critical("The task store does not take writes: {}", failingWrite.get());
            return new Result(log);
        }
        long start = nanoTime.getAsLong();
        try {
            admin.run(PROBE_RUN_ID);
        } catch (RuntimeException e) {
            log.critical("The task store failed a run lookup: {}", describe(e));
            return new Result(log);
        }
        Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
        if (took.compareTo(settings.storeSlow()) > 0) {
            log.warn("The task store took {} ms for a run lookup (store.slow is {} ms)", took.toMillis(),
                    settings.storeSlow().toMillis());
        } else {
            log.info("The task store answered a run lookup in {} ms", took.toMillis());
        }
        return new Result(log);
    }

    /**
     * The timer fires on time: no active task's next fire is overdue by more than {@code lag.warn} (WARN) or
     * {@code lag.critical} (CRITICAL: the timer is not firing). While no execution service is bound, fires are held:
     * WARN. While the whole scheduler is paused nothing fires: OK.
     */
    static Result timer(SchedulerStats stats, List<TaskInfo> tasks, Instant now, MonitorSettings settings) {
        FormattingResultLog log = new FormattingResultLog();
        if (stats.paused()) {
            log.info("The scheduler is paused: no task fires until it is resumed");
            return new Result(log);
        }
        TaskInfo mostOverdue = null;
        int overdue = 0;
        for (TaskInfo task : tasks) {
            if (task.state() != TaskState.ACTIVE || task.nextFire().isEmpty()) {
                continue;
            }
            Duration late = Duration.between(task.nextFire().get(), now);
            if (late.compareTo(settings.lagWarn()) > 0) {
                overdue++;
                if (mostOverdue == null || task.nextFire().get().isBefore(mostOverdue.nextFire().get())) {
                    mostOverdue = task;
                }
            }
        }
        if (mostOverdue != null) {
            Duration late = Duration.between(mostOverdue.nextFire().get(), now);
            String text = overdue + " active task(s) overdue by more than " + settings.lagWarn().toMillis()
                    + " ms; the most: " + mostOverdue.id() + ", due " + mostOverdue.nextFire().get() + ", "
                    + late.toMillis() + " ms ago";
            if (late.compareTo(settings.lagCritical()) > 0) {
                log.critical("The timer is not firing: {}", text);
            } else {
                log.warn("The timer is late: {}", text);
            }
        } else {
            log.info("No active task is overdue ({} task(s))", tasks.size());
        }
        if (!stats.executing()) {
            log.warn("No execution service: fires are held, not run ({} run(s) held)", stats.heldRuns());
        }
        return new Result(log);
    }

    /**
     * Stuck runs (past their timeout, ignoring interruption, holding a thread): WARN from one, CRITICAL from
     * {@code stuck.critical}; names the owners that hold them.
     */
    static Result stuckRuns(SchedulerStats stats, MonitorSettings settings) {
        FormattingResultLog log = new FormattingResultLog();
        int stuck = stats.stuckRuns();
        if (stuck == 0) {
            log.info("No stuck runs");
            return new Result(log);
        }
        Map<String, Integer> byOwner = stats.owners().stream().filter(o -> o.stuck() > 0)
                .collect(Collectors.toMap(SchedulerStats.OwnerUsage::owner, SchedulerStats.OwnerUsage::stuck,
                        Integer::sum, TreeMap::new));
        String owners = byOwner.isEmpty() ? "" : " (" + byOwner.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ")) + ")";
        String text = stuck + " stuck run(s) hold a thread, past their timeout and ignoring interruption" + owners;
        if (stuck >= settings.stuckCritical()) {
            log.critical("{} (stuck.critical is {})", text, settings.stuckCritical());
        } else {
            log.warn("{}", text);
        }
        return new Result(log);
    }

    /** Fire lag p99 over the recent scheduled runs: WARN above {@code lag.warn}, CRITICAL above {@code lag.critical}. */
    static Result fireLag(SchedulerStats stats, MonitorSettings settings) {
        FormattingResultLog log = new FormattingResultLog();
        SchedulerStats.Lag lag = stats.lag();
        if (lag.samples() == 0) {
            log.info("No recent scheduled runs");
            return new Result(log);
        }
        String text = "fire lag p99 " + lag.p99().toMillis() + " ms (p50 " + lag.p50().toMillis() + " ms, max "
                + lag.max().toMillis() + " ms, " + lag.samples() + " recent runs)";
        if (lag.p99().compareTo(settings.lagCritical()) > 0) {
            log.critical("{}: above lag.critical {} ms", text, settings.lagCritical().toMillis());
        } else if (lag.p99().compareTo(settings.lagWarn()) > 0) {
            log.warn("{}: above lag.warn {} ms", text, settings.lagWarn().toMillis());
        } else {
            log.info("{}", text);
        }
        return new Result(log);
    }

    /** Task providers whose task list could not be read in time: WARN, naming each. */
    static Result providers(SchedulerStats stats) {
        FormattingResultLog log = new FormattingResultLog();
        List<ProviderProblem> problems = stats.providerProblems();
        if (problems.isEmpty()) {
            log.info("Every task provider answered");
            return new Result(log);
        }
        problems.stream().sorted(Comparator.comparing(ProviderProblem::since)).forEach(p ->
                log.warn("{} ({}), since {}: {}", p.provider(), p.owner(), p.since(), p.reason()));
        return new Result(log);
    }

    /** A failure as one line: its class and message, and its cause's. */
    static String describe(Throwable e) {
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        return e.getCause() == null ? text : text + " (cause: " + e.getCause().getClass().getSimpleName() + ": "
                + e.getCause().getMessage() + ")";
    }
}
