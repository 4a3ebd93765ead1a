package org.pluginscheduler.impl;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.osgi.framework.Bundle;
import org.pluginscheduler.api.AmbiguousTaskIdException;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskAccessException;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.impl.core.SchedulerEngine;

/**
 * The {@link TaskScheduler} of one using bundle, with its scope: a plugin's instance ({@link TaskSchedulerService})
 * acts on its own bundle's tasks only, the administrator's ({@link SchedulerAdminService}) on every task. The scope
 * is checked here, before the engine is asked, so a refused call changes nothing and reads nothing.
 *
 * <p>A task's owner is the symbolic name of the bundle that provides it or added it ({@link TaskId#owner()}), so the
 * check is a comparison of names (two versions of one bundle share a scope, as they share their tasks' state). Ids
 * of another owner are refused whether or not such a task exists, so the error tells a plugin nothing it did not
 * name itself; a run id or dead letter of another owner's task is refused naming that task. No plugin acts as the
 * owner {@code config} of configuration-defined jobs, whatever its name. {@link #stats()} keeps the counters but
 * shows a plugin only its own use of the pools and its own provider problems.
 */
abstract class ScopedTaskScheduler implements TaskScheduler {

    private final SchedulerComponent core;
    private final JobRegistry jobs;
    private final Bundle user;
    /** The owner this instance acts for; empty for the administrator's (every owner). */
    private final Optional<String> scope;

    ScopedTaskScheduler(SchedulerComponent core, JobRegistry jobs, Bundle user, boolean admin) {
        this.core = core;
        this.jobs = jobs;
        this.user = user;
        this.scope = admin ? Optional.empty() : Optional.of(user.getSymbolicName());
    }

    /**
     * The using bundle released its instance (or the scheduler stops): its ad-hoc tasks go, like a departing
     * provider's. They keep their planned fires, so a bundle that adds them again continues their phase.
     */
    void release() {
        try {
            core.engine().releaseAdHoc(user.getBundleId());
        } catch (IllegalStateException stopped) {
            // the scheduler stopped first and took every task with it
        }
    }

    /** @return whether this instance may act on tasks of {@code owner} */
    private boolean inScope(String owner) {
        // a bundle named "config" is not the owner of the operators' configuration-defined jobs
        return scope.map(me -> me.equals(owner) && !JobComponent.OWNER.equals(owner)).orElse(true);
    }

    /** @return {@code id}, if this instance may act on it */
    private TaskId own(TaskId id, String operation) {
        if (!inScope(id.owner())) {
            throw new TaskAccessException(scope.get(), Optional.of(id), operation);
        }
        return id;
    }

    private void wholeScheduler(String operation) {
        if (scope.isPresent()) {
            throw new TaskAccessException(scope.get(), Optional.empty(), operation);
        }
    }

    /** @return the record, if it is of a task in scope; a foreign run is refused, not hidden */
    private <T> Optional<T> ownRecord(Optional<T> record, Function<T, TaskId> task, String op) {
        record.ifPresent(r -> own(task.apply(r), op));
        return record;
    }

    private SchedulerEngine engine() {
        return core.engine();
    }

    @Override
    public List<TaskInfo> tasks() {
        List<TaskInfo> all = engine().tasks();
        return scope.isEmpty() ? all : all.stream().filter(t -> inScope(t.id().owner())).toList();
    }

    @Override
    public Optional<TaskInfo> task(TaskId id) {
        return engine().task(own(id, "task"));
    }

    @Override
    public TaskId resolve(String idOrBareId) {
        if (scope.isEmpty()) {
            return engine().resolve(idOrBareId);
        }
        String trimmed = idOrBareId.trim();
        if (trimmed.contains(":")) {
            TaskId id;
            try {
                id = TaskId.parse(trimmed);
            } catch (IllegalArgumentException e) {
                throw new NoSuchTaskException(trimmed);
            }
            return engine().resolve(own(id, "resolve").toString());
        }
        List<TaskId> matches = tasks().stream().map(TaskInfo::id)
                .filter(id -> (id.id() + id.tenant().map(t -> "@" + t).orElse("")).equals(trimmed)).toList();
        if (matches.isEmpty()) {
            throw new NoSuchTaskException(trimmed);
        }
        if (matches.size() > 1) {
            throw new AmbiguousTaskIdException(trimmed, matches);
        }
        return matches.get(0);
    }

    @Override
    public List<RunRecord> runs(TaskId id, int limit) {
        return engine().runs(own(id, "runs"), limit);
    }

