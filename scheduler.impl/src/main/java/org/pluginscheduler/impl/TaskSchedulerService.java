package org.pluginscheduler.impl;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
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
 * The {@link TaskScheduler} service, one instance per using bundle ({@code scope = BUNDLE}): ad-hoc tasks belong
 * to the bundle that added them and go when its instance is released (the bundle stops or ungets the service).
 */
@Component(service = TaskScheduler.class, scope = ServiceScope.BUNDLE)
public final class TaskSchedulerService implements TaskScheduler {

    private final SchedulerComponent core;
    private final JobRegistry jobs;
    private final Bundle user;

    @Activate
    public TaskSchedulerService(@Reference SchedulerComponent core, @Reference JobRegistry jobs,
                                ComponentContext context) {
        this.core = core;
        this.jobs = jobs;
        this.user = context.getUsingBundle();
    }

    /**
     * The using bundle released its instance (or the scheduler stops): its ad-hoc tasks go, like a departing
     * provider's. They keep their planned fires, so a bundle that adds them again continues their phase.
     */
    @Deactivate
    void deactivate() {
        try {
            core.engine().releaseAdHoc(user.getBundleId());
        } catch (IllegalStateException stopped) {
            // the scheduler stopped first and took every task with it
        }
    }

    private SchedulerEngine engine() {
        return core.engine();
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
        return engine().trigger(id, RunTrigger.MANUAL, Map.of());
    }

    @Override
    public RunRecord call(TaskId id, Map<String, String> arguments) {
        return engine().call(id, arguments);
    }

    @Override
    public String submit(TaskId id, Map<String, String> arguments, Optional<Instant> at, Set<String> lockKeys) {
        return engine().submit(id, arguments, at, lockKeys);
    }

    @Override
    public SchedulerStats stats() {
        return engine().stats();
    }

    @Override
    public void enable(TaskId id) {
        engine().setEnabled(id, true);
    }

    @Override
    public void disable(TaskId id) {
        engine().setEnabled(id, false);
    }

    @Override
    public void pause(TaskId id) {
        engine().setPaused(id, true);
    }

    @Override
    public void resume(TaskId id) {
        engine().setPaused(id, false);
    }

    @Override
    public void pauseAll() {
        engine().pauseAll(true);
    }

    @Override
    public void resumeAll() {
        engine().pauseAll(false);
    }

    @Override
    public boolean isPausedAll() {
        return engine().isPausedAll();
    }

    @Override
    public void reschedule(TaskId id, Schedule schedule) {
        engine().reschedule(id, Optional.of(schedule));
    }

    @Override
    public void resetSchedule(TaskId id) {
        engine().reschedule(id, Optional.empty());
    }

    @Override
    public TaskId addTask(TaskDefinition definition, TaskAction action, boolean replace) {
        return engine().addTask(user.getBundleId(), user.getSymbolicName(),
                user.getSymbolicName() + " " + user.getVersion(), definition, action, replace);
    }

    @Override
    public boolean removeTask(TaskId id) {
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
        return engine().nextFires(id, count);
    }

    @Override
    public List<DeadLetter> deadLetters() {
        return engine().deadLetters();
    }

    @Override
    public String replayDeadLetter(String runId) {
        return engine().replayDeadLetter(runId);
    }

    @Override
    public int purgeDeadLetters(Optional<TaskId> taskId) {
        return engine().purgeDeadLetters(taskId);
    }

    @Override
    public int purgeHistory(java.time.Duration olderThan) {
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
