package org.pluginscheduler.sample.cleanup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample plugin's provider of {@value #TEMP_FILES} (delete old files in one configurable folder). Its sibling
 * task {@value #USAGE_REPORT} (report the folder's usage) is the smaller form, a component of its own with
 * {@code @TaskSchedule}: {@link UsageReportTask}.
 *
 * <p>It exists to show a plugin author the whole provider pattern in one real bundle: a Declarative Services component
 * registered as a {@link ScheduledTaskProvider} on the scheduler's whiteboard, configured through Config Admin
 * (PID {@value #PID}) with a Metatype description, validating its configuration in one place and keeping the
 * last good configuration when a bad one arrives. The work itself is delegated to {@link FolderCleaner}, which
 * knows nothing about OSGi. {@value #TEMP_FILES} retries (see {@link #TEMP_FILES_RETRY})
 * and is refined by the plugin's own failure hook, {@link CleanupFailureHook}.
 *
 * <p>Reconfiguration: Declarative Services calls {@link #modified} and then updates the service's properties, so
 * the scheduler re-reads {@link #tasks()} and re-registers whatever changed (e.g. a new schedule). Thread-safe:
 * the settings are one immutable snapshot in a volatile field, read once per call.
 */
@Component(service = ScheduledTaskProvider.class, configurationPid = CleanupTaskProvider.PID)
@Designate(ocd = CleanupConfiguration.class)
public class CleanupTaskProvider implements ScheduledTaskProvider {

    /** The configuration PID, also the name of the runtime's {@code etc/} file ({@code <PID>.cfg}). */
    public static final String PID = "org.pluginscheduler.sample.cleanup";

    /** The id of the task that deletes old files. */
    public static final String TEMP_FILES = "temp-files";

    /** The id of the task that reports the folder's usage ({@link UsageReportTask}). */
    public static final String USAGE_REPORT = "usage-report";

    /**
     * The retry policy of {@value #TEMP_FILES}: up to 3 retries, waiting about 1, 2 and 4 minutes (doubling,
     * capped at 30 minutes, each wait shortened by up to 20 % at random).
     *
     * <p>Why retry at all: the task runs once a night, and the usual reasons it fails (a network share being
     * remounted, a file server that is briefly unavailable, a process holding too many files open) are over
     * within minutes; without retries the folder would keep filling up until the next night. The jitter keeps
     * many runtimes that share one file server from retrying in step. {@link CleanupFailureHook} refines this:
     * it waits longer for a busy file system and aborts on a permission problem, which no retry can fix.
     *
     * <p>{@value #USAGE_REPORT} has no retries: it runs every few minutes anyway, so the next run is the retry.
     */
    static final RetryPolicy TEMP_FILES_RETRY =
            RetryPolicy.exponential(3, Duration.ofMinutes(1), 2.0, Duration.ofMinutes(30), 0.2);

    private static final Logger LOG = LoggerFactory.getLogger(CleanupTaskProvider.class);

    private final Path workingDirectory;
    /** Folders the plugin refuses to clean, relative to the working directory: see {@link #activate}. */
    private List<String> protectedFolders = CleanupSettings.protectedFolders("cache");
    private final FolderCleaner cleaner;
    private volatile CleanupSettings settings;
    private volatile boolean configured;

    /** Used by Declarative Services: relative folders resolve against the runtime's working directory. */
    public CleanupTaskProvider() {
        this(Path.of(System.getProperty("user.dir")), new FolderCleaner());
    }

    /** A seam for tests: a chosen working directory and deletion. */
    CleanupTaskProvider(Path workingDirectory, FolderCleaner cleaner) {
        this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
        this.cleaner = cleaner;
        this.settings = CleanupSettings.defaults(this.workingDirectory);
    }

    /**
     * @param context    gives the framework's cache folder ({@code org.osgi.framework.storage}), which must not be
     *                   cleaned either; null in tests
     * @param properties the raw configuration (see {@link CleanupSettings#from})
     */
    @Activate
    void activate(BundleContext context, Map<String, Object> properties) {
        protectedFolders = CleanupSettings.protectedFolders(context);
        configure(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        configure(properties);
    }

    /**
     * Applies a configuration if it is valid. If not, logs each problem with its field and keeps what is in force:
     * the last good configuration, or the defaults if none was good yet.
     */
    void configure(Map<String, Object> properties) {
        for (String warning : CleanupSettings.reader(properties).unknownKeyWarnings()) {
            LOG.warn("Configuration {}: {}", PID, warning);
        }
        if (properties.containsKey(CleanupSettings.REPORT_SCHEDULE)) {
            LOG.warn("Configuration {}: {} is no longer read: the usage report's schedule is "
                    + "scheduler.task.schedule in configuration {}", PID, CleanupSettings.REPORT_SCHEDULE,
                    UsageReportTask.PID);
        }
        CleanupSettings next;
        try {
            next = CleanupSettings.from(properties, workingDirectory, protectedFolders);
        } catch (InvalidConfigurationException e) {
            LOG.error("Configuration {} rejected: {}. Keeping the {}: {}", PID, e.getMessage(),
                    configured ? "last good configuration" : "defaults", settings);
            return;
        }
        // A bad schedule is passed on: the scheduler rejects that task alone and says why. Warn here as well,
        // naming our property, because that is what the administrator has to fix.
        for (String warning : next.scheduleWarnings()) {
            LOG.warn("Configuration {}: {}; the scheduler will reject that task", PID, warning);
        }
        settings = next;
        configured = true;
        LOG.info("Configuration {} applied: {}", PID, next);
    }

    /** @return the settings in force; for tests */
    CleanupSettings settings() {
        return settings;
    }

    @Override
    public List<TaskDefinition> tasks() {
        CleanupSettings s = settings;
        String olderThan = "older than " + Texts.count(s.maxAgeDays(), "day");
        Map<String, String> config = Map.of(
                CleanupSettings.FOLDER, s.folder().toString(),
                CleanupSettings.MAX_AGE_DAYS, Integer.toString(s.maxAgeDays()));
        return List.of(TaskDefinition.builder(TEMP_FILES)
                        .name("Delete old temporary files")
                        .description("Deletes regular files " + olderThan + " under " + s.folder()
                                + ", recursively. Symbolic links are neither followed nor deleted; folders are kept.")
                        .schedule(s.schedule())
                        .overlap(OverlapPolicy.SKIP)
                        .priority(Priority.BACKGROUND)
                        .retry(TEMP_FILES_RETRY)
                        // Dead letter once the retries are spent: an administrator then sees the failed cleanup
                        // in the dead letters, not just in a log line, and can replay it after fixing the cause.
                        // Replaying is safe: a cleanup is idempotent. (An aborted run is not dead-lettered.)
                        .deadLetterEligible(true)
                        .enabledByDefault(s.enabled())
                        .config(config)
                        .build());
    }

    /**
     * @throws IOException if the {@value #TEMP_FILES} folder cannot be read; {@link CleanupFailureHook} decides
     *                     about it by its cause
     */
    @Override
    public TaskResult execute(TaskExecution execution) throws IOException {
        CleanupSettings s = settings;
        String id = execution.taskId().id();
        return switch (id) {
            case TEMP_FILES -> cleaner.clean(s.folder(), s.maxAgeDays(), execution);
            default -> TaskResult.failure("unknown task '" + id + "'");
        };
    }
}