    @Override
    public Optional<RunRecord> run(String runId) {
        return ownRecord(engine().run(runId), RunRecord::taskId, "run " + runId + " of");
    }

    @Override
    public String trigger(TaskId id) {
        return engine().trigger(own(id, "trigger"), RunTrigger.MANUAL, Map.of());
    }

    @Override
    public RunRecord call(TaskId id, Map<String, String> arguments, Set<String> lockKeys) {
        return engine().call(own(id, "call"), arguments, lockKeys);
    }

    @Override
    public String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys) {
        return engine().submit(own(id, "submit"), arguments, at, lockKeys);
    }

    @Override
    public SchedulerStats stats() {
        SchedulerStats s = engine().stats();
        if (scope.isEmpty()) {
            return s;
        }
        // the counters are the scheduler's; which other plugins use the pools or have problems is theirs
        return new SchedulerStats(s.since(), s.runsByStatus(), s.lag(), s.pools(), s.stuckRuns(), s.pendingRetries(),
                s.heldLocks(), s.paused(), s.executing(), s.heldRuns(), s.history(),
                s.owners().stream().filter(o -> inScope(o.owner())).toList(),
                s.providerProblems().stream().filter(p -> inScope(p.owner())).toList());
    }

    @Override
    public void enable(TaskId id) {
        engine().setEnabled(own(id, "enable"), true);
    }

    @Override
    public void disable(TaskId id) {
        engine().setEnabled(own(id, "disable"), false);
    }

    @Override
    public void pause(TaskId id) {
        engine().setPaused(own(id, "pause"), true);
    }

    @Override
    public void resume(TaskId id) {
        engine().setPaused(own(id, "resume"), false);
    }

    @Override
    public void pauseAll() {
        wholeScheduler("pauseAll");
        engine().pauseAll(true);
    }

    @Override
    public void resumeAll() {
        wholeScheduler("resumeAll");
        engine().pauseAll(false);
    }

    @Override
    public boolean isPausedAll() {
        return engine().isPausedAll();
    }

    @Override
    public void reschedule(TaskId id, Schedule schedule) {
        engine().reschedule(own(id, "reschedule"), Optional.of(schedule));
    }

    @Override
    public void resetSchedule(TaskId id) {
        engine().reschedule(own(id, "resetSchedule"), Optional.empty());
    }

    @Override
    public TaskId addTask(TaskDefinition definition, TaskAction action, boolean replace) {
        return engine().addTask(user.getBundleId(), user.getSymbolicName(),
                user.getSymbolicName() + " " + user.getVersion(), definition, action, replace);
    }

    @Override
    public boolean removeTask(TaskId id) {
        own(id, "removeTask");
        if (JobComponent.OWNER.equals(id.owner()) && jobs.deleteJob(id)) {
            return true; // the job goes with its configuration
        }
        return engine().removeTask(id);
    }

    @Override
    public void reloadTasks() {
        core.reload(user.getBundleId());
    }

    @Override
    public List<ZonedDateTime> nextFires(TaskId id, int count) {
        return engine().nextFires(own(id, "nextFires"), count);
    }

    @Override
    public List<DeadLetter> deadLetters() {
        List<DeadLetter> all = engine().deadLetters();
        return scope.isEmpty() ? all : all.stream().filter(d -> inScope(d.taskId().owner())).toList();
    }

    @Override
    public String replayDeadLetter(String runId) {
        if (scope.isPresent()) { // an unknown run id is the engine's error; a foreign one is refused
            engine().deadLetters().stream().filter(d -> d.runId().equals(runId)).findFirst()
                    .ifPresent(d -> own(d.taskId(), "replayDeadLetter " + runId + " of"));
        }
        return engine().replayDeadLetter(runId);
    }

    @Override
    public int purgeDeadLetters(Optional<TaskId> taskId) {
        if (taskId.isPresent() || scope.isEmpty()) {
            return engine().purgeDeadLetters(taskId.map(id -> own(id, "purgeDeadLetters")));
        }
        int removed = 0;
        for (TaskId own : deadLetters().stream().map(DeadLetter::taskId).distinct().toList()) {
            removed += engine().purgeDeadLetters(Optional.of(own));
        }
        return removed;
    }

    @Override
    public int purgeHistory(java.time.Duration olderThan) {
        wholeScheduler("purgeHistory");
        return engine().purgeHistory(olderThan);
    }

    @Override
    public List<ZonedDateTime> preview(Schedule schedule, Instant from, int count) {
        return engine().preview(schedule, from, count);
    }

    @Override
    public String describe(Schedule schedule) {
        return engine().describe(schedule);
    }
}
