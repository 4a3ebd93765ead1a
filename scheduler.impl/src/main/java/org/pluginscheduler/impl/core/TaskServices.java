package org.pluginscheduler.impl.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Priority;
import org.pluginscheduler.api.RetryPolicy;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskSchedule;
import org.pluginscheduler.internal.config.ConfigReader;

/**
 * Task services: a {@link Runnable} or {@link TaskAction} service whose {@link TaskSchedule} properties describe one
 * task. Reads those properties into a {@link TaskDefinition}, naming the property of every problem, and adapts the
 * service to a {@link ScheduledTaskProvider} of one task, so it has exactly a provider's lifecycle, conflicts,
 * overrides and departure. Public for the test kit, which runs task services through the same rules.
 */
public final class TaskServices {

    /** The property names of {@link TaskSchedule}'s elements. */
    public static final String SCHEDULE = TaskSchedule.SCHEDULE_PROPERTY;
    static final String P = TaskSchedule.PREFIX_;
    public static final String ID = P + "id";
    static final String NAME = P + "name";
    static final String DESCRIPTION = P + "description";
    static final String TIMEOUT = P + "timeout";
    static final String RETRIES = P + "retries";
    static final String RETRY_DELAY = P + "retry.delay";
    static final String OVERLAP = P + "overlap";
    static final String PRIORITY = P + "priority";
    static final String MISFIRE = P + "misfire";
    static final String MAX_CATCH_UP = P + "max.catch.up";
    static final String LOCK_KEYS = P + "lock.keys";
    static final String GROUP = P + "group";
    static final String PER_TENANT = P + "per.tenant";
    static final String DEAD_LETTER = P + "dead.letter";
    static final String ENABLED = P + "enabled";

    /** Where a definition's own problems come from, by the field its problem names. */
    private static final Map<String, String> FIELD_PROPERTY = Map.of("id", ID, "name", NAME, "schedule", SCHEDULE,
            "timeout", TIMEOUT, "lockKeys", LOCK_KEYS, "group", GROUP);

    private static final List<String> KEYS = List.of(SCHEDULE, ID, NAME, DESCRIPTION, TIMEOUT, RETRIES,
            RETRY_DELAY, OVERLAP, PRIORITY, MISFIRE, MAX_CATCH_UP, LOCK_KEYS, GROUP, PER_TENANT, DEAD_LETTER, ENABLED);

    private static final String COMPONENT_NAME = "component.name";

    private TaskServices() {
    }

    /**
     * A task service's definition and everything wrong with its properties.
     *
     * @param definition the definition (registered INVALID if there are problems)
     * @param problems   each {@code "<property>: detail"}; the definition's own problems included
     */
    public record Described(TaskDefinition definition, List<String> problems) {
        public Described {
            Objects.requireNonNull(definition, "definition");
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads a task service's properties as the scheduler does.
     *
     * @param properties the service's properties (for a DS component: its component properties, configuration
     *                   included)
     */
    public static Described describe(Map<String, ?> properties) {
        return describe(properties, null);
    }

    /**
     * @param fallbackId the id to describe the task under if its {@value #ID} is not a valid id (the problem still
     *                   names the property): the last good one, so a bad configuration does not take a running task
     *                   away; null for a valid form of the bad one
     */
    static Described describe(Map<String, ?> properties, String fallbackId) {
        ConfigReader r = new ConfigReader(properties, KEYS);
        r.unknownKeys().forEach((key, closest) -> {
            if (key.startsWith(P)) { // a misspelt option would silently not apply
                r.problem(key, "is not a task property" + (closest == null ? "" : "; did you mean " + closest + "?"));
            }
        });
        String id = r.string(ID, "").trim();
        if (id.isEmpty()) {
            id = defaultId(properties.get(COMPONENT_NAME));
            if (id.isEmpty()) {
                r.problem(ID, "is required: the service has no component.name to take a default from");
                id = fallbackId != null ? fallbackId : "invalid-id";
            }
        } else if (!TaskId.ID_PATTERN.matcher(id).matches()) {
            r.problem(ID, "'" + id + "' must match " + TaskId.ID_PATTERN.pattern());
            id = fallbackId != null ? fallbackId : validId(id);
        }
        String schedule = r.string(SCHEDULE, "").trim();
        TaskDefinition.Builder b = TaskDefinition.builder(id).schedule(schedule);
        String name = r.string(NAME, "").trim();
        if (!name.isEmpty()) {
            b.name(name);
        }
        b.description(r.string(DESCRIPTION, ""));
        Duration timeout = r.parse(TIMEOUT, null, v -> v.isBlank() ? null : ConfigReader.duration(v, false));
        if (timeout != null) {
            b.timeout(timeout);
        }
        int retries = r.integer(RETRIES, 0, 0, 1000);
        Duration retryDelay = r.parse(RETRY_DELAY, Duration.ofSeconds(30), v -> ConfigReader.duration(v, true));
        b.retry(retries == 0 ? RetryPolicy.none() : RetryPolicy.fixed(retries, retryDelay));
        b.overlap(r.parse(OVERLAP, OverlapPolicy.SKIP, v -> named(OverlapPolicy.class, v)));
        b.priority(r.parse(PRIORITY, Priority.NORMAL, v -> named(Priority.class, v)));
        MisfirePolicy.Kind misfire = r.parse(MISFIRE, null, v -> v.isBlank() ? null
                : named(MisfirePolicy.Kind.class, v.replace('-', '_')));
        int maxCatchUp = r.integer(MAX_CATCH_UP, 10, 1, 10_000);
        if (misfire != null) {
            b.misfire(misfire == MisfirePolicy.Kind.CATCH_UP ? MisfirePolicy.catchUp(maxCatchUp)
                    : new MisfirePolicy(misfire, 0));
        }
        r.list(LOCK_KEYS, "[,\\s]+").forEach(b::lockKeys);
        String group = r.string(GROUP, "").trim();
        if (!group.isEmpty()) {
            b.group(group);
        }
        b.perTenant(r.bool(PER_TENANT, false));
        b.deadLetterEligible(r.bool(DEAD_LETTER, false));
        b.enabledByDefault(r.bool(ENABLED, true));
        TaskDefinition definition = b.build();
        List<String> problems = new ArrayList<>(r.problems());
        definition.problems().forEach(p -> problems.add(renamed(p)));
        return new Described(definition, problems);
    }

