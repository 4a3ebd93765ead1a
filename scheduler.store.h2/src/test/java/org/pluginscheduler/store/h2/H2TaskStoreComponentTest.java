package org.pluginscheduler.store.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pluginscheduler.store.h2.TestStores.run;
import static org.pluginscheduler.store.h2.TestStores.task;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Driver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.sql.ConnectionPoolDataSource;
import javax.sql.DataSource;
import javax.sql.XADataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.jdbc.DataSourceFactory;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.store.TaskStoreException;

/**
 * The component without a framework: configuration validation, last-good behaviour, switching databases, and the
 * password kept out of every log line. The log is slf4j-simple's, on System.err, captured here.
 */
class H2TaskStoreComponentTest {

    private static final String SECRET = "Comp0nent-Secret";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;
    private final List<Properties> requested = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private PrintStream originalErr;
    private H2TaskStoreComponent component;

    @BeforeEach
    void captureLog() {
        originalErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        component = new H2TaskStoreComponent(new H2Factory());
    }

    @AfterEach
    void restoreLog() {
        System.setErr(originalErr);
        String text = log.toString(StandardCharsets.UTF_8);
        System.err.print(text);
        assertFalse(text.contains(SECRET), "the password was logged");
    }

    private Map<String, Object> config(String name) {
        Map<String, Object> values = new HashMap<>();
        values.put("url", "jdbc:h2:file:" + dir.resolve(name));
        values.put("_password", SECRET);
        return values;
    }

