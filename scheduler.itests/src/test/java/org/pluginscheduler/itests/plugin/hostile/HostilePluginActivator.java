package org.pluginscheduler.itests.plugin.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.pluginscheduler.api.OverlapPolicy;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskAccessException;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskExecution;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskScheduler;

/**
 * One plugin of the hostile-plugin trial ({@code HostilePluginsIT}), its behaviour chosen by the manifest header
 * {@value #MODE}:
 * <ul>
 * <li>{@code good}: {@value #TASKS} tasks every {@value #EVERY}, their first fires spread evenly over the interval;
 * each run appends
 * {@code run <task> <scheduled-epoch-ms> <start-epoch-ms>} to the plugin's log, so the test sees every fire and its
 * lag as the task saw it.</li>
 * <li>{@code block}: tasks whose runs never return and swallow interrupts (with {@value #TIMEOUT}, if given).</li>
 * <li>{@code spin}: tasks whose runs spin on the CPU and ignore interrupts.</li>
 * <li>{@code block-list}: a provider whose {@code tasks()} never returns.</li>
 * <li>{@code errors}: tasks that throw a RuntimeException, a StackOverflowError (by recursion) or an
 * OutOfMemoryError, in turn, every 100 ms.</li>
 * <li>{@code many}: {@value #TASKS} tasks (e.g. 10,000), hourly, the first fire an hour after registration.</li>
 * <li>{@code burst}: {@value #TASKS} tasks, hourly, all of them firing at once when registered.</li>
 * <li>{@code control}: at start, tries the reading and acting operations of its {@code TaskScheduler} (task, runs,
 * trigger, call, submit, pause, disable, reschedule, removeTask, purgeDeadLetters; {@code PluginScopeIT} tries
 * every method) on the tasks named in
 * {@value #TARGETS} and on the whole scheduler, and logs {@code refused <op> <task>}, {@code ALLOWED <op> <task>}
 * or {@code error <op> <task> <exception>} for each.</li>
 * </ul>
 * Every plugin also logs {@code registered <task> <ms>}: how long after its start its first task was registered
 * (seen through its own {@code TaskScheduler}). Blocking and spinning end only when the file
 * {@value #RELEASE_FILE} exists in the log folder, so the test can let the threads go at its end: an uninstalled
 * bundle's threads run on otherwise.
 */
public final class HostilePluginActivator implements BundleActivator {

    public static final String MODE = "X-Hostile-Mode";
    public static final String TASKS = "X-Hostile-Tasks";
    public static final String EVERY = "X-Hostile-Every";
    public static final String TIMEOUT = "X-Hostile-Timeout";
    public static final String TARGETS = "X-Hostile-Targets";
    public static final String LOG_DIR = "itest.log.dir";
    public static final String RELEASE_FILE = "hostile.release";

    private Path log;
    private Path release;
    private volatile boolean stopped;

