package org.pluginscheduler.sample.cleanup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.sample.cleanup.TestFiles.days;
import static org.pluginscheduler.sample.cleanup.TestFiles.file;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.impl.core.TaskServices;
import org.pluginscheduler.testkit.TaskHarness;
import org.pluginscheduler.testkit.TestExecution;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The usage report as a task component: its schedule on the real core (test kit), its configuration, its work. */
class UsageReportTaskTest {

    private static final String ID = CleanupTaskProvider.USAGE_REPORT;

    @TempDir
    Path temp;

    private Path home;
    private UsageReportTask task;
    private TaskHarness harness;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectory(temp.resolve("home"));
        task = new UsageReportTask(home);
        // the files' ages are measured from TestExecution.DEFAULT_TIME (TestFiles): start the clock there
        harness = TaskHarness.at(TestExecution.DEFAULT_TIME).owner("sample.cleanup.plugin");
    }

    @AfterEach
    void tearDown() {
        harness.close();
    }

    @Test
    void runsEveryFiveMinutesInTheBackgroundWithoutRetries() {
        harness.task(task);

        TaskDefinition definition = harness.taskInfo(ID).definition().orElseThrow();
        assertEquals(TaskState.ACTIVE, harness.taskInfo(ID).state());
        assertEquals("every:PT5M", definition.scheduleText());
        assertEquals(OverlapPolicy.SKIP, definition.overlapPolicy());
        assertEquals(Priority.BACKGROUND, definition.priority());
        assertEquals(0, definition.retryPolicy().maxRetries(), "the next run is the retry");
        assertFalse(definition.deadLetterEligible());
        assertFalse(definition.name().equals(ID), "has a name of its own");

        List<RunRecord> finished = harness.advance(Duration.ofMinutes(15));

        Instant t0 = TestExecution.DEFAULT_TIME;
        assertEquals(List.of(t0, t0.plus(Duration.ofMinutes(5)), t0.plus(Duration.ofMinutes(10)),
                t0.plus(Duration.ofMinutes(15))), finished.stream().map(RunRecord::scheduledTime).toList());
        finished.forEach(r -> assertEquals(RunStatus.SUCCEEDED, r.status(), r.message()));
        assertEquals("folder " + home.resolve("tmp") + " does not exist; nothing to report",
                finished.get(0).message(), "the default folder, tmp under the working directory");
    }

    @Test
    void reportsOnTheFolderAndAgeOfTheCleanupConfiguration() {
        file(home.resolve("spool"), "old", 10, days(4));
        file(home.resolve("spool"), "young", 20, days(2));
        task.activate(null, Map.of("folder", "spool", "max.age.days", "3"));
        harness.task(task);

        RunRecord run = harness.advance(Duration.ZERO).get(0);

        assertEquals(RunStatus.SUCCEEDED, run.status(), run.message());
        assertEquals("2", run.data().get("files"));
        assertEquals("1", run.data().get("expired"));
    }

    @Test
    void aBadCleanupConfigurationKeepsTheLastGoodFolder() {
        task.activate(null, Map.of("folder", "spool", "max.age.days", "3"));
        CleanupSettings good = task.settings();

        task.modified(Map.of("folder", "data", "max.age.days", "3")); // the runtime's own folder: refused

        assertEquals(good, task.settings());
    }

    @Test
    void itsConfigurationMovesTheScheduleLive() {
        harness.task(task);
        harness.advance(Duration.ofMinutes(5));

        harness.configure(task, Map.of("scheduler.task.schedule", "cron:0 6 * * *"));

        assertEquals(List.of(6, 6), harness.nextFires(ID, 2).stream().map(t -> t.getHour()).toList());
        List<RunRecord> day = harness.advance(Duration.ofDays(1));
        assertEquals(List.of(Instant.parse("2026-01-01T06:00:00Z")),
                day.stream().map(RunRecord::scheduledTime).toList());
    }

    @Test
    void aBadScheduleInItsConfigurationIsInvalidNamingTheProperty() {
        harness.task(task, Map.of("scheduler.task.schedule", "cron:61 * * * *"));

        assertEquals(TaskState.INVALID, harness.taskInfo(ID).state());
        String problem = harness.taskInfo(ID).problem().orElseThrow();
        assertTrue(problem.startsWith("scheduler.task.schedule"), problem);
        assertEquals(List.of(), harness.advance(Duration.ofHours(1)));
    }

    @Test
    void cancellationIsHonoured() {
        for (int i = 0; i < 3; i++) {
            file(home.resolve("tmp"), "f" + i, 10, days(30));
        }
        TestExecution run = TestExecution.builder(ID).cancelledAfterChecks(1).build();

        TaskResult result = task.execute(run);

        assertEquals("true", result.data().get("cancelled"));
        assertEquals("1", result.data().get("files"));
    }

    /**
     * The harness reads the annotation as bnd wrote it into the component description the runtime uses: the same
     * task definition from both.
     */
    @Test
    void theHarnessReadsTheAnnotationAsBndWroteIt() throws Exception {
        Map<String, Object> written = componentProperties(
                Path.of("target/classes/OSGI-INF/" + UsageReportTask.class.getName() + ".xml"));
        written.put("component.name", UsageReportTask.class.getName()); // SCR adds it

        harness.task(task);

        TaskServices.Described fromBnd = TaskServices.describe(written);
        assertEquals(List.of(), fromBnd.problems());
        assertEquals(TaskState.ACTIVE, harness.taskInfo(ID).state(), "no problem in what the harness read either");
        assertEquals(fromBnd.definition(), harness.taskInfo(ID).definition().orElseThrow());
    }

    /** @return the properties of a DS component description, typed as SCR types them */
    private static Map<String, Object> componentProperties(Path xml) throws Exception {
        Map<String, Object> properties = new HashMap<>();
        try (InputStream in = Files.newInputStream(xml)) {
            NodeList nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in)
                    .getElementsByTagName("property");
            for (int i = 0; i < nodes.getLength(); i++) {
                Element p = (Element) nodes.item(i);
                String type = p.getAttribute("type");
                List<String> values = p.hasAttribute("value") ? List.of(p.getAttribute("value"))
                        : p.getTextContent().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
                List<Object> typed = values.stream().map(v -> (Object) switch (type) {
                    case "Integer" -> Integer.valueOf(v);
                    case "Boolean" -> Boolean.valueOf(v);
                    default -> v;
                }).toList();
                properties.put(p.getAttribute("name"), p.hasAttribute("value") ? typed.get(0) : typed.toArray());
            }
        }
        return properties;
    }
}
