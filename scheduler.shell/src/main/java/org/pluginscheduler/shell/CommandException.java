package org.pluginscheduler.shell;

/**
 * A command could not do what was asked. Its message is the whole explanation (the shell prints it without a
 * stack trace; one line, except a run's result); no cause is kept, so nothing internal leaks into the output.
 * {@link #exitCode()} is what {@code taskctl} exits with.
 */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The command failed. */
    static final int FAILED = 1;
    /** {@code task:call} ran the task and the run did not succeed: the message is the run's result. */
    static final int RUN_NOT_SUCCEEDED = 4;

    private final int exitCode;

    CommandException(String message) {
        this(message, FAILED);
    }

    CommandException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** @return the exit status for {@code taskctl}: {@link #FAILED} or {@link #RUN_NOT_SUCCEEDED} */
    public int exitCode() {
        return exitCode;
    }
}
