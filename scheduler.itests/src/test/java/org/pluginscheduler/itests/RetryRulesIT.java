package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskFailureHandler;
import org.pluginscheduler.api.TaskId;

/**
 * Retry rules (bundle {@code scheduler.retry}): factory configurations of {@value #FACTORY_PID} become failure
 * handlers, live. The failing tasks are ad-hoc tasks of the probe, so that each can carry its own retry policy: a
 * long policy delay ({@link #POLICY_DELAY}) tells a retry the policy planned from one a rule planned
 * ({@link #RULE_DELAY}). They are never scheduled (yearly cron) but triggered by hand.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RetryRulesIT extends SchedulerTestBase {

    private static final String FACTORY_PID = "org.pluginscheduler.retry.rule";
    private static final String RULE_COMPONENT = "org.pluginscheduler.retry.RetryRuleComponent";
    private static final String RULE_DELAY = "PT0.2S";
    private static final Duration POLICY_DELAY = Duration.ofSeconds(30);

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private ServiceComponentRuntime scr;

    private final List<org.osgi.service.cm.Configuration> rules = new ArrayList<>();
    private final List<TaskId> tasks = new ArrayList<>();

    @Override
    @Configuration
    public Option[] config() throws IOException {
        return options(composite(baseOptions()), projectBundle("itest.bundle.retry"));
    }

    @After
    public void deleteRulesAndTasks() throws IOException {
        for (org.osgi.service.cm.Configuration rule : rules) {
            try {
                rule.delete();
            } catch (IllegalStateException e) {
                // deleted by the test
            }
        }
        rules.clear();
        tasks.forEach(scheduler::removeTask); // also drops pending retries
        tasks.clear();
    }

    @Test
    public void aNewRuleMakesFailingRunsRetryAfterItsDelayWithinTheTasksPolicy() throws Exception {
        TaskId task = failingTask("rules-retry", 1);
        String pid = createRule(Map.of("task", "*:rules-retry", "action", "retry", "delay", RULE_DELAY,
                "reason", "flaky upstream"));
        awaitHandler(pid, "retry", 0);

        RunRecord first = failedRun(scheduler.trigger(task));
        assertTrue(first.message(), first.message().startsWith("IOException: HTTP 429 rate limit exceeded — retry 1 "
                + "of 1 in PT0.2S (failure handler "));
        assertTrue(first.message(), first.message().endsWith(" of scheduler.retry (Retry rule " + pid + "): flaky upstream)"));

        RunRecord retry = awaitRun(task, "attempt 2", r -> r.attempt() == 2 && r.status().isFinal());
        assertEquals(RunTrigger.RETRY, retry.trigger());
        Duration waited = Duration.between(first.endTime().orElseThrow(), retry.scheduledTime());
        assertTrue("the rule's 0.2 s, not the policy's 30 s: " + waited,
                waited.compareTo(Duration.ofMillis(150)) >= 0 && waited.compareTo(Duration.ofSeconds(5)) < 0);
        assertTrue("the policy allows one retry, however often the rule says retry: " + retry.message(),
                retry.message().contains("gave up after 2 attempts (failure handler "));
        letTheSchedulerTick(2);
        assertEquals("no attempt 3", 2, runs(task).size());
    }

    @Test
    public void changingTheRuleToAbortStopsRetriesWithItsReason() throws Exception {
        TaskId task = failingTask("rules-abort", 3);
        String pid = createRule(Map.of("task", "*:rules-abort", "action", "retry", "delay", RULE_DELAY));
        awaitHandler(pid, "retry", 0);
        RunRecord retried = failedRun(scheduler.trigger(task));
        assertTrue(retried.message(), retried.message().contains("retry 1 of 3 in PT0.2S"));
        // let that chain end (the policy's 3 retries, each after the rule's delay) before the next trigger
        RunRecord last = awaitRun(task, "attempt 4", r -> r.attempt() == 4 && r.status().isFinal());
        assertTrue(last.message(), last.message().contains("gave up after 4 attempts (failure handler "));

        updateRule(pid, Map.of("task", "*:rules-abort", "action", "abort", "reason", "the account is locked"));
        awaitHandler(pid, "abort", 0);
        String aborted = scheduler.trigger(task);
        RunRecord run = failedRun(aborted);

        assertTrue(run.message(), run.message().contains("— aborted remaining retries (failure handler "));
        assertTrue(run.message(), run.message().endsWith(": the account is locked)"));
        letTheSchedulerTick(2);
        assertTrue("no retry after the aborted run", runs(task).stream()
                .noneMatch(r -> r.trigger() == RunTrigger.RETRY && r.scheduledTime().isAfter(run.endTime().get())));
        assertTrue("no dead letter", scheduler.deadLetters().stream().noneMatch(d -> d.runId().equals(aborted)));
    }

    @Test
    public void deletingTheRuleFallsBackToTheTasksPolicy() throws Exception {
        TaskId task = failingTask("rules-delete", 1);
        String pid = createRule(Map.of("task", "*:rules-delete", "action", "retry", "delay", RULE_DELAY));
        ServiceReference<TaskFailureHandler> handler = awaitHandler(pid, "retry", 0);
        assertEquals("scheduler.retry", handler.getBundle().getSymbolicName());
        assertTrue(failedRun(scheduler.trigger(task)).message().contains("retry 1 of 1 in PT0.2S"));
        awaitRun(task, "attempt 2", r -> r.attempt() == 2 && r.status().isFinal());

        configAdmin.getConfiguration(pid, "?").delete();
        awaitTrue("the handler of " + pid + " is unregistered", () -> handlers(pid).isEmpty());
        RunRecord run = failedRun(scheduler.trigger(task));

        assertEquals("IOException: HTTP 429 rate limit exceeded — retry 1 of 1 in " + POLICY_DELAY, run.message());
    }

    @Test
    public void theHigherRankedRuleDecidesAndARankingChangeReordersThemLive() throws Exception {
        TaskId task = failingTask("rules-ranking", 1);
        String abort = createRule(Map.of("task", "*:rules-ranking", "action", "abort", "reason", "rule A",
                "ranking", "10"));
        String retry = createRule(Map.of("task", "*:rules-ranking", "action", "retry", "delay", RULE_DELAY,
                "reason", "rule B", "ranking", "5"));
        String other = createRule(Map.of("task", "*:another-task", "action", "give-up", "ranking", "100"));
        awaitHandler(abort, "abort", 10);
        awaitHandler(retry, "retry", 5);
        awaitHandler(other, "give-up", 100);

        RunRecord first = failedRun(scheduler.trigger(task));
        assertTrue("ranking 10 beats 5; the rule for another task has no opinion: " + first.message(),
                first.message().endsWith("aborted remaining retries (failure handler "
                        + serviceId(abort) + " of scheduler.retry (Retry rule " + abort + "): rule A)"));

        updateRule(abort, Map.of("task", "*:rules-ranking", "action", "abort", "reason", "rule A", "ranking", "1"));
        awaitHandler(abort, "abort", 1);
        RunRecord second = failedRun(scheduler.trigger(task));
        assertTrue("now 5 beats 1: " + second.message(), second.message().endsWith("retry 1 of 1 in PT0.2S (failure "
                + "handler " + serviceId(retry) + " of scheduler.retry (Retry rule " + retry + "): rule B)"));
    }

    @Test
    public void anInvalidRuleRegistersNothingAndABadChangeKeepsTheLastGoodRule() throws Exception {
        TaskId task = failingTask("rules-invalid", 1);
        String pid = createRule(Map.of("task", "*:rules-invalid", "action", "later"));
        awaitComponentWith(pid, "action", "later");
        assertTrue("no handler for an invalid rule", handlers(pid).isEmpty());
        RunRecord unruled = failedRun(scheduler.trigger(task));
        assertFalse(unruled.message(), unruled.message().contains("failure handler"));

        updateRule(pid, Map.of("task", "*:rules-invalid", "action", "retry", "delay", RULE_DELAY, "ranking", "3"));
        long id = serviceId(awaitHandler(pid, "retry", 3));

        updateRule(pid, Map.of("task", "*:rules-invalid", "action", "abort", "delay", "soon", "ranking", "7"));
        awaitComponentWith(pid, "delay", "soon");
        ServiceReference<TaskFailureHandler> kept = handlers(pid).stream().findFirst()
                .orElseThrow(() -> new AssertionError("the last good rule was unregistered"));
        assertEquals(id, serviceId(kept));
        assertEquals("the last good ranking stays", 3, kept.getProperty(Constants.SERVICE_RANKING));
        assertEquals("retry", kept.getProperty("retry.rule.action"));
        RunRecord run = failedRun(scheduler.trigger(task));
        assertTrue("the last good rule still decides: " + run.message(),
                run.message().contains("retry 1 of 1 in PT0.2S (failure handler " + id + " of scheduler.retry"));
    }

    // --- helpers ----------------------------------------------------------------------------------------------

    /** Adds a probe task that always throws, with {@code maxRetries} retries after {@link #POLICY_DELAY}. */
    private TaskId failingTask(String id, int maxRetries) {
        TaskId task = scheduler.addTask(TaskDefinition.builder(id).schedule("cron:0 3 1 1 *")
                        .retry(RetryPolicy.fixed(maxRetries, POLICY_DELAY)).build(),
                execution -> {
                    throw new IOException("HTTP 429 rate limit exceeded");
                }, false);
        tasks.add(task);
        return task;
    }

    private RunRecord failedRun(String runId) {
        return await("run " + runId + " FAILED", () -> scheduler.run(runId)
                .filter(r -> r.status() == RunStatus.FAILED));
    }

    /** @return the new factory configuration's PID */
    private String createRule(Map<String, String> properties) throws IOException {
        org.osgi.service.cm.Configuration rule = configAdmin.createFactoryConfiguration(FACTORY_PID, "?");
        rule.update(new Hashtable<>(properties));
        rules.add(rule);
        return rule.getPid();
    }

    private void updateRule(String pid, Map<String, String> properties) throws IOException {
        configAdmin.getConfiguration(pid, "?").update(new Hashtable<>(properties));
    }

    private Collection<ServiceReference<TaskFailureHandler>> handlers(String pid) {
        try {
            return context.getServiceReferences(TaskFailureHandler.class, "(retry.rule.pid=" + pid + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the rule's handler is registered with this action and ranking (the rule in force). */
    private ServiceReference<TaskFailureHandler> awaitHandler(String pid, String action, int ranking) {
        return await("the handler of " + pid + " with action " + action + " and ranking " + ranking,
                () -> handlers(pid).stream().filter(r -> action.equals(r.getProperty("retry.rule.action"))
                        && Integer.valueOf(ranking).equals(r.getProperty(Constants.SERVICE_RANKING))).findFirst());
    }

    /**
     * Waits until Declarative Services has handed the configuration to an active rule component: its properties
     * show {@code key=value}. Activation and modification are done by then, so whatever the component registers
     * (or not) is visible.
     */
    private void awaitComponentWith(String pid, String key, String value) {
        await("an active rule component for " + pid + " with " + key + "=" + value, () -> {
            for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
                if (!description.name.equals(RULE_COMPONENT)) {
                    continue;
                }
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(description)) {
                    if (c.state == ComponentConfigurationDTO.ACTIVE && pid.equals(c.properties.get(Constants.SERVICE_PID))
                            && value.equals(c.properties.get(key))) {
                        return Optional.of(c);
                    }
                }
            }
            return Optional.empty();
        });
    }

    private long serviceId(String pid) {
        return serviceId(handlers(pid).stream().findFirst().orElseThrow());
    }

    private static long serviceId(ServiceReference<?> reference) {
        return (Long) reference.getProperty(Constants.SERVICE_ID);
    }
}
