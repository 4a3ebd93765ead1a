package org.pluginscheduler.bench;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.osgi.framework.Bundle;
import org.pluginscheduler.api.NoSuchTaskException;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.api.TaskState;
import org.pluginscheduler.bench.plugin.TasksPlugin;
import org.quartz.CronScheduleBuilder;
import org.quartz.JobBuilder;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.TriggerBuilder;

/**
 * P4: scale in a real framework. A plugin bundle (TasksPlugin) whose activator registers one provider with N cron
 * tasks is installed and started in a running scheduler: the time from {@code Bundle.start()} until its last task is
 * registered, then the time {@code Bundle.stop()} takes (the scheduler unregisters every task, making it dormant,
 * before the provider's unregistration returns). Heap per task: heap in use after full GCs before and after a bundle
 * registered {@code heapTasks} tasks, in a fresh framework, for cron and for interval tasks; this counts everything
 * the tasks cost, the plugin's own definitions included.
 */
final class Scale {

    private Scale() {
    }

    private static Path plugin(Path work, String bsn, int tasks, String kind) throws Exception {
        return PluginJar.build(work.resolve(bsn + ".jar"), bsn, TasksPlugin.class,
                Map.of("Bench-Tasks", String.valueOf(tasks), "Bench-Kind", kind));
    }

    static Map<String, Double> ours(Sizes z) throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        int n = z.scaleTasks();
        Path work = Env.freshWork("p4-ours");
        try (EmbeddedScheduler s = EmbeddedScheduler.start(work, false, z.threads())) {
            TaskScheduler ts = s.scheduler();
            // a first plugin warms up the code paths (as the runtime's own plugins would have), then leaves
            Bundle warm = s.context().installBundle(plugin(work, "bench.warmup", Math.min(n, 2_000), "cron").toUri()
                    .toString());
            warm.start();
            awaitRegistered(ts, "bench.warmup", Math.min(n, 2_000));
            warm.uninstall();

            Bundle b = s.context().installBundle(plugin(work, "bench.tasks", n, "cron").toUri().toString());
            long t0 = System.nanoTime();
            b.start();
            awaitRegistered(ts, "bench.tasks", n);
            long t1 = System.nanoTime();
            b.stop();
            long t2 = System.nanoTime();
            TaskInfo last = ts.task(TaskId.of("bench.tasks", "t" + (n - 1))).orElseThrow();
            if (last.state() != TaskState.DORMANT) {
                throw new IllegalStateException("after stop, " + last.id() + " is " + last.state());
            }
            r.put("tasks", (double) n);
            r.put("register_ms", (t1 - t0) / 1e6);
            r.put("unregister_ms", (t2 - t1) / 1e6);
        }
        for (String kind : List.of("cron", "interval")) {
            Path heapWork = Env.freshWork("p4-ours-heap-" + kind);
            try (EmbeddedScheduler s = EmbeddedScheduler.start(heapWork, false, z.threads())) {
                Path jar = plugin(heapWork, "bench.heap", z.heapTasks(), kind);
                long before = Env.usedHeapAfterGc(z.smoke());
                Bundle b = s.context().installBundle(jar.toUri().toString());
                b.start();
                awaitRegistered(s.scheduler(), "bench.heap", z.heapTasks());
                long after = Env.usedHeapAfterGc(z.smoke());
                double perTask = (after - before) / (double) z.heapTasks();
                r.put("bytes_per_task_" + kind, perTask);
                r.put("tasks_per_gb_" + kind, (1L << 30) / perTask);
            }
        }
        return r;
    }

    private static void awaitRegistered(TaskScheduler ts, String bsn, int n) {
        TaskId last = TaskId.of(bsn, "t" + (n - 1));
        // cheap to ask while it is not there yet (unlike task(id), which then lists every task)
        BooleanSupplier registered = () -> {
            try {
                return !ts.nextFires(last, 1).isEmpty();
            } catch (NoSuchTaskException e) {
                return false;
            }
        };
        if (!Env.await(registered, 300_000)) {
            throw new IllegalStateException(n + " tasks of " + bsn + " were not registered in time");
        }
    }

    // --- Quartz RAMJobStore: jobs with cron triggers, added and deleted through its API ---------------------

    static Map<String, Double> quartz(Sizes z) throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        int month = LocalDate.now().plusMonths(2).getMonthValue();
        Scheduler q = QuartzPeer.ram("bench-scale", z.threads());
        q.start();
        try {
            schedule(q, "warm", Math.min(z.scaleTasks(), 2_000), month);
            q.deleteJobs(keys("warm", Math.min(z.scaleTasks(), 2_000)));
            long t0 = System.nanoTime();
            schedule(q, "t", z.scaleTasks(), month);
            long t1 = System.nanoTime();
            q.deleteJobs(keys("t", z.scaleTasks()));
            long t2 = System.nanoTime();
            r.put("tasks", (double) z.scaleTasks());
            r.put("register_ms", (t1 - t0) / 1e6);
            r.put("unregister_ms", (t2 - t1) / 1e6);
            long before = Env.usedHeapAfterGc(z.smoke());
            schedule(q, "h", z.heapTasks(), month);
            long after = Env.usedHeapAfterGc(z.smoke());
            double perTask = (after - before) / (double) z.heapTasks();
            r.put("bytes_per_task_cron", perTask);
            r.put("tasks_per_gb_cron", (1L << 30) / perTask);
        } finally {
            q.shutdown(false);
        }
        return r;
    }

    private static void schedule(Scheduler q, String prefix, int n, int month) throws Exception {
        for (int i = 0; i < n; i++) {
            // the same expressions as TasksPlugin's cron tasks, in Quartz's syntax (seconds first, '?' for a day)
            String cron = "0 " + (i % 60) + " " + ((i / 60) % 24) + " 1 " + month + " ?";
            q.scheduleJob(JobBuilder.newJob(QuartzPeer.NoopJob.class).withIdentity(prefix + i).build(),
                    TriggerBuilder.newTrigger().withIdentity(prefix + i)
                            .withSchedule(CronScheduleBuilder.cronSchedule(cron)).build());
        }
    }

    private static List<JobKey> keys(String prefix, int n) {
        List<JobKey> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(JobKey.jobKey(prefix + i));
        }
        return keys;
    }
}
