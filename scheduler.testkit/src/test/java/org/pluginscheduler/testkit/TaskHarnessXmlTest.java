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
        component(type.getName(), type, attributes, body);
    }

    /** Writes a component description of {@code type} into {@code OSGI-INF/<file>.xml}. */
    private void component(String file, Class<?> type, String attributes, String body) throws IOException {
        ComponentXmlTest.write(classes, "OSGI-INF/" + file + ".xml", """
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
    // --- what SCR registers, and what it does not ------------------------------------------------------------------

    @TaskSchedule("every:PT1M")
    static final class Plain implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void onlyTheDescriptionsTheManifestListsAreRead() throws IOException {
        // renamed from a.old to b.new without mvn clean: bnd leaves OSGI-INF/a.old.xml in target/classes
        component("a.old", Plain.class, "name=\"a.old\"", schedule("every:PT1M") + RUNNABLE);
        component("b.new", Plain.class, "name=\"b.new\"", schedule("every:PT7M") + RUNNABLE);
        ComponentXmlTest.write(classes, "META-INF/MANIFEST.MF",
                "Manifest-Version: 1.0\nService-Component: OSGI-INF/b.new.xml\n\n");

        TaskHarness h = harness().task(new Plain());

        assertEquals(List.of("new"), h.tasks().stream().map(t -> t.id().id()).toList());
        assertEquals("every:PT7M", h.taskInfo("new").scheduleText());
    }

    @Test
    void theManifestsServiceComponentMayHoldWildcards() throws IOException {
        component("b.new", Plain.class, "name=\"b.new\"", schedule("every:PT7M") + RUNNABLE);
        ComponentXmlTest.write(classes, "OSGI-INF/stale/a.old.xml", "not even XML");
        ComponentXmlTest.write(classes, "META-INF/MANIFEST.MF",
                "Manifest-Version: 1.0\nService-Component: OSGI-INF/b.*.xml, OSGI-INF/missing-only-if-asked.xml\n\n");

        assertEquals("every:PT7M", harness().task(new Plain()).taskInfo("new").scheduleText());
    }

    @Test
    void twoDescriptionsOfOneClassAreRefusedNamingBothFiles() throws IOException {
        component("a.old", Plain.class, "name=\"a.old\"", schedule("every:PT1M") + RUNNABLE);
        component("b.new", Plain.class, "name=\"b.new\"", schedule("every:PT7M") + RUNNABLE);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> harness().task(new Plain()));

        assertTrue(e.getMessage().contains("a.old.xml") && e.getMessage().contains("b.new.xml"), e.getMessage());
    }

    @Test
    void aComponentThatIsNotEnabledRegistersNoTask() throws IOException {
        component(Plain.class, "name=\"p\" enabled=\"false\"", schedule("every:PT1M") + RUNNABLE);
        Plain task = new Plain();

        TaskHarness h = harness().task(task).configure(task, Map.of("scheduler.retries", 1));

        assertEquals(List.of(), h.tasks(), "SCR does not enable it: its service is never registered");
    }

    @Test
    void aFactoryComponentRegistersNoTask() throws IOException {
        component(Plain.class, "name=\"p\" factory=\"acme.factory\"", schedule("every:PT1M") + RUNNABLE);

        assertEquals(List.of(), harness().task(new Plain()).tasks(),
                "SCR registers a ComponentFactory, not the Runnable, until newInstance");
    }

    @Test
    void aConfigurationDoesNotRenameTheComponent() throws IOException {
        component(Plain.class, "name=\"acme.named\"", schedule("every:PT1M") + RUNNABLE);
        Plain task = new Plain();

        TaskHarness h = harness().task(task, Map.of("component.name", "acme.other", "component.id", 99L));
        assertEquals(List.of("named"), h.tasks().stream().map(t -> t.id().id()).toList());
        h.configure(task, Map.of("component.name", "acme.third"));
        assertEquals(List.of("named"), h.tasks().stream().map(t -> t.id().id()).toList());
    }

    static final class NotATask implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void aRunnableComponentWithoutScheduleIsRefusedNamingTheProperty() throws IOException {
        component(NotATask.class, "name=\"n\"", RUNNABLE);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> harness().task(new NotATask()));

        assertTrue(e.getMessage().contains(TaskSchedule.SCHEDULE_PROPERTY), e.getMessage());
    }

    @Test
    void deletingAConfigurationThatNeverExistedDoesNothing() throws IOException {
        component(Plain.class, "name=\"acme.none\"", schedule("every:PT10M") + RUNNABLE);
        Plain task = new Plain();
        TaskHarness h = harness().task(task);
        h.advance(Duration.ofMinutes(1)); // the run at T0

        h.configure(task, Map.of());

        assertEquals(List.of(), h.advance(Duration.ZERO), "no new component: an every: schedule would fire now");
    }

    @TaskSchedule("every:PT1M")
    static class Open implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void aSubclassInstanceUsesTheDescriptionOfItsSuperclass() throws IOException {
        component(Open.class, "name=\"acme.sub\"", schedule("every:PT3M") + RUNNABLE);
        Open stub = new Open() {
        };

        assertEquals("every:PT3M", harness().task(stub).taskInfo("sub").scheduleText());
    }

    @Test
    void aSubclassInstanceWithoutDescriptionsUsesTheSuperclassesTaskSchedule() {
        TaskHarness h = TaskHarness.at(T0, type -> new ComponentXml.Found("(none)", false, List.of(), List.of()));
        harnesses.add(h);
        Open stub = new Open() {
        };

        h.task(stub);

        assertEquals(List.of("TaskHarnessXmlTest-Open"), h.tasks().stream().map(t -> t.id().id()).toList());
    }

    @Test
    void aBrokenUnrelatedDescriptionDoesNotStopTheOthers() throws IOException {
        component(Plain.class, "name=\"acme.fine\"", schedule("every:PT10M") + RUNNABLE);
        component(NotATask.class, "name=\"acme.broken\"",
                "<property name=\"x\" type=\"Integer\" value=\"nope\"/>" + RUNNABLE);
        ComponentXmlTest.write(classes, "OSGI-INF/unrelated.xml", "<not-closed>");

        TaskHarness h = harness().task(new Plain());
        assertEquals("every:PT10M", h.taskInfo("fine").scheduleText());

        IllegalStateException broken = assertThrows(IllegalStateException.class,
                () -> harness().task(new NotATask()));
        assertTrue(broken.getMessage().contains("acme.broken.xml") || broken.getMessage().contains("NotATask.xml"),
                broken.getMessage());
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> harness().task(new Open()));
        assertTrue(unknown.getMessage().contains("unrelated.xml"), unknown.getMessage());
    }
}
