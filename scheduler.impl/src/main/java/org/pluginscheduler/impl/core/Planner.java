package org.pluginscheduler.impl.core;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.pluginscheduler.api.MisfirePolicy;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.impl.schedule.FireSequence;
import org.pluginscheduler.impl.schedule.Schedules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each task's plan: its effective schedule (definition or override), its fire sequence, the one timer entry armed
 * for its next fire, and the fires it missed while paused or down (as far as its misfire policy needs them). A
 * fire that falls due plans the next one first, then goes to the {@link Launcher}; fires missed are handed to the
 * launcher to catch up when the task (or the scheduler) resumes.
 *
 * <p>Owns the plan fields of every {@link TaskSlot} (schedule, sequence, anchor, armed entry, missed fires) and
 * whether the whole scheduler is paused; all guarded by the core lock. A task's next fire is its armed entry's
 * instant, and nowhere else (the stored copy is what is persisted of it). Called by the registry (a task
 * registered, changed or gone), the admin (pause, resume, reschedule, preview), and the timer thread.
 */
final class Planner {

    private static final Logger LOG = LoggerFactory.getLogger(Planner.class);

    private final CoreContext ctx;
    private final TaskTimer timer;
    private final Launcher launcher;
    private boolean pausedAll; // guarded by the core lock

    Planner(CoreContext ctx, TaskTimer timer, Launcher launcher) {
        this.ctx = ctx;
        this.timer = timer;
        this.launcher = launcher;
    }

    boolean pausedAll() {
        assert ctx.locked();
        return pausedAll;
    }

    /** The schedule a task fires on: its stored override if it parses, else its definition's. */
    Schedule effectiveSchedule(TaskSlot slot) {
        Optional<String> override = slot.stored.scheduleOverride();
        if (override.isPresent()) {
            try {
                return Schedule.parse(override.get());
            } catch (ScheduleParseException e) {
                LOG.warn("Task {}: ignoring its stored schedule override '{}': {}", slot.id, override.get(),
                        e.getMessage());
            }
        }
        return slot.definition.schedule();
    }

    MisfirePolicy misfirePolicy(TaskSlot slot) {
        return slot.definition.misfirePolicy().orElse(ctx.settings().defaultMisfire());
    }

    /**
     * Plans a task just registered, or whose state a store seen for the first time holds: registration is an
     * idempotent upsert, so a plan its stored state still holds (next fire, interval phase) is kept, and fires that
     * passed while the runtime was down are misfires. Under the lock.
     *
     * @param known its stored state from before, if any
     */
    void plan(TaskSlot slot, Optional<StoredTask> known) {
        assert ctx.locked();
        Schedule schedule = effectiveSchedule(slot);
        Optional<Instant> planned = known.flatMap(k -> plannedFire(k, schedule));
        if (planned.isPresent()) {
            resume(slot, schedule, planned.get());
        } else {
            replan(slot, schedule);
        }
    }

    /**
     * After {@link #plan} (and the task's state saved), after a store switch, or when an execution service is
     * back: runs what the task missed while the runtime was down or no execution service was bound, per its
     * policy.
     */
    void catchUpDowntime(TaskSlot slot, List<Execution> toDispatch) {
        assert ctx.locked();
        if (slot.missedCount() > 0 && slot.firesOnSchedule() && !pausedAll) {
            applyMisfires(slot, toDispatch);
        }
    }

    /**
     * The next fire a store planned for a task, if that plan still holds: its schedule is unchanged, and the plan
     * was kept. {@link #disarm} drops the plan of a provider's task that leaves while the scheduler runs; it keeps
     * it when the scheduler stops (or the runtime crashes) and for an ad-hoc task, whose bundle adds it again.
     */
    private static Optional<Instant> plannedFire(StoredTask known, Schedule schedule) {
        if (!known.scheduleOverride().orElse(known.scheduleText()).equals(schedule.text())) {
            return Optional.empty();
        }
        return known.nextFire();
    }

    /** Continues from a planned fire; a planned fire that passed while down is a misfire. Under the lock. */
    private void resume(TaskSlot slot, Schedule schedule, Instant planned) {
        Instant now = ctx.clock.instant();
        // anchor the sequence so that its first fire is the planned one (intervals count from registration + delay)
        Instant anchor = schedule instanceof Schedule.Interval i ? planned.minus(i.initialDelay()) : planned;
        slot.schedule = schedule;
        slot.anchor = anchor;
        slot.sequence = Schedules.sequence(schedule, ctx.settings().defaultZone(), anchor);
        if (planned.isAfter(now)) {
            arm(slot, planned);
            return;
        }
        noteDowntimeMisfires(slot, planned);
        arm(slot, next(slot, () -> slot.sequence.nextAfter(now)));
    }