    /** @return a definition problem ({@code "field: detail"}) with the field's property name */
    static String renamed(String problem) {
        int colon = problem.indexOf(':');
        String property = colon > 0 ? FIELD_PROPERTY.get(problem.substring(0, colon)) : null;
        return property == null ? problem : property + problem.substring(colon);
    }

    /**
     * @return the default task id: the component name's last segment, e.g. {@code NightlyCleanup}, made a valid id
     *         (a character an id cannot have becomes {@code -})
     */
    static String defaultId(Object componentName) {
        if (!(componentName instanceof String text) || text.isBlank()) {
            return "";
        }
        String last = text.substring(text.lastIndexOf('.') + 1);
        return validId(last.isEmpty() ? text : last);
    }

    /** @return {@code text} with what an id cannot have replaced by {@code -}, and at most 100 characters */
    static String validId(String text) {
        String id = text.replaceAll("[^A-Za-z0-9._-]", "-").replaceFirst("^[^A-Za-z0-9]+", "");
        id = id.length() > 100 ? id.substring(0, 100) : id;
        return id.isEmpty() ? "task" : id;
    }

    /**
     * Runs one execution of a task service.
     *
     * @param service a {@link TaskAction} or a {@link Runnable}
     */
    public static TaskResult run(Object service, TaskExecution execution) throws Exception {
        if (service instanceof TaskAction action) {
            return action.execute(execution);
        }
        ((Runnable) service).run();
        return TaskResult.success();
    }

    /**
     * A task service as a provider of its one task; its properties are read at every read of its list, so a
     * change of its service properties (a new configuration) is a changed definition.
     */
    public static final class Adapter implements ScheduledTaskProvider {
        private final Supplier<Map<String, ?>> properties;
        private final Object service;
        /**
         * The lists read lately, newest last, to find a definition's problems by identity: a read may end while the
         * previous list is still being applied, and an invalid configuration may describe a definition equal to the
         * last good one. Reads of one provider are one at a time and at most one list waits to be applied, so a few
         * suffice. Guarded by itself.
         */
        private final java.util.ArrayDeque<Described> read = new java.util.ArrayDeque<>();
        /** The id of the last definition without problems: a bad {@code scheduler.id} keeps describing that task. */
        private volatile String lastGoodId;

        /**
         * @param properties the service's current properties
         * @param service    a {@link TaskAction} or a {@link Runnable}
         */
        public Adapter(Supplier<Map<String, ?>> properties, Object service) {
            if (!(service instanceof TaskAction) && !(service instanceof Runnable)) {
                throw new IllegalArgumentException("a task service is a TaskAction or a Runnable, not "
                        + service.getClass().getName());
            }
            this.properties = properties;
            this.service = service;
        }

        @Override
        public List<TaskDefinition> tasks() {
            Described described = describe(properties.get(), lastGoodId);
            if (described.problems().isEmpty()) {
                lastGoodId = described.definition().id();
            }
            synchronized (read) {
                read.addLast(described);
                while (read.size() > 8) {
                    read.removeFirst();
                }
            }
            return List.of(described.definition());
        }

        /** @return the problems of {@code definition} (one this adapter listed), naming their properties */
        List<String> problems(TaskDefinition definition, List<String> found) {
            Described described = null;
            synchronized (read) {
                for (Described d : read) {
                    if (d.definition() == definition) {
                        described = d;
                    }
                }
            }
            if (described == null) {
                return found;
            }
            List<String> problems = new ArrayList<>(described.problems());
            for (String p : found) { // a schedule the libraries reject is found by the core alone
                String named = renamed(p);
                if (!problems.contains(named)) {
                    problems.add(named);
                }
            }
            return problems;
        }

        @Override
        public TaskResult execute(TaskExecution execution) throws Exception {
            return run(service, execution);
        }

        @Override
        public String toString() {
            return "task service " + service.getClass().getName();
        }
    }

    private static <E extends Enum<E>> E named(Class<E> type, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E constant : type.getEnumConstants()) {
                names.add(constant.name());
            }
            throw new IllegalArgumentException("'" + value + "' is not one of " + String.join(", ", names));
        }
    }
}
