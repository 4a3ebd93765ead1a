package org.pluginscheduler.store.h2;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.h2.jdbcx.JdbcDataSource;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskId;

/** Opens stores on file databases in a test's folder, with H2's own DataSource instead of the OSGi factory. */
final class TestStores {

    static final String PASSWORD = "s3cret-Pa55";

    private TestStores() {
    }

    static String url(Path dir) {
        return "jdbc:h2:file:" + dir.resolve("scheduler").toAbsolutePath();
    }

    static JdbcDataSource dataSource(String url, String password) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa");
        ds.setPassword(password);
        return ds;
    }

    static StoreSettings settings(String url) {
        return new StoreSettings(url, "sa", PASSWORD, 30, 200, 60, 1000, 0, false);
    }

    static H2TaskStore open(Path dir) {
        String url = url(dir);
        return H2TaskStore.open(dataSource(url, PASSWORD), settings(url));
    }

    static TaskId task(String id) {
        return TaskId.of("test.bundle", id);
    }

    static RunRecord run(String runId, TaskId task, RunStatus status, Instant scheduled) {
        Optional<Instant> end = status == RunStatus.RUNNING || status == RunStatus.SKIPPED ? Optional.empty()
                : Optional.of(scheduled.plusSeconds(2));
        Optional<Instant> start = status == RunStatus.SKIPPED ? Optional.empty() : Optional.of(scheduled.plusMillis(5));
        return new RunRecord(runId, task, RunTrigger.SCHEDULE, 1, status, scheduled, start, end, "msg " + runId,
                Map.of(), Map.of());
    }
}
