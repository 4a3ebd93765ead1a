package org.pluginscheduler.api.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;

/**
 * The persisted state of one task: what survives its provider going away and, with a persistent store, restarts.
 *
 * @param id               the qualified id (the key)
 * @param ownerBundle      the providing bundle's symbolic name and version when last seen
 * @param definitionDigest a digest of the definition when last registered; a change means the task changed
 * @param scheduleText     the definition's schedule, canonical text
 * @param scheduleOverride an administrator's schedule override, canonical text
 * @param enabled          the administrator's enabled setting; empty means the definition's default
 * @param paused           paused by an administrator
 * @param dormant          its provider is gone
 * @param nextFire         the next fire computed when last scheduled
 * @param lastFire         the scheduled time of the most recent run
 * @param lastStatus       the status of the most recent run
 */
public record StoredTask(TaskId id, String ownerBundle, String definitionDigest, String scheduleText,
                         Optional<String> scheduleOverride, Optional<Boolean> enabled, boolean paused, boolean dormant,
                         Optional<Instant> nextFire, Optional<Instant> lastFire, Optional<RunStatus> lastStatus) {
    public StoredTask {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownerBundle, "ownerBundle");
        Objects.requireNonNull(definitionDigest, "definitionDigest");
        Objects.requireNonNull(scheduleText, "scheduleText");
        Objects.requireNonNull(scheduleOverride, "scheduleOverride");
        Objects.requireNonNull(enabled, "enabled");
        Objects.requireNonNull(nextFire, "nextFire");
        Objects.requireNonNull(lastFire, "lastFire");
        Objects.requireNonNull(lastStatus, "lastStatus");
    }

    /** @return a fresh state for a newly seen task */
    public static StoredTask fresh(TaskId id, String ownerBundle, String digest, String scheduleText) {
        return new StoredTask(id, ownerBundle, digest, scheduleText, Optional.empty(), Optional.empty(), false, false,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    public StoredTask withScheduleOverride(Optional<String> value) {
        return new StoredTask(id, ownerBundle, definitionDigest, scheduleText, value, enabled, paused, dormant,
                nextFire, lastFire, lastStatus);
    }

    public StoredTask withEnabled(Optional<Boolean> value) {
        return new StoredTask(id, ownerBundle, definitionDigest, scheduleText, scheduleOverride, value, paused, dormant,
                nextFire, lastFire, lastStatus);
    }

    public StoredTask withPaused(boolean value) {
        return new StoredTask(id, ownerBundle, definitionDigest, scheduleText, scheduleOverride, enabled, value, dormant,
                nextFire, lastFire, lastStatus);
    }

    public StoredTask withDormant(boolean value) {
        return new StoredTask(id, ownerBundle, definitionDigest, scheduleText, scheduleOverride, enabled, paused, value,
                nextFire, lastFire, lastStatus);
    }

    public StoredTask withNextFire(Optional<Instant> value) {
        return new StoredTask(id, ownerBundle, definitionDigest, scheduleText, scheduleOverride, enabled, paused, dormant,
                value, lastFire, lastStatus);
    }

    public StoredTask withLastRun(Instant fire, RunStatus status) {
        return new StoredTask(id, ownerBundle, definitionDigest, scheduleText, scheduleOverride, enabled, paused, dormant,
                nextFire, Optional.of(fire), Optional.of(status));
    }

    public StoredTask withDefinition(String owner, String digest, String schedule) {
        return new StoredTask(id, owner, digest, schedule, scheduleOverride, enabled, paused, dormant, nextFire,
                lastFire, lastStatus);
    }
}
