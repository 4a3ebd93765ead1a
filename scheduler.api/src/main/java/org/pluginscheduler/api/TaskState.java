package org.pluginscheduler.api;

/** The administrative state of a task, as shown by {@link TaskScheduler#tasks()}. */
public enum TaskState {
    /** Registered, enabled, not paused: it fires on schedule. */
    ACTIVE,
    /** Paused by an administrator: fires are not executed until it is resumed; see {@link MisfirePolicy}. */
    PAUSED,
    /** Disabled (by default or by an administrator): it does not fire. The setting persists. */
    DISABLED,
    /** Its provider is gone; persisted state and history are kept and re-bound when the provider returns. */
    DORMANT,
    /** Another provider already owns this qualified id; this claim is rejected and never fires. */
    CONFLICT,
    /** The definition failed validation (for example a bad cron); it never fires. See the task's problem. */
    INVALID
}
