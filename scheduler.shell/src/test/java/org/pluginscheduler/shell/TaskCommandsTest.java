package org.pluginscheduler.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.SchedulerAdmin;

class TaskCommandsTest {

    @Test
    void aBareCronIsAcceptedWhereAScheduleIsExpected() {
        assertEquals(Schedule.parse("cron:0 3 * * 1-5"), TaskCommands.parseSchedule("0 3 * * 1-5"));
        assertEquals(Schedule.parse("every:PT5M"), TaskCommands.parseSchedule("every:PT5M"));
        assertEquals(Schedule.onDemand(), TaskCommands.parseSchedule("on-demand"), "not a bare cron");
        assertEquals(Schedule.onDemand(), TaskCommands.parseSchedule(" On-Demand "));
        ScheduleParseException e = assertThrows(ScheduleParseException.class,
                () -> TaskCommands.parseSchedule("61 * * * *"));
        assertEquals("minute: 61 is not in 0–59", e.getMessage());
    }

    @Test
    void argumentsAreNameValuePairs() {
        assertEquals(Map.of("path", "/tmp/x", "n", "a=b"), TaskCommands.arguments("path=/tmp/x", "n=a=b"));
        assertEquals("argument 'oops' is not name=value",
                assertThrows(IllegalArgumentException.class, () -> TaskCommands.arguments("oops")).getMessage());
    }

    /** Counts are read by the command itself, with the option named: Gogo's conversion wrapped or said nothing. */
    @Test
    void countOptionsNameTheOptionAndTheRange() {
        assertEquals(20, TaskCommands.number("-n", "20", 1, 1000));
        assertEquals("-n: '2147483648' is not in 1–100000", assertThrows(IllegalArgumentException.class,
                () -> TaskCommands.number("-n", "2147483648", 1, 100_000)).getMessage());
        assertEquals("-n: '99999999999' is not in 1–1000", assertThrows(IllegalArgumentException.class,
                () -> TaskCommands.number("-n", "99999999999", 1, 1000)).getMessage());
        assertEquals("-n: '0' is not in 1–1000", assertThrows(IllegalArgumentException.class,
                () -> TaskCommands.number("-n", "0", 1, 1000)).getMessage());
        assertEquals("-n: 'ten' is not a whole number", assertThrows(IllegalArgumentException.class,
                () -> TaskCommands.number("-n", "ten", 1, 1000)).getMessage());
        TaskCommands commands = new TaskCommands(noTasks(), Clock.systemUTC());
        CommandException e = assertThrows(CommandException.class,
                () -> commands.next("99999999999", "", "cron:0 3 * * *"));
        assertEquals("task:next: -n: '99999999999' is not in 1–1000", e.getMessage());
        e = assertThrows(CommandException.class, () -> commands.runs("2147483648", "p:t"));
        assertEquals("task:runs: -n: '2147483648' is not in 1–100000", e.getMessage());
    }

