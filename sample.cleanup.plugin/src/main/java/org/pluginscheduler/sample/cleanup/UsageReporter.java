package org.pluginscheduler.sample.cleanup;

import java.io.IOException;
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
 * The {@code usage-report} task: walks the cleanup folder and reports how many regular files it holds, their
 * total size, the oldest file's age and how many files (and bytes) are already past the cleanup age, i.e. what
 * the next {@code temp-files} run would delete. Ages are measured against the run's
 * {@link TaskExecution#startTime()}. Same walking rules as {@link FolderCleaner} (links not followed, cancellation
 * checked before each file); it never changes anything.
 */
final class UsageReporter {

    private static final Logger LOG = LoggerFactory.getLogger(UsageReporter.class);

    /**
     * Runs one report.
     *
     * @return success with data {@code files}, {@code bytes}, {@code expired}, {@code expired_bytes},
     *         {@code cancelled} and, when there is at least one file, {@code oldest_age_seconds}; failure only if
     *         {@code folder} is not a directory or cannot be read
     */
    TaskResult report(Path folder, int maxAgeDays, TaskExecution execution) {
        FolderWalk.Root root = FolderWalk.inspect(folder);
        if (root == FolderWalk.Root.MISSING) {
            return TaskResult.success("folder " + folder + " does not exist; nothing to report",
                    new Tally().data(execution.startTime(), false));
        }
        if (root == FolderWalk.Root.NOT_A_DIRECTORY) {
            return TaskResult.failure("folder " + folder + " is not a directory");
        }

        Instant start = execution.startTime();
        Instant cutoff = start.minus(Duration.ofDays(maxAgeDays));
        Tally tally = new Tally();
        boolean completed;
        try {
            completed = FolderWalk.walk(folder, execution, (file, attributes) -> {
                Instant modified = attributes.lastModifiedTime().toInstant();
                tally.files++;
                tally.bytes += attributes.size();
                if (tally.oldest == null || modified.isBefore(tally.oldest)) {
                    tally.oldest = modified;
                }
                if (modified.isBefore(cutoff)) {
                    tally.expired++;
                    tally.expiredBytes += attributes.size();
                }
            });
        } catch (IOException e) {
            LOG.warn("{}: cannot read folder {}: {}", execution.taskId(), folder, e.toString());
            return TaskResult.failure("cannot read folder " + folder + ": " + e);
        }

        StringBuilder message = new StringBuilder();
        if (!completed) {
            message.append("cancelled after scanning ").append(Texts.count(tally.files, "file")).append(": ");
        }
        if (tally.files == 0) {
            message.append("no files in ").append(folder);
        } else {
            message.append(Texts.count(tally.files, "file")).append(" (").append(Texts.bytes(tally.bytes))
                    .append(") in ").append(folder)
                    .append("; the oldest is ").append(Texts.age(tally.oldestAge(start))).append(" old; ")
                    .append(Texts.count(tally.expired, "file")).append(" (").append(Texts.bytes(tally.expiredBytes))
                    .append(") older than ").append(Texts.count(maxAgeDays, "day"))
                    .append(tally.expired == 1 ? " is" : " are").append(" due for deletion");
        }
        LOG.debug("{}: {}", execution.taskId(), message);
        return TaskResult.success(message.toString(), tally.data(start, !completed));
    }

    /** Counters of one walk; confined to the walking thread. */
    private static final class Tally {
        long files;
        long bytes;
        long expired;
        long expiredBytes;
        Instant oldest;

        /** A file stamped in the future (clock skew, copied archives) counts as age zero. */
        Duration oldestAge(Instant start) {
            Duration age = Duration.between(oldest, start);
            return age.isNegative() ? Duration.ZERO : age;
        }

        Map<String, String> data(Instant start, boolean cancelled) {
            Map<String, String> data = new LinkedHashMap<>();
            data.put("files", Long.toString(files));
            data.put("bytes", Long.toString(bytes));
            data.put("expired", Long.toString(expired));
            data.put("expired_bytes", Long.toString(expiredBytes));
            if (oldest != null) {
                data.put("oldest_age_seconds", Long.toString(oldestAge(start).toSeconds()));
            }
            data.put("cancelled", Boolean.toString(cancelled));
            return data;
        }
    }
}
