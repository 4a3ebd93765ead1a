package org.pluginscheduler.itests.plugin.durability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.ScheduledTaskProvider;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskScheduler;
import org.pluginscheduler.api.TaskState;

/**
 * The plugin {@code KillNineDurabilityIT} deploys into the shipped runtime: the load ({@link DurabilityTasks}), a
 * submitter and a reader, all writing to one {@link EventLog}, {@code <itest.log.dir>/durability.log}.
 * <ul>
 * <li><b>Submitter</b> (every {@value #SUBMIT_PERIOD_MS} ms): submits {@code job} now and at an instant 1–15 s ahead
 * (argument {@code key=<id>}), and every third round a {@code flaky} chain now ({@code chain=<id>}); after
 * {@link TaskScheduler#submit} returns it appends {@code accepted <run-id> <due-epoch-ms> <task> <argument>}.</li>
 * <li><b>Reader</b>: reads runs back through the same {@link TaskScheduler} calls {@code task:runs} uses:
 * {@link TaskScheduler#runs} of every task of the plugin, and {@link TaskScheduler#run} of every accepted
 * submission once it is due (those of earlier lives too, read from the log at start). For every run seen with a
 * final status it appends {@code ack <run-id> <status> <attempt> <trigger> <task> <args>} (once per life), for
 * every run seen RUNNING {@code seen-running <run-id> <task>}.</li>
 * </ul>
 * The life number and whether this life is the last (no submissions then) come from
 * {@code <itest.log.dir>/durability.life}, written by the test before each start: {@code <n>} or
 * {@code <n> final}. The number of load tasks comes from the manifest header {@value #LOAD_TASKS_HEADER}.
 */
public final class DurabilityPluginActivator implements BundleActivator {

    public static final String LOG_FILE = "durability.log";
    public static final String LIFE_FILE = "durability.life";
    public static final String LOAD_TASKS_HEADER = "X-Durability-Load-Tasks";
    /** Framework property: the folder of the log and life files (the same one the other test plugins use). */
    public static final String LOG_DIR = "itest.log.dir";
    static final long SUBMIT_PERIOD_MS = 40;
    private static final long READ_PAUSE_MS = 20;

    private volatile boolean stopped;
    private final List<Thread> threads = new ArrayList<>();
    private EventLog log;
    /** Accepted submissions not yet seen final: run id → due (epoch ms). */
    private final Map<String, Long> pending = new ConcurrentHashMap<>();

    @Override
    public void start(BundleContext context) throws Exception {
        Path dir = Path.of(context.getProperty(LOG_DIR));
        String[] life = Files.readString(dir.resolve(LIFE_FILE), StandardCharsets.UTF_8).trim().split("\\s+");
        boolean last = life.length > 1 && life[1].equals("final");
        Path file = dir.resolve(LOG_FILE);
        List<String> earlier = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        log = new EventLog(file, life[0]);
        String header = context.getBundle().getHeaders().get(LOAD_TASKS_HEADER);
        int loadTasks = header == null ? 150 : Integer.parseInt(header.trim());
        log.write("start " + context.getBundle().getSymbolicName() + " " + context.getBundle().getVersion()
                + " load-tasks=" + loadTasks + (last ? " final" : ""));
        pendingFromEarlierLives(earlier);
        context.registerService(ScheduledTaskProvider.class, new DurabilityTasks(loadTasks, log), null);
        String owner = context.getBundle().getSymbolicName();
        List<TaskId> tasks = new ArrayList<>();
        for (int i = 0; i < loadTasks; i++) {
            tasks.add(TaskId.of(owner, DurabilityTasks.loadTaskId(i)));
        }
        TaskId job = TaskId.of(owner, DurabilityTasks.JOB);
        TaskId flaky = TaskId.of(owner, DurabilityTasks.FLAKY);
        tasks.add(job);
        tasks.add(flaky);
        Thread driver = new Thread(() -> {
            TaskScheduler scheduler = awaitReady(context, tasks);
            if (scheduler == null) {
                return;
            }
            log.write("ready");
            if (!last) {
                startThread("durability-submitter", () -> submit(scheduler, job, flaky, life[0]));
            }
            read(scheduler, tasks, job, flaky);
        }, "durability-reader");
        driver.setDaemon(true);
        synchronized (threads) {
            threads.add(driver);
        }
        driver.start();
    }

    @Override
    public void stop(BundleContext context) throws Exception {
        stopped = true;
        List<Thread> all;
        synchronized (threads) {
            all = List.copyOf(threads);
        }
        all.forEach(Thread::interrupt);
        for (Thread t : all) {
            t.join(5000);
        }
        log.write("stop");
        log.close();
    }

