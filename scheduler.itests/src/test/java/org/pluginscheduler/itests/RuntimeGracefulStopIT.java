package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestWatcher;

/**
 * Issue 11, black-box: SIGTERM to the shipped runtime gives running work the grace period
 * ({@code grace.period.seconds} of the scheduler core) while its plugin is still active, then cancels what is
 * left. The runtime is a child process ({@link RuntimeProcess}) with a test plugin in deploy/, seen only through
 * {@code taskctl}, its call log and its files; the runs are read after a restart on the same working directory (the
 * default H2 store), as an operator would.
 */
public class RuntimeGracefulStopIT {

    private static final String PLUGIN = "graceful.stop";
    private static final String BY_HAND = "cron:0 3 1 1 *";
    private static final long GRACE_SECONDS = 4;
    /**
     * FileInstall starts deploy/ at start level 3 by default, so a deployed plugin stops after the core (levels stop
     * highest first). Here it starts at 20, after the core (10), so on shutdown it is stopped before it: the layout
     * of issue 11, where the plugin's bundle was stopped before the scheduler gave its run the grace period.
     */
    private static final List<String> PLUGIN_STOPS_FIRST = List.of("-Dfelix.fileinstall.start.level=20");
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(20);
    private static final Pattern RUN_ID = Pattern.compile(": run (\\S+)");
    private static final Pattern MILLIS = Pattern.compile("(-?\\d+) ms");

    private RuntimeProcess runtime;

    @Rule
    public final TestWatcher diagnostics = RuntimeProcess.diagnostics(() -> runtime, 80);

    @Before
    public void prepare() throws Exception {
        runtime = RuntimeProcess.prepare("graceful-");
        Files.writeString(runtime.work.resolve("etc/org.pluginscheduler.scheduler.cfg"),
                "\n# " + getClass().getSimpleName() + "\ngrace.period.seconds = " + GRACE_SECONDS + "\n",
                StandardOpenOption.APPEND);
        // 'work' runs 4 s (ending early if interrupted), 'long' a minute unless interrupted
        runtime.deploy(TestPlugin.plugin(PLUGIN).tasks("work=" + BY_HAND + "|long=" + BY_HAND)
                .block("work=PT4S").slow("long"));
        System.out.println("runtime working directory: " + runtime.work);
    }

    @After
    public void stopRuntime() throws Exception {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    public void sigtermLetsRunningWorkFinishWithinTheGracePeriodThenCancelsTheRest() throws Exception {
        runtime.start(PLUGIN_STOPS_FIRST);
        runtime.awaitFirstAnswer(STARTUP_LIMIT);
        String longRun = trigger("long");
        String workRun = trigger("work");
        runtime.await("both runs entered the plugin (call log)", Duration.ofSeconds(5), () ->
                runtime.callLog(PLUGIN).stream().filter(l -> l.contains(" execute work " + workRun)
                        || l.contains(" execute long " + longRun)).count() == 2 ? Boolean.TRUE : null);
        long workStarted = System.nanoTime(); // the 4 s run started no later than this
        Thread.sleep(1000);

        long sigterm = System.nanoTime();
        Process process = runtime.process();
        process.destroy(); // SIGTERM
        assertTrue("the runtime exits within the grace period plus 10 s",
                process.waitFor(GRACE_SECONDS + 10, TimeUnit.SECONDS));
        Duration stopTook = Duration.ofNanos(System.nanoTime() - sigterm);
        System.out.println("SIGTERM " + Duration.ofNanos(sigterm - workStarted).toMillis()
                + " ms into the 4 s run; exit after " + stopTook.toMillis() + " ms, status " + process.exitValue());
        List<String> calls = runtime.callLog(PLUGIN);
        try (java.util.stream.Stream<Path> left = Files.list(runtime.work.resolve("tmp"))) {
            assertEquals("the runtime leaves nothing in the system temp directory (FileInstall made a folder there "
                    + "at every start)", List.of(), left.map(p -> p.getFileName().toString()).toList());
        }

        // what the store kept, read after a restart on the same folder
        runtime.start(PLUGIN_STOPS_FIRST);
        runtime.awaitFirstAnswer(STARTUP_LIMIT);
        Map<String, String> work = run("work", workRun);
        Map<String, String> cut = run("long", longRun);
        System.out.println("after the restart: " + work + "\n                   " + cut);

        assertEquals("the 4 s run finished within the grace period: " + work, "SUCCEEDED", work.get("STATUS"));
        long workMillis = millis(work.get("DURATION"));
        assertTrue("the 4 s run ran its 4 s: " + work, workMillis >= 3950 && workMillis < 6000);
        assertEquals("the run longer than the grace period was cancelled: " + cut, "CANCELLED", cut.get("STATUS"));
        assertTrue("its message says the scheduler stopped: " + cut,
                cut.get("MESSAGE").startsWith("cancelled: the scheduler is stopping"));
        long cutMillis = millis(cut.get("DURATION"));
        assertTrue("it was cancelled after the grace period, not before: " + cut,
                cutMillis >= TimeUnit.SECONDS.toMillis(GRACE_SECONDS) + 900 && cutMillis < 10_000);

        assertEquals("exit status after SIGTERM", 143, process.exitValue());
        assertTrue("the stop waited for the grace period (the minute-long run held it): " + stopTook.toMillis()
                + " ms", stopTook.toMillis() >= TimeUnit.SECONDS.toMillis(GRACE_SECONDS) - 1000);
        String stderr = Files.readString(runtime.work.resolve("stderr.txt"));
        assertFalse("the framework stopped within the launcher's limit: " + stderr,
                stderr.contains("did not stop within"));
        assertTrue("the minute-long run was interrupted as cancelled: " + calls,
                calls.stream().anyMatch(l -> l.equals("1.0.0 interrupted cancelled=true long " + longRun)));
        assertFalse("the 4 s run was not interrupted: " + calls,
                calls.stream().anyMatch(l -> l.contains("interrupted") && l.endsWith(" work " + workRun)));
    }

    /** Triggers a task of the plugin once it is registered. @return the run id */
    private String trigger(String task) throws Exception {
        return runtime.await(task + " triggered", Duration.ofSeconds(10), () -> {
            RuntimeProcess.Result r = runtime.taskctl("task:trigger", PLUGIN + ":" + task);
            if (r.code() != 0) {
                return null;
            }
            Matcher m = RUN_ID.matcher(r.out());
            assertTrue("task:trigger prints the run id: " + r, m.find());
            return m.group(1);
        });
    }

    /** @return the row of one run in {@code task:runs} */
    private Map<String, String> run(String task, String runId) throws Exception {
        return runtime.await("run " + runId + " of " + task + " in task:runs", Duration.ofSeconds(10), () -> {
            RuntimeProcess.Result r = runtime.taskctl("task:runs", PLUGIN + ":" + task);
            if (r.code() != 0) {
                return null;
            }
            return RuntimeProcess.table(r.out(), "RUN").stream().filter(row -> runId.equals(row.get("RUN")))
                    .findFirst().orElse(null);
        });
    }

    private static long millis(String cell) {
        Matcher m = MILLIS.matcher(cell == null ? "" : cell);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
