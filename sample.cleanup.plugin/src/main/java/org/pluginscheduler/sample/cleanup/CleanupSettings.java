package org.pluginscheduler.sample.cleanup;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * A validated, immutable snapshot of {@link CleanupConfiguration}, so that tasks and runs always see one
 * consistent configuration even while Config Admin delivers a new one.
 *
 * @param folder         the folder to clean: absolute and normalized
 * @param maxAgeDays     files older than this many days are due for deletion; at least 1
 * @param schedule       the schedule text of {@code temp-files}, as configured (not necessarily valid, see
 *                       {@link #scheduleWarnings()})
 * @param reportSchedule the schedule text of {@code usage-report}, as configured
 * @param enabled        whether the tasks start enabled
 */
record CleanupSettings(Path folder, int maxAgeDays, String schedule, String reportSchedule, boolean enabled) {

    static final String FOLDER = "folder";
    static final String MAX_AGE_DAYS = "max.age.days";
    static final String SCHEDULE = "schedule";
    static final String REPORT_SCHEDULE = "report.schedule";
    static final String ENABLED = "enabled";

    CleanupSettings {
        Objects.requireNonNull(folder, FOLDER);
        Objects.requireNonNull(schedule, SCHEDULE);
        Objects.requireNonNull(reportSchedule, REPORT_SCHEDULE);
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
                "cron:0 3 * * *", "every:PT5M", true);
    }

    /**
     * Validates a configuration. Schedules are not validated here: the scheduler reports a bad schedule when it
     * registers the task and rejects that task alone (see {@link #scheduleWarnings()}).
     *
     * @param workingDirectory what a relative {@code folder} is resolved against
     * @throws InvalidConfigurationException naming every field at fault
     */
    static CleanupSettings from(CleanupConfiguration cfg, Path workingDirectory) throws InvalidConfigurationException {
        List<String> problems = new ArrayList<>();
        Path home = workingDirectory.toAbsolutePath().normalize();

        Path folder = null;
        String folderText = read(FOLDER, cfg::folder, problems);
        if (folderText != null) {
            if (folderText.isBlank()) {
                problems.add(FOLDER + ": must not be blank");
            } else {
                try {
                    folder = home.resolve(folderText.trim()).normalize();
                } catch (InvalidPathException e) {
                    problems.add(FOLDER + ": '" + folderText + "' is not a valid path (" + e.getReason() + ")");
                }
            }
        }
        if (folder != null) {
            // Deleting every old file under these would take the runtime's own jars, configuration and data.
            if (folder.getParent() == null) {
                problems.add(FOLDER + ": '" + folderText + "' is the file system root " + folder);
                folder = null;
            } else if (home.startsWith(folder)) {
                problems.add(FOLDER + ": '" + folderText + "' (" + folder + ") is the working directory "
                        + "or contains it");
                folder = null;
            }
        }

        Integer maxAgeDays = read(MAX_AGE_DAYS, cfg::max_age_days, problems);
        if (maxAgeDays != null && maxAgeDays < 1) {
            problems.add(MAX_AGE_DAYS + ": " + maxAgeDays + " must be at least 1");
        }
        String schedule = read(SCHEDULE, cfg::schedule, problems);
        String reportSchedule = read(REPORT_SCHEDULE, cfg::report_schedule, problems);
        Boolean enabled = read(ENABLED, cfg::enabled, problems);

        if (!problems.isEmpty()) {
            throw new InvalidConfigurationException(problems);
        }
        return new CleanupSettings(folder, maxAgeDays, schedule, reportSchedule, enabled);
    }

    /**
     * @return one {@code "field: detail"} entry per schedule text that {@link Schedule#parse} rejects; empty if
     *         both parse
     */
    List<String> scheduleWarnings() {
        List<String> warnings = new ArrayList<>();
        checkSchedule(SCHEDULE, schedule, warnings);
        checkSchedule(REPORT_SCHEDULE, reportSchedule, warnings);
        return warnings;
    }

    @Override
    public String toString() {
        return FOLDER + "=" + folder + ", " + MAX_AGE_DAYS + "=" + maxAgeDays + ", " + SCHEDULE + "=" + schedule
                + ", " + REPORT_SCHEDULE + "=" + reportSchedule + ", " + ENABLED + "=" + enabled;
    }

    private static void checkSchedule(String field, String text, List<String> warnings) {
        try {
            Schedule.parse(text);
        } catch (ScheduleParseException e) {
            warnings.add(field + ": '" + text + "' is not a valid schedule (" + e.getMessage() + ")");
        }
    }

    /** Reads one property; Declarative Services converts lazily, so a value of the wrong type throws here. */
    private static <T> T read(String field, Supplier<T> value, List<String> problems) {
        try {
            T t = value.get();
            if (t == null) {
                problems.add(field + ": is missing");
            }
            return t;
        } catch (RuntimeException e) {
            problems.add(field + ": cannot be read (" + e.getMessage() + ")");
            return null;
        }
    }
}