    /** Notes the fires from {@code firstMissed} up to now as missed, as far as the misfire policy needs. */
    private void noteDowntimeMisfires(TaskSlot slot, Instant firstMissed) {
        Instant now = ctx.clock.instant();
        MisfirePolicy policy = misfirePolicy(slot);
        int limit = policy.kind() == MisfirePolicy.Kind.CATCH_UP ? policy.maxCatchUp() : 1;
        FireSequence replay;
        try {
            replay = Schedules.sequence(slot.schedule, ctx.settings().defaultZone(), slot.anchor);
        } catch (ScheduleParseException e) {
            return;
        }
        Instant fire = firstMissed;
        int count = 0;
        while (fire != null && fire.isBefore(now) && count < 100_000) {
            noteMissed(slot, fire);
            count++;
            Instant current = fire;
            fire = next(slot, () -> replay.nextAfter(current));
            if (policy.kind() == MisfirePolicy.Kind.SKIP
                    || policy.kind() == MisfirePolicy.Kind.CATCH_UP && slot.missedCount() >= limit) {
                break;
            }
        }
        LOG.info("Task {} missed {} fire(s) while the scheduler was down (from {}); misfire policy {}", slot.id,
                count, firstMissed, policy.kind());
    }

    /**
     * Plans a task's fires from now when its schedule is new or changed; an unchanged schedule keeps its planned
     * fire (a definition change that leaves the schedule alone must not make an interval fire again). Under the
     * lock.
     */
    void replan(TaskSlot slot, Schedule schedule) {
        assert ctx.locked();
        if (schedule.equals(slot.schedule) && slot.sequence != null) {
            return;
        }
        Instant now = ctx.clock.instant();
        slot.sequence = Schedules.sequence(schedule, ctx.settings().defaultZone(), now);
        slot.anchor = now;
        slot.schedule = schedule;
        if (schedule instanceof Schedule.OnDemand) {
            slot.missed().clear(); // fires missed while paused under the old schedule: it has none to run on resume
        }
        if (schedule instanceof Schedule.Once once && !once.at().isAfter(now)
                && (slot.stored.lastFire().map(last -> !last.isBefore(once.at())).orElse(false)
                || misfirePolicy(slot).kind() == MisfirePolicy.Kind.SKIP)) {
            arm(slot, null); // a one-shot that already fired, or a past one whose misfire policy is SKIP
            return;
        }
        arm(slot, next(slot, () -> slot.sequence.first(now)));
    }

    /** The default zone changed: wall-clock schedules without a zone of their own plan again. Under the lock. */
    void zoneChanged(Collection<TaskSlot> slots) {
        assert ctx.locked();
        for (TaskSlot slot : slots) {
            // only wall-clock schedules depend on the zone; intervals and one-shots keep their plan
            if (slot.schedule.zone().isEmpty() && (slot.schedule instanceof Schedule.Cron
                    || slot.schedule instanceof Schedule.RRule)) {
                slot.sequence = null;
                Schedule schedule = slot.schedule;
                slot.schedule = null;
                replan(slot, schedule);
            }
        }
    }

    /**
     * Computes a fire; a schedule library failing on a rule it accepted earlier stops that task alone (logged,
     * no next fire) instead of breaking the timer.
     */
    private static Instant next(TaskSlot slot, Supplier<Optional<Instant>> computation) {
        try {
            return computation.get().orElse(null);
        } catch (RuntimeException e) {
            LOG.error("Task {}: cannot compute the next fire of {}: {}; the task will not fire until it is "
                    + "rescheduled or re-registered", slot.id, slot.schedule.text(), e.getMessage(), e);
            return null;
        }
    }

    private void arm(TaskSlot slot, Instant at) {
        assert ctx.locked(); // the callback relies on it: fired() compares its entry with slot.armed under the lock
        timer.cancel(slot.armed);
        slot.armed = null;
        slot.stored = slot.stored.withNextFire(Optional.ofNullable(at));
        if (at != null && !slot.removed) {
            // the slot is the callback and gets its entry: a fire taken off the queue just before a re-arm must
            // not run (a due entry may fire on the timer thread before schedule() has returned here, but fired()
            // waits for the lock)
            slot.armed = timer.schedule(at, slot.id.owner(), slot); // owners take turns when fires pile up
        }
    }

