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
 * <li>A folder that cannot be read at all is thrown as an {@link IOException} whose cause is the file system's
 * own exception (say {@link java.nio.file.AccessDeniedException}), not returned as a failed result: the scheduler
 * hands a thrown exception to the failure hooks, and {@link CleanupFailureHook} tells a permission problem from a
 * busy file system by that cause.</li>
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

    /** Walks the folder; a seam so tests can make reading the folder itself fail (as root, permissions do not). */
    @FunctionalInterface
    interface Walker {
        /** @see FolderWalk#walk */
        boolean walk(Path folder, TaskExecution execution, FolderWalk.FileAction action) throws IOException;
    }

    private final Deleter deleter;
    private final Walker walker;

    FolderCleaner() {
        this(Files::deleteIfExists);
    }

    FolderCleaner(Deleter deleter) {
        this(deleter, FolderWalk::walk);
    }

    FolderCleaner(Deleter deleter, Walker walker) {
        this.deleter = deleter;
        this.walker = walker;
    }

    /**
     * Runs one cleanup.
     *
     * @return success with data {@code files}, {@code bytes} (deleted), {@code failed} (could not be deleted) and
     *         {@code cancelled}; failure only if {@code folder} is not a directory
     * @throws IOException if {@code folder} itself cannot be read: {@code "cannot read folder <folder>: <cause>"},
     *                     with the file system's exception as the cause
     */
    TaskResult clean(Path folder, int maxAgeDays, TaskExecution execution) throws IOException {
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
            completed = walker.walk(folder, execution, (file, attributes) -> {
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
            // The scheduler logs the failure; the cause is what the failure hooks look at.
            throw new IOException("cannot read folder " + folder + ": " + e, e);
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
