package org.pluginscheduler.sample.cleanup;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@value CleanupTaskProvider#USAGE_REPORT} task in the annotation form: one component, one task. Its schedule
 * and options are the {@link TaskSchedule} component properties, so configuration {@value #PID} changes them live
 * ({@code scheduler.task.schedule}, {@code scheduler.enabled}, ... see {@link UsageReportConfiguration}); its
 * folder and age are those of the cleanup, read from configuration {@value CleanupTaskProvider#PID} (the component
 * has both PIDs) and validated by the same rules, {@link CleanupSettings#from}.
 *
 * <p>A bad cleanup configuration keeps the last good folder and age here as in {@link CleanupTaskProvider}, which
 * logs the problems; a bad task property (say {@code scheduler.task.schedule = cron:61 * * * *}) makes the scheduler
 * list the task INVALID with a problem naming the property. The work is {@link UsageReporter}'s.
 */
@Component(service = TaskAction.class, configurationPid = {CleanupTaskProvider.PID, UsageReportTask.PID})
@TaskSchedule(value = UsageReportTask.SCHEDULE, id = CleanupTaskProvider.USAGE_REPORT,
        name = "Temporary files usage report",
        description = "Reports the number and size of files in the cleanup folder, the oldest file's age and how "
                + "many are due for deletion.",
        overlap = OverlapPolicy.SKIP, priority = Priority.BACKGROUND)
public class UsageReportTask implements TaskAction {

    /** The configuration of the task's schedule and options. */
    public static final String PID = "org.pluginscheduler.sample.cleanup.report";

    /** The default schedule: every five minutes (no retries: the next run is the retry). */
    static final String SCHEDULE = "every:PT5M";

    private static final Logger LOG = LoggerFactory.getLogger(UsageReportTask.class);

    private final Path workingDirectory;
    private final UsageReporter reporter = new UsageReporter();
    private List<String> protectedFolders = CleanupSettings.protectedFolders("cache");
    private volatile CleanupSettings settings;

    /** Used by Declarative Services: relative folders resolve against the runtime's working directory. */
    public UsageReportTask() {
        this(Path.of(System.getProperty("user.dir")));
    }

    /** A seam for tests: a chosen working directory. */
    UsageReportTask(Path workingDirectory) {
        this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
        this.settings = CleanupSettings.defaults(this.workingDirectory);
    }

    /**
     * @param context    gives the framework's cache folder, refused as a folder as by the cleanup; null in tests
     * @param properties the component's properties: both configurations and the task properties
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

    private void configure(Map<String, Object> properties) {
        try {
            settings = CleanupSettings.from(properties, workingDirectory, protectedFolders);
        } catch (InvalidConfigurationException e) {
            // CleanupTaskProvider reads the same configuration and logs each problem with its field
            LOG.debug("Configuration {} rejected ({}); the usage report keeps {}", CleanupTaskProvider.PID,
                    e.getMessage(), settings);
        }
    }

    /** @return the folder and age in force; for tests */
    CleanupSettings settings() {
        return settings;
    }

    @Override
    public TaskResult execute(TaskExecution execution) {
        CleanupSettings s = settings;
        return reporter.report(s.folder(), s.maxAgeDays(), execution);
    }
}
