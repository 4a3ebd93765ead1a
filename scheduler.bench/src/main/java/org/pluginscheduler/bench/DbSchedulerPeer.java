package org.pluginscheduler.bench;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * db-scheduler 15 as its README shows it: {@code Scheduler.create(dataSource, tasks).threads(n)}, on a HikariCP pool,
 * the default polling strategy (fetch; H2 has no lock-and-fetch support) and interval, plus
 * {@code enableImmediateExecution()}, the documented option for executions scheduled to run now. The table is the
 * project's scheduled_tasks DDL (its HSQLDB script, the closest to H2) with the indexes of its PostgreSQL script.
 */
final class DbSchedulerPeer implements AutoCloseable {

    final OneTimeTask<Void> task = Tasks.oneTime("noop").execute((instance, context) -> {
    });
    final AtomicLong completions = new AtomicLong();
    final Scheduler scheduler;
    final String url;
    private final HikariDataSource dataSource;

    DbSchedulerPeer(Path dbFile, int threads) throws Exception {
        url = Sql.url(dbFile);
        Sql.runScript(url, "bench/db-scheduler-h2.sql", s -> s);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("sa");
        config.setPassword("");
        config.setMaximumPoolSize(threads + 4);
        dataSource = new HikariDataSource(config);
        scheduler = Scheduler.create(dataSource, task)
                .threads(threads)
                .enableImmediateExecution()
                .addSchedulerListener(new AbstractSchedulerListener() {
                    @Override
                    public void onExecutionComplete(ExecutionComplete complete) {
                        completions.incrementAndGet();
                    }
                })
                .build();
    }

    void start() {
        scheduler.start();
    }

    @Override
    public void close() {
        scheduler.stop();
        dataSource.close();
    }
}
