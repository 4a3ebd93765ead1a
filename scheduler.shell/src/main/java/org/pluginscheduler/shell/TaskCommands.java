package org.pluginscheduler.shell;

import java.time.Clock;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskScheduler;

/**
 * Gogo commands in scope {@code task}. Each command returns text built by {@link Tables}, the one place where
 * output is formatted; errors come back as one line starting with the command's name, never a stack trace.
 */
@Component(service = TaskCommands.class, property = {
        "osgi.command.scope=task",
        "osgi.command.function=list",
        "osgi.command.function=trigger",
        "osgi.command.function=runs"})
public final class TaskCommands {

    private final TaskScheduler scheduler;
    private final Tables tables = new Tables(Clock.systemDefaultZone());

    @Activate
    public TaskCommands(@Reference TaskScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Descriptor("List every task: qualified id, state, schedule, next fire, last status and owner")
    public String list() {
        List<TaskInfo> tasks = scheduler.tasks();
        return tables.tasks(tasks, scheduler.isPausedAll());
    }

    @Descriptor("Run a task now, asynchronously; prints the run id (follow it with task:runs)")
    public String trigger(@Descriptor("task id: owner:task-id, or a bare task-id that is unique") String id) {
        try {
            TaskId taskId = scheduler.resolve(id);
            String runId = scheduler.trigger(taskId);
            return "triggered " + taskId + ": run " + runId;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "task:trigger: " + e.getMessage();
        }
    }

    @Descriptor("Show a task's run history, newest first")
    public String runs(
            @Descriptor("how many runs to show (default 20)") @Parameter(names = {"-n", "--count"},
                    absentValue = "20") int count,
            @Descriptor("task id: owner:task-id, or a bare task-id that is unique") String id) {
        try {
            if (count < 1) {
                return "task:runs: -n: " + count + " must be at least 1";
            }
            TaskId taskId = scheduler.resolve(id);
            List<RunRecord> runs = scheduler.runs(taskId, count);
            return tables.runs(taskId, runs);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "task:runs: " + e.getMessage();
        }
    }
}
