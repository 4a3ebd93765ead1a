package org.pluginscheduler.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable description of one scheduled task, as returned by {@link ScheduledTaskProvider#tasks()}.
 *
 * <p>Built with {@link #builder(String)}. Building never throws for bad content, so one bad definition cannot
 * stop a provider from returning its others: the scheduler calls {@link #problems()} when it registers the
 * definition and rejects it alone, logging each problem with the field it names. Call {@link #validate()} to fail
 * fast instead (in a unit test, for example).
 *
 * <p>Defaults: name = id, empty description, no timeout, {@link RetryPolicy#none()}, {@link OverlapPolicy#SKIP},
 * {@link Priority#NORMAL}, the scheduler's default misfire policy, no lock keys, no group, not per-tenant, not
 * dead-letter eligible, enabled by default, empty config.
 *
 */
public final class TaskDefinition {

    private final String id;
    private final String name;
    private final String description;
    private final String scheduleText;
    private final Schedule schedule;
    private final ScheduleParseException scheduleProblem;
    private final Duration timeout;
    private final RetryPolicy retryPolicy;
    private final OverlapPolicy overlapPolicy;
    private final Priority priority;
    private final MisfirePolicy misfirePolicy;
    private final Set<String> lockKeys;
    private final String group;
    private final boolean perTenant;
    private final boolean deadLetterEligible;
    private final boolean enabledByDefault;
    private final Map<String, String> config;

    private TaskDefinition(Builder b) {
        this.id = b.id;
        this.name = b.name == null ? String.valueOf(b.id) : b.name; // a null id is reported by problems(), not an NPE
        this.description = b.description;
        this.schedule = b.schedule;
        this.scheduleProblem = b.scheduleProblem;
        this.scheduleText = b.schedule != null ? b.schedule.text() : b.scheduleText;
        this.timeout = b.timeout;
        this.retryPolicy = b.retryPolicy;
        this.overlapPolicy = b.overlapPolicy;
        this.priority = b.priority;
        this.misfirePolicy = b.misfirePolicy;
        // empty: the shared immutable instances (most tasks have neither lock keys nor config: ~200 bytes per task)
        this.lockKeys = b.lockKeys.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(b.lockKeys));
        this.group = b.group;
        this.perTenant = b.perTenant;
        this.deadLetterEligible = b.deadLetterEligible;
        this.enabledByDefault = b.enabledByDefault;
        this.config = b.config.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.config));
    }

    /** @return a builder for a task with the given id, unique within its provider's bundle */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** @return a builder initialized from this definition */
    public Builder toBuilder() {
        Builder b = new Builder(id).name(name).description(description).overlap(overlapPolicy).priority(priority)
                .retry(retryPolicy).perTenant(perTenant).deadLetterEligible(deadLetterEligible)
                .enabledByDefault(enabledByDefault).config(config);
        b.misfirePolicy = misfirePolicy;
        b.lockKeys.addAll(lockKeys);
        b.group = group;
        b.timeout = timeout;
        b.schedule = schedule;
        b.scheduleText = scheduleText;
        b.scheduleProblem = scheduleProblem;
        return b;
    }

    /** @return the task id, unique within the providing bundle; see {@link TaskId#ID_PATTERN} */
    public String id() {
        return id;
    }

    /** @return a human-readable name; defaults to the id */
    public String name() {
        return name;
    }

    /** @return a description for administrators; empty by default */
    public String description() {
        return description;
    }

    /**
     * @return the schedule
     * @throws ScheduleParseException if the schedule was given as text that does not parse (see {@link #problems()})
     * @throws IllegalStateException  if no schedule was given
     */
    public Schedule schedule() {
        if (scheduleProblem != null) {
            throw scheduleProblem;
        }
        if (schedule == null) {
            throw new IllegalStateException("task '" + id + "' has no schedule");
        }
        return schedule;
    }

    /** @return the schedule's text as given (canonical if it parsed); empty string if none was given */
    public String scheduleText() {
        return scheduleText == null ? "" : scheduleText;
    }

    /**
     * @return the longest a run may take before it is cancelled and ends {@link RunStatus#TIMED_OUT}; empty for
     *         no limit
     */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** @return the retry policy */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** @return what happens when a fire comes while the previous run is still going */
    public OverlapPolicy overlapPolicy() {
        return overlapPolicy;
    }

    /** @return the worker pool priority (each priority has its own pool) */
    public Priority priority() {
        return priority;
    }

    /** @return the misfire policy; empty means the scheduler's configured default ({@link MisfirePolicy#runOnce()} unless configured) */
    public Optional<MisfirePolicy> misfirePolicy() {
        return Optional.ofNullable(misfirePolicy);
    }

    /**
     * @return named locks a run must hold; runs of tasks sharing a key never overlap; contention delays
     *         a run without spending a retry
     */
    public Set<String> lockKeys() {
        return lockKeys;
    }

    /** @return the concurrency/rate-limit group, if any */
    public Optional<String> group() {
        return Optional.ofNullable(group);
    }

    /** @return {@code true} if one instance runs per configured tenant */
    public boolean perTenant() {
        return perTenant;
    }

    /** @return {@code true} if runs that exhaust their retries become dead letters */
    public boolean deadLetterEligible() {
        return deadLetterEligible;
    }

    /** @return {@code false} if the task starts disabled until an administrator enables it */
    public boolean enabledByDefault() {
        return enabledByDefault;
    }

    /** @return free-form settings handed to each run through {@link TaskExecution#config()} */
    public Map<String, String> config() {
        return config;
    }

    /**
     * Checks every field.
     *
     * @return one {@code "field: detail"} entry per problem; empty if the definition is valid
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (id == null || !TaskId.ID_PATTERN.matcher(id).matches()) {
            problems.add("id: '" + id + "' must match " + TaskId.ID_PATTERN.pattern());
        }
        if (name.isBlank() || name.length() > 200) {
            problems.add("name: must be 1–200 characters");
        }
        if (scheduleProblem != null) {
            problems.add("schedule: " + scheduleProblem.getMessage());
        } else if (schedule == null) {
            problems.add("schedule: is required");
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            problems.add("timeout: " + timeout + " must be positive");
        }
        for (String key : lockKeys) {
            if (!TaskId.ID_PATTERN.matcher(key).matches()) {
                problems.add("lockKeys: '" + key + "' must match " + TaskId.ID_PATTERN.pattern());
            }
        }
        if (group != null && !TaskId.ID_PATTERN.matcher(group).matches()) {
            problems.add("group: '" + group + "' must match " + TaskId.ID_PATTERN.pattern());
        }
        for (String key : config.keySet()) {
            if (key.isBlank()) {
                problems.add("config: keys must not be blank");
            }
        }
        return problems;
    }

    /**
     * @return this definition
     * @throws InvalidTaskDefinitionException listing every problem
     */
    public TaskDefinition validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new InvalidTaskDefinitionException(String.valueOf(id), problems);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskDefinition d && Objects.equals(id, d.id) && name.equals(d.name)
                && description.equals(d.description) && Objects.equals(scheduleText, d.scheduleText)
                && Objects.equals(timeout, d.timeout) && retryPolicy.equals(d.retryPolicy)
                && overlapPolicy == d.overlapPolicy && priority == d.priority && Objects.equals(misfirePolicy, d.misfirePolicy)
                && lockKeys.equals(d.lockKeys) && Objects.equals(group, d.group) && perTenant == d.perTenant
                && deadLetterEligible == d.deadLetterEligible && enabledByDefault == d.enabledByDefault
                && config.equals(d.config);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, scheduleText, config);
    }

    @Override
    public String toString() {
        return "TaskDefinition[" + id + " " + scheduleText() + "]";
    }

    /** Builds {@link TaskDefinition}s. Not thread-safe. */
    public static final class Builder {
        private final String id;
        private String name;
        private String description = "";
        private String scheduleText;
        private Schedule schedule;
        private ScheduleParseException scheduleProblem;
        private Duration timeout;
        private RetryPolicy retryPolicy = RetryPolicy.none();
        private OverlapPolicy overlapPolicy = OverlapPolicy.SKIP;
        private Priority priority = Priority.NORMAL;
        private MisfirePolicy misfirePolicy;
        private final Set<String> lockKeys = new LinkedHashSet<>();
        private String group;
        private boolean perTenant;
        private boolean deadLetterEligible;
        private boolean enabledByDefault = true;
        private final Map<String, String> config = new LinkedHashMap<>();

        private Builder(String id) {
            this.id = id;
        }

        /** Sets the display name. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Sets the description. */
        public Builder description(String description) {
            this.description = Objects.requireNonNull(description, "description");
            return this;
        }

        /** Sets the schedule. */
        public Builder schedule(Schedule schedule) {
            this.schedule = Objects.requireNonNull(schedule, "schedule");
            this.scheduleText = schedule.text();
            this.scheduleProblem = null;
            return this;
        }

        /**
         * Sets the schedule from its canonical text (see {@link Schedule}), typically read from configuration.
         * A text that does not parse is kept and reported by {@link TaskDefinition#problems()}, so it rejects
         * this task alone.
         */
        public Builder schedule(String text) {
            this.scheduleText = Objects.requireNonNull(text, "text");
            try {
                this.schedule = Schedule.parse(text);
                this.scheduleProblem = null;
            } catch (ScheduleParseException e) {
                this.schedule = null;
                this.scheduleProblem = e;
            }
            return this;
        }

        /** Sets the run timeout. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Sets the retry policy. */
        public Builder retry(RetryPolicy policy) {
            this.retryPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Sets the overlap policy. */
        public Builder overlap(OverlapPolicy policy) {
            this.overlapPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Sets the priority. */
        public Builder priority(Priority priority) {
            this.priority = Objects.requireNonNull(priority, "priority");
            return this;
        }

        /** Sets the misfire policy. */
        public Builder misfire(MisfirePolicy policy) {
            this.misfirePolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Adds named lock keys. */
        public Builder lockKeys(String... keys) {
            for (String key : keys) {
                lockKeys.add(Objects.requireNonNull(key, "key"));
            }
            return this;
        }

        /** Sets the concurrency/rate-limit group. */
        public Builder group(String group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /** Marks the task as per-tenant. */
        public Builder perTenant(boolean perTenant) {
            this.perTenant = perTenant;
            return this;
        }

        /** Marks the task's exhausted runs as dead letters. */
        public Builder deadLetterEligible(boolean eligible) {
            this.deadLetterEligible = eligible;
            return this;
        }

        /** Sets whether the task starts enabled. */
        public Builder enabledByDefault(boolean enabled) {
            this.enabledByDefault = enabled;
            return this;
        }

        /** Adds one config entry handed to each run. */
        public Builder config(String key, String value) {
            config.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds config entries handed to each run. */
        public Builder config(Map<String, String> entries) {
            entries.forEach(this::config);
            return this;
        }

        /** @return the definition; never throws for bad content (see {@link TaskDefinition#problems()}) */
        public TaskDefinition build() {
            return new TaskDefinition(this);
        }
    }
}
