package org.pluginscheduler.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;

/**
 * A {@link TaskExecution} made by hand, to unit-test a task's code directly: call your provider's
 * {@code execute(TestExecution...)} or your {@code TaskAction} with it, no scheduler involved.
 *
 * <pre>
 * TestExecution run = TestExecution.builder("cleanup").argument("dryRun", "true").attempt(2).build();
 * TaskResult result = new CleanupTask().execute(run);
 * </pre>
 *
 * <p>Defaults: owner {@value #DEFAULT_OWNER}, run id {@code test-run-1}, attempt 1, trigger
 * {@link RunTrigger#SCHEDULE}, scheduled and start time {@link #DEFAULT_TIME} (or the instant of a given
 * {@link Builder#clock clock}), no deadline, no tenant, no arguments, and a definition with the task id and an
 * {@code on-demand} schedule (so {@link #config()} is empty) unless one is given.
 *
 * <p><b>Cancellation.</b> {@link #cancel()} makes {@link #isCancelled()} answer true from then on; for code that
 * checks between steps, {@link Builder#cancelledAfterChecks(int)} makes the first {@code n} checks answer false and
 * later ones true, so "stops early when cancelled" is deterministic without threads. {@link #cancellationChecks()}
 * tells how often the code asked. This class does not interrupt any thread: the scheduler's own cancellation also
 * interrupts the running thread, so code that blocks should be tested for interrupts separately.
 *
 * <p>Instances are thread-safe.
 */
public final class TestExecution implements TaskExecution {

    /** The owner (bundle symbolic name) of built runs unless {@link Builder#owner} says otherwise. */
    public static final String DEFAULT_OWNER = "test.plugin";

    /** The scheduled and start time of built runs unless a time or a clock is given. */
    public static final Instant DEFAULT_TIME = Instant.parse("2026-01-01T00:00:00Z");

    private final TaskId taskId;
    private final String runId;
    private final int attempt;
    private final RunTrigger trigger;
    private final Instant scheduledTime;
    private final Instant startTime;
    private final Optional<Instant> deadline;
    private final Optional<String> tenant;
    private final Map<String, String> arguments;
    private final TaskDefinition definition;
    private final int checksBeforeCancel;
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicInteger checks = new AtomicInteger();

    private TestExecution(Builder b) {
        this.definition = b.definition != null ? b.definition.toBuilder().config(b.config).build()
                : TaskDefinition.builder(b.id).schedule("on-demand").config(b.config).build();
        this.tenant = Optional.ofNullable(b.tenant);
        TaskId id = TaskId.of(b.owner, definition.id());
        this.taskId = b.tenant == null ? id : id.forTenant(b.tenant);
        this.runId = b.runId;
        this.attempt = b.attempt;
        this.trigger = b.trigger;
        Instant now = b.clock == null ? DEFAULT_TIME : b.clock.instant();
        this.scheduledTime = b.scheduledTime != null ? b.scheduledTime : now;
        this.startTime = b.startTime != null ? b.startTime : b.scheduledTime != null ? b.scheduledTime : now;
        this.deadline = b.deadline != null ? Optional.of(b.deadline)
                : b.timeout != null ? Optional.of(startTime.plus(b.timeout))
                : definition.timeout().map(startTime::plus);
        this.arguments = Map.copyOf(b.arguments);
        this.checksBeforeCancel = b.checksBeforeCancel;
    }

    /**
     * @param taskId the task's id within its owner (no owner prefix)
     * @return a builder of a run of that task, with the defaults described in the class description
     */
    public static Builder builder(String taskId) {
        return new Builder(taskId);
    }

    /**
     * @param definition the task's definition: its id, its config and its timeout (for the deadline) are used
     * @return a builder of a run of that task
     */
    public static Builder builder(TaskDefinition definition) {
        Objects.requireNonNull(definition, "definition");
        return new Builder(definition.id()).definition(definition);
    }

    /** @return a run of the task with every default, see the class description */
    public static TestExecution of(String taskId) {
        return builder(taskId).build();
    }

    /** @return a run of the task that {@code definition} describes, with every other default */
    public static TestExecution of(TaskDefinition definition) {
        return builder(definition).build();
    }

    /** Cancels the run: {@link #isCancelled()} answers true from now on. Does not interrupt any thread. */
    public void cancel() {
        cancelled.set(true);
    }

    /** @return how many times {@link #isCancelled()} was called */
    public int cancellationChecks() {
        return checks.get();
    }

