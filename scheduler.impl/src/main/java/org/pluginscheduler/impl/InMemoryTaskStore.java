package org.pluginscheduler.impl;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link TaskStore}: everything in memory, lost on restart. Run history is bounded per task (oldest
 * finished runs are dropped first). Thread-safe through one monitor; every operation is O(runs of one task) or
 * better.
 */
@Component(service = TaskStore.class, configurationPid = MemoryStoreConfiguration.PID,
        property = "service.ranking:Integer=" + Integer.MIN_VALUE)
@Designate(ocd = MemoryStoreConfiguration.class)
public final class InMemoryTaskStore implements TaskStore {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryTaskStore.class);

    private static final Comparator<RunRecord> NEWEST_FIRST = Comparator
            .comparing(RunRecord::scheduledTime).thenComparing(RunRecord::runId).reversed();

    private int maxRunsPerTask; // guarded by this
    private final Map<TaskId, StoredTask> tasks = new HashMap<>();
    private final Map<String, RunRecord> runs = new HashMap<>();
    private final Map<TaskId, Deque<String>> runsByTask = new HashMap<>();
    private final Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();

    /** @param maxRunsPerTask how many runs to keep per task, at least 1 */
    InMemoryTaskStore(int maxRunsPerTask) {
        if (maxRunsPerTask < 1) {
            throw new IllegalArgumentException("max_runs_per_task: " + maxRunsPerTask + " must be at least 1");
        }
        this.maxRunsPerTask = maxRunsPerTask;
    }

    @Activate
    public InMemoryTaskStore(MemoryStoreConfiguration configuration) {
        this(200);
        modified(configuration);
    }

    @Modified
    void modified(MemoryStoreConfiguration configuration) {
        int max = configuration.max_runs_per_task();
        if (max < 1 || max > 100_000) {
            LOG.error("Configuration {} rejected: max_runs_per_task: {} is not in 1–100000; keeping {}",
                    MemoryStoreConfiguration.PID, max, currentMax());
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
        Deque<String> ids = runsByTask.remove(id);
        if (ids != null) {
            ids.forEach(runs::remove);
        }
        deadLetters.values().removeIf(d -> d.taskId().equals(id));
    }

    @Override
    public synchronized void recordRun(RunRecord run) {
        if (runs.put(run.runId(), run) != null) {
            return; // an update of a known run keeps its place
        }
        Deque<String> ids = runsByTask.computeIfAbsent(run.taskId(), k -> new ArrayDeque<>());
        ids.addLast(run.runId());
        if (ids.size() > maxRunsPerTask) {
            // drop the oldest finished run; a RUNNING one is kept until it ends
            for (Iterator<String> it = ids.iterator(); it.hasNext() && ids.size() > maxRunsPerTask; ) {
                String old = it.next();
                RunRecord r = runs.get(old);
                if (r == null || r.status() != RunStatus.RUNNING) {
                    it.remove();
                    runs.remove(old);
                }
            }
        }
    }

    @Override
    public synchronized List<RunRecord> runs(TaskId id, int limit) {
        Deque<String> ids = runsByTask.get(id);
        if (ids == null || limit <= 0) {
            return List.of();
        }
        List<RunRecord> result = new ArrayList<>(ids.size());
        ids.forEach(r -> result.add(runs.get(r)));
        result.sort(NEWEST_FIRST);
        return List.copyOf(result.subList(0, Math.min(limit, result.size())));
    }

    @Override
    public synchronized Optional<RunRecord> run(String runId) {
        return Optional.ofNullable(runs.get(runId));
    }

    @Override
    public synchronized List<RunRecord> runningRuns() {
        return runs.values().stream().filter(r -> r.status() == RunStatus.RUNNING).toList();
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
        for (Deque<String> ids : runsByTask.values()) {
            List<RunRecord> records = new ArrayList<>();
            ids.forEach(r -> records.add(runs.get(r)));
            records.sort(NEWEST_FIRST);
            for (int i = 0; i < records.size(); i++) {
                RunRecord r = records.get(i);
                boolean old = r.endTime().map(e -> e.isBefore(endedBefore)).orElse(r.status() == RunStatus.SKIPPED
                        && r.scheduledTime().isBefore(endedBefore));
                if (r.status() != RunStatus.RUNNING && (i >= keepPerTask || old)) {
                    ids.remove(r.runId());
                    runs.remove(r.runId());
                    removed++;
                }
            }
        }
        return removed;
    }
}
