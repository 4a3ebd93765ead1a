package org.pluginscheduler.sample.cleanup;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample plugin's provider: two tasks over one configurable folder, {@value #TEMP_FILES} (delete old files)
 * and {@value #USAGE_REPORT} (report the folder's usage).
 *
 * <p>It exists to show a plugin author the whole pattern in one real bundle: a Declarative Services component
 * registered as a {@link ScheduledTaskProvider} on the scheduler's whiteboard, configured through Config Admin
 * (PID {@value #PID}) with a Metatype description, validating its configuration in one place and keeping the
 * last good configuration when a bad one arrives. The work itself is delegated to {@link FolderCleaner} and
 * {@link UsageReporter}, which know nothing about OSGi.
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

    /** The id of the task that reports the folder's usage. */
    public static final String USAGE_REPORT = "usage-report";

    private static final Logger LOG = LoggerFactory.getLogger(CleanupTaskProvider.class);

    private final Path workingDirectory;
    private final FolderCleaner cleaner;
    private final UsageReporter reporter = new UsageReporter();
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

    @Activate
    void activate(CleanupConfiguration cfg) {
        configure(cfg);
    }

    @Modified
    void modified(CleanupConfiguration cfg) {
        configure(cfg);
    }

    /**
     * Applies a configuration if it is valid. If not, logs each problem with its field and keeps what is in force:
     * the last good configuration, or the defaults if none was good yet.
     */
    void configure(CleanupConfiguration cfg) {
        CleanupSettings next;
        try {
            next = CleanupSettings.from(cfg, workingDirectory);
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
        return List.of(
                TaskDefinition.builder(TEMP_FILES)
                        .name("Delete old temporary files")
                        .description("Deletes regular files " + olderThan + " under " + s.folder()
                                + ", recursively. Symbolic links are neither followed nor deleted; folders are kept.")
                        .schedule(s.schedule())
                        .overlap(OverlapPolicy.SKIP)
                        .priority(Priority.BACKGROUND)
                        .enabledByDefault(s.enabled())
                        .config(config)
                        .build(),
                TaskDefinition.builder(USAGE_REPORT)
                        .name("Temporary files usage report")
                        .description("Reports the number and size of files under " + s.folder()
                                + ", the oldest file's age and how many are " + olderThan + " (due for deletion).")
                        .schedule(s.reportSchedule())
                        .overlap(OverlapPolicy.SKIP)
                        .priority(Priority.BACKGROUND)
                        .enabledByDefault(s.enabled())
                        .config(config)
                        .build());
    }

    @Override
    public TaskResult execute(TaskExecution execution) {
        CleanupSettings s = settings;
        String id = execution.taskId().id();
        return switch (id) {
            case TEMP_FILES -> cleaner.clean(s.folder(), s.maxAgeDays(), execution);
            case USAGE_REPORT -> reporter.report(s.folder(), s.maxAgeDays(), execution);
            default -> TaskResult.failure("unknown task '" + id + "'");
        };
    }
}
