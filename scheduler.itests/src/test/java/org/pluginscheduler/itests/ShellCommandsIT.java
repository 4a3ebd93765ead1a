package org.pluginscheduler.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.pluginscheduler.itests.TestPlugin.plugin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.RunTrigger;
import org.pluginscheduler.api.TaskAction;
import org.pluginscheduler.api.TaskDefinition;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.TaskResult;
import org.pluginscheduler.api.TaskState;

/**
 * The {@code task:*} Gogo commands of bundle {@code scheduler.shell}, driven through Gogo's own
 * {@link CommandProcessor} as a console would: one session per command line, the command's result formatted as the
 * console prints it. Every command is covered with its output and its errors, which must be one-line
 * {@code CommandException}s (no cause, no stack trace).
 *
 * <p>Most tasks are ad-hoc tasks of the probe (owner: the probe bundle's symbolic name), so each test shapes its own
 * actions; the plugin bundles supply provider tasks (a second owner for an ambiguous id, a dormant task).
 *
 * <p>The shell bundle is installed but not started by the framework: {@link #startShell()} first disables its remote
 * shell (PID {@value #REMOTE_PID}), which would otherwise listen on port 8102 and write a token file into the
 * working directory, and only then starts the bundle.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellCommandsIT extends SchedulerTestBase {

    private static final String REMOTE_PID = "org.pluginscheduler.shell.remote";
    private static final String SHELL_BUNDLE = "scheduler.shell";
    private static final String COMMAND_EXCEPTION = "org.pluginscheduler.shell.CommandException";
    /** Never fires while a test runs: tasks on it run only when told to. */
    private static final String YEARLY = "cron:0 0 1 1 *";
    private static final Pattern RUN_ID = Pattern.compile("run (\\S+)");

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private CommandProcessor processor;

    private final List<TaskId> added = new ArrayList<>();

    @Override
    @Configuration
    public Option[] config() throws IOException {
        return options(composite(baseOptions()),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.gogo.command").versionAsInProject(),
                ((UrlProvisionOption) projectBundle("itest.bundle.shell")).noStart());
    }

    @Before
    public void startShell() throws Exception {
        Bundle shell = Arrays.stream(context.getBundles()).filter(b -> SHELL_BUNDLE.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError("bundle " + SHELL_BUNDLE + " is not installed"));
        if (shell.getState() != Bundle.ACTIVE) {
            Hashtable<String, Object> remote = new Hashtable<>();
            remote.put("enabled", Boolean.FALSE);
            configAdmin.getConfiguration(REMOTE_PID, "?").update(remote);
            shell.start();
        }
        awaitTrue("the task:* commands", () -> {
            try {
                return context.getServiceReferences((String) null, "(osgi.command.scope=task)") != null;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @After
    public void removeAdHocTasks() {
        scheduler.resumeAll();
        added.forEach(scheduler::removeTask);
        added.clear();
    }

    // --- list, info, runs -----------------------------------------------------------------------------------------

    @Test
    public void listInfoAndRunsShowTasksWithFilters() throws Exception {
        start(plugin("itest.shell.list").tasks("shl-alpha=" + FAST + "|shl-beta=cron:0 3 * * *"));
        TaskId alpha = TaskId.of("itest.shell.list", "shl-alpha");
        TaskId beta = TaskId.of("itest.shell.list", "shl-beta");
        awaitRuns(alpha, RunStatus.SUCCEEDED, 3);
        awaitState(beta, TaskState.ACTIVE);
        scheduler.disable(beta);
        TaskId mine = adHoc("shl-mine", YEARLY, run -> TaskResult.success());

        String all = exec("task:list");
        assertTrue(all, all.startsWith("TASK"));
        assertTrue(all, all.lines().findFirst().orElseThrow()
                .matches("TASK +STATE +SCHEDULE +NEXT FIRE +LAST STATUS +OWNER"));
        assertTrue(all, all.contains(alpha.toString()) && all.contains(beta.toString())
                && all.contains(mine.toString()));

        List<String> owned = rows(exec("task:list --owner itest.shell.list"));
        assertEquals(owned.toString(), 2, owned.size());
        assertTrue(owned.toString(), owned.get(0).matches("itest\\.shell\\.list:shl-alpha +active +every:PT0\\.2S "
                + "+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+ \\((in \\d+s|due)\\) +SUCCEEDED +itest\\.shell\\.list "
                + "1\\.0\\.0"));
        assertTrue(owned.toString(), owned.get(1).matches("itest\\.shell\\.list:shl-beta +disabled +cron:0 3 \\* \\* \\* "
                + "+.* +- +itest\\.shell\\.list 1\\.0\\.0"));

        List<String> disabled = rows(exec("task:list --owner itest.shell.list --status disabled"));
        assertEquals(disabled.toString(), 1, disabled.size());
        assertTrue(disabled.toString(), disabled.get(0).startsWith(beta.toString()));
        List<String> succeeded = rows(exec("task:list --status SUCCEEDED --owner itest.shell.list"));
        assertEquals(succeeded.toString(), 1, succeeded.size());
        assertTrue(succeeded.toString(), succeeded.get(0).startsWith(alpha.toString()));
        assertEquals("no tasks", exec("task:list --owner nobody.at.all"));
        assertEquals("a typo is an error, not an empty list", "task:list: --status: 'faild' is neither a state "
                + "(active, paused, disabled, dormant, conflict, invalid) nor a run status (running, succeeded, failed, "
                + "timed_out, skipped, cancelled, abandoned)", error("task:list --status faild"));

        // info by bare id (unique), and by qualified id
        String info = exec("task:info shl-alpha");
        assertTrue(info, info.startsWith("task  "));
        assertTrue(info, info.contains("\nstate  ") && info.contains("active"));
        assertTrue(info, info.lines().anyMatch(l -> l.matches("task +itest\\.shell\\.list:shl-alpha")));
        assertTrue(info, info.lines().anyMatch(l -> l.matches("owner +itest\\.shell\\.list 1\\.0\\.0")));
        assertTrue(info, info.lines().anyMatch(l -> l.matches("schedule +every:PT0\\.2S")));
        assertTrue(info, info.contains("\n\nnext fires:\n"));
        assertEquals(info, 5, info.lines().filter(l -> l.matches("  \\d{4}-\\d\\d-\\d\\d .*\\((in \\d+s|due)\\)"))
                .count());
        assertTrue(info, info.contains("\n\nlast runs:\nRUN "));
        assertTrue(info, info.contains("ran 1.0.0"));
        String betaInfo = exec("task:info itest.shell.list:shl-beta");
        assertTrue(betaInfo, betaInfo.lines().anyMatch(l -> l.matches("state +disabled")));
        assertTrue(betaInfo, betaInfo.contains("no runs of itest.shell.list:shl-beta yet"));

        String runs = exec("task:runs -n 2 shl-alpha");
        List<String> runRows = rows(runs);
        assertTrue(runs, runs.lines().findFirst().orElseThrow()
                .matches("RUN +TRIGGER +ATTEMPT +STATUS +SCHEDULED +LAG +DURATION +MESSAGE"));
        assertEquals(runs, 2, runRows.size());
        String scheduled = "\\S+ +schedule +1 +%s +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+ +\\d+ ms +%s";
        for (String row : runRows) { // the newest may still be running
            assertTrue(row, row.matches(String.format(scheduled, "SUCCEEDED", "\\d+ ms +ran 1\\.0\\.0"))
                    || row.matches(String.format(scheduled, "RUNNING", "-")));
        }
        assertTrue(runs, runRows.get(1).contains(" SUCCEEDED "));
        List<RunRecord> newest = scheduler.runs(alpha, 2);
        assertTrue(runs + "\n" + newest, runRows.get(0).startsWith(newest.get(0).runId() + " ")
                || runRows.get(0).startsWith(newest.get(1).runId() + " "));
        assertTrue(rows(exec("task:runs shl-alpha")).size() >= 3);
        assertEquals("no runs of " + mine + " yet", exec("task:runs " + mine));
        assertError("task:runs -n 0 shl-alpha", "task:runs: -n: '0' is not in 1–100000");
        // Gogo itself wrapped this one round to -2147483648
        assertError("task:runs -n 2147483648 shl-alpha", "task:runs: -n: '2147483648' is not in 1–100000");
        assertError("task:next -n 99999999999 \"0 3 * * *\"", "task:next: -n: '99999999999' is not in 1–1000");
    }

    // --- trigger, call, submit ----------------------------------------------------------------------------------

    @Test
    public void callAndSubmitHoldTheLockKeysGivenWithLock() throws Exception {
        java.util.concurrent.atomic.AtomicReference<TaskId> self = new java.util.concurrent.atomic.AtomicReference<>();
        // inside its run, the task asks for a second call holding cust-9: refused while the shell's call holds it
        TaskId locked = adHoc("shl-locked", YEARLY, run -> {
            if (!"inner".equals(run.arguments().get("from"))) {
                try {
                    scheduler.call(self.get(), Map.of("from", "inner"), java.util.Set.of("cust-9"));
                    return TaskResult.success("inner call ran");
                } catch (IllegalStateException held) {
                    return TaskResult.success(held.getMessage());
                }
            }
            return TaskResult.success("inner");
        });
        self.set(locked);
        String called = exec("task:call --lock cust-1,cust-9 shl-locked");
        assertTrue(called, called.endsWith("\ntask " + locked + " cannot run now: lock 'cust-9' is held by another "
                + "run; try again when it ends"));
        assertTrue(exec("task:call --lock cust-1 shl-locked").endsWith("\ninner call ran"));
        String submitted = exec("task:submit --lock cust-9 shl-locked");
        RunRecord submission = finished(runId(submitted));
        assertEquals("lock 'cust-9' held by the submission", "task " + locked + " cannot run now: lock 'cust-9' is held "
                + "by another run; try again when it ends", submission.message());
        assertError("task:call --lock bad:key shl-locked", "task:call: --lock: 'bad:key' must match "
                + TaskId.ID_PATTERN.pattern());
        assertError("task:submit --lock , shl-locked", "task:submit: --lock: ',' names no lock key");
    }

    @Test
    public void triggerCallAndSubmitRunATask() throws Exception {
        TaskId echo = adHoc("shl-echo", YEARLY,
                run -> TaskResult.success("args " + new TreeMap<>(run.arguments()), run.arguments()));

        String triggered = exec("task:trigger shl-echo");
        assertTrue(triggered, triggered.startsWith("triggered " + echo + ": run "));
        RunRecord manual = finished(runId(triggered));
        assertEquals(RunStatus.SUCCEEDED, manual.status());
        assertEquals(RunTrigger.MANUAL, manual.trigger());

        String called = exec("task:call shl-echo greeting=hi count=2 empty=");
        List<String> lines = called.lines().collect(Collectors.toList());
        assertTrue(called, lines.get(0).matches("SUCCEEDED in \\d+ ms \\(run \\S+\\)"));
        assertEquals(called, "args {count=2, empty=, greeting=hi}", lines.get(1));
        assertTrue(called, lines.contains("  greeting = hi") && lines.contains("  count = 2"));
        RunRecord call = scheduler.run(runId(called)).orElseThrow();
        assertEquals(RunTrigger.CALL, call.trigger());
        assertEquals(Map.of("greeting", "hi", "count", "2", "empty", ""), call.arguments());
        assertError("task:call shl-echo notapair", "task:call: argument 'notapair' is not name=value");
        assertError("task:call shl-echo n=1 n=2", "task:call: argument 'n' is given twice (n=1, n=2)");

        String submitted = exec("task:submit shl-echo who=now");
        assertTrue(submitted, submitted.matches("submitted " + Pattern.quote(echo.toString()) + ": run \\S+ now"));
        RunRecord now = finished(runId(submitted));
        assertEquals(RunTrigger.SUBMISSION, now.trigger());
        assertEquals("args {who=now}", now.message());

        Instant at = Instant.now().plusMillis(700).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        String later = exec("task:submit --at " + at + " shl-echo who=later");
        assertTrue(later, later.matches("submitted " + Pattern.quote(echo.toString()) + ": run \\S+ at "
                + Pattern.quote(at.toString())));
        RunRecord planned = finished(runId(later));
        assertEquals(at, planned.scheduledTime());
        assertFalse("started " + planned.startTime() + " before " + at, // (the timer runs on a monotonic clock)
                planned.startTime().orElseThrow().isBefore(at.minusMillis(50)));
        assertEquals("args {who=later}", planned.message());
        assertError("task:submit --at tomorrow shl-echo", "task:submit: --at: 'tomorrow' is not an instant such as "
                + "2026-12-01T10:00:00Z or a local date-time such as 2026-12-01T10:00");

        // a failing call prints its status and message too, and fails; a call is never retried nor dead-lettered
        adHoc("shl-broken", YEARLY, run -> TaskResult.failure("no connection to " + run.arguments().get("host")));
        // (the command fails with the run's result as its message, the same text: taskctl exits 4)
        Exception failure = null;
        try {
            exec("task:call shl-broken host=db1");
        } catch (Exception e) {
            failure = e;
        }
        assertNotNull("a call whose run failed fails the command", failure);
        assertEquals(COMMAND_EXCEPTION, failure.getClass().getName());
        String failed = failure.getMessage();
        assertTrue(failed, failed.matches("FAILED in \\d+ ms \\(run \\S+\\)\nno connection to db1"));
        // task:run shows that run whole
        java.util.regex.Matcher failedRun = Pattern.compile("\\(run (\\S+)\\)").matcher(failed);
        assertTrue(failedRun.find());
        String whole = exec("task:run " + failedRun.group(1));
        assertTrue(whole, whole.contains("status     FAILED\ntrigger    call, attempt 1\n")
                && whole.endsWith("\nmessage:\n  no connection to db1\ndata: -\narguments:\n  host = db1"));
        assertError("task:run nope", "task:run: no run 'nope' (pruned, or never recorded)");
    }

    // --- enable, disable, pause, resume, reschedule ---------------------------------------------------------------

    @Test
    public void enableDisablePauseResumeAndRescheduleOneTask() throws Exception {
        TaskId knob = adHoc("shl-knob", "cron:0 3 * * *", run -> TaskResult.success());

        assertEquals("disabled " + knob, exec("task:disable shl-knob"));
        assertEquals(TaskState.DISABLED, info(knob).state());
        assertTrue(rows(exec("task:list --status disabled")).stream().anyMatch(r -> r.startsWith(knob + " ")));
        assertEquals("enabled " + knob, exec("task:enable " + knob));
        assertEquals(TaskState.ACTIVE, info(knob).state());

        assertEquals("paused " + knob, exec("task:pause shl-knob"));
        assertEquals(TaskState.PAUSED, info(knob).state());
        assertFalse("one task paused, not the scheduler", scheduler.isPausedAll());
        assertTrue(rows(exec("task:list --status paused")).stream().anyMatch(r -> r.startsWith(knob + " ")));
        assertEquals("resumed " + knob, exec("task:resume shl-knob"));
        assertEquals(TaskState.ACTIVE, info(knob).state());

        String rescheduled = exec("task:reschedule shl-knob \"cron:0 4 * * *\"");
        assertEquals("rescheduled " + knob + ": cron:0 4 * * * ("
                + scheduler.describe(org.pluginscheduler.api.Schedule.parse("cron:0 4 * * *")) + ")", rescheduled);
        TaskInfo overridden = info(knob);
        assertEquals("cron:0 4 * * *", overridden.scheduleText());
        assertTrue(overridden.scheduleOverridden());
        assertEquals(4, overridden.nextFire().orElseThrow().atZone(ZoneId.systemDefault()).getHour());
        String info = exec("task:info shl-knob");
        assertTrue(info, info.lines().anyMatch(l -> l.matches("schedule +cron:0 4 \\* \\* \\*  \\(overridden; "
                + "task:reschedule --reset restores the definition's\\)")));
        assertTrue(info, info.lines().anyMatch(l -> l.matches("defined schedule +cron:0 3 \\* \\* \\*")));
        String listed = exec("task:list --owner " + owner());
        assertTrue(listed, listed.lines().anyMatch(l -> l.startsWith(knob + " ") && l.contains(" active* ")));
        assertTrue(listed, listed.endsWith("\n* schedule overridden by an administrator"));
        // a bare cron is accepted too
        assertTrue(exec("task:reschedule shl-knob \"30 5 * * *\"").startsWith("rescheduled " + knob
                + ": cron:30 5 * * * ("));
        assertEquals("cron:30 5 * * *", info(knob).scheduleText());
        // on demand for a while: no next fire, listed as such
        assertEquals("rescheduled " + knob + ": on-demand (on demand: only when triggered, submitted or called)",
                exec("task:reschedule shl-knob on-demand"));
        assertTrue(info(knob).nextFire().isEmpty());
        String onDemand = exec("task:list --owner " + owner());
        assertTrue(onDemand, onDemand.lines().anyMatch(l -> l.startsWith(knob + " ") && l.contains(" on-demand ")
                && l.contains(" when asked ")));
        assertTrue(exec("task:info shl-knob").contains("\nnext fires: none: on demand, it runs only when triggered, "
                + "submitted or called\n"));

        assertEquals("schedule of " + knob + " reset to its definition's", exec("task:reschedule --reset shl-knob"));
        TaskInfo reset = info(knob);
        assertEquals("cron:0 3 * * *", reset.scheduleText());
        assertFalse(reset.scheduleOverridden());
        assertEquals(3, reset.nextFire().orElseThrow().atZone(ZoneId.systemDefault()).getHour());

        assertError("task:reschedule shl-knob \"61 * * * *\"", "task:reschedule: minute: 61 is not in 0\u201359");
        assertError("task:reschedule shl-knob", "task:reschedule: a schedule is required (or --reset)");
        assertError("task:reschedule --reset shl-knob every:PT1M", "task:reschedule: --reset takes no schedule");
        assertEquals("cron:0 3 * * *", info(knob).scheduleText());
    }

    @Test
    public void pauseAndResumeTheWholeScheduler() throws Exception {
        TaskId beat = adHoc("shl-beat", FAST, run -> TaskResult.success());
        awaitRuns(beat, RunStatus.SUCCEEDED, 1);

        assertEquals("scheduler paused", exec("task:pause"));
        assertTrue(scheduler.isPausedAll());
        int before = runs(beat).size();
        Instant pausedAt = Instant.now();
        // the timer goes on planning fires (the next fire moves on) but none is executed
        await("three fires of " + beat + " while paused", () -> scheduler.task(beat)
                .flatMap(TaskInfo::nextFire).filter(n -> n.isAfter(pausedAt.plusMillis(600))));
        assertEquals("no run while paused", before, runs(beat).size());
        String listed = exec("task:list --owner " + owner());
        assertTrue(listed, listed.endsWith("\nthe scheduler is paused: no task fires until it is resumed"));
        assertTrue(exec("task:stats").contains("  (scheduler paused)"));

        assertEquals("scheduler resumed", exec("task:resume"));
        assertFalse(scheduler.isPausedAll());
        awaitRun(beat, "missed while paused (RUN_ONCE)", r -> r.trigger() == RunTrigger.MISFIRE);
        awaitRun(beat, "on schedule after the resume", r -> r.trigger() == RunTrigger.SCHEDULE
                && r.scheduledTime().isAfter(pausedAt.plusMillis(600)) && r.status() == RunStatus.SUCCEEDED);
        assertFalse(exec("task:list --owner " + owner()).contains("the scheduler is paused"));
    }

    // --- remove ---------------------------------------------------------------------------------------------------

    @Test
    public void removeDeletesAnAdHocTaskAndForgetsADormantOne() throws Exception {
        TaskId temp = adHoc("shl-temp", YEARLY, run -> TaskResult.success());
        assertEquals("removed " + temp, exec("task:remove shl-temp"));
        assertEquals(Optional.empty(), scheduler.task(temp));
        assertError("task:remove shl-temp", "task:remove: unknown task 'shl-temp'");

        Bundle gone = start(plugin("itest.shell.gone").tasks("shl-gone=cron:0 3 * * *"));
        TaskId provided = TaskId.of("itest.shell.gone", "shl-gone");
        awaitState(provided, TaskState.ACTIVE);
        String refused = error("task:remove shl-gone");
        assertTrue(refused, refused.startsWith("task:remove: "));
        assertEquals("a provider's task stays", TaskState.ACTIVE, info(provided).state());

        gone.stop();
        awaitState(provided, TaskState.DORMANT);
        assertEquals("removed " + provided, exec("task:remove itest.shell.gone:shl-gone"));
        assertEquals(List.of(), entries(provided));
    }

    // --- next -----------------------------------------------------------------------------------------------------

    @Test
    public void nextPreviewsABareCronInAZone() throws Exception {
        String preview = exec("task:next -n 3 --tz Asia/Tokyo \"0 3 * * 1-5\"");
        List<String> lines = preview.lines().collect(Collectors.toList());
        assertEquals(preview, 5, lines.size());
        assertTrue(preview, lines.get(0).startsWith("cron:0 3 * * 1-5"));
        assertTrue(preview, lines.get(0).contains("Asia/Tokyo"));
        assertFalse(preview, lines.get(1).isBlank());
        for (String fire : lines.subList(2, 5)) {
            assertTrue(preview, fire.matches("  \\d{4}-\\d\\d-\\d\\d 03:00:00 \\+09:00  (Mon|Tue|Wed|Thu|Fri)"));
        }
        assertTrue(preview, lines.get(2).compareTo(lines.get(3)) < 0 && lines.get(3).compareTo(lines.get(4)) < 0);

        String defaults = exec("task:next every:PT1H");
        assertEquals(defaults, 12, defaults.lines().count()); // text, description, ten fires
        assertTrue(defaults, defaults.startsWith("every:PT1H\n"));

        assertError("task:next \"61 * * * *\"", "task:next: minute: 61 is not in 0\u201359");
        assertError("task:next", "task:next: a schedule is required, e.g. task:next \"0 3 * * *\"");
        assertTrue(error("task:next --tz Mars/Olympus \"0 3 * * *\"").startsWith("task:next: "));
    }

    // --- dead letters, purge --------------------------------------------------------------------------------------

    @Test
    public void deadLettersAreListedReplayedAndPurged() throws Exception {
        TaskId doomed = scheduler.addTask(TaskDefinition.builder("shl-doomed").schedule(YEARLY)
                .deadLetterEligible(true).build(), run -> TaskResult.failure("disk full: " + run.arguments()), false);
        added.add(doomed);
        assertEquals("no dead letters", exec("task:dlq"));

        RunRecord first = finished(runId(exec("task:submit shl-doomed file=a.txt")));
        assertEquals(RunStatus.FAILED, first.status());
        awaitTrue("a dead letter of " + doomed, () -> !scheduler.deadLetters().isEmpty());
        String dlq = exec("task:dlq");
        assertTrue(dlq, dlq.lines().findFirst().orElseThrow()
                .matches("RUN +TASK +ATTEMPTS +FIRST ATTEMPT +LAST ATTEMPT +ARGUMENTS +LAST ERROR"));
        assertEquals(dlq, 1, rows(dlq).size());
        assertTrue(dlq, rows(dlq).get(0).matches(Pattern.quote(first.runId()) + " +" + Pattern.quote(doomed.toString())
                + " +1 +.* +\\{file=a\\.txt\\} +disk full: \\{file=a\\.txt\\}"));

        String replayed = exec("task:replay " + first.runId());
        Matcher m = Pattern.compile("replayed " + Pattern.quote(first.runId()) + " as run (\\S+)").matcher(replayed);
        assertTrue(replayed, m.matches());
        RunRecord replay = finished(m.group(1));
        assertEquals(RunTrigger.REPLAY, replay.trigger());
        assertEquals(Map.of("file", "a.txt"), replay.arguments());
        awaitTrue("the replay's own dead letter", () -> scheduler.deadLetters().stream().map(DeadLetter::runId)
                .anyMatch(replay.runId()::equals));
        dlq = exec("task:dlq");
        assertEquals(dlq, 1, rows(dlq).size());
        assertTrue(dlq, rows(dlq).get(0).startsWith(replay.runId() + " "));
        String missing = error("task:replay " + first.runId());
        assertTrue(missing, missing.startsWith("task:replay: ") && missing.contains(first.runId()));

        assertError("task:purge shl-doomed other", "task:purge: at most one task id");
        assertError("task:purge --older-than P7D", "task:purge: --older-than applies only with --history; dead "
                + "letters are purged all at once or one task's");
        assertEquals("the dead letter is still there", 1, rows(exec("task:dlq")).size());
        assertEquals("purged 1 dead letter(s) of " + doomed, exec("task:purge shl-doomed"));
        assertEquals("no dead letters", exec("task:dlq"));
        finished(runId(exec("task:submit shl-doomed")));
        awaitTrue("a new dead letter", () -> !scheduler.deadLetters().isEmpty());
        assertEquals("purged 1 dead letter(s)", exec("task:purge"));

        // history
        assertError("task:purge --history shl-doomed",
                "task:purge: --history purges every task's history; it takes no id");
        assertError("task:purge --history --older-than soon", "task:purge: --older-than: 'soon' is not an ISO-8601 "
                + "duration such as P7D or PT12H");
        assertEquals("purged 0 run record(s)", exec("task:purge --history --older-than P7D"));
        String purged = exec("task:purge --history");
        Matcher n = Pattern.compile("purged (\\d+) run record\\(s\\)").matcher(purged);
        assertTrue(purged, n.matches());
        assertTrue(purged, Integer.parseInt(n.group(1)) >= 3);
        assertEquals("no runs of " + doomed + " yet", exec("task:runs shl-doomed"));
    }

    @Test
    public void statsShowCountersLagAndPools() throws Exception {
        TaskId counted = adHoc("shl-counted", FAST, run -> TaskResult.success());
        awaitRuns(counted, RunStatus.SUCCEEDED, 2);
        String stats = exec("task:stats");
        List<String> lines = stats.lines().collect(Collectors.toList());
        assertTrue(stats, lines.get(0).matches("since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\S+"));
        assertTrue(stats, stats.contains("\n\nruns by status:\n"));
        assertTrue(stats, lines.stream().anyMatch(l -> l.matches("  SUCCEEDED +\\d+")));
        assertTrue(stats, lines.stream().anyMatch(l -> l.matches("fire lag of the last \\d+ scheduled runs: p50 .* ms, "
                + "p90 .* ms, p99 .* ms, max .* ms")));
        assertTrue(stats, lines.stream().anyMatch(l -> l.matches("POOL +THREADS +ACTIVE +QUEUED +EXTRA \\(stuck\\)")));
        for (String pool : List.of("REALTIME", "NORMAL", "BACKGROUND")) {
            assertTrue(stats, lines.stream().anyMatch(l -> l.matches(pool + " +\\d+ +\\d+ +\\d+ +\\d+")));
        }
        assertTrue(stats, lines.stream()
                .anyMatch(l -> l.matches("stuck runs: \\d+   retries and submissions waiting: \\d+   held locks: \\d+")));
        // the store's history: the in-memory store here, which prunes as it writes
        assertTrue(stats, lines.get(lines.size() - 2).matches("run history: at most \\d+ runs per task; memory"));
        assertTrue(stats, lines.get(lines.size() - 1)
                .matches("pruning: \\d+ runs since start; never behind \\(pruned as runs are written\\)"));
    }

    // --- errors ---------------------------------------------------------------------------------------------------

    @Test
    public void badRequestsFailWithOneLineMessages() throws Exception {
        for (String command : List.of("info nope", "runs nope", "trigger nope", "call nope", "enable nope",
                "disable nope", "pause nope", "resume nope", "reschedule nope every:PT1M", "remove nope",
                "submit nope", "purge nope")) {
            String name = command.substring(0, command.indexOf(' '));
            assertError("task:" + command, "task:" + name + ": unknown task 'nope'");
        }

        TaskId mine = adHoc("shl-dup", YEARLY, run -> TaskResult.success("mine"));
        start(plugin("itest.shell.dup").tasks("shl-dup=cron:0 3 * * *"));
        TaskId theirs = TaskId.of("itest.shell.dup", "shl-dup");
        awaitState(theirs, TaskState.ACTIVE);
        String candidates = List.of(mine.toString(), theirs.toString()).stream().sorted()
                .collect(Collectors.joining(", "));
        assertError("task:info shl-dup", "task:info: task id 'shl-dup' is ambiguous; use one of: " + candidates);
        assertError("task:trigger shl-dup", "task:trigger: task id 'shl-dup' is ambiguous; use one of: " + candidates);
        // qualified, each is reachable
        assertTrue(exec("task:call " + mine).endsWith("\nmine"));
        assertTrue(exec("task:call " + theirs).endsWith("\nran 1.0.0\n  version = 1.0.0"));

        assertError("task:next \"61 * * * *\"", "task:next: minute: 61 is not in 0\u201359");
    }

    @Test
    public void helpDescribesTheCommands() throws Exception {
        String help = exec("help task:list");
        assertTrue(help, help.contains("List tasks: qualified id, state, schedule, next fire, last status and owner"));
        assertTrue(help, help.contains("--owner") && help.contains("--status"));
        String next = exec("help task:next");
        assertTrue(next, next.contains("Preview a schedule"));
        String all = exec("help");
        for (String command : List.of("list", "info", "runs", "trigger", "call", "enable", "disable", "pause",
                "resume", "reschedule", "remove", "submit", "next", "dlq", "replay", "purge", "stats")) {
            assertTrue(command + " in\n" + all, all.lines().anyMatch(l -> l.trim().equals("task:" + command)));
        }
    }

    // --- helpers --------------------------------------------------------------------------------------------------

    /**
     * @return what the console shows for {@code line}: the command's result as the console formats it, or, for a
     *         command without a result ({@code help}), what it printed. (Not both: the log of this test framework,
     *         pax-logging-api's fallback on System.out, reaches the session's output when the engine logs on the
     *         command's thread.)
     */
    private String exec(String line) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
            Object result = session.execute(line);
            out.flush();
            return result == null ? buffer.toString(StandardCharsets.UTF_8).stripTrailing()
                    : session.format(result, Converter.INSPECT).toString();
        }
    }

    /** @return the message of the one-line CommandException that {@code line} fails with */
    private String error(String line) {
        Exception failure;
        try {
            String output = exec(line);
            throw new AssertionError(line + " should have failed; it printed:\n" + output);
        } catch (Exception e) {
            failure = e;
        }
        assertEquals(line + ": " + failure, COMMAND_EXCEPTION, failure.getClass().getName());
        assertNull(line + ": no cause", failure.getCause());
        assertEquals(line + ": no stack trace", 0, failure.getStackTrace().length);
        String message = failure.getMessage();
        assertFalse(line + ": one line: " + message, message.contains("\n") || message.contains("\r"));
        return message;
    }

    private void assertError(String line, String message) {
        assertEquals(line, message, error(line));
    }

    private TaskId adHoc(String id, String schedule, TaskAction action) {
        TaskId taskId = scheduler.addTask(TaskDefinition.builder(id).schedule(schedule).build(), action, false);
        added.add(taskId);
        return taskId;
    }

    private String owner() {
        return context.getBundle().getSymbolicName();
    }

    private TaskInfo info(TaskId id) {
        return scheduler.task(id).orElseThrow(() -> new AssertionError("no task " + id));
    }

    /** @return the table's rows without its header */
    private static List<String> rows(String table) {
        return table.lines().skip(1).filter(l -> !l.isBlank()).collect(Collectors.toList());
    }

    private static String runId(String output) {
        Matcher m = RUN_ID.matcher(output);
        assertTrue(output, m.find());
        return m.group(1).replaceAll("\\)$", "");
    }

    private RunRecord finished(String runId) {
        return await("run " + runId + " finished", () -> scheduler.run(runId).filter(r -> r.status().isFinal()));
    }
}
