package org.pluginscheduler.impl.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStoreException;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.internal.config.ConfigReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link TaskStore}: everything in memory, lost on restart. Run history is bounded per task (oldest
 * finished runs are dropped first) and kept in columns ({@link RunHistory}). Thread-safe through one monitor;
 * recording and reading a task's runs are O(runs of one task); looking a run up by id alone
 * ({@link #run(String)}, {@link #runningRuns()}) scans every kept run, which is fine for administrative calls.
 */
@Component(service = TaskStore.class, configurationPid = MemoryStoreConfiguration.PID,
        property = "service.ranking:Integer=" + Integer.MIN_VALUE)
@Designate(ocd = MemoryStoreConfiguration.class)
public final class InMemoryTaskStore implements TaskStore {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryTaskStore.class);

    private static final Comparator<RunRecord> NEWEST_FIRST = Comparator
            .comparing(RunRecord::scheduledTime).thenComparing(RunRecord::runId).reversed();

    private int maxRunsPerTask; // guarded by this
    private long pruned; // guarded by this
    private final Map<TaskId, StoredTask> tasks = new HashMap<>();
    /** Each task's kept runs, in columns (a kept run is no object the garbage collector has to trace). */
    private final Map<TaskId, RunHistory> histories = new HashMap<>();
    private final Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();
    /** Accepted runs not yet finished, by run id; and the run id of each (task, occurrence). */
    private final Map<String, PendingRun> pending = new HashMap<>();
    private final Map<Occurrence, String> occurrences = new HashMap<>();

    static final String MAX_RUNS_PER_TASK = "max.runs.per.task";

    /** @param maxRunsPerTask how many runs to keep per task, at least 1 */
    public InMemoryTaskStore(int maxRunsPerTask) {
        if (maxRunsPerTask < 1) {
            throw new IllegalArgumentException("max_runs_per_task: " + maxRunsPerTask + " must be at least 1");
        }
        this.maxRunsPerTask = maxRunsPerTask;
    }

    @Activate
    public InMemoryTaskStore(Map<String, Object> properties) {
        this(200);
        modified(properties);
    }

    /** Reads the raw properties, so a value of the wrong type is reported with its field like any other. */
    @Modified
    void modified(Map<String, Object> properties) {
        ConfigReader r = new ConfigReader(properties, List.of(MAX_RUNS_PER_TASK));
        r.unknownKeyWarnings().forEach(w -> LOG.warn("Configuration {}: {}", MemoryStoreConfiguration.PID, w));
        int max = r.integer(MAX_RUNS_PER_TASK, 200, 1, 100_000);
        if (!r.problems().isEmpty()) {
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force ({}={})",
                    MemoryStoreConfiguration.PID, String.join("; ", r.problems()), MAX_RUNS_PER_TASK, currentMax());
            return;
        }
        synchronized (this) {
            maxRunsPerTask = max;
        }
    }

    private synchronized int currentMax() {
        return maxRunsPerTask;
    }

    @Override
    public synchronized List<StoredTask> loadTasks() {
        return List.copyOf(tasks.values());
    }

    @Override
    public synchronized Optional<StoredTask> loadTask(TaskId id) {
        return Optional.ofNullable(tasks.get(id));
    }

    @Override
    public synchronized void saveTask(StoredTask task) {
        tasks.put(task.id(), task);
    }

    @Override
    public synchronized void deleteTask(TaskId id) {
        tasks.remove(id);
        histories.remove(id);
        deadLetters.values().removeIf(d -> d.taskId().equals(id));
        if (!pending.isEmpty()) {
            removePending(pending.values().stream().filter(p -> p.taskId().equals(id)).map(PendingRun::runId)
                    .toList());
        }
    }

    @Override
    public synchronized void recordRun(RunRecord run) {
        record(run);
    }

    private void record(RunRecord run) {
        if (run.status() != RunStatus.RUNNING && !pending.isEmpty()) {
            dropPending(run.runId());
        }
        RunHistory history = histories.computeIfAbsent(run.taskId(), RunHistory::new);
        int known = history.indexOf(run.runId());
        if (known >= 0) {
            history.set(known, run); // an update of a known run keeps its place
            return;
        }
        history.add(run, maxRunsPerTask);
        pruned += history.trim(maxRunsPerTask); // drops the oldest finished runs; a RUNNING one is kept until it ends
    }

    /** Prunes as it writes: never behind. */
    @Override
    public synchronized Optional<SchedulerStats.History> history() {
        return Optional.of(new SchedulerStats.History("memory", maxRunsPerTask, Optional.empty(), pruned,
                Optional.empty(), Duration.ZERO, 0, 0, -1));
    }

    @Override
    public synchronized void recordRuns(List<RunRecord> runs) {
        runs.forEach(this::record); // one monitor entry for the batch
    }

    /** All or nothing: a conflicting occurrence is found before anything is applied. */
    @Override
    public synchronized void write(RunBatch batch) {
        if (!batch.accepted().isEmpty()) {
            checkOccurrences(batch);
        }
        batch.runs().forEach(this::record);
        for (PendingRun p : batch.accepted()) {
            dropPending(p.runId());
            pending.put(p.runId(), p);
            if (!ownOccurrence(p)) {
                occurrences.put(new Occurrence(p.taskId(), p.occurrence()), p.runId());
            }
        }
        batch.deadLetters().forEach(d -> deadLetters.put(d.runId(), d));
        batch.withdrawn().forEach(this::dropPending);
    }

    private void checkOccurrences(RunBatch batch) {
        Map<Occurrence, String> claimed = new HashMap<>();
        for (PendingRun p : batch.accepted()) {
            Occurrence key = new Occurrence(p.taskId(), p.occurrence());
            String holder = claimed.containsKey(key) ? claimed.get(key) : holderOf(key);
            boolean freedByBatch = holder != null && !holder.equals(p.runId()) && batch.runs().stream()
                    .anyMatch(r -> r.runId().equals(holder) && r.status() != RunStatus.RUNNING);
            if (holder != null && !holder.equals(p.runId()) && !freedByBatch) {
                throw new TaskStoreException("in-memory task store: could not accept run " + p.runId() + " of "
                        + p.taskId() + ": occurrence '" + p.occurrence() + "' is already pending as run " + holder);
            }
            claimed.put(key, p.runId());
        }
    }

    /** @return the run id pending for a task occurrence, or null */
    private String holderOf(Occurrence key) {
        String holder = occurrences.get(key);
        if (holder == null && key.occurrence().startsWith(OWN_PREFIX)) { // "run:<id>" is kept under its run id
            PendingRun own = pending.get(key.occurrence().substring(OWN_PREFIX.length()));
            if (own != null && own.taskId().equals(key.taskId()) && ownOccurrence(own)) {
                holder = own.runId();
            }
        }
        return holder;
    }

    /**
     * Whether a pending run's occurrence is {@code run:<its own run id>} (a submission or trigger): unique with its
     * run id, so it needs no entry of its own (most pending runs are these; no key is built for them).
     */
    private static boolean ownOccurrence(PendingRun p) {
        String o = p.occurrence();
        return o.length() == OWN_PREFIX.length() + p.runId().length() && o.startsWith(OWN_PREFIX)
                && o.endsWith(p.runId());
    }

    private static final String OWN_PREFIX = "run:";

    /** A task occurrence, the second key of a pending run. */
    private record Occurrence(TaskId taskId, String occurrence) {
    }

    @Override
    public synchronized List<PendingRun> pendingRuns() {
        List<PendingRun> all = new ArrayList<>(pending.values());
        all.sort(Comparator.comparing(PendingRun::due).thenComparing(PendingRun::runId));
        return List.copyOf(all);
    }

    @Override
    public synchronized void removePending(Collection<String> runIds) {
        runIds.forEach(this::dropPending);
    }

    private void dropPending(String runId) {
        PendingRun gone = pending.remove(runId);
        if (gone != null && !ownOccurrence(gone)) {
            occurrences.remove(new Occurrence(gone.taskId(), gone.occurrence()), runId);
        }
    }

    @Override
    public synchronized List<RunRecord> runs(TaskId id, int limit) {
        RunHistory history = histories.get(id);
        if (history == null || limit <= 0) {
            return List.of();
        }
        List<RunRecord> result = history.all();
        result.sort(NEWEST_FIRST);
        return List.copyOf(result.subList(0, Math.min(limit, result.size())));
    }

    @Override
    public synchronized Optional<RunRecord> run(String runId) {
        for (RunHistory history : histories.values()) {
            int i = history.indexOf(runId);
            if (i >= 0) {
                return Optional.of(history.get(i));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized List<RunRecord> runningRuns() {
        List<RunRecord> running = new ArrayList<>();
        for (RunHistory history : histories.values()) {
            for (int i = 0; i < history.size(); i++) {
                if (history.status(i) == RunStatus.RUNNING) {
                    running.add(history.get(i));
                }
            }
        }
        return running;
    }

    @Override
    public synchronized void addDeadLetter(DeadLetter deadLetter) {
        deadLetters.put(deadLetter.runId(), deadLetter);
    }

    @Override
    public synchronized List<DeadLetter> deadLetters() {
        List<DeadLetter> all = new ArrayList<>(deadLetters.values());
        all.sort(Comparator.comparing(DeadLetter::lastAttempt).reversed());
        return List.copyOf(all);
    }

    @Override
    public synchronized boolean removeDeadLetter(String runId) {
        return deadLetters.remove(runId) != null;
    }

    @Override
    public synchronized int pruneRuns(Instant endedBefore, int keepPerTask) {
        int removed = 0;
        for (RunHistory history : histories.values()) {
            List<RunRecord> records = history.all();
            records.sort(NEWEST_FIRST);
            Set<String> drop = new HashSet<>();
            for (int i = 0; i < records.size(); i++) {
                RunRecord r = records.get(i);
                boolean old = r.endTime().map(e -> e.isBefore(endedBefore)).orElse(r.status() == RunStatus.SKIPPED
                        && r.scheduledTime().isBefore(endedBefore));
                if (r.status() != RunStatus.RUNNING && (i >= keepPerTask || old)) {
                    drop.add(r.runId());
                }
            }
            if (!drop.isEmpty()) {
                removed += history.retain(r -> !drop.contains(r.runId()));
            }
        }
        pruned += removed;
        return removed;
    }
}