    @Test
    void activationOpensTheConfiguredDatabaseThroughTheFactory() {
        component.activate(Configs.of(config("db")));
        try {
            component.recordRun(run("r1", task("a"), RunStatus.SUCCEEDED, T0));
            assertEquals(1, component.runs(task("a"), 10).size());
            assertEquals(1, requested.size());
            Properties p = requested.get(0);
            assertEquals("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE",
                    p.getProperty(DataSourceFactory.JDBC_URL), "the password goes in its own property");
            assertEquals("sa", p.getProperty(DataSourceFactory.JDBC_USER));
            assertEquals(SECRET, p.getProperty(DataSourceFactory.JDBC_PASSWORD));
            assertTrue(logged().contains("H2 task store started on database file " + dir.resolve("db.mv.db")),
                    logged());
            assertTrue(logged().contains(".password=****"), logged());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void aBatchOfRunsOrTasksIsOneCommit() {
        component.activate(Configs.of(config("db")));
        try {
            long before = component.current().writer().commits();
            List<org.pluginscheduler.api.RunRecord> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(run("r" + i, task("a"), RunStatus.SUCCEEDED, T0.plusSeconds(i)));
            }
            component.recordRuns(batch);
            assertEquals(before + 1, component.current().writer().commits(), "one commit for 50 runs");
            assertEquals(50, component.runs(task("a"), 100).size());
            component.saveTasks(List.of(org.pluginscheduler.api.store.StoredTask.fresh(task("a"), "o", "d", "s"),
                    org.pluginscheduler.api.store.StoredTask.fresh(task("b"), "o", "d", "s")));
            assertEquals(before + 2, component.current().writer().commits(), "one commit for 2 tasks");
            assertEquals(2, component.loadTasks().size());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void aBadConfigurationAtActivationFailsItNamingTheField() {
        Map<String, Object> values = config("db");
        values.put("max_runs_per_task", 0);
        assertThrows(IllegalArgumentException.class, () -> component.activate(Configs.of(values)));
        assertTrue(logged().contains("H2 task store not started: configuration org.pluginscheduler.store.h2 "
                + "rejected: max.runs.per.task: 0 is not in 1–10000000"), logged());
        assertTrue(requested.isEmpty(), "no database was opened");
    }

    @Test
    void aDatabaseThatCannotOpenFailsActivationWithTheReason() {
        String relative = "jdbc:h2:file:no-dot-slash/db";
        Map<String, Object> values = config("db");
        values.put("url", relative);
        TaskStoreException e = assertThrows(TaskStoreException.class,
                () -> component.activate(Configs.of(values)));
        assertTrue(e.getMessage().startsWith("url " + relative + " is not valid"), e.getMessage());
        assertTrue(logged().contains("H2 task store not started: configuration org.pluginscheduler.store.h2 "
                + "rejected: url: url " + relative), logged());
    }

    @Test
    void aBadValueLaterKeepsTheLastGoodConfiguration() {
        component.activate(Configs.of(config("db")));
        try {
            H2TaskStore before = component.current();
            Map<String, Object> bad = config("other");
            bad.put("group_commit_max_wait_ms", -1);
            component.modified(Configs.of(bad));
            assertTrue(logged().contains("Configuration org.pluginscheduler.store.h2 rejected: "
                    + "group.commit.max.wait.ms: -1 is not in 0–1000; the last good configuration stays in force"),
                    logged());
            assertSame(before, component.current(), "still on the first database");
            component.recordRun(run("r1", task("a"), RunStatus.SUCCEEDED, T0));
        } finally {
            component.deactivate();
        }
    }

    @Test
    void aNewUrlSwitchesOnlyOnceTheNewDatabaseOpened() {
        component.activate(Configs.of(config("first")));
        try {
            component.recordRun(run("r1", task("a"), RunStatus.SUCCEEDED, T0));

            Map<String, Object> unusable = config("first");
            unusable.put("url", "jdbc:h2:file:relative/x");
            component.modified(Configs.of(unusable));
            assertTrue(logged().contains("Configuration org.pluginscheduler.store.h2 rejected: url: url "
                    + "jdbc:h2:file:relative/x is not valid"), logged());
            assertTrue(component.run("r1").isPresent(), "still on the first database");

            component.modified(Configs.of(config("second")));
            assertEquals(List.of(), component.runs(task("a"), 10), "the second database is empty");
            component.recordRun(run("r2", task("a"), RunStatus.SUCCEEDED, T0));
            assertTrue(logged().contains("H2 task store switched from database file " + dir.resolve("first.mv.db")
                    + " to database file " + dir.resolve("second.mv.db")), logged());
        } finally {
            component.deactivate();
        }
        try (H2TaskStore first = H2TaskStore.open(TestStores.dataSource("jdbc:h2:file:" + dir.resolve("first"),
                SECRET), TestStores.settings("jdbc:h2:file:" + dir.resolve("first")))) {
            assertTrue(first.run("r1").isPresent());
            assertTrue(first.run("r2").isEmpty());
        }
    }

    @Test
    void retentionAndBatchChangesKeepTheDatabaseOpen() {
        component.activate(Configs.of(config("db")));
        try {
            H2TaskStore before = component.current();
            Map<String, Object> values = config("db");
            values.put("max_age_days", 7);
            values.put("group_commit_max_batch", 50);
            values.put("prune_interval_minutes", 5);
            component.modified(Configs.of(values));
            assertSame(before, component.current());
            assertTrue(logged().contains("max.age.days=7"), logged());
        } finally {
            component.deactivate();
        }
    }

    @Test
    void pendingRunsAndBatchesGoThroughTheComponent() {
        component.activate(Configs.of(config("db")));
        try {
            org.pluginscheduler.api.store.PendingRun p = H2TaskStoreTest.pending("r1", task("a"), T0);
            component.savePending(List.of(p));
            assertEquals(List.of(p), component.pendingRuns());
            component.write(org.pluginscheduler.api.store.RunBatch.of(List.of(run("r1", task("a"),
                    RunStatus.SUCCEEDED, T0))));
            assertEquals(List.of(), component.pendingRuns(), "the final record removed it");
            component.savePending(List.of(H2TaskStoreTest.pending("r2", task("a"), T0)));
            component.removePending(List.of("r2"));
            assertEquals(List.of(), component.pendingRuns());
        } finally {
            component.deactivate();
        }
    }

    /**
     * 32 short lives of a runtime never pruned when the first pruning came one interval after start. Now it comes
     * soon after activation, on the pruner's thread.
     */
    @Test
    void aRuntimeThatLivesShorterThanThePruneIntervalStillPrunes() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        try (H2TaskStore seeded = H2TaskStore.open(TestStores.dataSource(url, SECRET), TestStores.settings(url))) {
            Instant recent = Instant.now().minusSeconds(600); // within max.age.days: pruned by count only
            for (int i = 0; i < 10; i++) {
                seeded.recordRun(run("r" + i, task("a"), RunStatus.SUCCEEDED, recent.plusSeconds(i)));
            }
        }
        component = new H2TaskStoreComponent(new H2Factory(), java.time.Duration.ofMillis(20));
        Map<String, Object> values = config("db");
        values.put("max_runs_per_task", 3);
        values.put("prune_interval_minutes", 10_080); // a week
        component.activate(Configs.of(values));
        try {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (component.runs(task("a"), 100).size() > 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of("r9", "r8", "r7"), H2TaskStoreTest.ids(component.runs(task("a"), 100)));
        } finally {
            component.deactivate();
        }
    }

    private String logged() {
        return log.toString(StandardCharsets.UTF_8);
    }

    /** What H2's OSGi DataSourceFactory does: a JdbcDataSource from the properties. */
    private final class H2Factory implements DataSourceFactory {
        @Override
        public DataSource createDataSource(Properties props) {
            requested.add(props);
            return TestStores.dataSource(props.getProperty(JDBC_URL), props.getProperty(JDBC_PASSWORD));
        }

        @Override
        public ConnectionPoolDataSource createConnectionPoolDataSource(Properties props) {
            throw new UnsupportedOperationException();
        }

        @Override
        public XADataSource createXADataSource(Properties props) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Driver createDriver(Properties props) {
            throw new UnsupportedOperationException();
        }
    }
}
