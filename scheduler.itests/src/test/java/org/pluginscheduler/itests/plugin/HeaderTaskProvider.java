package org.pluginscheduler.itests.plugin;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;

/**
 * A provider whose tasks come from the bundle's manifest. Every run is logged ({@code execute}); a slow task then
 * sleeps for a minute unless interrupted, logging {@code interrupted cancelled=<isCancelled()>} if it is. A normal
 * run succeeds with message {@code ran <version>} and data {@code version=<version>}.
 */
public final class HeaderTaskProvider implements ScheduledTaskProvider {

    private final List<TaskDefinition> tasks;
    private final Set<String> slow;
    private final CallLog log;
    private final String version;

    HeaderTaskProvider(List<TaskDefinition> tasks, Set<String> slow, CallLog log, String version) {
        this.tasks = tasks;
        this.slow = slow;
        this.log = log;
        this.version = version;
    }

    @Override
    public List<TaskDefinition> tasks() {
        return tasks;
    }

    @Override
    public TaskResult execute(TaskExecution execution) throws Exception {
        return run(execution, slow, log, version);
    }

    static TaskResult run(TaskExecution execution, Set<String> slow, CallLog log, String version)
            throws InterruptedException {
        log.append("execute", execution);
        if (slow.contains(execution.taskId().id())) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                log.append("interrupted cancelled=" + execution.isCancelled(), execution);
                throw e;
            }
        }
        return TaskResult.success("ran " + version, Map.of("version", version));
    }
}