    private void startThread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    /** Accepted submissions of earlier lives that no earlier life saw final: the reader asks for them too. */
    private void pendingFromEarlierLives(List<String> lines) {
        Map<String, Long> accepted = new HashMap<>();
        Set<String> acked = new HashSet<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length >= 5 && f[2].equals("accepted")) {
                accepted.put(f[3], Long.parseLong(f[4]));
            } else if (f.length >= 5 && f[2].equals("ack")) {
                acked.add(f[3]);
            }
        }
        accepted.keySet().removeAll(acked);
        pending.putAll(accepted);
    }

    /** @return the plugin's TaskScheduler once every task of the plugin is ACTIVE; null if stopped first */
    private TaskScheduler awaitReady(BundleContext context, List<TaskId> tasks) {
        TaskScheduler scheduler = null;
        while (!stopped) {
            try {
                if (scheduler == null) {
                    ServiceReference<TaskScheduler> ref = context.getServiceReference(TaskScheduler.class);
                    scheduler = ref == null ? null : context.getService(ref);
                }
                if (scheduler != null && active(scheduler, tasks)) {
                    return scheduler;
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return null;
            } catch (RuntimeException e) {
                log.write("not-ready " + oneLine(e));
                pause(200);
            }
        }
        return null;
    }

    private static boolean active(TaskScheduler scheduler, List<TaskId> tasks) {
        Set<TaskId> active = new HashSet<>();
        for (TaskInfo info : scheduler.tasks()) {
            if (info.state() == TaskState.ACTIVE) {
                active.add(info.id());
            }
        }
        return active.containsAll(tasks);
    }

    // --- submitter ----------------------------------------------------------------------------------------------

    private void submit(TaskScheduler scheduler, TaskId job, TaskId flaky, String life) {
        long n = 0;
        while (!stopped) {
            n++;
            submitOne(scheduler, job, "key", "s" + life + "-" + n + "n", Optional.empty());
            long ahead = 1000 + ThreadLocalRandom.current().nextLong(14_001);
            submitOne(scheduler, job, "key", "s" + life + "-" + n + "l",
                    Optional.of(Instant.ofEpochMilli(System.currentTimeMillis() + ahead)));
            if (n % 3 == 0) {
                submitOne(scheduler, flaky, "chain", "c" + life + "-" + n, Optional.empty());
            }
            if (!pause(SUBMIT_PERIOD_MS)) {
                return;
            }
        }
    }

    private void submitOne(TaskScheduler scheduler, TaskId task, String argument, String value,
                           Optional<Instant> at) {
        long due = at.map(Instant::toEpochMilli).orElseGet(System::currentTimeMillis);
        String runId;
        try {
            runId = scheduler.submit(task, Map.of(argument, value), at);
        } catch (RuntimeException e) {
            log.write("submit-failed " + task.id() + " " + argument + "=" + value + " " + oneLine(e));
            return;
        }
        log.write("accepted " + runId + " " + due + " " + task.id() + " " + argument + "=" + value);
        pending.put(runId, due);
    }

    // --- reader -------------------------------------------------------------------------------------------------

    private void read(TaskScheduler scheduler, List<TaskId> tasks, TaskId job, TaskId flaky) {
        Set<String> acked = new HashSet<>();
        Set<String> seenRunning = new HashSet<>();
        while (!stopped) {
            try {
                long now = System.currentTimeMillis();
                for (Map.Entry<String, Long> p : List.copyOf(pending.entrySet())) {
                    if (p.getValue() > now) {
                        continue;
                    }
                    Optional<RunRecord> r = scheduler.run(p.getKey());
                    if (r.isPresent()) {
                        see(r.get(), acked, seenRunning);
                    }
                }
                for (TaskId task : tasks) {
                    int limit = task.equals(job) || task.equals(flaky) ? 100 : 10;
                    for (RunRecord r : scheduler.runs(task, limit)) {
                        see(r, acked, seenRunning);
                    }
                }
            } catch (RuntimeException e) {
                if (stopped) {
                    return;
                }
                log.write("read-failed " + oneLine(e));
            }
            if (!pause(READ_PAUSE_MS)) {
                return;
            }
        }
    }

    private void see(RunRecord r, Set<String> acked, Set<String> seenRunning) {
        if (r.status() == RunStatus.RUNNING) {
            if (seenRunning.add(r.runId())) {
                log.write("seen-running " + r.runId() + " " + r.taskId().id());
            }
            return;
        }
        if (acked.add(r.runId())) {
            log.write("ack " + r.runId() + " " + r.status() + " " + r.attempt() + " " + r.trigger() + " "
                    + r.taskId().id() + " " + DurabilityTasks.args(r.arguments()));
        }
        pending.remove(r.runId());
    }

    /** @return false if interrupted or stopped */
    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return !stopped;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private static String oneLine(Throwable e) {
        return (e.getClass().getSimpleName() + ": " + e.getMessage()).replaceAll("\\s+", "_");
    }
}