    @Override
    public void start(BundleContext context) {
        Path dir = Path.of(context.getProperty(LOG_DIR));
        String name = context.getBundle().getSymbolicName();
        log = dir.resolve(name + ".log");
        release = dir.resolve(RELEASE_FILE);
        String mode = header(context, MODE, "good");
        int count = Integer.parseInt(header(context, TASKS, "10"));
        Duration every = Duration.parse(header(context, EVERY, "PT1S"));
        Optional<Duration> timeout = Optional.of(header(context, TIMEOUT, "")).filter(s -> !s.isBlank())
                .map(Duration::parse);
        long started = System.currentTimeMillis();
        append("started " + mode + " " + started);
        List<TaskDefinition> definitions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // the good plugin's tasks fire spread over the interval, so that one pause (a GC, say) delays one
            // sample, not all of them at once: the p99 of the window is then a p99, not the worst instant
            String schedule = mode.equals("many") ? "every:PT1H delay=PT1H" // registered, not firing for an hour
                    : mode.equals("burst") ? "every:PT1H" // all of them fire at once, at registration
                    : mode.equals("good") ? "every:" + every + " delay=" + every.multipliedBy(i).dividedBy(count)
                    : "every:" + every;
            TaskDefinition.Builder b = TaskDefinition.builder(mode.replace('-', '_') + i).schedule(schedule);
            timeout.ifPresent(b::timeout);
            if (mode.equals("errors")) {
                b.overlap(OverlapPolicy.SKIP);
            }
            definitions.add(b.build());
        }
        switch (mode) {
            case "control" -> control(context, header(context, TARGETS, ""));
            case "block-list" -> context.registerService(ScheduledTaskProvider.class, new ScheduledTaskProvider() {
                @Override
                public List<TaskDefinition> tasks() {
                    append("tasks() entered, blocking");
                    holdUntilReleased(false);
                    return definitions;
                }

                @Override
                public TaskResult execute(TaskExecution execution) {
                    return TaskResult.success();
                }
            }, null);
            default -> context.registerService(ScheduledTaskProvider.class, new ScheduledTaskProvider() {
                @Override
                public List<TaskDefinition> tasks() {
                    return definitions;
                }

                @Override
                public TaskResult execute(TaskExecution execution) {
                    return run(mode, execution);
                }
            }, null);
        }
        if (!mode.equals("control") && !mode.equals("block-list")) {
            awaitRegistration(context, TaskId.of(name, definitions.get(0).id()), started);
        }
    }

    @Override
    public void stop(BundleContext context) {
        stopped = true;
    }

    private TaskResult run(String mode, TaskExecution execution) {
        long start = System.currentTimeMillis();
        switch (mode) {
            case "good" -> append("run " + execution.taskId().id() + " " + execution.scheduledTime().toEpochMilli()
                    + " " + start);
            case "block" -> holdUntilReleased(false);
            case "spin" -> holdUntilReleased(true);
            case "errors" -> {
                switch ((int) (ERRORS.getAndIncrement() % 3)) {
                    case 0 -> throw new IllegalStateException("hostile failure " + execution.taskId().id());
                    case 1 -> recurse(0);
                    default -> throw new OutOfMemoryError("hostile OutOfMemoryError");
                }
            }
            default -> {
                // many, burst: nothing to do
            }
        }
        return TaskResult.success();
    }

    private static final AtomicLong ERRORS = new AtomicLong();

    private static long recurse(long depth) {
        return recurse(depth + 1) + 1;
    }

    /** Sleeps or spins until the release file exists, ignoring interrupts and the bundle's stop. */
    private void holdUntilReleased(boolean spin) {
        long spun = 0;
        while (!Files.exists(release)) {
            if (spin) {
                long until = System.nanoTime() + 50_000_000;
                while (System.nanoTime() < until) {
                    spun++;
                }
            } else {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException swallowed) {
                    // hostile: ignores cancellation
                }
            }
        }
        if (spun < 0) {
            append("never"); // keeps the loop from being optimised away
        }
    }

    /** Polls its own TaskScheduler until the task is known, and logs how long that took. */
    private void awaitRegistration(BundleContext context, TaskId id, long started) {
        ServiceReference<TaskScheduler> ref = context.getServiceReference(TaskScheduler.class);
        TaskScheduler scheduler = context.getService(ref);
        Thread watcher = new Thread(() -> {
            long deadline = started + 60_000;
            while (!stopped && System.currentTimeMillis() < deadline) {
                if (scheduler.task(id).isPresent()) {
                    append("registered " + id.id() + " " + (System.currentTimeMillis() - started));
                    return;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
            append("not-registered " + id.id());
        }, "hostile-registration-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void control(BundleContext context, String targets) {
        TaskScheduler scheduler = context.getService(context.getServiceReference(TaskScheduler.class));
        for (String target : targets.split(",")) {
            if (target.isBlank()) {
                continue;
            }
            TaskId id = TaskId.parse(target.trim());
            attempt("task", id, () -> scheduler.task(id));
            attempt("runs", id, () -> scheduler.runs(id, 10));
            attempt("trigger", id, () -> scheduler.trigger(id));
            attempt("call", id, () -> scheduler.call(id, Map.of()));
            attempt("submit", id, () -> scheduler.submit(id, Map.of(), Optional.empty(), Set.of("x")));
            attempt("pause", id, () -> scheduler.pause(id));
            attempt("disable", id, () -> scheduler.disable(id));
            attempt("reschedule", id, () -> scheduler.reschedule(id, Schedule.parse("every:PT24H")));
            attempt("removeTask", id, () -> scheduler.removeTask(id));
            attempt("purgeDeadLetters", id, () -> scheduler.purgeDeadLetters(Optional.of(id)));
        }
        attempt("pauseAll", null, scheduler::pauseAll);
        attempt("purgeHistory", null, () -> scheduler.purgeHistory(Duration.ZERO));
        String me = context.getBundle().getSymbolicName();
        append("listed-foreign " + scheduler.tasks().stream().filter(t -> !t.id().owner().equals(me)).count());
        append("control done " + Instant.now());
    }

    private interface Attempt {
        void run() throws Exception;
    }

    private void attempt(String operation, TaskId id, Attempt attempt) {
        String what = operation + " " + (id == null ? "-" : id);
        try {
            attempt.run();
            append("ALLOWED " + what);
        } catch (TaskAccessException refused) {
            append("refused " + what);
        } catch (Exception e) {
            append("error " + what + " " + e);
        }
    }

    private void append(String line) {
        synchronized (HostilePluginActivator.class) {
            try {
                Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String header(BundleContext context, String name, String otherwise) {
        String value = context.getBundle().getHeaders().get(name);
        return value == null || value.isBlank() ? otherwise : value.trim();
    }
}
