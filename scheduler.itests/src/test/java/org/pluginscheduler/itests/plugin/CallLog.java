package org.pluginscheduler.itests.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.pluginscheduler.api.TaskExecution;

/**
 * What a test plugin tells the test: one line per event, {@code <bundle-version> <event> <task-id> <run-id>}, appended
 * to {@code <itest.log.dir>/<bundle-symbolic-name>.log}. A run of a per-tenant task instance adds
 * {@code  tenant=<tenant>} at the end of the line. A file, because the test probe cannot see the plugin's
 * classes, and because it outlives the plugin bundle.
 */
public final class CallLog {

    private final Path file;
    private final String version;

    CallLog(Path file, String version) {
        this.file = file;
        this.version = version;
    }

    void append(String event, TaskExecution execution) {
        append(event, execution.taskId().id(), execution.runId() + execution.tenant().map(t -> " tenant=" + t)
                .orElse(""));
    }

    /** Appends {@code <version> <event> <taskId> <rest>}: for a task service, which sees no run id. */
    void append(String event, String taskId, String rest) {
        String line = version + " " + event + " " + taskId + " " + rest + "\n";
        synchronized (CallLog.class) {
            try {
                Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
