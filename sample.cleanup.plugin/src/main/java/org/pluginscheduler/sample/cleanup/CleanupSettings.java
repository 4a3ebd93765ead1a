package org.pluginscheduler.sample.cleanup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.internal.config.ConfigReader;

/**
 * A validated, immutable snapshot of {@link CleanupConfiguration}, so that tasks and runs always see one
 * consistent configuration even while Config Admin delivers a new one.
 *
 * @param folder         the folder to clean: absolute and normalized
 * @param maxAgeDays     files older than this many days are due for deletion; at least 1
 * @param schedule       the schedule text of {@code temp-files}, as configured (not necessarily valid, see
 *                       {@link #scheduleWarnings()})
 * @param enabled        whether the tasks start enabled
 */
record CleanupSettings(Path folder, int maxAgeDays, String schedule, boolean enabled) {

    static final String FOLDER = "folder";
    static final String MAX_AGE_DAYS = "max.age.days";
    static final String SCHEDULE = "schedule";
    /**
     * No longer read: {@code usage-report} became a task component ({@link UsageReportTask}) whose schedule is
     * {@code scheduler.task.schedule} in configuration {@value UsageReportTask#PID}. Still a known key, so that
     * {@link CleanupTaskProvider} can say where it moved instead of calling it unknown.
     */
    static final String REPORT_SCHEDULE = "report.schedule";
    static final String ENABLED = "enabled";

    CleanupSettings {
        Objects.requireNonNull(folder, FOLDER);
        Objects.requireNonNull(schedule, SCHEDULE);
        if (!folder.isAbsolute()) {
            throw new IllegalArgumentException(FOLDER + ": " + folder + " must be absolute");
        }
        if (maxAgeDays < 1) {
            throw new IllegalArgumentException(MAX_AGE_DAYS + ": " + maxAgeDays + " must be at least 1");
        }
    }

    /** @return the settings used when no good configuration has been seen: the configuration's defaults */
    static CleanupSettings defaults(Path workingDirectory) {
        return new CleanupSettings(workingDirectory.toAbsolutePath().normalize().resolve("tmp"), 7,
                "cron:0 3 * * *", true);
    }

    /** The keys of the configuration, in the order they are described. */
    static final List<String> KEYS = List.of(FOLDER, MAX_AGE_DAYS, SCHEDULE, REPORT_SCHEDULE, ENABLED);

    /**
     * The runtime's own folders, relative to the working directory: its database and the remote shell's token
     * ({@code data}), its configuration ({@code etc}), its plugins ({@code deploy}) and its logs ({@code log}).
     * The framework's cache folder is added by the caller. Cleaning any of them, or a folder inside one, would
     * delete the runtime's own files once they are old enough.
     */
    static final List<String> RUNTIME_FOLDERS = List.of("data", "etc", "deploy", "log");

    /** @return {@link #RUNTIME_FOLDERS} and the framework's cache folder {@code cache} */
    /**
     * @param framework gives the framework's cache folder ({@code org.osgi.framework.storage}, default
     *                  {@code felix-cache}); null in tests
     * @return the folders never to clean: the runtime's and that cache
     */
    static List<String> protectedFolders(BundleContext framework) {
        String storage = framework == null ? null : framework.getProperty(Constants.FRAMEWORK_STORAGE);
        return protectedFolders(storage == null || storage.isBlank() ? "felix-cache" : storage.trim());
    }

    static List<String> protectedFolders(String cache) {
        List<String> folders = new ArrayList<>(RUNTIME_FOLDERS);
        folders.add(cache);
        return folders;
    }

    /**
     * Validates a configuration from its raw properties. Schedules are not validated here: the scheduler reports
     * a bad schedule when it registers the task and rejects that task alone (see {@link #scheduleWarnings()}).
     *
     * @param properties       the raw properties, as Declarative Services passes them (read here, not through
     *                         {@link CleanupConfiguration}, so that {@code max.age.days = ten} or
     *                         {@code enabled = flase} is reported with its field instead of failing or reading as
     *                         false)
     * @param workingDirectory what a relative {@code folder} is resolved against
     * @param protectedFolders folders (relative to the working directory) that must not be cleaned, nor anything
     *                         inside them: {@link #RUNTIME_FOLDERS} and the framework's cache
     * @throws InvalidConfigurationException naming every field at fault
     */
    static CleanupSettings from(Map<String, ?> properties, Path workingDirectory, List<String> protectedFolders)
            throws InvalidConfigurationException {
        ConfigReader r = reader(properties);
        Path home = workingDirectory.toAbsolutePath().normalize();

        Path folder = null;
        String folderText = r.string(FOLDER, "tmp");
        if (folderText.isBlank()) {
            r.problem(FOLDER, "must not be blank");
        } else {
            try {
                folder = home.resolve(folderText.trim()).normalize();
            } catch (InvalidPathException e) {
                r.problem(FOLDER, "'" + folderText + "' is not a valid path (" + e.getReason() + ")");
            }
        }
        if (folder != null) {
            // Deleting every old file under these would take the runtime's own jars, configuration and data.
            // Symbolic links are resolved first: a link to data/ is data/.
            Path real = real(folder);
            if (folder.getParent() == null || real.getParent() == null) {
                r.problem(FOLDER, "'" + folderText + "' is the file system root " + folder);
            } else if (home.startsWith(folder) || real(home).startsWith(real)) {
                r.problem(FOLDER, "'" + folderText + "' (" + real + ") is the working directory or contains it");
            } else {
                for (String own : protectedFolders) {
                    Path ownFolder = real(home.resolve(own).normalize());
                    if (real.startsWith(ownFolder)) {
                        r.problem(FOLDER, "'" + folderText + "' (" + real + ") is " + (real.equals(ownFolder)
                                ? "" : "inside ") + "the runtime's own folder " + own + "/, whose files (database, "
                                + "configuration, plugins, logs, token) must never be cleaned");
                        break;
                    }
                }
            }
        }
        int maxAgeDays = r.integer(MAX_AGE_DAYS, 7, 1, 36_500);
        String schedule = r.string(SCHEDULE, "cron:0 3 * * *");
        boolean enabled = r.bool(ENABLED, true);

        if (!r.problems().isEmpty()) {
            throw new InvalidConfigurationException(r.problems());
        }
        return new CleanupSettings(folder, maxAgeDays, schedule, enabled);
    }

    /** @return a reader of {@code properties} that knows this configuration's keys */
    static ConfigReader reader(Map<String, ?> properties) {
        return new ConfigReader(properties, KEYS);
    }

    /**
     * @return {@code path} with symbolic links resolved: the real path of its longest existing ancestor, plus the
     *         rest (a folder that does not exist yet may still lie inside a protected one)
     */
    static Path real(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(path)).normalize();
        } catch (IOException e) {
            return path;
        }
    }

    /**
     * @return a {@code "schedule: detail"} entry if {@link Schedule#parse} rejects the schedule text; else empty
     */
    List<String> scheduleWarnings() {
        List<String> warnings = new ArrayList<>();
        checkSchedule(SCHEDULE, schedule, warnings);
        return warnings;
    }

    @Override
    public String toString() {
        return FOLDER + "=" + folder + ", " + MAX_AGE_DAYS + "=" + maxAgeDays + ", " + SCHEDULE + "=" + schedule
                + ", " + ENABLED + "=" + enabled;
    }

    private static void checkSchedule(String field, String text, List<String> warnings) {
        try {
            Schedule.parse(text);
        } catch (ScheduleParseException e) {
            warnings.add(field + ": '" + text + "' is not a valid schedule (" + e.getMessage() + ")");
        }
    }
}
