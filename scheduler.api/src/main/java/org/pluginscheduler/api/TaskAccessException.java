package org.pluginscheduler.api;

import java.util.Optional;

/**
 * A {@link TaskScheduler} was asked to act outside its scope: a plugin's instance on a task another owner owns, or
 * on the whole scheduler. Nothing was changed. Whole-scheduler and cross-owner operations belong to
 * {@link SchedulerAdmin}.
 */
public class TaskAccessException extends SecurityException {
    private static final long serialVersionUID = 1L;

    private final String caller;
    private final transient Optional<TaskId> taskId;

    /**
     * @param caller    the owner whose scope the call was made in (the calling bundle's symbolic name)
     * @param taskId    the task it tried to act on, or empty for a whole-scheduler operation
     * @param operation what it tried, e.g. {@code "trigger"}
     */
    public TaskAccessException(String caller, Optional<TaskId> taskId, String operation) {
        super(taskId.map(id -> operation + " " + id + ": refused, the task is owned by '" + id.owner() + "' and '"
                        + caller + "' may act only on its own tasks (an administrator uses SchedulerAdmin)")
                .orElse(operation + ": refused, it acts on the whole scheduler and '" + caller + "' may act only on "
                        + "its own tasks (an administrator uses SchedulerAdmin)"));
        this.caller = caller;
        this.taskId = taskId;
    }

    /** @return the owner whose scope the call was made in */
    public String caller() {
        return caller;
    }

    /** @return the task it tried to act on; empty for a whole-scheduler operation */
    public Optional<TaskId> taskId() {
        return taskId == null ? Optional.empty() : taskId;
    }
}
