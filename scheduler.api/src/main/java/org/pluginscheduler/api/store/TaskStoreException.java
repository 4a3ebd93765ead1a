package org.pluginscheduler.api.store;

/**
 * A {@link TaskStore} could not do what was asked. The message names the store's resource (a file, a URL) and,
 * where known, the remedy.
 */
public class TaskStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and how to fix it */
    public TaskStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param message what failed and how to fix it */
    public TaskStoreException(String message) {
        super(message);
    }
}
