package org.pluginscheduler.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import org.quartz.Job;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.listeners.TriggerListenerSupport;

/**
 * Quartz 2.5 in its documented configurations: {@code RAMJobStore}, or {@code JobStoreTX} (JDBC, not clustered) with
 * {@code StdJDBCDelegate} on an H2 file, the delegate Quartz's tables_h2.sql names, and Quartz's HikariCP connection
 * provider. The thread pool has as many threads as the other schedulers' workers; everything else is Quartz's
 * default (misfire threshold 60 s, one trigger per acquisition).
 */
final class QuartzPeer {

    private QuartzPeer() {
    }

    /** Does nothing; Quartz instantiates it for every execution. */
    public static final class NoopJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
        }
    }

    /** Counts finished executions (called after the job ran, before Quartz marks its trigger complete). */
    static final class Completions extends TriggerListenerSupport {
        final AtomicLong count = new AtomicLong();

        @Override
        public String getName() {
            return "bench-completions";
        }

        @Override
        public void triggerComplete(Trigger trigger, JobExecutionContext context,
                                    Trigger.CompletedExecutionInstruction instruction) {
            count.incrementAndGet();
        }
    }

    static Properties common(String name, int threads) {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", name);
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
        return p;
    }

    static Scheduler ram(String name, int threads) throws SchedulerException {
        Properties p = common(name, threads);
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        return new StdSchedulerFactory(p).getScheduler();
    }

    /** Creates Quartz's tables on a new H2 file and returns a JobStoreTX scheduler on it. */
    static Scheduler jdbc(String name, int threads, Path dbFile) throws Exception {
        String url = Sql.url(dbFile);
        createSchema(url);
        Properties p = common(name, threads);
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.dataSource", "bench");
        p.setProperty("org.quartz.dataSource.bench.provider", "hikaricp");
        p.setProperty("org.quartz.dataSource.bench.driver", "org.h2.Driver");
        p.setProperty("org.quartz.dataSource.bench.URL", url);
        p.setProperty("org.quartz.dataSource.bench.user", "sa");
        p.setProperty("org.quartz.dataSource.bench.password", "");
        // Quartz asks for at least threadCount connections (+ its scheduler thread and the client)
        p.setProperty("org.quartz.dataSource.bench.maxConnections", String.valueOf(threads + 4));
        return new StdSchedulerFactory(p).getScheduler();
    }

    /**
     * Quartz's own tables_h2.sql (from the quartz jar) plus the indexes Quartz's PostgreSQL script defines
     * (tables_h2.sql has none; without them every trigger acquisition scans the table). H2 2.x no longer knows
     * the SQL Server type IMAGE that the H2 script still uses: it becomes BLOB.
     */
    static void createSchema(String url) throws Exception {
        Sql.runScript(url, "org/quartz/impl/jdbcjobstore/tables_h2.sql",
                s -> s.replaceAll("(?i)\\bIMAGE\\b", "BLOB"));
        try (var c = Sql.connect(url); var s = c.createStatement()) {
            for (String statement : Sql.statements("org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
                if (statement.toLowerCase(Locale.ROOT).startsWith("create index")) {
                    s.execute(statement);
                }
            }
        }
    }
}
