package org.pluginscheduler.itests;

import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestWatcher;
import org.pluginscheduler.itests.plugin.hostile.HostilePluginActivator;

/**
 * The hostile-plugin trial (issue 12), black box: the shipped runtime as a process, plugins deployed into and
 * removed from {@code deploy/} as an operator does, seen through their own logs, {@code taskctl} and the
 * scheduler's log. A well-behaved plugin ({@value #GOOD}: {@value #GOOD_TASKS} tasks every second, their fires
 * spread over the second, each run logging its scheduled time and the moment it started) runs throughout; hostile
 * plugins come and go one phase after the other: one that tries to control the good plugin's tasks and the whole
 * scheduler, one that registers 10,000 tasks, one whose tasks throw a RuntimeException, a StackOverflowError and an
 * OutOfMemoryError every second, one whose {@code tasks()} never returns (and a plugin deployed after it), one
 * whose tasks block forever ignoring interrupts without a timeout, the same with a 1 s timeout; then the ones that
 * burn CPU: 10,000 tasks firing at once, 50 tasks throwing ten times a second, and tasks that spin. The blocked
 * and spinning threads are released only at the very end, so each later phase also runs beside what the earlier
 * ones left behind, as it would in production.
 *
 * <p>Judged for each phase, during it and in the window after its plugin was removed: the good plugin misses no
 * fire (every task's runs are exactly one second apart, none missing) and its p99 fire lag stays within twice the
 * baseline's or 5 ms, whichever is larger (beside the CPU burners: {@value #CPU_LAG_MS} ms, see {@link Phase}); a
 * plugin deployed after the blocked {@code tasks()} registers within 2 s; every control attempt is refused; the
 * flooding plugin's log output stays bounded.
 *
 * <p>Short form in {@code mvn verify} ({@value #DEFAULT_PHASE_SECONDS} s per phase and after it); the full form:
 * <pre>
 * mvn -B verify -pl scheduler.itests -am -Dit.test=HostilePluginsIT -Dhostile.phase.seconds=60 -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * {@code -Dhostile.phases=errors,spin} runs only those phases; {@code -Dhostile.jvm="-Xlog:gc:file=gc.log"} passes
 * options to the runtime's JVM (for diagnosis).
 */
public class HostilePluginsIT {

    static final String GOOD = "hostile.good";
    static final int GOOD_TASKS = 100;
    static final int DEFAULT_PHASE_SECONDS = 6;
    private static final Duration PHASE = Duration.ofSeconds(Long.getLong("hostile.phase.seconds",
            DEFAULT_PHASE_SECONDS));
    /** A fire this close to a window's edge is judged by neither side: deploying and removing take time. */
    private static final long EDGE_MS = 1_500;
    private static final double LAG_FLOOR_MS = 5;

    private RuntimeProcess runtime;
    private final Map<String, String> report = new LinkedHashMap<>();

    @Rule
    public final TestWatcher diagnostics = RuntimeProcess.diagnostics(() -> runtime, 120);

    @After
    public void stop() throws Exception {
        report.forEach((k, v) -> System.out.println(k + ": " + v));
        if (runtime != null) {
            Files.writeString(runtime.calls.resolve(HostilePluginActivator.RELEASE_FILE), "release");
            runtime.close();
        }
    }

    /**
     * One hostile phase: what to deploy, and whether it burns CPU. A plugin that keeps its share of threads busy
     * on the CPU (spinning, throwing 500 errors a second), or makes the scheduler do a lot of work at once for it
     * (registering 10,000 tasks: planning them, storing 10,000 states; or running 10,000 of them at once), competes
     * with every other thread of the JVM for the machine's cores; thread shares and lock slicing do not bound CPU
     * time, so those phases are judged with {@link #CPU_LAG_MS} instead of the baseline rule (and on no missed fire,
     * like every phase).
     */
    private record Phase(String name, boolean burnsCpu, Map<String, String> headers) {
    }

    /**
     * The p99 fire lag allowed beside a plugin that burns CPU (measured on 2 cores: 6-78 ms; before the timer's
     * turns and the sliced registration, 117-293 ms).
     */
    static final double CPU_LAG_MS = 200;

