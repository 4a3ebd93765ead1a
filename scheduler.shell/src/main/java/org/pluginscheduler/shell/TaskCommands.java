package org.pluginscheduler.shell;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.RunStatus;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;
import org.pluginscheduler.api.SchedulerAdmin;
import org.pluginscheduler.api.TaskState;

/**
 * Gogo commands in scope {@code task}. Commands return text built by {@link Tables}, the one place where output
 * is formatted. A bad request (unknown or ambiguous id, bad schedule, a task that cannot run) throws a
 * {@link CommandException} whose message is one line naming the command and the problem, never a stack trace.
 */
@Component(service = TaskCommands.class, property = {
        "osgi.command.scope=task",
        "osgi.command.function=list",
        "osgi.command.function=info",
        "osgi.command.function=runs",
        "osgi.command.function=run",
        "osgi.command.function=trigger",
        "osgi.command.function=call",
        "osgi.command.function=enable",
        "osgi.command.function=disable",
        "osgi.command.function=pause",
        "osgi.command.function=resume",
        "osgi.command.function=reschedule",
        "osgi.command.function=remove",
        "osgi.command.function=submit",
        "osgi.command.function=next",
        "osgi.command.function=dlq",
        "osgi.command.function=replay",
        "osgi.command.function=purge",
        "osgi.command.function=stats"})
public final class TaskCommands {

    private static final String ID = "task id: owner:task-id, or a task-id that is unique";
    private static final String LOCK = "extra named locks this run holds, comma-separated, e.g. --lock customer-42 "
            + "(a run needing one waits while it is held)";

    private final SchedulerAdmin scheduler;
    private final Clock clock;
    private final Tables tables;

    @Activate
    public TaskCommands(@Reference SchedulerAdmin scheduler) {
        this(scheduler, Clock.systemDefaultZone());
    }

    TaskCommands(SchedulerAdmin scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.clock = clock;
        this.tables = new Tables(clock);
    }

    @Descriptor("List tasks: qualified id, state, schedule, next fire, last status and owner")
    public String list(
            @Descriptor("only tasks of this owner (bundle symbolic name)") @Parameter(names = "--owner",
                    absentValue = "") String owner,
            @Descriptor("only tasks in this state (active, paused, disabled, dormant, conflict, invalid) or with "
                    + "this last run status (succeeded, failed, ...)") @Parameter(names = "--status",
                    absentValue = "") String status,
            @Descriptor("only instances of this tenant") @Parameter(names = "--tenant", absentValue = "") String tenant) {
        return run("task:list", () -> {
            String wanted = status.toUpperCase(Locale.ROOT);
            if (!wanted.isEmpty() && Arrays.stream(TaskState.values()).noneMatch(s -> s.name().equals(wanted))
                    && Arrays.stream(RunStatus.values()).noneMatch(s -> s.name().equals(wanted))) {
                // a typo must not read as "no tasks"
                throw new IllegalArgumentException("--status: '" + status + "' is neither a state ("
                        + names(TaskState.values()) + ") nor a run status (" + names(RunStatus.values()) + ")");
            }
            List<TaskInfo> tasks = scheduler.tasks().stream()
                    .filter(t -> owner.isEmpty() || t.id().owner().equals(owner))
                    .filter(t -> tenant.isEmpty() || t.id().tenant().map(tenant::equals).orElse(false))
                    .filter(t -> wanted.isEmpty() || t.state().name().equals(wanted)
                            || t.lastStatus().map(s -> s.name().equals(wanted)).orElse(false))
                    .toList();
            return tables.tasks(tasks, scheduler.stats(), tasks.isEmpty() ? ZoneId.systemDefault() : defaultZone());
        });
    }

    /**
     * @return the zone the scheduler computes schedules that name none in (its {@code default.zone}), as
     *         {@code task:info} and {@code task:next} show their fires: a zone-less schedule's preview is in it.
     *         task:list used the JVM's zone, and showed the same fire as {@code Z} where task:info said +09:00.
     */
    private ZoneId defaultZone() {
        return scheduler.preview(Schedule.parse("every:PT1H"), clock.instant(), 1).stream().findFirst()
                .map(ZonedDateTime::getZone).orElse(ZoneId.systemDefault());
    }

    @Descriptor("Show one task: definition, overrides, state, next 5 fires and last runs")
    public String info(@Descriptor(ID) String id) {
        return run("task:info", () -> {
            TaskId taskId = scheduler.resolve(id);
            TaskInfo info = scheduler.task(taskId).orElseThrow();
            List<ZonedDateTime> next = scheduler.nextFires(taskId, 5);
            // the last fire in the zone of the next ones, also when there are none (a one-shot that fired)
            ZoneId fireZone = next.isEmpty() ? Tables.zoneOf(info.scheduleText(), defaultZone())
                    : next.get(0).getZone();
            return tables.info(info, next, scheduler.runs(taskId, 5), fireZone);
        });
    }

