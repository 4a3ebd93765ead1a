package org.pluginscheduler.store.h2;

import java.sql.SQLException;

import org.pluginscheduler.api.store.TaskStoreException;

/**
 * Turns H2's {@link SQLException}s into {@link TaskStoreException}s whose message names the database and the
 * remedy. H2's error codes are copied from {@code org.h2.api.ErrorCode} so the bundle needs no H2 import; the store
 * reaches H2 only through its {@code DataSourceFactory}. No message carries the password: the store never puts it
 * into one, and {@link #scrub} removes it from H2's text as a second line of defence.
 */
final class Failures {

    static final int DUPLICATE_KEY_1 = 23505;
    static final int WRONG_USER_OR_PASSWORD = 28000;
    static final int URL_RELATIVE_TO_CWD = 90011;
    static final int DATABASE_NOT_FOUND_1 = 90013;
    static final int DATABASE_ALREADY_OPEN_1 = 90020;
    static final int IO_EXCEPTION_1 = 90028;
    static final int FILE_CORRUPTED_1 = 90030;
    static final int IO_EXCEPTION_2 = 90031;
    static final int ADMIN_RIGHTS_REQUIRED = 90040;
    static final int URL_FORMAT_ERROR_2 = 90046;
    static final int FILE_VERSION_ERROR_1 = 90048;
    static final int FILE_CREATION_FAILED_1 = 90062;
    static final int CONNECTION_BROKEN_1 = 90067;
    static final int DATABASE_IS_READ_ONLY = 90097;
    static final int DATABASE_IS_CLOSED = 90098;
    static final int REMOTE_DATABASE_NOT_FOUND_1 = 90149;

    private final DatabaseLocation location;
    private final String user;
    private final String password;

    Failures(DatabaseLocation location, String user, String password) {
        this.location = location;
        this.user = user;
        this.password = password;
    }

    DatabaseLocation location() {
        return location;
    }

    /**
     * @param action what was being done, e.g. {@code "open it"} or {@code "record run x of a:b"}
     * @return the exception to throw: what failed, where, and what to do about it
     */
    TaskStoreException failed(String action, SQLException e) {
        String where = location.resource();
        String fix = " in " + DatabaseLocation.CONFIG_FILE;
        String h2 = scrub(firstLine(e.getMessage()));
        String message = switch (e.getErrorCode()) {
            case DATABASE_ALREADY_OPEN_1 -> where + " is locked: is another runtime using this data folder? "
                    + "Stop it, or configure another url" + fix;
            case FILE_CORRUPTED_1 -> where + " is corrupt (" + h2 + "): restore it from a backup, or move it aside "
                    + "to start with an empty history, or configure another url" + fix;
            case IO_EXCEPTION_1, IO_EXCEPTION_2, FILE_CREATION_FAILED_1 -> where + ": could not " + action + " ("
                    + h2 + detail(e) + "): is the disk full, the folder missing or read-only, or the file damaged? "
                    + "Free space or fix the folder's permissions, restore the file from a backup, or configure "
                    + "another url" + fix;
            case DATABASE_IS_READ_ONLY -> where + " is read-only: fix the file's permissions, or configure another url"
                    + fix;
            case FILE_VERSION_ERROR_1 -> where + " was written by an incompatible H2 version (" + h2 + "): export it "
                    + "with that version's Script tool and import it into a new file, or configure another url" + fix;
            case WRONG_USER_OR_PASSWORD -> "wrong user or password for " + where + " (user '" + user + "'): set user "
                    + "and password" + fix + " to the database's credentials";
            case ADMIN_RIGHTS_REQUIRED -> "user '" + user + "' lacks admin rights on " + where + ", which the store "
                    + "needs for its schema and durable commits: configure the database's owner as user" + fix;
            case URL_RELATIVE_TO_CWD, URL_FORMAT_ERROR_2 -> "url " + location.safeUrl() + " is not valid (" + h2
                    + "): fix url" + fix + " (relative paths start with ./)";
            case DATABASE_NOT_FOUND_1, REMOTE_DATABASE_NOT_FOUND_1 -> where + " does not exist (" + h2 + "): create "
                    + "it, or drop IFEXISTS from url" + fix;
            case CONNECTION_BROKEN_1 -> "cannot reach " + where + " (" + h2 + "): is its server running? Start it, "
                    + "or configure another url" + fix;
            case DUPLICATE_KEY_1 -> where + ": could not " + action + ": " + h2;
            case DATABASE_IS_CLOSED -> where + " was closed while trying to " + action + " (" + h2 + ")";
            default -> where + ": could not " + action + ": " + h2 + " (H2 error " + e.getErrorCode() + ")";
        };
        return new TaskStoreException(message, scrubbed(e));
    }

    /**
     * @return a copy of {@code e} and its causes with scrubbed messages and the same stacks, for the log: H2's own
     *         messages may echo a URL
     */
    SQLException scrubbed(SQLException e) {
        SQLException copy = new SQLException(scrub(e.getMessage()), e.getSQLState(), e.getErrorCode(),
                scrubbedCause(e.getCause(), 0));
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    private Throwable scrubbedCause(Throwable cause, int depth) {
        if (cause == null || depth > 10) {
            return null;
        }
        Throwable copy = new ScrubbedCause(cause.getClass().getName() + ": " + scrub(cause.getMessage()),
                scrubbedCause(cause.getCause(), depth + 1));
        copy.setStackTrace(cause.getStackTrace());
        return copy;
    }

    /** A cause from H2, its message scrubbed; the original class is named in the message. */
    static final class ScrubbedCause extends Exception {
        private static final long serialVersionUID = 1L;

        ScrubbedCause(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** @return {@code ": "} and the innermost cause's message, which says what H2's I/O message does not */
    private String detail(SQLException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root == e) {
            return "";
        }
        Throwable innermostWithText = root.getMessage() == null ? e.getCause() : root;
        return innermostWithText.getMessage() == null ? "" : "; " + scrub(firstLine(innermostWithText.getMessage()))
                + (root.getMessage() == null ? " (" + root.getClass().getSimpleName() + ")" : "");
    }

    /** @return {@code text} without the password or any {@code PASSWORD=} setting */
    String scrub(String text) {
        if (text == null) {
            return "";
        }
        String result = new DatabaseLocation(text).safeUrl();
        // short passwords would mangle ordinary words; the store never writes the password into text anyway
        if (password != null && password.length() >= 4) {
            result = result.replace(password, "****");
        }
        return result;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