    @Override
    public TaskId taskId() {
        return taskId;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public RunTrigger trigger() {
        return trigger;
    }

    @Override
    public Instant scheduledTime() {
        return scheduledTime;
    }

    @Override
    public Instant startTime() {
        return startTime;
    }

    @Override
    public Optional<Instant> deadline() {
        return deadline;
    }

    @Override
    public Optional<String> tenant() {
        return tenant;
    }

    @Override
    public Map<String, String> arguments() {
        return arguments;
    }

    @Override
    public Map<String, String> config() {
        return definition.config();
    }

    @Override
    public TaskDefinition definition() {
        return definition;
    }

    /** @return true after {@link #cancel()}, or once more checks than {@link Builder#cancelledAfterChecks} were made */
    @Override
    public boolean isCancelled() {
        int n = checks.incrementAndGet();
        return cancelled.get() || n > checksBeforeCancel;
    }

    @Override
    public String toString() {
        return "TestExecution[" + taskId + " " + runId + " attempt " + attempt + " " + trigger + " at " + startTime
                + "]";
    }

    /** Builds a {@link TestExecution}; every setter is optional. Not thread-safe. */
    public static final class Builder {
        private String id;
        private String owner = DEFAULT_OWNER;
        private String runId = "test-run-1";
        private int attempt = 1;
        private RunTrigger trigger = RunTrigger.SCHEDULE;
        private Clock clock;
        private Instant scheduledTime;
        private Instant startTime;
        private Instant deadline;
        private Duration timeout;
        private String tenant;
        private final Map<String, String> arguments = new LinkedHashMap<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private TaskDefinition definition;
        private int checksBeforeCancel = Integer.MAX_VALUE;

        private Builder(String taskId) {
            this.id = Objects.requireNonNull(taskId, "taskId");
        }

        /** @param owner the owning bundle's symbolic name, the owner part of {@link TaskExecution#taskId()} */
        public Builder owner(String owner) {
            this.owner = Objects.requireNonNull(owner, "owner");
            return this;
        }

        /** @param runId the run id; default {@code test-run-1} */
        public Builder runId(String runId) {
            this.runId = Objects.requireNonNull(runId, "runId");
            return this;
        }

        /** @param attempt 1 for the first attempt, 2 for the first retry, ... */
        public Builder attempt(int attempt) {
            if (attempt < 1) {
                throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
            }
            this.attempt = attempt;
            return this;
        }

        /** @param trigger what started the run; default {@link RunTrigger#SCHEDULE} */
        public Builder trigger(RunTrigger trigger) {
            this.trigger = Objects.requireNonNull(trigger, "trigger");
            return this;
        }

        /** @param clock the clock whose current instant is the scheduled and start time, unless those are set */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @param scheduledTime when the run was due; also its start time unless {@link #startTime} is set */
        public Builder scheduledTime(Instant scheduledTime) {
            this.scheduledTime = Objects.requireNonNull(scheduledTime, "scheduledTime");
            return this;
        }

        /** @param startTime when the run started */
        public Builder startTime(Instant startTime) {
            this.startTime = Objects.requireNonNull(startTime, "startTime");
            return this;
        }

        /** @param deadline when the run's timeout ends; default: start time plus the definition's timeout, if any */
        public Builder deadline(Instant deadline) {
            this.deadline = Objects.requireNonNull(deadline, "deadline");
            return this;
        }

        /** @param timeout the deadline as a duration after the start time */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** @param tenant the tenant of a per-tenant task instance; the task id gets {@code @tenant} */
        public Builder tenant(String tenant) {
            this.tenant = Objects.requireNonNull(tenant, "tenant");
            return this;
        }

        /** Adds one argument of a submission or call. */
        public Builder argument(String key, String value) {
            arguments.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
            return this;
        }

        /** Adds arguments of a submission or call. */
        public Builder arguments(Map<String, String> entries) {
            entries.forEach(this::argument);
            return this;
        }

        /** Adds one entry of the definition's config (what {@link TaskExecution#config()} returns). */
        public Builder config(String key, String value) {
            config.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
            return this;
        }

        /**
         * @param definition the task's definition (its id replaces the builder's; entries given with
         *                   {@link #config(String, String)} are added to its config)
         */
        public Builder definition(TaskDefinition definition) {
            this.definition = Objects.requireNonNull(definition, "definition");
            this.id = definition.id();
            return this;
        }

        /**
         * Makes the first {@code checks} calls to {@link TestExecution#isCancelled()} answer false and every later
         * one true: a run cancelled while it works, deterministically.
         */
        public Builder cancelledAfterChecks(int checks) {
            if (checks < 0) {
                throw new IllegalArgumentException("checks must not be negative: " + checks);
            }
            this.checksBeforeCancel = checks;
            return this;
        }

        /** @return the run */
        public TestExecution build() {
            return new TestExecution(this);
        }
    }
}
