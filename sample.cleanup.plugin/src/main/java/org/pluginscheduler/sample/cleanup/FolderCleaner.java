package org.pluginscheduler.sample.cleanup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code temp-files} task: deletes regular files older than a given number of days under a folder,
 * recursively. Kept free of OSGi so it can be tested on a temporary folder.
 *
 * <p>Rules, chosen to make a periodic delete safe to leave running:
 * <ul>
 * <li>"Older than" is measured against the run's {@link TaskExecution#startTime()}, not the wall clock, so one
 * run applies one cutoff and tests are deterministic.</li>
 * <li>Only regular files are deleted. Symbolic links inside the folder are neither followed nor deleted, so a
 * link cannot lead the task out of the folder. The folder itself and its sub-folders are never deleted, even
 * when left empty: applications often expect their sub-folders to exist.</li>
 * <li>A file that cannot be deleted is counted ({@code failed}) and logged; the run goes on and still succeeds.</li>
 * <li>Cancellation is checked before each file; a cancelled run returns what it did so far.</li>
 * <li>A missing folder is not an error: nothing to delete. A folder that is not a directory is a failure.</li>
 * </ul>
 */
final class FolderCleaner {

    private static final Logger LOG = LoggerFactory.getLogger(FolderCleaner.class);

    /** Deletes one file; a seam so tests can make deletion fail (as root, file permissions do not stop it). */
    @FunctionalInterface
    interface Deleter {
        /** @return {@code false} if the file was already gone */
        boolean delete(Path file) throws IOException;
    }

    private final Deleter deleter;

    FolderCleaner() {
        this(Files::deleteIfExists);
    }

    FolderCleaner(Deleter deleter) {
        this.deleter = deleter;
    }

    /**
     * Runs one cleanup.
     *
     * @return success with data {@code files}, {@code bytes} (deleted), {@code failed} (could not be deleted) and
     *         {@code cancelled}; failure only if {@code folder} is not a directory or cannot be read
     */
    TaskResult clean(Path folder, int maxAgeDays, TaskExecution execution) {
        String olderThan = "older than " + Texts.count(maxAgeDays, "day");
        FolderWalk.Root root = FolderWalk.inspect(folder);
        if (root == FolderWalk.Root.MISSING) {
            return result("folder " + folder + " does not exist; nothing to delete", 0, 0, 0, false);
        }
        if (root == FolderWalk.Root.NOT_A_DIRECTORY) {
            return TaskResult.failure("folder " + folder + " is not a directory");
        }

        Instant cutoff = execution.startTime().minus(Duration.ofDays(maxAgeDays));
        long[] deleted = {0};
        long[] bytes = {0};
        long[] failed = {0};
        boolean completed;
        try {
            completed = FolderWalk.walk(folder, execution, (file, attributes) -> {
                if (!attributes.lastModifiedTime().toInstant().isBefore(cutoff)) {
                    return;
                }
                try {
                    if (deleter.delete(file)) {
                        deleted[0]++;
                        bytes[0] += attributes.size();
                        LOG.debug("{}: deleted {}", execution.taskId(), file);
                    }
                } catch (IOException | SecurityException e) {
                    failed[0]++;
                    LOG.warn("{}: could not delete {}: {}", execution.taskId(), file, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("{}: cannot read folder {}: {}", execution.taskId(), folder, e.toString());
            return TaskResult.failure("cannot read folder " + folder + ": " + e, data(deleted[0], bytes[0],
                    failed[0], false));
        }

        String done = "deleted " + Texts.count(deleted[0], "file") + " (" + Texts.bytes(bytes[0]) + ") " + olderThan
                + " from " + folder;
        String message = completed ? done : "cancelled: " + done + " before stopping";
        if (failed[0] > 0) {
            message += "; " + Texts.count(failed[0], "file") + " could not be deleted";
        }
        LOG.info("{}: {}", execution.taskId(), message);
        return result(message, deleted[0], bytes[0], failed[0], !completed);
    }

    private static TaskResult result(String message, long files, long bytes, long failed, boolean cancelled) {
        return TaskResult.success(message, data(files, bytes, failed, cancelled));
    }

    private static Map<String, String> data(long files, long bytes, long failed, boolean cancelled) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("files", Long.toString(files));
        data.put("bytes", Long.toString(bytes));
        data.put("failed", Long.toString(failed));
        data.put("cancelled", Boolean.toString(cancelled));
        return data;
    }
}
