package org.pluginscheduler.shell;

/**
 * A command could not do what was asked. Its message is the whole, one-line explanation (the shell prints it
 * without a stack trace); no cause is kept, so nothing internal leaks into the output.
 */
public final class CommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandException(String message) {
        super(message, null, false, false);
    }
}