    @Descriptor("Show a task's run history, newest first")
    public String runs(
            @Descriptor("how many runs to show (default 20, at most 100000)") @Parameter(names = {"-n", "--count"},
                    absentValue = "20") String count,
            @Descriptor(ID) String id) {
        return run("task:runs", () -> {
            int n = number("-n", count, 1, 100_000);
            TaskId taskId = scheduler.resolve(id);
            return tables.runs(taskId, scheduler.runs(taskId, n));
        });
    }

    @Descriptor("Show one run whole: status, times, attempt, the full message (with the failure hook's decision), "
            + "data and arguments")
    public String run(@Descriptor("the run id (task:runs shows them)") String runId) {
        return run("task:run", () -> tables.run(scheduler.run(runId.trim()).orElseThrow(() ->
                new IllegalArgumentException("no run '" + runId.trim() + "' (pruned, or never recorded)"))));
    }

    @Descriptor("Run a task now, asynchronously; prints the run id (follow it with task:run RUNID)")
    public String trigger(@Descriptor(ID) String id) {
        return run("task:trigger", () -> {
            TaskId taskId = scheduler.resolve(id);
            return "triggered " + taskId + ": run " + scheduler.trigger(taskId);
        });
    }

    @Descriptor("Run a task now in this shell and wait for it, skipping overlap checks; prints the result (a run that "
            + "did not succeed fails the command: taskctl exits 4)")
    public String call(
            @Descriptor(LOCK) @Parameter(names = "--lock", absentValue = "") String lock,
            @Descriptor(ID) String id,
            @Descriptor("arguments as name=value") String... arguments) {
        RunRecord run = runOf("task:call", () -> {
            Set<String> keys = lockKeys(lock); // the command line's own mistakes first, then the lookup
            Map<String, String> args = arguments(arguments);
            return scheduler.call(scheduler.resolve(id), args, keys);
        });
        if (run.status() != RunStatus.SUCCEEDED) { // the same output; a script sees it in the exit status
            throw new CommandException(tables.result(run), CommandException.RUN_NOT_SUCCEEDED);
        }
        return tables.result(run);
    }

    @Descriptor("Enable a task (kept across restarts and plugin updates)")
    public String enable(@Descriptor(ID) String id) {
        return onTask("task:enable", id, scheduler::enable, "enabled");
    }

    @Descriptor("Disable a task: it stops firing; a running execution finishes (kept across restarts)")
    public String disable(@Descriptor(ID) String id) {
        return onTask("task:disable", id, scheduler::disable, "disabled");
    }

    @Descriptor("Pause the whole scheduler: no task fires until task:resume")
    public String pause() {
        scheduler.pauseAll();
        return "scheduler paused";
    }

    @Descriptor("Pause one task: its fires are not executed until task:resume ID")
    public String pause(@Descriptor(ID) String id) {
        return onTask("task:pause", id, scheduler::pause, "paused");
    }

    @Descriptor("Resume the whole scheduler")
    public String resume() {
        scheduler.resumeAll();
        return "scheduler resumed";
    }

    @Descriptor("Resume one task")
    public String resume(@Descriptor(ID) String id) {
        return onTask("task:resume", id, scheduler::resume, "resumed");
    }

    @Descriptor("Override a task's schedule (kept until --reset); quote schedules with spaces: \"cron:0 4 * * *\"")
    public String reschedule(
            @Descriptor("remove the override: the definition's schedule applies again") @Parameter(
                    names = "--reset", presentValue = "true", absentValue = "false") boolean reset,
            @Descriptor(ID) String id,
            @Descriptor("the new schedule, e.g. \"cron:0 4 * * *\" or every:PT10M") String... schedule) {
        return run("task:reschedule", () -> {
            TaskId taskId = scheduler.resolve(id);
            if (reset) {
                if (schedule.length > 0) {
                    throw new IllegalArgumentException("--reset takes no schedule");
                }
                scheduler.resetSchedule(taskId);
                return "schedule of " + taskId + " reset to its definition's";
            }
            if (schedule.length == 0) {
                throw new IllegalArgumentException("a schedule is required (or --reset)");
            }
            Schedule parsed = parseSchedule(String.join(" ", schedule));
            scheduler.reschedule(taskId, parsed);
            return "rescheduled " + taskId + ": " + parsed.text() + " (" + scheduler.describe(parsed) + ")";
        });
    }

