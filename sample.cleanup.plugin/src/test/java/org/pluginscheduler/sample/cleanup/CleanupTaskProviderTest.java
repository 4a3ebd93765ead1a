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
import org.pluginscheduler.testkit.TestExecution;

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
    void defaultConfigurationGivesOneValidTask() {
        provider.activate(null, TestConfiguration.defaults().properties());

        List<TaskDefinition> tasks = provider.tasks();

        assertEquals(1, tasks.size(), "usage-report is a task component of its own (UsageReportTask)");
        tasks.forEach(TaskDefinition::validate);
        TaskDefinition cleanup = task(CleanupTaskProvider.TEMP_FILES);
        assertEquals("cron:0 3 * * *", cleanup.scheduleText());
        assertEquals(OverlapPolicy.SKIP, cleanup.overlapPolicy());
        assertFalse(cleanup.name().equals(cleanup.id()), "has a name of its own");
        assertFalse(cleanup.description().isBlank());
        assertTrue(cleanup.enabledByDefault());
        assertEquals(Map.of("folder", home.resolve("tmp").toString(), "max.age.days", "7"), cleanup.config());
    }

    @Test
    void tempFilesRetriesExponentiallyAndBecomesADeadLetter() {
        provider.activate(null, TestConfiguration.defaults().properties());

        TaskDefinition cleanup = task(CleanupTaskProvider.TEMP_FILES);
        assertEquals(RetryPolicy.exponential(3, Duration.ofMinutes(1), 2.0, Duration.ofMinutes(30), 0.2),
                cleanup.retryPolicy());
        assertTrue(cleanup.deadLetterEligible());
        Duration first = cleanup.retryPolicy().delayBefore(1);
        assertTrue(first.compareTo(Duration.ofSeconds(48)) >= 0 && first.compareTo(Duration.ofMinutes(1)) <= 0,
                "1 minute less up to 20 % jitter: " + first);
    }

    @Test
    void relativeFoldersResolveAgainstTheWorkingDirectoryAndAbsoluteOnesStay() {
        provider.activate(null, TestConfiguration.defaults().withFolder("cache/../spool").properties());
        assertEquals(home.resolve("spool"), provider.settings().folder());

        Path elsewhere = temp.resolve("elsewhere");
        provider.modified(TestConfiguration.defaults().withFolder(elsewhere.toString()).properties());
        assertEquals(elsewhere, provider.settings().folder());
    }

    @Test
    void aBadValueKeepsTheLastGoodConfiguration() {
        provider.activate(null, TestConfiguration.defaults().withFolder("spool").withMaxAgeDays(3).properties());
        CleanupSettings good = provider.settings();

        provider.modified(TestConfiguration.defaults().withFolder("other").withMaxAgeDays(0).properties());
        assertEquals(good, provider.settings());

        provider.modified(TestConfiguration.defaults().withFolder("  ").properties());
        assertEquals(good, provider.settings());
        assertEquals("3", task(CleanupTaskProvider.TEMP_FILES).config().get("max.age.days"));

        provider.modified(TestConfiguration.defaults().withFolder("other").withMaxAgeDays(2).properties());
        assertEquals(home.resolve("other"), provider.settings().folder());
        assertEquals(2, provider.settings().maxAgeDays());
    }

    @Test
    void aBadFirstConfigurationFallsBackToTheDefaults() {
        provider.activate(null, TestConfiguration.defaults().withFolder("spool").withMaxAgeDays(-1).properties());

        assertEquals(CleanupSettings.defaults(home), provider.settings());
    }

    @Test
    void everyProblemIsReportedWithItsField() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> CleanupSettings.from(TestConfiguration.defaults().withFolder("").withMaxAgeDays(0).properties(), home, PROTECTED));

        assertEquals(2, e.problems().size(), e.problems().toString());
        assertTrue(e.problems().get(0).startsWith("folder: "), e.problems().toString());
        assertTrue(e.problems().get(1).startsWith("max.age.days: "), e.problems().toString());
    }

    @Test
    void foldersHoldingTheRuntimeItselfAreRefused() {
        for (String dangerous : List.of(".", "..", home.getRoot().toString(), home.toString())) {
            InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                    () -> CleanupSettings.from(TestConfiguration.defaults().withFolder(dangerous).properties(), home, PROTECTED), dangerous);
            assertTrue(e.getMessage().startsWith("folder: "), e.getMessage());
        }
    }

    private static final List<String> PROTECTED = List.of("data", "etc", "deploy", "log", "cache");

    /** The runtime's own folders, anything inside them, and links to them, are refused, saying why. */
    @Test
    void theRuntimesOwnFoldersAreRefused() throws Exception {
        Files.createDirectories(home.resolve("data"));
        Files.createSymbolicLink(home.resolve("spool-link"), home.resolve("data"));
        for (String own : PROTECTED) {
            for (String folder : List.of(own, own + "/", "./" + own, own + "/sub", own + "/../" + own + "/x",
                    home.resolve(own).toString())) {
                InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                        () -> CleanupSettings.from(Map.of("folder", folder), home, PROTECTED), folder);
                assertTrue(e.getMessage().startsWith("folder: '" + folder + "'"), e.getMessage());
                assertTrue(e.getMessage().contains("the runtime's own folder " + own + "/"), e.getMessage());
            }
        }
        InvalidConfigurationException link = assertThrows(InvalidConfigurationException.class,
                () -> CleanupSettings.from(Map.of("folder", "spool-link/old"), home, PROTECTED));
        assertTrue(link.getMessage().contains("inside the runtime's own folder data/"), link.getMessage());
        assertEquals(home.resolve("database-exports"),
                CleanupSettings.from(Map.of("folder", "database-exports"), home, PROTECTED).folder());
    }

    /** Every attribute: a wrong type, an overflow, an out-of-range value; each named with its value. */
    @Test
    void badValuesNameFieldAndValueAndUnknownKeysTheClosestOne() {
        InvalidConfigurationException e = assertThrows(InvalidConfigurationException.class,
                () -> CleanupSettings.from(Map.of("folder", new String[] {"a", "b"}, "max.age.days", "99999999999",
                        "enabled", "maybe", "schedule", 5), home, PROTECTED));
        assertEquals(List.of("folder: [a, b] (String[]) is not one value", "max.age.days: '99999999999' is not in "
                + "1–36500", "enabled: 'maybe' is not true or false"), e.problems());
        assertEquals(List.of("max.age.days: 'ten' is not a whole number"), assertThrows(
                InvalidConfigurationException.class, () -> CleanupSettings.from(Map.of("max.age.days", "ten"), home,
                        PROTECTED)).problems());
        assertEquals(List.of("max.age.days: 0 is not in 1–36500"), assertThrows(
                InvalidConfigurationException.class, () -> CleanupSettings.from(Map.of("max.age.days", 0), home,
                        PROTECTED)).problems());
        assertEquals(Map.of("max.age.day", "max.age.days"),
                CleanupSettings.reader(Map.of("max.age.day", "3", "service.pid", "x")).unknownKeys());
    }

    @Test
    void aValueThatCannotBeConvertedIsAProblemNotACrash() {
        Map<String, Object> unreadable = Map.of("max.age.days", "seven");
        provider.activate(null, TestConfiguration.defaults().withMaxAgeDays(5).properties());

        provider.modified(unreadable);

        assertEquals(5, provider.settings().maxAgeDays());
    }

    @Test
    void aBadScheduleIsPassedOnForTheSchedulerToRejectThatTaskAlone() {
        provider.activate(null, TestConfiguration.defaults().withSchedule("cron:61 * * * *").withMaxAgeDays(4).properties());

        assertEquals(4, provider.settings().maxAgeDays(), "the rest of the configuration applies");
        List<String> warnings = provider.settings().scheduleWarnings();
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("schedule: 'cron:61 * * * *'"), warnings.get(0));
        assertFalse(task(CleanupTaskProvider.TEMP_FILES).problems().isEmpty());
    }

    @Test
    void disabledMeansTheTasksStartDisabled() {
        provider.activate(null, TestConfiguration.defaults().withEnabled(false).properties());

        provider.tasks().forEach(t -> assertFalse(t.enabledByDefault(), t.id()));
    }

    @Test
    void executeRunsTheTaskOnTheConfiguredFolder() throws IOException {
        Path spool = home.resolve("spool");
        Path old = file(spool, "old", 10, days(4));
        Path young = file(spool, "young", 20, days(2));
        provider.activate(null, TestConfiguration.defaults().withFolder("spool").withMaxAgeDays(3).properties());

        TaskResult cleanup = provider.execute(TestExecution.of(CleanupTaskProvider.TEMP_FILES));
        assertEquals("1", cleanup.data().get("files"));
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(young));
    }

    @Test
    void anUnknownTaskIsAFailure() throws IOException {
        provider.activate(null, TestConfiguration.defaults().properties());

        TaskResult result = provider.execute(TestExecution.of("something-else"));

        assertFalse(result.successful());
        assertEquals("unknown task 'something-else'", result.message());
    }
}
