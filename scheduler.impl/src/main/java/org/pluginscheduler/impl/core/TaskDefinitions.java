package org.pluginscheduler.impl.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.impl.schedule.Schedules;

/**
 * What a provider's definition becomes before it is registered: its problems (the API's checks and a schedule the
 * libraries reject), the ids it is registered under (one per configured tenant for per-tenant tasks), the
 * operators' overrides that apply to it, and its digest (stored, to tell a changed definition). Owns the
 * overrides by configuration PID, guarded by the core lock; part of the {@link TaskRegistry}.
 */
final class TaskDefinitions {

    private final CoreContext ctx;
    /** Operators' per-task overrides by configuration PID, in configuration order. Guarded by the core lock. */
    private final Map<String, TaskOverride> overrides = new LinkedHashMap<>();

    TaskDefinitions(CoreContext ctx) {
        this.ctx = ctx;
    }

    /** Sets (or with empty, removes) one configuration's override. @return whether anything changed */
    boolean override(String pid, Optional<TaskOverride> override) {
        assert ctx.locked();
        if (override.isPresent()) {
            overrides.put(pid, override.get());
            return true;
        }
        return overrides.remove(pid) != null;
    }

    static String safeId(TaskDefinition d) {
        return d.id() != null && TaskId.ID_PATTERN.matcher(d.id()).matches() ? d.id() : "invalid-id";
    }

    /** @return the ids a definition is registered under: one, or one per configured tenant */
    List<TaskId> instances(ProviderHandle handle, TaskDefinition definition) {
        if (definition.id() == null || !TaskId.ID_PATTERN.matcher(definition.id()).matches()) {
            return List.of();
        }
        TaskId base = TaskId.of(handle.owner, definition.id());
        if (!definition.perTenant()) {
            return List.of(base);
        }
        return ctx.settings().tenants().stream().map(base::forTenant).toList();
    }

    /** @return the definition's problems, including a schedule the libraries reject */
    List<String> problems(TaskDefinition definition) {
        List<String> problems = new ArrayList<>(definition.problems());
        if (problems.isEmpty()) {
            try {
                Schedules.sequence(definition.schedule(), ctx.settings().defaultZone(), ctx.clock.instant());
            } catch (ScheduleParseException e) {
                problems.add("schedule: " + e.getMessage());
            } catch (RuntimeException e) { // e.g. an interval so long its fires overflow
                problems.add("schedule: " + definition.scheduleText() + " cannot be planned: " + e);
            }
        }
        return problems;
    }

    /** @return the definition with the overrides that apply to {@code id}, in configuration order */
    TaskDefinition overridden(TaskId id, TaskDefinition definition) {
        TaskDefinition result = definition;
        for (TaskOverride o : overrides.values()) {
            if (o.appliesTo(id)) {
                result = o.applyTo(result);
            }
        }
        return result;
    }

    static String digest(TaskDefinition d) {
        String canonical = String.join("\n", d.id(), d.name(), d.description(), d.scheduleText(),
                String.valueOf(d.timeout().orElse(null)), String.valueOf(d.retryPolicy()), d.overlapPolicy().name(),
                d.priority().name(), String.valueOf(d.misfirePolicy().orElse(null)), String.valueOf(d.lockKeys()),
                String.valueOf(d.group().orElse(null)), String.valueOf(d.perTenant()),
                String.valueOf(d.deadLetterEligible()), String.valueOf(d.enabledByDefault()),
                String.valueOf(new TreeMap<>(d.config())));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