    @Descriptor("Remove an ad-hoc task, or forget a dormant task's state and history")
    public String remove(@Descriptor(ID) String id) {
        return run("task:remove", () -> {
            TaskId taskId = scheduler.resolve(id);
            scheduler.removeTask(taskId);
            return "removed " + taskId;
        });
    }

    @Descriptor("Submit a one-shot run with arguments, now or at an instant")
    public String submit(
            @Descriptor("when to run, e.g. 2026-12-01T10:00:00Z, or 2026-12-01T10:00 in the scheduler's default zone "
                    + "(default: now)") @Parameter(names = "--at",
                    absentValue = "") String at,
            @Descriptor(LOCK) @Parameter(names = "--lock", absentValue = "") String lock,
            @Descriptor(ID) String id,
            @Descriptor("arguments as name=value") String... arguments) {
        return run("task:submit", () -> {
            TaskId taskId = scheduler.resolve(id);
            Optional<ZonedDateTime> local = at.isEmpty() ? Optional.empty() : localTime(at);
            Optional<Instant> when = at.isEmpty() ? Optional.empty()
                    : Optional.of(local.map(ZonedDateTime::toInstant).orElseGet(() -> instant(at)));
            String runId = scheduler.submit(taskId, arguments(arguments), when, lockKeys(lock));
            return "submitted " + taskId + ": run " + runId + when.map(w -> " at " + w).orElse(" now")
                    + local.map(l -> " (" + l + ")").orElse("");
        });
    }

    @Descriptor("Preview a schedule: its next fire times and a plain-English description. A bare 5-field cron is "
            + "accepted; quote it: task:next \"0 3 * * 1-5\"")
    public String next(
            @Descriptor("how many fires (default 10, at most 1000)") @Parameter(names = {"-n", "--count"},
                    absentValue = "10") String count,
            @Descriptor("time zone for schedules that name none (default: the scheduler's)") @Parameter(
                    names = "--tz", absentValue = "") String zone,
            @Descriptor("the schedule") String... schedule) {
        return run("task:next", () -> {
            if (schedule.length == 0) {
                throw new IllegalArgumentException("a schedule is required, e.g. task:next \"0 3 * * *\"");
            }
            int n = number("-n", count, 1, 1000);
            Schedule parsed = parseSchedule(String.join(" ", schedule));
            if (!zone.isEmpty() && parsed.zone().isEmpty()) {
                parsed = parsed.withZone(Schedule.zoneOf(zone));
            }
            return tables.preview(parsed, scheduler.describe(parsed),
                    scheduler.preview(parsed, clock.instant(), n));
        });
    }

    @Descriptor("List dead letters: runs that exhausted their retries, newest first")
    public String dlq() {
        return tables.deadLetters(scheduler.deadLetters());
    }

    @Descriptor("Replay a dead letter: a new run with the same arguments; the dead letter is removed")
    public String replay(@Descriptor("the dead letter's run id (see task:dlq)") String runId) {
        return run("task:replay", () -> "replayed " + runId + " as run " + scheduler.replayDeadLetter(runId));
    }

    @Descriptor("Purge dead letters (all, or one task's), or with --history the finished run history")
    public String purge(
            @Descriptor("purge run history instead of dead letters") @Parameter(names = "--history",
                    presentValue = "true", absentValue = "false") boolean history,
            @Descriptor("with --history: only runs that ended longer ago than this ISO-8601 duration, e.g. P7D "
                    + "(default: all finished runs)") @Parameter(names = "--older-than", absentValue = "")
            String olderThan,
            @Descriptor("only this task's dead letters (optional)") String... id) {
        return run("task:purge", () -> {
            if (history) {
                if (id.length > 0) {
                    throw new IllegalArgumentException("--history purges every task's history; it takes no id");
                }
                java.time.Duration age = java.time.Duration.ZERO;
                if (!olderThan.isEmpty()) {
                    try {
                        age = java.time.Duration.parse(olderThan.toUpperCase(Locale.ROOT));
                    } catch (java.time.format.DateTimeParseException e) {
                        throw new IllegalArgumentException("--older-than: '" + olderThan
                                + "' is not an ISO-8601 duration such as P7D or PT12H");
                    }
                    try {
                        clock.instant().minus(age);
                    } catch (java.time.DateTimeException | ArithmeticException e) {
                        throw new IllegalArgumentException("--older-than: '" + olderThan + "' reaches back before the "
                                + "earliest instant (" + Instant.MIN + ")");
                    }
                }
                return "purged " + scheduler.purgeHistory(age) + " run record(s)";
            }
            if (!olderThan.isEmpty()) {
                // without --history this would purge every dead letter, whatever their age
                throw new IllegalArgumentException("--older-than applies only with --history; dead letters are "
                        + "purged all at once or one task's");
            }
            if (id.length > 1) {
                throw new IllegalArgumentException("at most one task id");
            }
            Optional<TaskId> taskId = id.length == 0 ? Optional.empty() : Optional.of(scheduler.resolve(id[0]));
            return "purged " + scheduler.purgeDeadLetters(taskId) + " dead letter(s)"
                    + taskId.map(t -> " of " + t).orElse("");
        });
    }

