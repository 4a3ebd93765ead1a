package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskState;

/**
 * The real sample plugin, configured through Config Admin: its provider ({@code temp-files}) and its task component
 * ({@code usage-report}, {@code @TaskSchedule}) each follow their configuration live.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SampleCleanupPluginIT extends SchedulerTestBase {

    private static final String PID = "org.pluginscheduler.sample.cleanup";
    private static final String REPORT_PID = "org.pluginscheduler.sample.cleanup.report";
    private static final TaskId TEMP_FILES = TaskId.of("sample.cleanup.plugin", "temp-files");
    private static final TaskId USAGE_REPORT = TaskId.of("sample.cleanup.plugin", "usage-report");

    @Inject
    private ConfigurationAdmin configAdmin;

    @Override
    @Configuration
    public Option[] config() throws IOException {
        return options(composite(baseOptions()), projectBundle("itest.bundle.sample"));
    }

    @Test
    public void aConfigurationChangeReschedulesTheTask() throws Exception {
        assertEquals("cron:0 3 * * *", awaitState(TEMP_FILES, TaskState.ACTIVE).scheduleText());
        assertEquals("every:PT5M", awaitState(USAGE_REPORT, TaskState.ACTIVE).scheduleText());

        Path folder = Files.createTempDirectory(
                Path.of(System.getProperty("itest.work", "target/itest")).toAbsolutePath(), "cleanup-");
        org.osgi.service.cm.Configuration configuration = configAdmin.getConfiguration(PID, "?");
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("schedule", "cron:0 4 * * *");
        properties.put("folder", folder.toString());
        configuration.update(properties);
        try {
            TaskInfo changed = await(TEMP_FILES + " on cron:0 4 * * *", () -> scheduler.task(TEMP_FILES)
                    .filter(t -> t.state() == TaskState.ACTIVE && t.scheduleText().equals("cron:0 4 * * *")));
            ZonedDateTime next = changed.nextFire().orElseThrow().atZone(ZoneId.systemDefault());
            assertEquals("next fire " + next, 4, next.getHour());
            assertEquals(folder.toString(), changed.definition().orElseThrow().config().get("folder"));
            assertEquals("every:PT5M", scheduler.task(USAGE_REPORT).orElseThrow().scheduleText());
        } finally {
            configuration.delete();
        }
        // without a configuration the defaults apply again
        await(TEMP_FILES + " back on cron:0 3 * * *", () -> scheduler.task(TEMP_FILES)
                .filter(t -> t.state() == TaskState.ACTIVE && t.scheduleText().equals("cron:0 3 * * *")));
    }

    /** The task component: its own configuration moves its schedule live, a bad value names its property. */
    @Test
    public void theUsageReportComponentFollowsItsOwnConfiguration() throws Exception {
        assertEquals("every:PT5M", awaitState(USAGE_REPORT, TaskState.ACTIVE).scheduleText());

        org.osgi.service.cm.Configuration configuration = configAdmin.getConfiguration(REPORT_PID, "?");
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("scheduler.task.schedule", "cron:0 5 * * *");
        configuration.update(properties);
        try {
            TaskInfo changed = await(USAGE_REPORT + " on cron:0 5 * * *", () -> scheduler.task(USAGE_REPORT)
                    .filter(t -> t.state() == TaskState.ACTIVE && t.scheduleText().equals("cron:0 5 * * *")));
            ZonedDateTime next = changed.nextFire().orElseThrow().atZone(ZoneId.systemDefault());
            assertEquals("next fire " + next, 5, next.getHour());
            assertEquals("the provider's task keeps its schedule", "cron:0 3 * * *",
                    scheduler.task(TEMP_FILES).orElseThrow().scheduleText());

            properties.put("scheduler.task.schedule", "cron:61 * * * *");
            configuration.update(properties);
            TaskInfo invalid = awaitState(USAGE_REPORT, TaskState.INVALID);
            String problem = invalid.problem().orElseThrow();
            assertTrue(problem, problem.startsWith("scheduler.task.schedule"));
        } finally {
            configuration.delete();
        }
        await(USAGE_REPORT + " back on every:PT5M", () -> scheduler.task(USAGE_REPORT)
                .filter(t -> t.state() == TaskState.ACTIVE && t.scheduleText().equals("every:PT5M")));
    }
}
