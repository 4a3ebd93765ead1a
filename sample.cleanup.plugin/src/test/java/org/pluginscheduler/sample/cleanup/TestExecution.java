package org.pluginscheduler.sample.cleanup;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;

/**
 * A hand-written run context: a fixed start time, so file ages are exact, and cancellation that turns on after a
 * given number of {@link #isCancelled()} checks, so "stops early" is deterministic without threads or sleeps.
 */
final class TestExecution implements TaskExecution {

    /** The start time of every test run. */
    static final Instant START = Instant.parse("2026-06-15T12:00:00Z");

    private final TaskDefinition definition;
    private final int checksBeforeCancel;
    private final AtomicInteger checks = new AtomicInteger();

    private TestExecution(String taskId, int checksBeforeCancel) {
        this.definition = TaskDefinition.builder(taskId).schedule("every:PT5M").build();
        this.checksBeforeCancel = checksBeforeCancel;
    }

    /** @return a run of {@code taskId} that is never cancelled */
    static TestExecution of(String taskId) {
        return new TestExecution(taskId, Integer.MAX_VALUE);
    }

    /** @return a run whose first {@code checks} calls to {@link #isCancelled()} answer false, later ones true */
    static TestExecution cancelledAfter(String taskId, int checks) {
        return new TestExecution(taskId, checks);
    }

    /** @return how often the task asked whether it was cancelled */
    int checks() {
        return checks.get();
    }

    @Override
    public TaskId taskId() {
        return TaskId.of("sample.cleanup.plugin", definition.id());
    }

    @Override
    public String runId() {
        return "test-run";
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public RunTrigger trigger() {
        return RunTrigger.MANUAL;
    }

    @Override
    public Instant scheduledTime() {
        return START;
    }

    @Override
    public Instant startTime() {
        return START;
    }

    @Override
    public Optional<Instant> deadline() {
        return Optional.empty();
    }

    @Override
    public Optional<String> tenant() {
        return Optional.empty();
    }

    @Override
    public Map<String, String> arguments() {
        return Map.of();
    }

    @Override
    public Map<String, String> config() {
        return definition.config();
    }

    @Override
    public TaskDefinition definition() {
        return definition;
    }

    @Override
    public boolean isCancelled() {
        return checks.incrementAndGet() > checksBeforeCancel;
    }
}
