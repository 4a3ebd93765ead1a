package org.pluginscheduler.api;

/** No task has the given id. The message names it: {@code "unknown task 'x'"}. */
public class NoSuchTaskException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param id the id as given */
    public NoSuchTaskException(String id) {
        super("unknown task '" + id + "'");
    }
}
