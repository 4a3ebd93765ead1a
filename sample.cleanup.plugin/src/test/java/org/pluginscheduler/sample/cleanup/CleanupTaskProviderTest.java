package org.pluginscheduler.sample.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.sample.cleanup.TestFiles.days;
import static org.pluginscheduler.sample.cleanup.TestFiles.file;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskResult;

class CleanupTaskProviderTest {

    @TempDir
    Path temp;

    private Path home;
    private CleanupTaskProvider provider;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectory(temp.resolve("home"));
        provider = new CleanupTaskProvider(home, new FolderCleaner());
    }

    private TaskDefinition task(String id) {
        return provider.tasks().stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void defaultConfigurationGivesTwoValidTasks() {
        provider.activate(TestConfiguration.defaults());

        List<TaskDefinition> tasks = provider.tasks();

        assertEquals(2, tasks.size());
        tasks.forEach(TaskDefinition::validate);
        TaskDefinition cleanup = task(CleanupTaskProvider.TEMP_FILES);
        assertEquals("cron:0 3 * * *", cleanup.scheduleText());
        assertEquals(OverlapPolicy.SKIP, cleanup.overlapPolicy());
        assertFalse(cleanup.name().equals(cleanup.id()), "has a name of its own");
        assertFalse(cleanup.description().isBlank());
        assertTrue(cleanup.enabledByDefault());
        assertEquals(Map.of("folder", home.resolve("tmp").toString(), "max.age.days", "7"), cleanup.config());
        TaskDefinition report = task(CleanupTaskProvider.USAGE_REPORT);
        assertEquals("every:PT5M", report.scheduleText());
        assertFalse(report.description().isBlank());
        assertEquals(cleanup.config(), report.config());
    }

    @Test
    void tempFilesRetriesExponentiallyAndBecomesADeadLetterTheUsageReportDoesNeither() {
        provider.activate(TestConfiguration.defaults());

        TaskDefinition cleanup = task(CleanupTaskProvider.TEMP_FILES);
        assertEquals(RetryPolicy.exponential(3, Duration.ofMinutes(1), 2.0, Duration.ofMinutes(30), 0.2),
                cleanup.retryPolicy());
        assertTrue(cleanup.deadLetterEligible());
        Duration first = cleanup.retryPolicy().delayBefore(1);
        assertTrue(first.compareTo(Duration.ofSeconds(48)) >= 0 && first.compareTo(Duration.ofMinutes(1)) <= 0,
                "1 minute less up to 20 % jitter: " + first);

        TaskDefinition report = task(CleanupTaskProvider.USAGE_REPORT);
        assertEquals(0, report.retryPolicy().maxRetries());
        assertFalse(report.deadLetterEligible());
    }

    @Test
    void relativeFoldersResolveAgainstTheWorkingDirectoryAndAbsoluteOnesStay() {
        provider.activate(TestConfiguration.defaults().withFolder("cache/../spool"));
        assertEquals(home.resolve("spool"), provider.settings().folder());

        Path elsewhere = temp.resolve("elsewhere");
        provider.modified(TestConfiguration.defaults().withFolder(elsewhere.toString()));
        assertEquals(elsewhere, provider.settings().folder());
    }

    @Test
    void aBadValueKeepsTheLastGoodConfiguration() {
        provider.activate(TestConfiguration.defaults().withFolder("spool").withMaxAgeDays(3));
        CleanupSettings good = provider.settings();

        provider.modified(TestConfiguration.defaults().withFolder("other").withMaxAgeDays(0));
        assertEquals(good, provider.settings());

        provider.modified(TestConfiguration.defaults().withFolder("  "));
        assertEquals(good, provider.settings());
        assertEquals("3", task(CleanupTaskProvider.TEMP_FILES).config().get("max.age.days"));

        provider.modified(TestConfiguration.defaults().withFolder("other").withMaxAgeDays(2));
        assertEquals(home.resolve("other"), provider.settings().folder());
        assertEquals(2, provider.settings().maxAgeDays());
    }

    @Test
    void aBadFirstConfigurationFallsBackToTheDefaults() {
        provider.activate(TestConfiguration.defaults().withFolder("spool").withMaxAgeDays(-1));

        assertEquals(CleanupSettings.defaults(home), provider.settings());
    }

    @Test
    void everyProblemIsReportedWithItsField() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> CleanupSettings.from(TestConfiguration.defaults().withFolder("").withMaxAgeDays(0), home));

        assertEquals(2, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("folder: "), e.problems().toString());
        assertTrue(e.problems().get(1).startsWith("max.age.days: "), e.problems().toString());
    }

    @Test
    void foldersHoldingTheRuntimeItselfAreRefused() {
        for (String dangerous : List.of(".", "..", home.getRoot().toString(), home.toString())) {
            InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                    () -> CleanupSettings.from(TestConfiguration.defaults().withFolder(dangerous), home), dangerous);
            assertTrue(e.getMessage().startsWith("folder: "), e.getMessage());
        }
    }

    @Test
    void aValueThatCannotBeConvertedIsAProblemNotACrash() {
        CleanupConfiguration unreadable = new CleanupConfiguration() {
            @Override
            public String folder() {
                return "tmp";
            }

            @Override
            public int max_age_days() {
                throw new IllegalArgumentException("'seven' is not an int");
            }

            @Override
            public String schedule() {
                return "cron:0 3 * * *";
            }

            @Override
            public String report_schedule() {
                return "every:PT5M";
            }

            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return CleanupConfiguration.class;
            }
        };
        provider.activate(TestConfiguration.defaults().withMaxAgeDays(5));

        provider.modified(unreadable);

        assertEquals(5, provider.settings().maxAgeDays());
    }

    @Test
    void aBadScheduleIsPassedOnForTheSchedulerToRejectThatTaskAlone() {
        provider.activate(TestConfiguration.defaults().withSchedule("cron:61 * * * *").withMaxAgeDays(4));

        assertEquals(4, provider.settings().maxAgeDays(), "the rest of the configuration applies");
        List<String> warnings = provider.settings().scheduleWarnings();
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("schedule: 'cron:61 * * * *'"), warnings.get(0));
        assertFalse(task(CleanupTaskProvider.TEMP_FILES).problems().isEmpty());
        assertTrue(task(CleanupTaskProvider.USAGE_REPORT).problems().isEmpty());
    }

    @Test
    void disabledMeansTheTasksStartDisabled() {
        provider.activate(TestConfiguration.defaults().withEnabled(false));

        provider.tasks().forEach(t -> assertFalse(t.enabledByDefault(), t.id()));
    }

    @Test
    void executeRunsTheNamedTaskOnTheConfiguredFolder() throws IOException {
        Path spool = home.resolve("spool");
        Path old = file(spool, "old", 10, days(4));
        Path young = file(spool, "young", 20, days(2));
        provider.activate(TestConfiguration.defaults().withFolder("spool").withMaxAgeDays(3));

        TaskResult report = provider.execute(TestExecution.of(CleanupTaskProvider.USAGE_REPORT));
        assertEquals("2", report.data().get("files"));
        assertEquals("1", report.data().get("expired"));

        TaskResult cleanup = provider.execute(TestExecution.of(CleanupTaskProvider.TEMP_FILES));
        assertEquals("1", cleanup.data().get("files"));
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(young));
    }

    @Test
    void anUnknownTaskIsAFailure() throws IOException {
        provider.activate(TestConfiguration.defaults());

        TaskResult result = provider.execute(TestExecution.of("something-else"));

        assertFalse(result.successful());
        assertEquals("unknown task 'something-else'", result.message());
    }
}
