package org.pluginscheduler.testkit;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.impl.core.SchedulerEngine;

/**
 * The {@link TaskScheduler} of a {@link TaskHarness}: the administrator's view of the core (every owner's tasks and
 * the whole-scheduler operations; a plugin's own {@code TaskScheduler} at run time throws
 * {@code TaskAccessException} for those); after each operation that can make work due, that work runs (on the
 * calling thread) before the operation returns.
 */
final class HarnessScheduler implements TaskScheduler {

    private final TaskHarness harness;

    HarnessScheduler(TaskHarness harness) {
        this.harness = harness;
    }

    private SchedulerEngine engine() {
        return harness.engine();
    }

    private <T> T settled(T result) {
        harness.settle();
        return result;
    }

    @Override
    public List<TaskInfo> tasks() {
        return engine().tasks();
    }

    @Override
    public Optional<TaskInfo> task(TaskId id) {
        return engine().task(id);
    }

    @Override
    public TaskId resolve(String idOrBareId) {
        return engine().resolve(idOrBareId);
    }

    @Override
    public List<RunRecord> runs(TaskId id, int limit) {
        return engine().runs(id, limit);
    }

    @Override
    public Optional<RunRecord> run(String runId) {
        return engine().run(runId);
    }

    @Override
    public String trigger(TaskId id) {
        return settled(engine().trigger(id, RunTrigger.MANUAL, Map.of()));
    }

    @Override
    public RunRecord call(TaskId id, Map<String, String> arguments, Set<String> lockKeys) {
        return settled(engine().call(id, arguments, lockKeys));
    }

    @Override
    public String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys) {
        return settled(engine().submit(id, arguments, at, lockKeys));
    }

    @Override
    public void enable(TaskId id) {
        engine().setEnabled(id, true);
        harness.settle();
    }

    @Override
    public void disable(TaskId id) {
        engine().setEnabled(id, false);
        harness.settle();
    }

    @Override
    public void pause(TaskId id) {
        engine().setPaused(id, true);
        harness.settle();
    }

    @Override
    public void resume(TaskId id) {
        engine().setPaused(id, false);
        harness.settle();
    }

    @Override
    public void pauseAll() {
        engine().pauseAll(true);
        harness.settle();
    }

    @Override
    public void resumeAll() {
        engine().pauseAll(false);
        harness.settle();
    }

    @Override
    public boolean isPausedAll() {
        return engine().isPausedAll();
    }

    @Override
    public void reschedule(TaskId id, Schedule schedule) {
        engine().reschedule(id, Optional.of(schedule));
        harness.settle();
    }

    @Override
    public void resetSchedule(TaskId id) {
        engine().reschedule(id, Optional.empty());
        harness.settle();
    }

    /** Adds an ad-hoc task owned by the harness's current owner ({@link TaskHarness#owner(String)}). */
    @Override
    public TaskId addTask(TaskDefinition definition, TaskAction action, boolean replace) {
        String owner = harness.owner();
        return settled(engine().addTask(harness.bundleId(owner), owner, owner + " 0.0.0", definition, action, replace));
    }

    @Override
    public boolean removeTask(TaskId id) {
        return settled(engine().removeTask(id));
    }

    /**
     * Re-reads every provider and task service of the harness's current owner ({@link TaskHarness#reload()}), as
     * the runtime re-reads the calling plugin's; what that makes due now runs before it returns.
     */
    @Override
    public void reloadTasks() {
        harness.reload();
        harness.settle();
    }

    @Override
    public List<ZonedDateTime> nextFires(TaskId id, int count) {
        return engine().nextFires(id, count);
    }

    @Override
    public List<DeadLetter> deadLetters() {
        return engine().deadLetters();
    }

    @Override
    public String replayDeadLetter(String runId) {
        return settled(engine().replayDeadLetter(runId));
    }

    @Override
    public int purgeDeadLetters(Optional<TaskId> taskId) {
        return engine().purgeDeadLetters(taskId);
    }

    @Override
    public int purgeHistory(Duration olderThan) {
        return engine().purgeHistory(olderThan);
    }

    @Override
    public List<ZonedDateTime> preview(Schedule schedule, Instant from, int count) {
        return engine().preview(schedule, from, count);
    }

    @Override
    public SchedulerStats stats() {
        return engine().stats();
    }

    @Override
    public String describe(Schedule schedule) {
        return engine().describe(schedule);
    }
}