    /** taskctl's exit status follows a called run's status: 0 when it succeeded, 4 when not, 1 for a failed command. */
    @Test
    void aCalledRunThatDidNotSucceedFailsTheCommandWithExitStatus4AndTheSameOutput() {
        org.pluginscheduler.api.TaskId id = org.pluginscheduler.api.TaskId.parse("p:t");
        java.util.function.Function<org.pluginscheduler.api.RunStatus, SchedulerAdmin> calling = status ->
                (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                        new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                            case "resolve" -> id;
                            case "call" -> new org.pluginscheduler.api.RunRecord("r1", id,
                                    org.pluginscheduler.api.RunTrigger.CALL, 1, status, Instant.EPOCH,
                                    java.util.Optional.of(Instant.EPOCH), java.util.Optional.of(Instant.EPOCH.plusMillis(3)),
                                    "no connection to db1", Map.of(), Map.of());
                            default -> throw new AssertionError("unexpected call of " + method.getName());
                        });
        assertEquals("SUCCEEDED in 3 ms (run r1)\nno connection to db1",
                new TaskCommands(calling.apply(org.pluginscheduler.api.RunStatus.SUCCEEDED), Clock.systemUTC()).call("", "t"));
        CommandException e = assertThrows(CommandException.class, () -> new TaskCommands(
                calling.apply(org.pluginscheduler.api.RunStatus.FAILED), Clock.systemUTC()).call("", "t"));
        assertEquals("FAILED in 3 ms (run r1)\nno connection to db1", e.getMessage());
        assertEquals(4, RemoteShellComponent.exitCode(new RuntimeException(e)));
        assertEquals(1, RemoteShellComponent.exitCode(new CommandException("task:call: no task 'x'")));
        assertEquals(1, RemoteShellComponent.exitCode(new IllegalStateException("gogo")));
    }

    /** task:runs cuts messages to one short line; task:run shows one run whole, the failure hook's reason too. */
    @Test
    void oneRunIsShownWhole() {
        org.pluginscheduler.api.TaskId id = org.pluginscheduler.api.TaskId.parse("p:t");
        String message = "x".repeat(150) + "\nsecond line — retry in PT30S: the ERP answered 429 (rule erp-busy)";
        org.pluginscheduler.api.RunRecord failed = new org.pluginscheduler.api.RunRecord("r1", id,
                org.pluginscheduler.api.RunTrigger.SCHEDULE, 2, org.pluginscheduler.api.RunStatus.FAILED,
                Instant.parse("2026-01-01T10:00:00Z"), java.util.Optional.of(Instant.parse("2026-01-01T10:00:00.003Z")),
                java.util.Optional.of(Instant.parse("2026-01-01T10:00:01.203Z")), message, Map.of("rows", "7"),
                Map.of("customer", "acme"));
        SchedulerAdmin scheduler = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "run" -> args[0].equals("r1") ? java.util.Optional.of(failed) : java.util.Optional.empty();
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        TaskCommands commands = new TaskCommands(scheduler, Clock.fixed(Instant.EPOCH, java.time.ZoneOffset.UTC));
        String shown = commands.run("r1");
        assertTrue(shown.startsWith("run        r1\ntask       p:t\nstatus     FAILED\ntrigger    schedule, attempt 2\n"),
                shown);
        assertTrue(shown.contains("\nmessage:\n  " + "x".repeat(150) + "\n  second line — retry in PT30S: the ERP "
                + "answered 429 (rule erp-busy)\ndata:\n  rows = 7\narguments:\n  customer = acme"), shown);
        assertTrue(shown.contains("(lag 3 ms)") && shown.contains("(took 1200 ms)"), shown);
        assertEquals("task:run: no run 'nope' (pruned, or never recorded)",
                assertThrows(CommandException.class, () -> commands.run("nope")).getMessage());
    }

    /** task:list shows a zone-less schedule's next fire in the scheduler's default zone, as task:info does. */
    @Test
    void listShowsFiresInTheSchedulersDefaultZoneLikeInfo() {
        java.time.ZoneId tokyo = java.time.ZoneId.of("Asia/Tokyo");
        Instant next = Instant.parse("2026-01-01T18:00:00Z");
        org.pluginscheduler.api.TaskId id = org.pluginscheduler.api.TaskId.parse("p:t");
        org.pluginscheduler.api.TaskInfo info = new org.pluginscheduler.api.TaskInfo(id, "p",
                java.util.Optional.empty(), "cron:0 3 * * *", false, org.pluginscheduler.api.TaskState.ACTIVE,
                java.util.Optional.of(next), java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty());
        SchedulerAdmin scheduler = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "tasks" -> List.of(info);
                    case "stats" -> stats(true, 0);
                    case "preview" -> List.of(((Instant) args[1]).plusSeconds(3600).atZone(tokyo));
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        String list = new TaskCommands(scheduler, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"),
                java.time.ZoneOffset.UTC)).list("", "", "");
        assertTrue(list.contains("2026-01-02 03:00:00 +09:00"), list);
    }

    /** task:info showed the last fire in the JVM's zone (Z) beside next fires in the schedule's (+09:00). */
    @Test
    void infoShowsTheLastFireInTheZoneOfTheNextFires() {
        java.time.ZoneId tokyo = java.time.ZoneId.of("Asia/Tokyo");
        org.pluginscheduler.api.TaskId id = org.pluginscheduler.api.TaskId.parse("p:t");
        org.pluginscheduler.api.TaskInfo info = new org.pluginscheduler.api.TaskInfo(id, "p",
                java.util.Optional.empty(), "cron:0 3 * * * tz=Asia/Tokyo", false,
                org.pluginscheduler.api.TaskState.ACTIVE, java.util.Optional.of(Instant.parse("2026-01-01T18:00:00Z")),
                java.util.Optional.of(Instant.parse("2025-12-31T18:00:00Z")),
                java.util.Optional.of(org.pluginscheduler.api.RunStatus.SUCCEEDED), java.util.Optional.empty());
        SchedulerAdmin scheduler = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "resolve" -> id;
                    case "task" -> java.util.Optional.of(info);
                    case "nextFires" -> List.of(Instant.parse("2026-01-01T18:00:00Z").atZone(tokyo));
                    case "runs" -> List.of();
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        String shown = new TaskCommands(scheduler, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"),
                java.time.ZoneOffset.UTC)).info("t");
        assertTrue(shown.contains("last fire") && shown.contains("2026-01-01 03:00:00 +09:00  SUCCEEDED"), shown);
        assertTrue(shown.contains("2026-01-02 03:00:00 +09:00"), shown);

        // a one-shot that fired has no next fires: its last fire is still in the scheduler's default zone
        org.pluginscheduler.api.TaskInfo fired = new org.pluginscheduler.api.TaskInfo(id, "p",
                java.util.Optional.empty(), "at:2026-01-01T09:00:00Z", false, org.pluginscheduler.api.TaskState.ACTIVE,
                java.util.Optional.empty(), java.util.Optional.of(Instant.parse("2026-01-01T09:00:00Z")),
                java.util.Optional.of(org.pluginscheduler.api.RunStatus.SUCCEEDED), java.util.Optional.empty());
        SchedulerAdmin afterIt = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "resolve" -> id;
                    case "task" -> java.util.Optional.of(fired);
                    case "nextFires", "runs" -> List.of();
                    case "preview" -> List.of(((Instant) args[1]).plusSeconds(3600).atZone(tokyo)); // default.zone
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        String once = new TaskCommands(afterIt, Clock.fixed(Instant.parse("2026-01-02T00:00:00Z"),
                java.time.ZoneOffset.UTC)).info("t");
        assertTrue(once.contains("2026-01-01 18:00:00 +09:00  SUCCEEDED"), once);
    }

    /** task:call a=1 a=2 ran with a=2 and said nothing: a typo in a script silently lost a value. */
    @Test
    void anArgumentGivenTwiceIsAnErrorNamingIt() {
        assertEquals("argument 'k' is given twice (k=v, k=w)", assertThrows(IllegalArgumentException.class,
                () -> TaskCommands.arguments("k=v", "other=1", "k=w")).getMessage());
    }

    /** --lock keys were checked by the core, whose message named the API field (lockKeys), not the option. */
    @Test
    void aBadLockKeyNamesTheOption() {
        assertEquals("--lock: 'a b' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}",
                assertThrows(IllegalArgumentException.class, () -> TaskCommands.lockKeys("ok,a b")).getMessage());
        assertEquals(java.util.Set.of("ok", "c-2"), TaskCommands.lockKeys(" ok , c-2 "));
        TaskCommands commands = new TaskCommands(noTasks(), Clock.systemUTC());
        assertEquals("task:call: --lock: 'bad:key' must match [A-Za-z0-9][A-Za-z0-9._-]{0,99}",
                assertThrows(CommandException.class, () -> commands.call("bad:key", "t")).getMessage());
    }

    /** task:purge --history --older-than P999999999999D said "error: Instant exceeds minimum or maximum instant". */
    @Test
    void anOlderThanBeyondTheEarliestInstantNamesTheOption() {
        TaskCommands commands = new TaskCommands(noTasks(), Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"),
                java.time.ZoneOffset.UTC));
        CommandException e = assertThrows(CommandException.class,
                () -> commands.purge(true, "P999999999999D"));
        assertEquals("task:purge: --older-than: 'P999999999999D' reaches back before the earliest instant "
                + "(-1000000000-01-01T00:00:00Z)", e.getMessage());
        e = assertThrows(CommandException.class, () -> commands.purge(true, "PT9999999999999999999S"));
        assertEquals("task:purge: --older-than: 'PT9999999999999999999S' is not an ISO-8601 duration such as P7D or "
                + "PT12H", e.getMessage());
    }

    /**
     * task:submit --at 2026-12-31T10:00 took a local date-time in the JVM's zone, while every schedule that names no
     * zone, and task:list, use the scheduler's default.zone: with default.zone = Asia/Tokyo on a UTC machine the run
     * came nine hours late.
     */
    @Test
    void aLocalSubmitTimeIsInTheSchedulersDefaultZone() {
        java.time.ZoneId tokyo = java.time.ZoneId.of("Asia/Tokyo");
        org.pluginscheduler.api.TaskId id = org.pluginscheduler.api.TaskId.parse("p:t");
        Instant[] submitted = new Instant[1];
        SchedulerAdmin scheduler = (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "resolve" -> id;
                    case "preview" -> List.of(((Instant) args[1]).plusSeconds(3600).atZone(tokyo));
                    case "submit" -> {
                        submitted[0] = ((java.util.Optional<?>) args[2]).map(Instant.class::cast).orElseThrow();
                        yield "r1";
                    }
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
        TaskCommands commands = new TaskCommands(scheduler, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"),
                java.time.ZoneOffset.UTC));
        assertEquals("submitted p:t: run r1 at 2026-12-31T01:00:00Z (2026-12-31T10:00+09:00[Asia/Tokyo])",
                commands.submit("2026-12-31T10:00", "", "t"));
        assertEquals(Instant.parse("2026-12-31T01:00:00Z"), submitted[0]);
        assertEquals("submitted p:t: run r1 at 2026-12-31T10:00:00Z", commands.submit("2026-12-31T10:00:00Z", "", "t"));
    }

    @Test
    void tablesAlignColumnsAndTrimTrailingSpace() {
        String table = Tables.align(List.of(new String[] {"A", "BB", "C"}, new String[] {"long value", "x", ""}));
        assertEquals("A           BB  C\nlong value  x", table);
    }

    @Test
    void aStatusFilterThatIsNoStateNorRunStatusIsAnErrorNotAnEmptyList() {
        TaskCommands commands = new TaskCommands(noTasks(), Clock.systemUTC());
        assertEquals("no tasks", commands.list("", "timed_out", ""));
        assertEquals("no tasks", commands.list("", "Disabled", ""));
        CommandException e = assertThrows(CommandException.class, () -> commands.list("", "faild", ""));
        assertEquals("task:list: --status: 'faild' is neither a state (active, paused, disabled, dormant, conflict, "
                + "invalid) nor a run status (running, succeeded, failed, timed_out, skipped, cancelled, abandoned)",
                e.getMessage());
    }

    @Test
    void olderThanWithoutHistoryIsRefusedRatherThanPurgingEveryDeadLetter() {
        TaskCommands commands = new TaskCommands(noTasks(), Clock.systemUTC());
        CommandException e = assertThrows(CommandException.class, () -> commands.purge(false, "P7D"));
        assertEquals("task:purge: --older-than applies only with --history; dead letters are purged all at once or "
                + "one task's", e.getMessage());
    }

    @Test
    void listAndStatsSayWhenFiresAreHeldForWantOfAnExecutionService() {
        SchedulerStats held = stats(false, 2);
        TaskCommands commands = new TaskCommands(noTasks(held), Clock.systemUTC());
        String notice = "no execution service (bundle scheduler.execution stopped?): fires are held, 2 run(s) "
                + "waiting; missed scheduled fires follow their misfire policy when it returns";
        assertEquals("no tasks\n" + notice, commands.list("", "", ""));
        assertTrue(commands.stats().contains("\n" + notice + "\n\nstuck runs: 0"), commands.stats());
        assertEquals("no tasks", new TaskCommands(noTasks(stats(true, 0)), Clock.systemUTC()).list("", "", ""));
    }

    @Test
    void statsSayWhatHistoryTheStoreKeepsAndHowFarItsPruningIsBehind() {
        SchedulerStats.History h2 = new SchedulerStats.History("database file ./data/scheduler.mv.db", 200,
                java.util.Optional.of(Duration.ofDays(30)), 1234, java.util.Optional.of(Instant.EPOCH),
                Duration.ofMillis(420), 310, 48, 48_200_000);
        TaskCommands commands = new TaskCommands(noTasks(withHistory(h2)), Clock.fixed(Instant.EPOCH,
                java.time.ZoneOffset.UTC));
        assertTrue(commands.stats().endsWith("\n\nrun history: at most 200 runs per task, 30 days; database file "
                + "./data/scheduler.mv.db, 48.2 MB\npruning: 1234 runs since start, last full pass 1970-01-01 "
                + "00:00:00 Z (420 ms); behind by 310 runs (at most 48 of one task)"), commands.stats());
        SchedulerStats.History memory = new SchedulerStats.History("memory", 200, java.util.Optional.empty(), 7,
                java.util.Optional.empty(), Duration.ZERO, 0, 0, -1);
        assertTrue(new TaskCommands(noTasks(withHistory(memory)), Clock.systemUTC()).stats().endsWith(
                "\n\nrun history: at most 200 runs per task; memory\npruning: 7 runs since start; never behind "
                + "(pruned as runs are written)"));
        assertTrue(commands.stats().contains("stuck runs: 0"));
        assertTrue(!new TaskCommands(noTasks(), Clock.systemUTC()).stats().contains("run history"),
                "a store that says nothing: no line");
    }

    @Test
    void statsShowEachOwnersUseOfThePoolsOnlyWhenThereIsAny() {
        SchedulerStats s = stats(true, 0);
        SchedulerStats withOwners = new SchedulerStats(s.since(), s.runsByStatus(), s.lag(), s.pools(), 4, 0, 0, false,
                true, 0, java.util.Optional.empty(), List.of(
                new SchedulerStats.OwnerUsage("com.example.hostile", org.pluginscheduler.api.Priority.NORMAL, 4, 16,
                        4, 4),
                new SchedulerStats.OwnerUsage("com.example.good", org.pluginscheduler.api.Priority.NORMAL, 1, 0, 0,
                        4)), List.of());
        String shown = new TaskCommands(noTasks(withOwners), Clock.systemUTC()).stats();
        assertTrue(shown.contains("""
                OWNER                POOL    RUNNING  SHARE  QUEUED  STUCK
                com.example.hostile  NORMAL  4        4      16      4
                com.example.good     NORMAL  1        4      0       0"""), shown);
        assertTrue(!new TaskCommands(noTasks(), Clock.systemUTC()).stats().contains("OWNER"), "nobody: no table");
    }

    private static SchedulerStats withHistory(SchedulerStats.History history) {
        SchedulerStats s = stats(true, 0);
        return new SchedulerStats(s.since(), s.runsByStatus(), s.lag(), s.pools(), 0, 0, 0, false, true, 0,
                java.util.Optional.of(history));
    }

    private static SchedulerStats stats(boolean executing, int held) {
        return new SchedulerStats(Instant.EPOCH, Map.of(), new SchedulerStats.Lag(0, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO), List.of(), 0, 0, 0, false, executing, held);
    }

    private static SchedulerAdmin noTasks() {
        return noTasks(stats(true, 0));
    }

    /** A scheduler without tasks that fails any call but {@code tasks()}, {@code isPausedAll()}, {@code stats()}. */
    private static SchedulerAdmin noTasks(SchedulerStats stats) {
        return (SchedulerAdmin) Proxy.newProxyInstance(SchedulerAdmin.class.getClassLoader(),
                new Class<?>[] {SchedulerAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "tasks" -> List.of();
                    case "isPausedAll" -> stats.paused();
                    case "stats" -> stats;
                    default -> throw new AssertionError("unexpected call of " + method.getName());
                });
    }
}
