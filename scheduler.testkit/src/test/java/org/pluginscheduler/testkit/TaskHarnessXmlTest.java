package org.pluginscheduler.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.TaskSchedule;
import org.pluginscheduler.api.TaskState;

/**
 * A task service's properties are the ones bnd wrote into its component description, not the annotation's: the
 * harness reads {@code OSGI-INF/*.xml} as DS does (here from a folder the test writes, standing for
 * {@code target/classes}).
 */
class TaskHarnessXmlTest {

    private static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");
    private final List<TaskHarness> harnesses = new ArrayList<>();
    @TempDir
    Path classes;

    @AfterEach
    void close() {
        harnesses.forEach(TaskHarness::close);
    }

    private TaskHarness harness() {
        TaskHarness h = TaskHarness.at(T0, type -> ComponentXml.read(classes));
        harnesses.add(h);
        return h;
    }

    /** Writes the component description of {@code type} as bnd would. */
    private void component(Class<?> type, String attributes, String body) throws IOException {
        ComponentXmlTest.write(classes, "OSGI-INF/" + type.getName() + ".xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" %s>
                %s
                  <implementation class="%s"/>
                </scr:component>
                """.formatted(attributes, body, type.getName()));
    }

    private static final String RUNNABLE = "<service><provide interface=\"java.lang.Runnable\"/></service>";

    /** What bnd writes for the annotation alone: every element, as {@code @TaskSchedule("every:PT10M")} gives. */
    private static String schedule(String schedule) {
        return "<property name=\"scheduler.task.schedule\" value=\"" + schedule + "\"/>"
                + "<property name=\"scheduler.retries\" type=\"Integer\" value=\"0\"/>";
    }

    @TaskSchedule("every:PT1M")
    static final class Overridden implements Runnable {
        int runs;

        @Override
        public void run() {
            runs++;
        }
    }

    @Test
    void thePropertiesAndNameAreTheXmlsNotTheAnnotations() throws IOException {
        // @Component(name = "acme.named", property = {"scheduler.retries:Integer=3", "scheduler.task.schedule=every:PT2M"})
        component(Overridden.class, "name=\"acme.named\"", schedule("every:PT1M")
                + "<property name=\"scheduler.retries\" type=\"Integer\" value=\"3\"/>"
                + "<property name=\"scheduler.task.schedule\" value=\"every:PT2M\"/>" + RUNNABLE);

        TaskHarness h = harness().task(new Overridden());

        assertEquals("every:PT2M", h.taskInfo("named").scheduleText(), "the id comes from the XML's name");
        assertEquals(3, ((RetryPolicy) h.taskInfo("named").definition().orElseThrow().retryPolicy()).maxRetries());
    }

    @TaskSchedule("every:PT1M")
    static final class NoService implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void aComponentWithoutATaskServiceIsRefusedNamingTheClass() throws IOException {
        component(NoService.class, "name=\"x\"", schedule("every:PT1M")); // Sub extends Base: bnd writes no service

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> harness().task(new NoService()));
        assertTrue(e.getMessage().contains(NoService.class.getName()) && e.getMessage().contains("Runnable"),
                e.getMessage());
    }

    @TaskSchedule("every:PT1M")
    static final class NoComponent implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void anAnnotatedClassWithoutComponentIsRefusedWhenBndHasRun() throws IOException {
        component(Overridden.class, "", schedule("every:PT1M") + RUNNABLE);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> harness().task(new NoComponent()));
        assertTrue(e.getMessage().contains(NoComponent.class.getName()) && e.getMessage().contains("@Component"),
                e.getMessage());
    }

    @Test
    void withoutAnyXmlTheAnnotationIsRead() {
        TaskHarness h = harness().task(new NoComponent()); // an IDE build: bnd has not run

        assertEquals("every:PT1M", h.taskInfo("TaskHarnessXmlTest-NoComponent").scheduleText());
    }

    @Test
    void aRequiredConfigurationRegistersTheTaskOnlyOnceGiven() throws IOException {
        component(Overridden.class, "configuration-policy=\"require\"", schedule("every:PT1M") + RUNNABLE);
        Overridden task = new Overridden();
        TaskHarness h = harness().task(task);

        assertEquals(List.of(), h.tasks(), "no configuration, no component, no task");
        assertEquals(List.of(), h.advance(Duration.ofMinutes(5)));

        h.configure(task, Map.of("scheduler.id", "req"));
        assertEquals(TaskState.ACTIVE, h.taskInfo("req").state());
        h.advance(Duration.ZERO);
        assertEquals(1, task.runs);

        h.configure(task, Map.of()); // the configuration deleted: the component goes
        assertTrue(h.tasks().stream().noneMatch(t -> t.state() == TaskState.ACTIVE), "" + h.tasks());
    }

    @Test
    void aConfigurationIsRefusedWhenThePolicyIgnoresIt() throws IOException {
        component(Overridden.class, "configuration-policy=\"ignore\"", schedule("every:PT1M") + RUNNABLE);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> harness().task(new Overridden(), Map.of("scheduler.id", "x")));
        assertTrue(e.getMessage().contains("ignore") && e.getMessage().contains(Overridden.class.getName()),
                e.getMessage());
    }

    @Test
    void withoutAModifiedMethodAConfigurationChangeReactivatesTheComponent() throws IOException {
        component(Overridden.class, "", schedule("every:PT10M") + RUNNABLE);
        Overridden task = new Overridden();
        TaskHarness h = harness().task(task);
        h.advance(Duration.ofMinutes(5)); // a run at T0

        h.configure(task, Map.of("scheduler.name", "renamed"));
        List<RunRecord> runs = h.advance(Duration.ZERO);

        assertEquals(List.of(T0.plus(Duration.ofMinutes(5))), runs.stream().map(RunRecord::scheduledTime).toList(),
                "a new component: its interval starts again at once");
        assertEquals(2, task.runs);
    }

    @Test
    void withAModifiedMethodAConfigurationChangeIsAModification() throws IOException {
        component(Overridden.class, "modified=\"modified\"", schedule("every:PT10M") + RUNNABLE);
        Overridden task = new Overridden();
        TaskHarness h = harness().task(task);
        h.advance(Duration.ofMinutes(5));

        h.configure(task, Map.of("scheduler.name", "renamed"));

        assertEquals(List.of(), h.advance(Duration.ZERO), "the same component: its next fire stays");
        assertEquals(List.of(T0.plus(Duration.ofMinutes(10))),
                h.advance(Duration.ofMinutes(5)).stream().map(RunRecord::scheduledTime).toList());
    }

    /** A task whose run changes its own configuration, as an administrator could while it runs. */
    @TaskSchedule("on-demand")
    static final class Reconfigured implements org.pluginscheduler.api.TaskAction {
        TaskHarness harness;
        final List<Boolean> cancelled = new ArrayList<>();

        @Override
        public org.pluginscheduler.api.TaskResult execute(org.pluginscheduler.api.TaskExecution execution) {
            harness.configure(this, Map.of("scheduler.name", "changed while running"));
            cancelled.add(execution.isCancelled());
            return org.pluginscheduler.api.TaskResult.success();
        }
    }

    private static final String TASK_ACTION =
            "<service><provide interface=\"org.pluginscheduler.api.TaskAction\"/></service>";

    @Test
    void aReactivationCancelsTheRunInProgressAndAModificationDoesNot() throws IOException {
        component(Reconfigured.class, "", schedule("on-demand") + TASK_ACTION);
        Reconfigured task = new Reconfigured();
        TaskHarness h = harness().task(task);
        task.harness = h;

        h.scheduler().trigger(h.scheduler().resolve("TaskHarnessXmlTest-Reconfigured"));

        assertEquals(List.of(true), task.cancelled, "the component it ran in was deactivated");

        component(Reconfigured.class, "modified=\"modified\"", schedule("on-demand") + TASK_ACTION);
        Reconfigured modified = new Reconfigured();
        TaskHarness m = TaskHarness.at(T0, type -> ComponentXml.read(classes));
        harnesses.add(m);
        modified.harness = m.task(modified);

        m.scheduler().trigger(m.scheduler().resolve("TaskHarnessXmlTest-Reconfigured"));

        assertEquals(List.of(false), modified.cancelled, "a modified component keeps running");
    }
}