    @Test
    public void noHostilePluginHurtsAWellBehavedOne() throws Exception {
        runtime = RuntimeProcess.prepare("hostile-");
        System.out.println("runtime working directory: " + runtime.work + ", phases of " + PHASE);
        String jvm = System.getProperty("hostile.jvm", "");
        runtime.start(jvm.isBlank() ? List.of() : List.of(jvm.trim().split("\\s+")));
        runtime.awaitFirstAnswer(Duration.ofSeconds(60));

        deploy(GOOD, Map.of(HostilePluginActivator.MODE, "good",
                HostilePluginActivator.TASKS, String.valueOf(GOOD_TASKS)));
        awaitLine(GOOD, "registered ", Duration.ofSeconds(30));
        Thread.sleep(2_000); // the first fires and the JIT settle
        long baselineStart = System.currentTimeMillis();
        Thread.sleep(PHASE.toMillis());
        long baselineEnd = System.currentTimeMillis();
        Window baseline = window("baseline", baselineStart, baselineEnd);
        double allowed = Math.max(2 * baseline.p99(), LAG_FLOOR_MS);
        report.put("baseline", baseline + "; allowed p99 " + String.format(Locale.ROOT, "%.1f ms", allowed));

        List<String> problems = new ArrayList<>();
        List<Phase> phases = List.of(
                new Phase("control", false, Map.of(HostilePluginActivator.MODE, "control",
                        HostilePluginActivator.TASKS, "0",
                        HostilePluginActivator.TARGETS, GOOD + ":good0," + GOOD + ":good1")),
                new Phase("many", true, Map.of(HostilePluginActivator.MODE, "many",
                        HostilePluginActivator.TASKS, "10000")),
                new Phase("errors", false, Map.of(HostilePluginActivator.MODE, "errors",
                        HostilePluginActivator.TASKS, "3", HostilePluginActivator.EVERY, "PT1S")),
                new Phase("block-list", false, Map.of(HostilePluginActivator.MODE, "block-list")),
                new Phase("block", false, Map.of(HostilePluginActivator.MODE, "block")),
                new Phase("block-timeout", false, Map.of(HostilePluginActivator.MODE, "block",
                        HostilePluginActivator.TIMEOUT, "PT1S")),
                new Phase("burst", true, Map.of(HostilePluginActivator.MODE, "burst",
                        HostilePluginActivator.TASKS, "10000")),
                new Phase("flood", true, Map.of(HostilePluginActivator.MODE, "errors",
                        HostilePluginActivator.TASKS, "50", HostilePluginActivator.EVERY, "PT0.1S")),
                new Phase("spin", true, Map.of(HostilePluginActivator.MODE, "spin")));
        List<String> only = List.of(System.getProperty("hostile.phases", "").split(",")).stream()
                .map(String::trim).filter(p -> !p.isEmpty()).toList();
        for (Phase phase : phases) {
            if (!only.isEmpty() && !only.contains(phase.name())) {
                continue;
            }
            String plugin = "hostile." + phase.name();
            long logBefore = logBytes();
            long start = System.currentTimeMillis();
            deploy(plugin, phase.headers());
            if (phase.name().equals("block-list")) {
                awaitLine(plugin, "tasks() entered", Duration.ofSeconds(10));
                String late = "hostile.late";
                deploy(late, Map.of(HostilePluginActivator.MODE, "good", HostilePluginActivator.TASKS, "1"));
                String line = awaitLine(late, "registered ", Duration.ofSeconds(10));
                long ms = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                report.put("registration after a blocked tasks()", ms + " ms");
                if (ms > 2_000) {
                    problems.add("a plugin deployed after the blocked tasks() registered after " + ms + " ms");
                }
            }
            Thread.sleep(PHASE.toMillis());
            long removed = System.currentTimeMillis();
            Files.delete(runtime.work.resolve("deploy/" + plugin + ".jar"));
            if (phase.name().equals("block-list")) {
                Files.delete(runtime.work.resolve("deploy/hostile.late.jar"));
            }
            Thread.sleep(PHASE.toMillis());
            long end = System.currentTimeMillis();
            long logBytes = logBytes() - logBefore;

            Window during = window(phase.name() + " (during)", start, removed);
            Window after = window(phase.name() + " (after)", removed, end);
            report.put(phase.name(), during + " | " + after + " | scheduler.log +" + logBytes / 1024 + " KB");
            for (Window w : List.of(during, after)) {
                if (!w.missed().isEmpty()) {
                    problems.add(w.name() + ": missed fires " + w.missed());
                }
                double limit = phase.burnsCpu() ? CPU_LAG_MS : allowed;
                if (w.p99() > limit) {
                    problems.add(String.format(Locale.ROOT, "%s: p99 lag %.1f ms > allowed %.1f ms", w.name(),
                            w.p99(), limit));
                }
                if (w.runs() < GOOD_TASKS * (w.lengthMs() - 2 * EDGE_MS) / 1000 * 0.9) {
                    problems.add(w.name() + ": only " + w.runs() + " runs in " + w.lengthMs() + " ms");
                }
            }
            if (phase.name().equals("control")) {
                List<String> lines = runtime.callLog(plugin);
                report.put("control attempts", String.valueOf(lines.stream()
                        .filter(l -> l.startsWith("refused") || l.startsWith("ALLOWED") || l.startsWith("error"))
                        .count()));
                lines.stream().filter(l -> l.startsWith("ALLOWED") || l.startsWith("error"))
                        .forEach(l -> problems.add("control: " + l));
                if (!lines.contains("listed-foreign 0")) {
                    problems.add("control: its TaskScheduler listed other owners' tasks: " + lines);
                }
                if (lines.stream().noneMatch(l -> l.startsWith("control done"))) {
                    problems.add("control: the plugin did not finish its attempts: " + lines);
                }
            }
            if (phase.name().equals("flood") && logBytes > 512 * 1024) {
                problems.add("flood: the scheduler log grew by " + logBytes / 1024 + " KB in " + (end - start)
                        + " ms");
            }
        }
        String taskList = runtime.taskctlOk("task:list");
        for (int i = 0; i < GOOD_TASKS; i++) {
            if (!taskList.contains(GOOD + ":good" + i)) {
                problems.add("task:list lacks " + GOOD + ":good" + i);
            }
        }
        report.put("task:stats at the end", runtime.taskctlOk("task:stats"));
        if (!problems.isEmpty()) {
            fail("the well-behaved plugin was hurt:\n" + String.join("\n", problems));
        }
    }