    /**
     * The task went away: its fire is disarmed and what it missed forgotten; with {@code keepPlan} its stored next
     * fire stays (an ad-hoc task, a scheduler that is stopping). Under the lock.
     */
    void disarm(TaskSlot slot, boolean keepPlan) {
        assert ctx.locked();
        timer.cancel(slot.armed);
        slot.armed = null;
        if (!keepPlan) {
            slot.stored = slot.stored.withNextFire(Optional.empty());
        }
        slot.clearMissed();
    }

    /** The scheduler stops: no more fires. Under the lock. */
    void stop(Collection<TaskSlot> slots) {
        assert ctx.locked();
        slots.forEach(s -> timer.cancel(s.armed));
    }

    /** The timer thread: plan the next fire, then hand the run to a worker. */
    void fired(TaskSlot slot, TaskTimer.Entry entry) {
        Instant scheduled = entry.at;
        Execution execution;
        synchronized (ctx.lock) {
            if (slot.removed || ctx.stopped() || slot.armed != entry) {
                return; // removed, stopping, or re-armed while this fire waited for the lock
            }
            Instant now = ctx.clock.instant();
            slot.armed = null;
            Instant after = scheduled.isAfter(now) ? scheduled : now;
            arm(slot, next(slot, () -> slot.sequence.nextAfter(after)));
            if (!slot.enabled()) {
                return;
            }
            if (slot.stored.paused() || pausedAll || !launcher.executing()) {
                noteMissed(slot, scheduled); // without an execution service, fires are held as misfires
                return;
            }
            execution = launcher.start(slot, RunTrigger.SCHEDULE, scheduled, Map.of(), Set.of(), true).execution();
        }
        if (execution != null) {
            launcher.dispatch(execution);
        }
    }

    /** Remembers a fire missed while paused, as far as the task's misfire policy needs. Under the lock. */
    private void noteMissed(TaskSlot slot, Instant scheduled) {
        MisfirePolicy policy = misfirePolicy(slot);
        switch (policy.kind()) {
            case SKIP -> {
            }
            case RUN_ONCE -> {
                slot.missed().clear();
                slot.missed().add(scheduled);
            }
            case CATCH_UP -> {
                if (slot.missedCount() < policy.maxCatchUp()) {
                    slot.missed().add(scheduled);
                }
            }
        }
    }

    /** Hands what a paused task missed to the launcher to catch up, per its policy. Under the lock. */
    void applyMisfires(TaskSlot slot, List<Execution> toDispatch) {
        assert ctx.locked();
        if (slot.missedCount() == 0) {
            return;
        }
        LOG.info("Task {}: {} missed fire(s); misfire policy {}", slot.id, slot.missedCount(),
                misfirePolicy(slot).kind());
        launcher.catchUp(slot, slot.takeMissed(), toDispatch);
    }

    /** Pauses or resumes the whole scheduler; on resume, what tasks missed follows their policy. Under the lock. */
    void pauseAll(boolean paused, Collection<TaskSlot> slots, List<Execution> toDispatch) {
        assert ctx.locked();
        pausedAll = paused;
        if (!paused) {
            for (TaskSlot slot : slots) {
                if (slot.firesOnSchedule()) {
                    applyMisfires(slot, toDispatch);
                }
            }
        }
    }

    /** A task resumed: what it missed follows its policy, unless the whole scheduler is paused. Under the lock. */
    void resumed(TaskSlot slot, List<Execution> toDispatch) {
        assert ctx.locked();
        if (!pausedAll) {
            applyMisfires(slot, toDispatch);
        }
    }

    /** @return the task's next fires as planned, in its zone. Under the lock. */
    List<ZonedDateTime> nextFires(TaskSlot slot, int count) {
        assert ctx.locked();
        ZoneId zone = slot.schedule.zone().orElse(ctx.settings().defaultZone());
        List<ZonedDateTime> fires = new ArrayList<>();
        Instant next = slot.nextFire();
        // a fresh sequence with the same anchor, so the live one (an RRULE iterator) is not disturbed
        FireSequence copy = Schedules.sequence(slot.schedule, ctx.settings().defaultZone(), slot.anchor);
        while (next != null && fires.size() < count) {
            fires.add(next.atZone(zone));
            Instant current = next;
            next = next(slot, () -> copy.nextAfter(current));
        }
        return fires;
    }
}
