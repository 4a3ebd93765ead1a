package org.pluginscheduler.store.h2;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import javax.sql.DataSource;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.store.PendingRun;
import org.pluginscheduler.api.store.RunBatch;
import org.pluginscheduler.api.store.StoredTask;
import org.pluginscheduler.api.store.TaskStore;
import org.pluginscheduler.api.store.TaskStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OSGi face of {@link H2TaskStore}: a {@link TaskStore} with {@code service.ranking} 100, so it wins over the
 * core's in-memory store, on a database reached through H2's {@link DataSourceFactory} (H2 is a bundle of its
 * own; no driver class is loaded here).
 *
 * <p>Configuration {@value H2StoreConfiguration#PID} is validated in one place, {@link #configure}. A bad value is
 * logged with its field's name and the last good configuration stays in force. At activation there is none yet, so
 * a bad configuration, or a database that cannot open, fails the activation: the scheduler keeps the in-memory
 * store and the ERROR says why, rather than this store opening some other database than the one configured.
 * Changing url, user, password or sync.to.disk opens the new database first and switches only if that works.
 */
@Component(service = TaskStore.class, immediate = true, configurationPid = H2StoreConfiguration.PID,
        property = "service.ranking:Integer=100")
@Designate(ocd = H2StoreConfiguration.class)
public final class H2TaskStoreComponent implements TaskStore {

    private static final Logger LOG = LoggerFactory.getLogger(H2TaskStoreComponent.class);

    @Reference(target = "(" + DataSourceFactory.OSGI_JDBC_DRIVER_CLASS + "=org.h2.Driver)")
    private DataSourceFactory dataSourceFactory;

    private final Duration firstPruneDelay;
    private volatile H2TaskStore store;
    private volatile StoreSettings settings; // the last good configuration
    private volatile RetentionPruner pruner; // written under this

    /** For DS, which sets {@link #dataSourceFactory} before activation. */
    public H2TaskStoreComponent() {
        this.firstPruneDelay = RetentionPruner.FIRST_DELAY;
    }

    /** For tests without a framework. */
    H2TaskStoreComponent(DataSourceFactory dataSourceFactory) {
        this(dataSourceFactory, RetentionPruner.FIRST_DELAY);
    }

    /** For tests without a framework, with the delay of the first pruning after activation. */
    H2TaskStoreComponent(DataSourceFactory dataSourceFactory, Duration firstPruneDelay) {
        this.dataSourceFactory = dataSourceFactory;
        this.firstPruneDelay = firstPruneDelay;
    }

    @Activate
    void activate(Map<String, Object> properties) {
        configure(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        configure(properties);
    }

    /**
     * Validates and applies a configuration. Once running, a bad one is logged and changes nothing; at activation
     * it fails the activation.
     */
    synchronized void configure(Map<String, ?> properties) {
        boolean starting = store == null;
        StoreSettings.reader(properties).unknownKeyWarnings().forEach(w ->
                LOG.warn("Configuration {}: {}", H2StoreConfiguration.PID, w));
        StoreSettings next;
        try {
            next = StoreSettings.from(properties);
        } catch (IllegalArgumentException e) {
            if (starting) {
                LOG.error("H2 task store not started: configuration {} rejected: {}; fix it in {}; until then the "
                        + "scheduler keeps its in-memory store", H2StoreConfiguration.PID, e.getMessage(),
                        DatabaseLocation.CONFIG_FILE);
                throw e;
            }
            LOG.error("Configuration {} rejected: {}; the last good configuration stays in force",
                    H2StoreConfiguration.PID, e.getMessage());
            return;
        }
        if (starting || !next.sameDatabase(settings)) {
            H2TaskStore replacement;
            try {
                replacement = open(next);
            } catch (TaskStoreException e) {
                if (starting) {
                    LOG.error("H2 task store not started: configuration {} rejected: {}: {}; until then the "
                            + "scheduler keeps its in-memory store", H2StoreConfiguration.PID, field(e),
                            e.getMessage(), e.getCause());
                    throw e;
                }
                LOG.error("Configuration {} rejected: {}: {}; the last good configuration stays in force (the "
                        + "store stays on {})", H2StoreConfiguration.PID, field(e), e.getMessage(),
                        store.location().resource(), e.getCause());
                return;
            }
            H2TaskStore old = store;
            store = replacement;
            if (old != null) {
                old.close();
                LOG.warn("H2 task store switched from {} to {}; the scheduler writes its state there from now on; "
                        + "restart the runtime to load the state that database holds", old.location().resource(),
                        replacement.location().resource());
            }
        }
        store.groupCommit(next.maxBatch(), next.maxWaitMillis());
        settings = next;
        if (pruner == null) { // the first pruning runs soon, on the pruner's thread: activation does not wait for it
            pruner = new RetentionPruner(Clock.systemUTC(), () -> new RetentionPruner.Retention(() -> store,
                    settings.maxAge(), settings.maxRunsPerTask()), firstPruneDelay,
                    RetentionPruner.defaultExecutor());
        }
        pruner.every(Duration.ofMinutes(next.pruneIntervalMinutes()));
        LOG.info("H2 task store {} on {}: {}", starting ? "started" : "reconfigured", store.location().resource(),
                next);
    }

    /**
     * @return the field an administrator has to fix when the database cannot be opened: the credentials for a
     *         wrong password or missing rights, the url for anything else (no server, locked, corrupt, missing)
     */
    static String field(TaskStoreException e) {
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("wrong user or password")) {
            return "user, .password";
        }
        return m.startsWith("user '") ? "user" : "url";
    }

    @Deactivate
    synchronized void deactivate() {
        pruner.close();
        store.close();
        LOG.info("H2 task store on {} closed", store.location().resource());
    }

    /** @return the store in use, for tests */
    H2TaskStore current() {
        return store;
    }

    private H2TaskStore open(StoreSettings s) {
        Properties properties = new Properties();
        properties.setProperty(DataSourceFactory.JDBC_URL, s.connectUrl());
        properties.setProperty(DataSourceFactory.JDBC_USER, s.user());
        properties.setProperty(DataSourceFactory.JDBC_PASSWORD, s.password());
        DataSource dataSource;
        try {
            dataSource = dataSourceFactory.createDataSource(properties);
        } catch (SQLException e) {
            throw new Failures(s.location(), s.user(), s.password()).failed("create a data source for it", e);
        }
        return H2TaskStore.open(dataSource, s);
    }

    /**
     * Runs {@code call} on the current store; if a reconfiguration closed that store before the call did anything,
     * once more on its successor.
     */
    private <R> R call(Function<H2TaskStore, R> call) {
        H2TaskStore current = store;
        try {
            return call.apply(current);
        } catch (StoreClosedException e) {
            H2TaskStore successor = store;
            if (successor == current) {
                throw e;
            }
            return call.apply(successor);
        }
    }

    @Override
    public List<StoredTask> loadTasks() {
        return call(H2TaskStore::loadTasks);
    }

    @Override
    public Optional<StoredTask> loadTask(TaskId id) {
        return call(s -> s.loadTask(id));
    }

    @Override
    public void saveTask(StoredTask task) {
        call(s -> {
            s.saveTask(task);
            return null;
        });
    }

    /** One transaction, one commit for the whole list (the SPI's default would commit each task on its own). */
    @Override
    public void saveTasks(List<StoredTask> tasks) {
        call(s -> {
            s.saveTasks(tasks);
            return null;
        });
    }

    @Override
    public void deleteTask(TaskId id) {
        call(s -> {
            s.deleteTask(id);
            return null;
        });
    }

    @Override
    public void recordRun(RunRecord run) {
        call(s -> {
            s.recordRun(run);
            return null;
        });
    }

    /**
     * One transaction, one commit for the whole batch: the core's run recorder hands every record queued during
     * a commit over at once. A final record removes the pending run of its run id in the same transaction.
     */
    @Override
    public void recordRuns(List<RunRecord> runs) {
        call(s -> {
            s.recordRuns(runs);
            return null;
        });
    }

    /** One transaction, all or nothing, sharing its commit with other callers' writes. */
    @Override
    public void write(RunBatch batch) {
        call(s -> {
            s.write(batch);
            return null;
        });
    }

    /** One transaction for the whole list. */
    @Override
    public void savePending(List<PendingRun> runs) {
        call(s -> {
            s.savePending(runs);
            return null;
        });
    }

    @Override
    public List<PendingRun> pendingRuns() {
        return call(H2TaskStore::pendingRuns);
    }

    @Override
    public void removePending(Collection<String> runIds) {
        call(s -> {
            s.removePending(runIds);
            return null;
        });
    }

    @Override
    public List<RunRecord> runs(TaskId id, int limit) {
        return call(s -> s.runs(id, limit));
    }

    @Override
    public Optional<RunRecord> run(String runId) {
        return call(s -> s.run(runId));
    }

    @Override
    public List<RunRecord> runningRuns() {
        return call(H2TaskStore::runningRuns);
    }

    @Override
    public void addDeadLetter(DeadLetter deadLetter) {
        call(s -> {
            s.addDeadLetter(deadLetter);
            return null;
        });
    }

    @Override
    public List<DeadLetter> deadLetters() {
        return call(H2TaskStore::deadLetters);
    }

    @Override
    public boolean removeDeadLetter(String runId) {
        return call(s -> s.removeDeadLetter(runId));
    }

    @Override
    public int pruneRuns(Instant endedBefore, int keepPerTask) {
        return call(s -> s.pruneRuns(endedBefore, keepPerTask));
    }

    /** The retention settings, what pruning did, how far it is behind, and the file's size. */
    @Override
    public Optional<SchedulerStats.History> history() {
        // no lock: task:stats must not wait for a reconfiguration that is opening a database
        H2TaskStore current = store;
        StoreSettings s = settings;
        RetentionPruner p = pruner;
        if (current == null || s == null || p == null) {
            return Optional.empty();
        }
        RetentionPruner.Progress progress = p.progress();
        long[] unpruned = current.unpruned();
        return Optional.of(new SchedulerStats.History(current.location().resource(), s.maxRunsPerTask(),
                Optional.of(s.maxAge()), current.pruned(), progress.lastPass(), progress.lastPassTook(), unpruned[0],
                unpruned[1], current.fileSize()));
    }

    @Override
    public String toString() {
        H2TaskStore current = store;
        return "H2TaskStoreComponent[" + (current == null ? "not open" : current.location().resource()) + "]";
    }
}