    @Descriptor("Show counters: runs by status, fire lag percentiles, worker pools, stuck runs, retries, locks")
    public String stats() {
        return tables.stats(scheduler.stats());
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** Resolves the id, applies one administrative change and says what was done. */
    private String onTask(String command, String id, java.util.function.Consumer<TaskId> change, String done) {
        return run(command, () -> {
            TaskId taskId = scheduler.resolve(id);
            change.accept(taskId);
            return done + " " + taskId;
        });
    }

    @FunctionalInterface
    private interface Body {
        String get();
    }

    private static String run(String command, Body body) {
        return runOf(command, body::get);
    }

    private static <T> T runOf(String command, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (IllegalArgumentException | IllegalStateException | java.util.NoSuchElementException e) {
            throw new CommandException(command + ": " + e.getMessage());
        }
    }

    private static String names(Enum<?>[] values) {
        return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
    }

    /** A bare cron expression (no kind prefix) is accepted where a schedule is expected. */
    static Schedule parseSchedule(String text) {
        String trimmed = text.trim();
        boolean hasKind = trimmed.matches("(?i)^(cron|every|at|rrule):.*")
                || trimmed.equalsIgnoreCase(Schedule.OnDemand.TEXT);
        return Schedule.parse(hasKind ? trimmed : "cron:" + trimmed);
    }

    /**
     * Reads a whole-number option itself: Gogo's own conversion wrapped 2147483648 round to -2147483648 and
     * reported 99999999999 as a bare "IllegalArgumentException".
     *
     * @throws IllegalArgumentException naming the option, e.g. {@code -n: '2147483648' is not in 1–1000}
     */
    static int number(String option, String text, int min, int max) {
        String t = text.trim();
        if (!t.matches("[+-]?\\d+")) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a whole number");
        }
        java.math.BigInteger value = new java.math.BigInteger(t);
        if (value.compareTo(java.math.BigInteger.valueOf(min)) < 0
                || value.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not in " + min + "–" + max);
        }
        return value.intValueExact();
    }

    static Map<String, String> arguments(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("argument '" + pair + "' is not name=value");
            }
            String name = pair.substring(0, eq);
            String earlier = map.put(name, pair.substring(eq + 1));
            if (earlier != null) {
                throw new IllegalArgumentException("argument '" + name + "' is given twice (" + name + "=" + earlier
                        + ", " + pair + ")");
            }
        }
        return map;
    }

    /**
     * @return the keys of a {@code --lock} option: comma-separated, each a valid lock key
     * @throws IllegalArgumentException naming {@code --lock} and the first bad key (the scheduler's own check
     *         would name the API field {@code lockKeys})
     */
    static Set<String> lockKeys(String option) {
        Set<String> keys = new LinkedHashSet<>();
        for (String key : option.split(",")) {
            if (!key.isBlank()) {
                String k = key.trim();
                if (!TaskId.ID_PATTERN.matcher(k).matches()) {
                    throw new IllegalArgumentException("--lock: '" + k + "' must match " + TaskId.ID_PATTERN.pattern());
                }
                keys.add(k);
            }
        }
        if (!option.isBlank() && keys.isEmpty()) {
            throw new IllegalArgumentException("--lock: '" + option + "' names no lock key");
        }
        return keys;
    }

    /** @return {@code --at} with an offset, e.g. 2026-12-01T10:00:00Z */
    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--at: '" + text + "' is not an instant such as "
                    + "2026-12-01T10:00:00Z or a local date-time such as 2026-12-01T10:00");
        }
    }

    /**
     * @return {@code --at} without an offset (2026-12-01T10:00) in the scheduler's default zone, the zone of every
     *         schedule that names none (it was the JVM's, which differs when {@code default.zone} is set); empty if
     *         the text is not a local date-time
     */
    private Optional<ZonedDateTime> localTime(String text) {
        try {
            return Optional.of(java.time.LocalDateTime.parse(text).atZone(defaultZone()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