    // --- the good plugin's fires ------------------------------------------------------------------------------------

    /** The good plugin's fires scheduled inside one window (its edges left out). */
    private record Window(String name, long lengthMs, int runs, double p99, double max, List<String> missed) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %d runs, p99 lag %.1f ms, max %.1f ms%s", name, runs, p99, max,
                    missed.isEmpty() ? "" : ", missed " + missed.size());
        }
    }

    private Window window(String name, long from, long to) throws IOException {
        long a = from + EDGE_MS;
        long b = to - EDGE_MS;
        Map<String, List<long[]>> byTask = new TreeMap<>();
        for (String line : runtime.callLog(GOOD)) {
            if (!line.startsWith("run ")) {
                continue;
            }
            String[] f = line.split(" ");
            byTask.computeIfAbsent(f[1], k -> new ArrayList<>())
                    .add(new long[] {Long.parseLong(f[2]), Long.parseLong(f[3])});
        }
        List<Double> lags = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        for (Map.Entry<String, List<long[]>> task : byTask.entrySet()) {
            List<long[]> fires = task.getValue();
            fires.sort((x, y) -> Long.compare(x[0], y[0]));
            long previous = -1;
            boolean any = false;
            for (long[] fire : fires) {
                if (fire[0] >= a && fire[0] <= b) {
                    lags.add((double) (fire[1] - fire[0]));
                    if (previous >= 0 && fire[0] - previous != 1_000) {
                        missed.add(task.getKey() + " between " + previous + " and " + fire[0]);
                    }
                    any = true;
                }
                previous = fire[0];
            }
            if (!any) {
                missed.add(task.getKey() + ": no fire at all");
            } else {
                long last = fires.stream().mapToLong(f -> f[0]).filter(t -> t <= b).max().orElse(0);
                if (last < b - 1_000) {
                    missed.add(task.getKey() + " stopped firing after " + last + " (window ends " + b + ")");
                }
            }
        }
        if (byTask.size() != GOOD_TASKS) {
            missed.add(byTask.size() + " of " + GOOD_TASKS + " tasks ran");
        }
        lags.sort(Double::compare);
        double p99 = lags.isEmpty() ? Double.NaN : lags.get(Math.min(lags.size() - 1,
                (int) Math.ceil(lags.size() * 0.99) - 1));
        double max = lags.isEmpty() ? Double.NaN : lags.get(lags.size() - 1);
        return new Window(name, to - from, lags.size(), p99, max, missed);
    }

    /**
     * @return the bytes the scheduler has logged to its file so far: scheduler.log and the rolled files (gzipped at
     *         10 MB, at most 10 kept) uncompressed
     */
    private long logBytes() throws IOException {
        long bytes = Files.size(runtime.schedulerLog);
        try (DirectoryStream<Path> rolled = Files.newDirectoryStream(runtime.schedulerLog.getParent(),
                "scheduler-*.log.gz")) {
            for (Path file : rolled) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                    bytes += in.transferTo(OutputStream.nullOutputStream());
                }
            }
        }
        return bytes;
    }

    // --- plugins ------------------------------------------------------------------------------------------------------

    private String awaitLine(String plugin, String prefix, Duration limit) throws Exception {
        return runtime.await(plugin + " logging '" + prefix + "'", limit, () -> runtime.callLog(plugin).stream()
                .filter(l -> l.startsWith(prefix)).findFirst().orElse(null));
    }

    /** Builds a plugin from the classes of the hostile package and moves it into deploy/ atomically. */
    private void deploy(String symbolicName, Map<String, String> headers) throws IOException {
        runtime.deploy(symbolicName, HostilePluginActivator.class, headers);
    }
}
