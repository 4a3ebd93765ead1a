package org.pluginscheduler.impl.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.api.store.StoredTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which tasks exist: the sources of tasks (provider services and each bundle's ad-hoc tasks), the task list each
 * provided last, the tasks registered from them, the claims rejected (a taken id, an invalid definition), the
 * operators' per-task overrides, and the stored state of every task that is not registered now (dormant), kept in
 * memory (learnt from the store when it is bound, kept current by this process's writes) so that registering,
 * resolving an id and listing tasks never read the store.
 *
 * <p>Owns those maps, guarded by the core lock. Registering a task hands it to the {@link Planner}; a task that
 * goes is disarmed by the planner and withdrawn from the {@link Launcher}. States are saved through the
 * {@link TaskStateWriter}. Called by the provider whiteboard (through the core), the admin and the store switch.
 * Provider code ({@code tasks()}) is never called here: {@link ProviderReads} calls it on a thread of its own and
 * hands the list to {@link #applyRead} on the control thread.
 */
final class TaskRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRegistry.class);

    /**
     * A claim that was rejected: a conflicting id or an invalid definition.
     *
     * @param waitsForId the id was taken by another source: the claim registers when the id frees. False for an
     *                   id listed twice by one provider, whose first definition is the one used (even if invalid)
     */
    record Rejected(TaskId id, ProviderHandle claimant, TaskDefinition definition, TaskState state, String problem,
                    boolean waitsForId) {
    }

    private final CoreContext ctx;
    private final Planner planner;
    private final Launcher launcher;
    private final TaskStateWriter states;
    private final TaskDefinitions defs;
    private final Map<TaskId, TaskSlot> slots = new HashMap<>();
    private final List<Rejected> rejected = new ArrayList<>();
    private final Map<ProviderHandle, List<TaskDefinition>> applied = new HashMap<>();
    /** The stored states of tasks not registered now, and which tasks were changed here. */
    private final DormantTasks dormant;

    TaskRegistry(CoreContext ctx, Planner planner, Launcher launcher, TaskStateWriter states) {
        this.ctx = ctx;
        this.defs = new TaskDefinitions(ctx);
        this.dormant = new DormantTasks(ctx);
        this.planner = planner;
        this.launcher = launcher;
        this.states = states;
    }

    // --- lookups (under the lock) ------------------------------------------------------------------------------

    TaskSlot slot(TaskId id) {
        assert ctx.locked();
        return slots.get(id);
    }

    Collection<TaskSlot> slots() {
        assert ctx.locked();
        return slots.values();
    }

    List<Rejected> rejected() {
        assert ctx.locked();
        return rejected;
    }

    boolean isRejected(TaskId id) {
        assert ctx.locked();
        return rejected.stream().anyMatch(r -> r.id.equals(id));
    }

    /** @return the dormant tasks: stored, not registered, not claimed by a rejected definition */
    List<StoredTask> dormant() {
        assert ctx.locked();
        return dormant.all().stream().filter(s -> !slots.containsKey(s.id()) && !isRejected(s.id())).toList();
    }

    /** @return whether the id is registered, rejected, or stored (dormant) */
    boolean isKnown(TaskId id) {
        assert ctx.locked();
        return slots.containsKey(id) || isRejected(id) || dormant.contains(id);
    }

    /** @return every known id: registered, rejected and dormant */
    Set<TaskId> knownIds() {
        assert ctx.locked();
        Set<TaskId> ids = new HashSet<>(slots.keySet());
        rejected.forEach(r -> ids.add(r.id));
        ids.addAll(dormant.ids());
        return ids;
    }

    // --- the store's knowledge -----------------------------------------------------------------------------------

    /** Learns the tasks a store holds (read outside the lock). Under the lock. */
    void seed(List<StoredTask> stored) {
        assert ctx.locked();
        dormant.seed(stored, slots::containsKey);
    }

    /**
     * A different store is current. What a store seen for the first time knows of a registered task's
     * administrative state wins (it outlived this process), unless an administrator changed the task's settings in
     * this process; one seen before only holds what this process wrote earlier, so the current settings win. The
     * current state of every registered task is then written to it, and so are dormant tasks changed here. Under
     * the lock.
     *
     * @param held what the new store holds, read outside the lock
     */
    void adoptStore(List<StoredTask> held, boolean firstSight) {
        assert ctx.locked();
        Map<TaskId, StoredTask> byId = new HashMap<>();
        held.forEach(s -> byId.put(s.id(), s));
        for (TaskSlot slot : slots.values()) {
            StoredTask k = firstSight && !dormant.changedHere(slot.id) ? byId.get(slot.id) : null;
            if (k != null) {
                slot.stored = slot.stored.withEnabled(k.enabled()).withPaused(k.paused())
                        .withScheduleOverride(k.scheduleOverride());
                planner.plan(slot, Optional.of(k));
            }
            states.save(slot.stored);
        }
        // settings changed here for tasks that are not registered were written to the old store only
        dormant.replaceBy(byId, slots::containsKey).forEach(states::save);
    }

    /** After a store switch: what tasks missed while the runtime was down follows their policies. Under the lock. */
    void catchUpDowntime(List<Execution> toDispatch) {
        assert ctx.locked();
        slots.values().forEach(slot -> planner.catchUpDowntime(slot, toDispatch));
    }

    // --- providers -------------------------------------------------------------------------------------------

    /**
     * Applies a provider's task list, read by {@link ProviderReads} on a thread of its own: the difference is
     * registered unless the provider went away meanwhile (or the scheduler is stopping), in which case nothing of
     * it is applied. On the control thread; no provider code runs here.
     */
    List<Execution> applyRead(ProviderHandle handle, List<TaskDefinition> definitions) {
        List<Execution> toDispatch = new ArrayList<>();
        LineBudget lines = new LineBudget();
        List<TaskDefinition> toRegister;
        Listed listed = list(handle, definitions); // no lock needed: thousands of definitions take milliseconds
        synchronized (ctx.lock) {
            if (handle.isGone() || ctx.stopped()) {
                return toDispatch;
            }
            budget = lines;
            try {
                toRegister = prepare(handle, definitions, listed);
            } finally {
                budget = null;
            }
        }
        // registered a few at a time, the lock let go in between: a list of 10,000 tasks takes a few hundred
        // milliseconds to register, and fires, runs ending and commands of every other plugin wait for the lock
        for (int from = 0; from < toRegister.size(); from += REGISTER_AT_ONCE) {
            synchronized (ctx.lock) {
                if (handle.isGone() || ctx.stopped()) {
                    break; // removed meanwhile: what was registered went with it
                }
                budget = lines;
                try {
                    registerAll(handle, toRegister.subList(from, Math.min(toRegister.size(),
                            from + REGISTER_AT_ONCE)), toDispatch);
                } finally {
                    budget = null;
                }
            }
        }
        summarise(handle, lines);
        return toDispatch;
    }

    /** How many tasks of a list read from a provider are registered under one hold of the lock. */
    static final int REGISTER_AT_ONCE = 64;

    /**
     * The provider is gone: its tasks stop firing at once, pending retries are dropped, runs inside its code are
     * cancelled and awaited up to the grace period, and it is never called again. Blocks the caller up to the
     * grace period, so a stopping bundle does not lose its classes under a running task.
     */
    List<Execution> providerRemoved(ProviderHandle handle) {
        List<Execution> inside;
        List<Execution> toDispatch = new ArrayList<>();
        synchronized (ctx.lock) {
            inside = handle.close();
            for (TaskSlot slot : slotsOf(handle)) {
                unregister(slot, handle + " went away");
            }
            rejected.removeIf(r -> r.claimant == handle);
            applied.remove(handle);
        }
        cancelAndAwait(inside, handle + " went away");
        synchronized (ctx.lock) {
            retryConflicts(toDispatch);
        }
        return toDispatch;
    }

    private List<TaskSlot> slotsOf(ProviderHandle handle) {
        return slots.values().stream().filter(s -> s.handle == handle).toList();
    }

    private void cancelAndAwait(List<Execution> executions, String reason) {
        if (executions.isEmpty()) {
            return;
        }
        executions.forEach(e -> e.cancel(reason));
        Execution.awaitAll(executions, ctx.settings().gracePeriod(), reason).forEach(Execution::abandoned);
    }

    /**
     * At most this many INFO and this many WARN lines name single tasks registered, updated, removed or rejected
     * while one task list is applied; one summary line each says how many more there were (a plugin listing
     * 10,000 tasks logs 20 lines and a summary, not 10,000 lines).
     */
    static final int LINES_PER_LIST = 20;
    /** What one application of a task list may still log, line by line. Under the lock; null between lists. */
    private LineBudget budget;

    /** Counts the lines of one task list: the first ones are written, the rest summarised. */
    private static final class LineBudget {
        int info;
        int warn;
        /** The provider's rejections before this list ({@code id|problem}): told again, they are not logged again. */
        Set<String> known = Set.of();

        boolean info() {
            return ++info <= LINES_PER_LIST;
        }

        boolean warn() {
            return ++warn <= LINES_PER_LIST;
        }
    }

    private boolean tellInfo() {
        return budget == null || budget.info();
    }

    private boolean tellWarn() {
        return budget == null || budget.warn();
    }

    /** Applies a provider's current task list. Under the lock. */
    private void apply(ProviderHandle handle, List<TaskDefinition> definitions, List<Execution> toDispatch) {
        assert ctx.locked();
        LineBudget lines = new LineBudget();
        budget = lines;
        try {
            registerAll(handle, prepare(handle, definitions, list(handle, definitions)), toDispatch);
        } finally {
            budget = null;
            summarise(handle, lines);
        }
    }

    private static void summarise(ProviderHandle handle, LineBudget lines) {
        if (lines.info > LINES_PER_LIST) {
            LOG.info("... and {} more task(s) registered, updated or removed from {} ({} lines per task list)",
                    lines.info - LINES_PER_LIST, handle, LINES_PER_LIST);
        }
        if (lines.warn > LINES_PER_LIST) {
            LOG.warn("... and {} more task(s) of {} rejected or in conflict (task:list shows each)",
                    lines.warn - LINES_PER_LIST, handle);
        }
    }

    /**
     * What a task list says, worked out without the lock (it reads no registry state, only the settings, whose
     * tenants decide the ids of per-tenant tasks): its definitions by id, the duplicates among them, and the ids
     * they are registered under.
     */
    private record Listed(Map<String, TaskDefinition> byId, List<TaskDefinition> duplicates, int nulls,
                          Map<TaskId, TaskDefinition> wanted, Settings settings) {
    }

    private Listed list(ProviderHandle handle, List<TaskDefinition> definitions) {
        Settings settings = ctx.settings();
        Map<String, TaskDefinition> byId = new LinkedHashMap<>();
        List<TaskDefinition> duplicates = new ArrayList<>();
        int nulls = 0;
        for (TaskDefinition definition : definitions) {
            if (definition == null) {
                nulls++;
            } else if (byId.putIfAbsent(String.valueOf(definition.id()), definition) != null) {
                duplicates.add(definition);
            }
        }
        Map<TaskId, TaskDefinition> wanted = new HashMap<>();
        for (TaskDefinition definition : byId.values()) {
            defs.instances(handle, definition).forEach(id -> wanted.put(id, definition));
        }
        return new Listed(byId, duplicates, nulls, wanted, settings);
    }

    /**
     * The first part of applying a task list: remembers it, rejects duplicate ids and drops the tasks no longer
     * listed. Under the lock.
     *
     * @return the definitions to register (or update), in the list's order
     */
    private List<TaskDefinition> prepare(ProviderHandle handle, List<TaskDefinition> definitions, Listed worked) {
        assert ctx.locked();
        // the tenants changed since the list was worked out (a configuration applied meanwhile): work it out again,
        // else the new tenants' instances, registered by that change, would be dropped here as no longer listed
        Listed listed = worked.settings() == ctx.settings() ? worked : list(handle, definitions);
        applied.put(handle, definitions);
        if (budget != null) {
            budget.known = rejected.stream().filter(r -> r.claimant == handle).map(r -> r.id + "|" + r.problem)
                    .collect(java.util.stream.Collectors.toSet());
        }
        rejected.removeIf(r -> r.claimant == handle);
        for (int i = 0; i < listed.nulls(); i++) {
            if (tellWarn()) {
                LOG.warn("{} listed a null task definition; ignored", handle);
            }
        }
        for (TaskDefinition definition : listed.duplicates()) {
            reject(handle, TaskId.of(handle.owner, TaskDefinitions.safeId(definition)), definition, TaskState.CONFLICT,
                    "id: '" + definition.id() + "' appears more than once in the provider's list; the first one "
                            + "is used", false);
        }
        for (TaskSlot slot : slotsOf(handle)) {
            if (!listed.wanted().containsKey(slot.id)) {
                boolean tenantGone = slot.id.tenant().isPresent() && listed.byId().containsKey(slot.id.id());
                String why = tenantGone ? "tenant " + slot.id.tenant().get() + " is no longer configured"
                        : "no longer in the list of " + handle;
                unregister(slot, why);
                if (tellInfo()) {
                    LOG.info("Task {} removed: {}", slot.id, why);
                }
            }
        }
        return List.copyOf(listed.byId().values());
    }

    /** Registers, updates or rejects each definition of a provider's list. Under the lock. */
    private void registerAll(ProviderHandle handle, List<TaskDefinition> definitions, List<Execution> toDispatch) {
        assert ctx.locked();
        for (TaskDefinition definition : definitions) {
            List<String> problems = defs.problems(definition);
            if (handle.provider instanceof TaskServices.Adapter service) { // its problems name its properties
                problems = service.problems(definition, problems);
            }
            if (problems.stream().anyMatch(p -> p.startsWith("id:"))) { // (a task service's id is always valid)
                if (tellWarn()) {
                    LOG.warn("Rejected a task of {}: {}", handle, String.join("; ", problems));
                }
                continue;
            }
            for (TaskId id : defs.instances(handle, definition)) {
                try {
                    register(handle, id, defs.overridden(id, definition), problems, toDispatch);
                } catch (RuntimeException e) { // a library that throws: this task alone
                    if (tellWarn()) {
                        LOG.error("Could not register task {} from {}: {}", id, handle, e.toString(), e);
                    }
                    reject(handle, id, definition, TaskState.INVALID, "could not be registered: " + e, false);
                }
            }
        }
    }

    /** Registers, updates or rejects one task instance. Under the lock. @return the problem if rejected */
    private Optional<String> register(ProviderHandle handle, TaskId id, TaskDefinition definition,
                                      List<String> problems, List<Execution> toDispatch) {
        TaskSlot existing = slots.get(id);
        if (!problems.isEmpty()) {
            String problem = String.join("; ", problems);
            reject(handle, id, definition, TaskState.INVALID, problem, false);
            if ((budget != null && budget.known.contains(id + "|" + problem)) || !tellWarn()) {
                return Optional.of(problem); // said already when this list was applied before, or over budget
            }
            if (existing != null && existing.handle == handle) {
                LOG.warn("Task {} keeps its previous definition: the new one from {} is invalid: {}", id, handle,
                        problem);
            } else {
                LOG.warn("Rejected task {} from {}: {}", id, handle, problem);
            }
            return Optional.of(problem);
        }
        if (existing != null && existing.handle != handle) {
            String problem = "id taken: " + id + " is already provided by " + existing.handle;
            reject(handle, id, definition, TaskState.CONFLICT, problem, true);
            if ((budget == null || !budget.known.contains(id + "|" + problem)) && tellWarn()) {
                LOG.warn("Conflict: {} claims task {}, which {} already provides; the claim is rejected and the "
                        + "existing task keeps running", handle, id, existing.handle);
            }
            return Optional.of(problem);
        }
        if (existing != null) {
            if (!existing.definition.equals(definition)) {
                existing.definition = definition;
                existing.stored = existing.stored.withDefinition(handle.ownerLabel, TaskDefinitions.digest(definition),
                        definition.scheduleText());
                planner.replan(existing, planner.effectiveSchedule(existing));
                states.save(existing.stored);
                if (tellInfo()) {
                    LOG.info("Task {} updated by {}: {}", id, handle, existing.schedule.text());
                }
            }
            return Optional.empty();
        }
        // the latest state known of it: what the store held (read at start or at a store switch) or what this
        // process wrote since; no store read here
        Optional<StoredTask> known = Optional.ofNullable(dormant.take(id));
        StoredTask stored = known
                .map(s -> s.withDefinition(handle.ownerLabel, TaskDefinitions.digest(definition), definition.scheduleText()))
                .orElseGet(() -> StoredTask.fresh(id, handle.ownerLabel, TaskDefinitions.digest(definition), definition.scheduleText()))
                .withDormant(false);
        TaskSlot slot = new TaskSlot(planner, id, handle, definition, stored);
        slots.put(id, slot);
        planner.plan(slot, known);
        states.save(slot.stored);
        if (tellInfo()) {
            LOG.info("Task {} registered from {}: {}, next fire {}", id, handle, slot.schedule.text(),
                    slot.nextFire() == null ? "none" : slot.nextFire());
        }
        // accepted runs it left behind first: a fire missed while down that is one of them is not run twice
        launcher.restore(slot, launcher.pendingWork.take(id), toDispatch);
        planner.catchUpDowntime(slot, toDispatch);
        return Optional.empty();
    }

    private void reject(ProviderHandle handle, TaskId id, TaskDefinition definition, TaskState state, String problem,
                        boolean waitsForId) {
        if (definition.id() != null && TaskId.ID_PATTERN.matcher(definition.id()).matches()) {
            rejected.add(new Rejected(id, handle, definition, state, problem, waitsForId));
        }
    }

    /** After a task went away, a claim it blocked may take its id. Under the lock. */
    private void retryConflicts(List<Execution> toDispatch) {
        assert ctx.locked();
        for (Rejected r : List.copyOf(rejected)) {
            if (r.waitsForId && !slots.containsKey(r.id) && !r.claimant.isGone()) {
                rejected.remove(r);
                if (register(r.claimant, r.id, defs.overridden(r.id, r.definition), List.of(), toDispatch).isEmpty()) {
                    LOG.info("Task {} from {} registered now that the id is free", r.id, r.claimant);
                }
            }
        }
    }

    /**
     * Stops a task firing, keeps its accepted runs for when it is back, cancels its runs (without waiting) and
     * marks its state dormant. A provider's task forgets its planned fire (it is planned afresh when it returns);
     * an ad-hoc task keeps it (a bundle that adds the same task again continues its phase). Under the lock.
     */
    private void unregister(TaskSlot slot, String reason) {
        assert ctx.locked();
        slot.removed = true;
        planner.disarm(slot, ctx.stopped() || slot.handle.actions instanceof AdHocActions);
        slots.remove(slot.id);
        launcher.withdraw(slot, reason);
        if (ctx.stopped()) {
            // the scheduler is stopping (a framework shutdown stops plugins after it quiesced): the task stops with
            // the scheduler and keeps its planned fire for the next start, as if the scheduler had stopped first
            return;
        }
        slot.stored = slot.stored.withDormant(true);
        states.save(slot.stored);
        if (!slot.deleted) {
            dormant.put(slot.stored);
        }
    }

    /**
     * Saves a task's state after one of its runs ended: not when the task was deleted, nor when a newer
     * registration of the same id owns the state now. Under the lock.
     */
    void saveAfterRun(TaskSlot slot) {
        assert ctx.locked();
        if (slot.deleted) {
            return;
        }
        TaskSlot current = slots.get(slot.id);
        if (current == slot) {
            states.save(slot.stored);
        } else if (current == null && dormant.contains(slot.id) && slot.stored.lastFire().isPresent()
                && slot.stored.lastStatus().isPresent()) {
            // gone meanwhile: only the run's outcome is news; settings changed on the dormant task stay
            StoredTask merged = dormant.get(slot.id).withLastRun(slot.stored.lastFire().get(),
                    slot.stored.lastStatus().get());
            dormant.put(merged);
            states.save(merged);
        }
    }

    // --- administrative state --------------------------------------------------------------------------------------

    /**
     * Changes a task's administrative state (registered or dormant) and marks it for writing; the caller waits
     * for the write outside the lock. Under the lock.
     *
     * @return the task if registered, else null
     */
    TaskSlot updateState(TaskId id, UnaryOperator<StoredTask> change) {
        assert ctx.locked();
        TaskSlot slot = slots.get(id);
        if (slot != null) {
            slot.stored = change.apply(slot.stored);
            states.save(slot.stored);
            dormant.markChanged(id);
            return slot;
        }
        if (isRejected(id)) {
            throw new IllegalStateException("task " + id + " is not registered (conflicting or invalid)");
        }
        // a dormant task keeps the setting for when it returns
        StoredTask stored = dormant.get(id);
        if (stored == null) {
            throw new NoSuchTaskException(id.toString());
        }
        StoredTask changed = change.apply(stored);
        dormant.put(changed);
        states.save(changed);
        dormant.markChanged(id);
        return null;
    }

    // --- configuration overrides -------------------------------------------------------------------------------

    /** Sets (or with empty, removes) the override of one configuration; affected tasks are re-registered. */
    void override(String pid, Optional<TaskOverride> override, List<Execution> toDispatch) {
        assert ctx.locked();
        if (defs.override(pid, override)) {
            reapply(d -> true, toDispatch);
        }
    }

    /** The tenant list changed: per-tenant tasks gain or lose instances. Under the lock. */
    void tenantsChanged(List<Execution> toDispatch) {
        assert ctx.locked();
        reapply(d -> d != null && d.perTenant(), toDispatch);
    }

    private void reapply(java.util.function.Predicate<TaskDefinition> affected, List<Execution> toDispatch) {
        new HashMap<>(applied).forEach((handle, definitions) -> {
            if (!handle.isGone() && definitions.stream().anyMatch(affected)) {
                apply(handle, definitions, toDispatch);
            }
        });
    }

    // --- for the ad-hoc tasks part ----------------------------------------------------------------------------

    TaskDefinitions definitions() {
        return defs;
    }

    /** @return the task list a source provided last (a copy). Under the lock. */
    List<TaskDefinition> appliedOf(ProviderHandle handle) {
        assert ctx.locked();
        return new ArrayList<>(applied.getOrDefault(handle, List.of()));
    }

    /** Records a source's task list without registering it (a task withdrawn from it). Under the lock. */
    void appliedOf(ProviderHandle handle, List<TaskDefinition> definitions) {
        assert ctx.locked();
        applied.put(handle, definitions);
    }

    /** Registers a source's task list (see {@link #apply}). Under the lock. */
    void register(ProviderHandle handle, List<TaskDefinition> definitions, List<Execution> toDispatch) {
        apply(handle, definitions, toDispatch);
    }

    /**
     * Removes a task for good: unregisters it, deletes its state and history (through the state writer), and
     * only then lets a claim it blocked take its id, so the claim does not inherit the deleted task's state.
     * Under the lock.
     */
    void remove(TaskSlot slot, String reason, List<Execution> toDispatch) {
        unregister(slot, reason);
        dormant.forget(slot.id);
        launcher.pendingWork.forgetTask(slot.id); // the store deletes them with the task
        states.delete(slot.id);
        retryConflicts(toDispatch);
    }

    /** Stops a task without deleting its state: it becomes dormant. Under the lock. */
    void retire(TaskSlot slot, String reason) {
        unregister(slot, reason);
    }

    /** Forgets a dormant task. @return whether it was one. Under the lock. */
    boolean forgetDormant(TaskId id) {
        assert ctx.locked();
        launcher.pendingWork.forgetTask(id); // the store deletes them with the task
        return dormant.forget(id);
    }

    /** @return the handles of every registered task (for stopping). Under the lock. */
    List<ProviderHandle> handles() {
        assert ctx.locked();
        List<ProviderHandle> handles = new ArrayList<>();
        for (TaskSlot s : slots.values()) {
            if (!handles.contains(s.handle)) {
                handles.add(s.handle);
            }
        }
        return handles;
    }
}
