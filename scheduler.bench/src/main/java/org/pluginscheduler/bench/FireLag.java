package org.pluginscheduler.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.ServiceRegistration;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskScheduler;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;

/**
 * P3: N tasks, each firing every second, their first fires spread over the second (task i starts i mod 1000 ms
 * after registration, so about N/1000 fires are due every millisecond, the same shape for every scheduler). Lag is
 * measured in the task: the wall clock when task code starts minus the fire's scheduled time, for every fire
 * scheduled inside the measured window (after a warm-up).
 */
final class FireLag {

    private FireLag() {
    }

    /** Collects lags of fires scheduled inside a window. Thread-safe. */
    static final class Recorder {
        private final long[] lags;
        private final AtomicInteger count = new AtomicInteger();
        private volatile long from = Long.MAX_VALUE;
        private volatile long to = Long.MIN_VALUE;

        Recorder(int capacity) {
            lags = new long[capacity];
        }

        void window(Instant start, Instant end) {
            from = nanos(start);
            to = nanos(end);
        }

        void record(Instant scheduled, Instant now) {
            long s = nanos(scheduled);
            if (s < from || s >= to) {
                return;
            }
            int i = count.getAndIncrement();
            if (i < lags.length) {
                lags[i] = nanos(now) - s;
            }
        }

        Map<String, Double> result(int expected) {
            int n = Math.min(count.get(), lags.length);
            long[] sorted = Arrays.copyOf(lags, n);
            Arrays.sort(sorted);
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("fires", (double) n);
            r.put("expected_fires", (double) expected);
            r.put("p50_ms", at(sorted, 0.50));
            r.put("p90_ms", at(sorted, 0.90));
            r.put("p99_ms", at(sorted, 0.99));
            r.put("p999_ms", at(sorted, 0.999));
            r.put("max_ms", n == 0 ? Double.NaN : sorted[n - 1] / 1e6);
            return r;
        }

        private static double at(long[] sorted, double q) {
            if (sorted.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
        }

        static long nanos(Instant t) {
            return t.getEpochSecond() * 1_000_000_000L + t.getNano();
        }
    }

    // --- ours -------------------------------------------------------------------------------------------------

    static Map<String, Double> ours(Sizes z) throws Exception {
        Path work = Env.freshWork("p3-ours");
        int n = z.lagTasks();
        Recorder recorder = new Recorder(n * (z.lagSeconds() + 2));
        List<TaskDefinition> definitions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            definitions.add(TaskDefinition.builder("l" + i).schedule(new Schedule.Interval(Duration.ofSeconds(1),
                    Duration.ofMillis(i % 1000), Optional.empty())).build());
        }
        TaskResult ok = TaskResult.success();
        ScheduledTaskProvider provider = new ScheduledTaskProvider() {
            @Override
            public List<TaskDefinition> tasks() {
                return definitions;
            }

            @Override
            public TaskResult execute(TaskExecution execution) {
                recorder.record(execution.scheduledTime(), Instant.now());
                return ok;
            }
        };
        Map<String, Double> r;
        try (EmbeddedScheduler s = EmbeddedScheduler.start(work, false, z.threads())) {
            TaskScheduler ts = s.scheduler();
            ServiceRegistration<ScheduledTaskProvider> reg = s.context().registerService(ScheduledTaskProvider.class,
                    provider, null);
            TaskId last = TaskId.of(s.context().getBundle().getSymbolicName(), "l" + (n - 1));
            if (!Env.await(() -> ts.task(last).isPresent(), 60_000)) {
                throw new IllegalStateException("the lag tasks were not registered");
            }
            r = measure(recorder, z);
            SchedulerStats.Lag own = ts.stats().lag();
            r.put("scheduler_p50_ms", own.p50().toNanos() / 1e6);
            r.put("scheduler_p99_ms", own.p99().toNanos() / 1e6);
            reg.unregister();
        }
        return r;
    }

    private static Map<String, Double> measure(Recorder recorder, Sizes z) {
        Instant start = Instant.now().plusSeconds(z.lagWarmupSeconds());
        Instant end = start.plusSeconds(z.lagSeconds());
        recorder.window(start, end);
        Env.sleep(Duration.between(Instant.now(), end).toMillis() + (z.smoke() ? 300 : 1_500)); // the last fires end
        return recorder.result(z.lagTasks() * z.lagSeconds());
    }

    // --- Quartz RAMJobStore -----------------------------------------------------------------------------------

    /** The Quartz job of P3 (Quartz instantiates it per fire, hence the static recorder). */
    public static final class LagJob implements Job {
        static volatile Recorder recorder;

        @Override
        public void execute(JobExecutionContext context) {
            Instant now = Instant.now();
            recorder.record(context.getScheduledFireTime().toInstant(), now);
        }
    }

    static Map<String, Double> quartz(Sizes z) throws Exception {
        int n = z.lagTasks();
        Recorder recorder = new Recorder(n * (z.lagSeconds() + 2));
        LagJob.recorder = recorder;
        Scheduler q = QuartzPeer.ram("bench-lag", z.threads());
        try {
            long base = Instant.now().plusSeconds(1).toEpochMilli();
            for (int i = 0; i < n; i++) {
                q.scheduleJob(JobBuilder.newJob(LagJob.class).withIdentity("l" + i).build(),
                        TriggerBuilder.newTrigger().withIdentity("l" + i).startAt(new Date(base + i % 1000))
                                .withSchedule(SimpleScheduleBuilder.repeatSecondlyForever(1)).build());
            }
            q.start();
            return measure(recorder, z);
        } finally {
            q.shutdown(false);
        }
    }
}
