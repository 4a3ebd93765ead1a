package org.pluginscheduler.shell;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.pluginscheduler.api.DeadLetter;
import org.pluginscheduler.api.ProviderProblem;
import org.pluginscheduler.api.RunRecord;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.SchedulerStats;
import org.pluginscheduler.api.ScheduleParseException;
import org.pluginscheduler.api.TaskId;
import org.pluginscheduler.api.TaskInfo;

/** Formats command results as aligned text tables. The only place where shell output is formatted. */
final class Tables {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss XXX");
    private static final DateTimeFormatter PRECISE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS XXX");

    private final Clock clock;

    Tables(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param scheduler   the scheduler's state: paused, execution service present, runs held
     * @param defaultZone the scheduler's zone for schedules that name none
     */
    String tasks(List<TaskInfo> tasks, SchedulerStats scheduler, ZoneId defaultZone) {
        boolean pausedAll = scheduler.paused();
        if (tasks.isEmpty()) {
            return "no tasks" + (pausedAll ? " (scheduler paused)" : "") + held(scheduler)
                    + providerProblems(scheduler, defaultZone);
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TASK", "STATE", "SCHEDULE", "NEXT FIRE", "LAST STATUS", "OWNER"});
        for (TaskInfo t : tasks) {
            ZoneId zone = zoneOf(t.scheduleText(), defaultZone);
            rows.add(new String[] {
                    t.id().toString(),
                    t.state().name().toLowerCase() + (t.scheduleOverridden() ? "*" : ""),
                    t.scheduleText(),
                    t.nextFire().map(i -> TIME.format(i.atZone(zone)) + " (" + relative(i) + ")")
                            .orElse(onDemand(t) ? "when asked" : "-"),
                    t.lastStatus().map(Enum::name).orElse("-"),
                    t.ownerBundle()});
        }
        StringBuilder out = new StringBuilder(align(rows));
        tasks.stream().filter(t -> t.problem().isPresent()).forEach(t -> out.append('\n')
                .append(t.id()).append(" (").append(t.state().name().toLowerCase()).append("): ")
                .append(t.problem().get()));
        if (tasks.stream().anyMatch(TaskInfo::scheduleOverridden)) {
            out.append("\n* schedule overridden by an administrator");
        }
        if (pausedAll) {
            out.append("\nthe scheduler is paused: no task fires until it is resumed");
        }
        return out.append(held(scheduler)).append(waitingForShares(scheduler, tasks))
                .append(providerProblems(scheduler, defaultZone)).toString();
    }

    private static boolean onDemand(TaskInfo t) {
        return Schedule.OnDemand.TEXT.equals(t.scheduleText());
    }

    /**
     * @return a line per plugin (of the tasks listed) whose runs wait because it holds its whole share of a pool
     *         (the bulkheads), or nothing
     */
    private static String waitingForShares(SchedulerStats s, List<TaskInfo> tasks) {
        java.util.Set<String> listed = tasks.stream().map(t -> t.id().owner())
                .collect(java.util.stream.Collectors.toSet());
        StringBuilder out = new StringBuilder();
        for (SchedulerStats.OwnerUsage o : s.owners()) {
            if (o.queued() > 0 && listed.contains(o.owner())) {
                out.append("\nwaiting for their plugin's share: ").append(o.queued()).append(" run(s) of ")
                        .append(o.owner()).append(" in the ").append(o.priority()).append(" pool (it holds ")
                        .append(o.running()).append(" of its ").append(o.share()).append(" threads")
                        .append(o.stuck() > 0 ? ", " + o.stuck() + " of them stuck" : "").append("; see task:stats)");
            }
        }
        return out.toString();
    }

    /** @return a line per provider whose task list could not be read in time (which, since when, why), or nothing */
    private String providerProblems(SchedulerStats s, ZoneId zone) {
        StringBuilder out = new StringBuilder();
        for (ProviderProblem p : s.providerProblems()) {
            out.append("\nprovider problem: ").append(p.provider()).append(" (owner ").append(p.owner())
                    .append(") since ").append(TIME.format(p.since().atZone(zone))).append(" (for ")
                    .append(Math.max(0, Duration.between(p.since(), clock.instant()).getSeconds())).append("s): ")
                    .append(p.reason());
        }
        return out.toString();
    }

    /** @return a line saying that fires are held for want of an execution service, or nothing */
    private static String held(SchedulerStats s) {
        if (s.executing()) {
            return "";
        }
        return "\nno execution service (bundle scheduler.execution stopped?): fires are held, " + s.heldRuns()
                + " run(s) waiting; missed scheduled fires follow their misfire policy when it returns";
    }

    String runs(TaskId id, List<RunRecord> runs) {
        if (runs.isEmpty()) {
            return "no runs of " + id + " yet";
        }
        ZoneId zone = clock.getZone();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"RUN", "TRIGGER", "ATTEMPT", "STATUS", "SCHEDULED", "LAG", "DURATION", "MESSAGE"});
        for (RunRecord r : runs) {
            rows.add(new String[] {
                    r.runId(),
                    r.trigger().name().toLowerCase(),
                    String.valueOf(r.attempt()),
                    r.status().name(),
                    PRECISE.format(r.scheduledTime().atZone(zone)),
                    r.lag().map(Tables::millis).orElse("-"),
                    r.duration().map(Tables::millis).orElse("-"),
                    oneLine(r.message())});
        }
        return align(rows);
    }

    /** One run whole: every field, the message in full (with the failure hook's decision), data and arguments. */
    String run(RunRecord r) {
        ZoneId zone = clock.getZone();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"run", r.runId()});
        rows.add(new String[] {"task", r.taskId().toString()});
        rows.add(new String[] {"status", r.status().name()});
        rows.add(new String[] {"trigger", r.trigger().name().toLowerCase() + ", attempt " + r.attempt()});
        rows.add(new String[] {"scheduled", PRECISE.format(r.scheduledTime().atZone(zone))});
        rows.add(new String[] {"started", r.startTime().map(t -> PRECISE.format(t.atZone(zone))
                + r.lag().map(l -> "  (lag " + millis(l) + ")").orElse("")).orElse("-")});
        rows.add(new String[] {"ended", r.endTime().map(t -> PRECISE.format(t.atZone(zone))
                + r.duration().map(d -> "  (took " + millis(d) + ")").orElse("")).orElse("-")});
        StringBuilder out = new StringBuilder(align(rows));
        out.append("\nmessage:");
        if (r.message().isEmpty()) {
            out.append(" -");
        } else {
            r.message().lines().forEach(l -> out.append("\n  ").append(l));
        }
        out.append("\ndata:").append(r.data().isEmpty() ? " -" : "");
        new java.util.TreeMap<>(r.data()).forEach((k, v) -> out.append("\n  ").append(k).append(" = ").append(v));
        out.append("\narguments:").append(r.arguments().isEmpty() ? " -" : "");
        new java.util.TreeMap<>(r.arguments()).forEach((k, v) -> out.append("\n  ").append(k).append(" = ")
                .append(v));
        return out.toString();
    }

    /**
     * @param fireZone the zone fires are shown in: the schedule's, or the scheduler's default for a schedule that
     *                 names none (the zone of {@code next})
     */
    String info(TaskInfo t, List<ZonedDateTime> next, List<RunRecord> runs, ZoneId fireZone) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"task", t.id().toString()});
        rows.add(new String[] {"state", t.state().name().toLowerCase()});
        rows.add(new String[] {"owner", t.ownerBundle()});
        rows.add(new String[] {"schedule", t.scheduleText() + (t.scheduleOverridden() ? "  (overridden; "
                + "task:reschedule --reset restores the definition's)" : "")});
        t.problem().ifPresent(p -> rows.add(new String[] {"problem", p}));
        t.definition().ifPresent(d -> {
            rows.add(new String[] {"name", d.name()});
            if (!d.description().isEmpty()) {
                rows.add(new String[] {"description", d.description()});
            }
            if (t.scheduleOverridden()) {
                rows.add(new String[] {"defined schedule", d.scheduleText()});
            }
            rows.add(new String[] {"overlap", d.overlapPolicy().name()});
            rows.add(new String[] {"priority", d.priority().name()});
            rows.add(new String[] {"timeout", d.timeout().map(Object::toString).orElse("none")});
            rows.add(new String[] {"retries", d.retryPolicy().maxRetries() == 0 ? "none"
                    : d.retryPolicy().toString()});
            rows.add(new String[] {"misfire", d.misfirePolicy().map(m -> m.kind().name()
                    + (m.maxCatchUp() > 0 ? " " + m.maxCatchUp() : "")).orElse("scheduler default")});
            if (!d.lockKeys().isEmpty()) {
                rows.add(new String[] {"lock keys", String.join(", ", d.lockKeys())});
            }
            d.group().ifPresent(g -> rows.add(new String[] {"group", g}));
            rows.add(new String[] {"per tenant", String.valueOf(d.perTenant())});
            rows.add(new String[] {"dead letters", String.valueOf(d.deadLetterEligible())});
            rows.add(new String[] {"enabled by default", String.valueOf(d.enabledByDefault())});
            d.config().forEach((k, v) -> rows.add(new String[] {"config " + k, v}));
        });
        t.lastFire().ifPresent(f -> rows.add(new String[] {"last fire", TIME.format(f.atZone(fireZone))
                + t.lastStatus().map(s -> "  " + s.name()).orElse("")}));
        StringBuilder out = new StringBuilder(align(rows));
        out.append("\n\nnext fires:");
        if (next.isEmpty()) {
            out.append(onDemand(t) ? " none: on demand, it runs only when triggered, submitted or called" : " none");
        }
        next.forEach(n -> out.append("\n  ").append(TIME.format(n)).append(" (").append(relative(n.toInstant()))
                .append(')'));
        out.append("\n\nlast runs:\n").append(runs(t.id(), runs));
        return out.toString();
    }

    String result(RunRecord r) {
        StringBuilder out = new StringBuilder();
        out.append(r.status().name()).append(" in ").append(r.duration().map(Tables::millis).orElse("-"))
                .append(" (run ").append(r.runId()).append(')');
        if (!r.message().isEmpty()) {
            out.append("\n").append(r.message());
        }
        r.data().forEach((k, v) -> out.append("\n  ").append(k).append(" = ").append(v));
        return out.toString();
    }

    String preview(Schedule schedule, String description, List<ZonedDateTime> fires) {
        StringBuilder out = new StringBuilder(schedule.text()).append("\n").append(description);
        if (fires.isEmpty()) {
            out.append("\nno future fires");
        }
        fires.forEach(f -> out.append("\n  ").append(TIME.format(f)).append("  ")
                .append(f.getDayOfWeek().getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.UK)));
        return out.toString();
    }

    String deadLetters(List<DeadLetter> letters) {
        if (letters.isEmpty()) {
            return "no dead letters";
        }
        ZoneId zone = clock.getZone();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"RUN", "TASK", "ATTEMPTS", "FIRST ATTEMPT", "LAST ATTEMPT", "ARGUMENTS", "LAST ERROR"});
        for (DeadLetter d : letters) {
            rows.add(new String[] {d.runId(), d.taskId().toString(), String.valueOf(d.attempts()),
                    TIME.format(d.firstAttempt().atZone(zone)), TIME.format(d.lastAttempt().atZone(zone)),
                    d.arguments().isEmpty() ? "-" : d.arguments().toString(), oneLine(d.lastError())});
        }
        return align(rows);
    }

    String stats(SchedulerStats s) {
        StringBuilder out = new StringBuilder();
        out.append("since ").append(TIME.format(s.since().atZone(clock.getZone())))
                .append(s.paused() ? "  (scheduler paused)" : "").append("\n\nruns by status:");
        if (s.runsByStatus().isEmpty()) {
            out.append(" none yet");
        }
        s.runsByStatus().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> out.append("\n  ").append(String.format("%-10s %d", e.getKey(), e.getValue())));
        SchedulerStats.Lag lag = s.lag();
        out.append("\n\nfire lag of the last ").append(lag.samples()).append(" scheduled runs: p50 ")
                .append(micros(lag.p50())).append(", p90 ").append(micros(lag.p90())).append(", p99 ")
                .append(micros(lag.p99())).append(", max ").append(micros(lag.max())).append("\n\n");
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"POOL", "THREADS", "ACTIVE", "QUEUED", "EXTRA (stuck)"});
        s.pools().forEach(p -> rows.add(new String[] {p.priority().name(), String.valueOf(p.threads()),
                String.valueOf(p.active()), String.valueOf(p.queued()), String.valueOf(p.extra())}));
        out.append(s.executing() ? align(rows) : held(s).substring(1));
        if (!s.owners().isEmpty()) {
            out.append("\n\nby owner (SHARE: the most threads of the pool one owner may hold; its further runs "
                    + "queue):\n").append(owners(s.owners()));
        }
        out.append("\n\nstuck runs: ").append(s.stuckRuns()).append("   retries and submissions waiting: ")
                .append(s.pendingRetries())
                .append("   held locks: ").append(s.heldLocks());
        s.history().ifPresent(h -> out.append("\n\n").append(history(h)));
        return out.toString();
    }

    /** Each owner's use of each pool: threads held (stuck ones among them), its share, runs waiting. */
    String owners(List<SchedulerStats.OwnerUsage> owners) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"OWNER", "POOL", "RUNNING", "SHARE", "QUEUED", "STUCK"});
        owners.forEach(o -> rows.add(new String[] {o.owner(), o.priority().name(), String.valueOf(o.running()),
                String.valueOf(o.share()), String.valueOf(o.queued()), String.valueOf(o.stuck())}));
        return align(rows);
    }

    /**
     * E.g. {@code run history: at most 200 runs per task, 30 days; database file ./data/scheduler.mv.db, 48.2 MB}
     * then {@code pruning: 1234 runs since start, last full pass 10:15:02 (0.4 s); behind by 310 runs (at most 48
     * of one task)}.
     */
    String history(SchedulerStats.History h) {
        StringBuilder out = new StringBuilder("run history: at most ").append(h.maxRunsPerTask())
                .append(" runs per task");
        h.maxAge().ifPresent(age -> out.append(", ").append(age.toDays()).append(" days"));
        out.append("; ").append(h.store());
        if (h.sizeBytes() >= 0) {
            out.append(", ").append(String.format(java.util.Locale.ROOT, "%.1f MB", h.sizeBytes() / 1e6));
        }
        out.append("\npruning: ").append(h.pruned()).append(" runs since start");
        h.lastPass().ifPresent(t -> out.append(", last full pass ").append(TIME.format(t.atZone(clock.getZone())))
                .append(" (").append(micros(h.lastPassTook())).append(")"));
        if (h.maxAge().isPresent()) { // a store that prunes in passes: say how far behind
            out.append("; behind by ").append(h.behind()).append(" runs (at most ").append(h.mostBehind())
                    .append(" of one task)");
        } else {
            out.append("; never behind (pruned as runs are written)");
        }
        return out.toString();
    }

    private static String micros(Duration d) {
        long us = d.toNanos() / 1000;
        return us < 10_000 ? (us / 1000.0) + " ms" : (us / 1000) + " ms";
    }

    static ZoneId zoneOf(String scheduleText, ZoneId defaultZone) {
        try {
            return Schedule.parse(scheduleText).zone().orElse(defaultZone);
        } catch (ScheduleParseException e) {
            return defaultZone;
        }
    }

    private String relative(Instant instant) {
        Duration d = Duration.between(clock.instant(), instant);
        if (d.isNegative()) {
            return "due";
        }
        long s = d.getSeconds();
        if (s < 60) {
            return "in " + s + "s";
        }
        if (s < 3600) {
            return "in " + s / 60 + "m" + (s % 60 == 0 ? "" : " " + s % 60 + "s");
        }
        if (s < 86_400) {
            return "in " + s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + "m");
        }
        return "in " + s / 86_400 + "d" + (s % 86_400 / 3600 == 0 ? "" : " " + s % 86_400 / 3600 + "h");
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }

    private static String oneLine(String s) {
        String line = s.replace('\n', ' ').replace('\r', ' ');
        return line.length() > 100 ? line.substring(0, 97) + "..." : line;
    }

    static String align(List<String[]> rows) {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            if (out.length() > 0) {
                out.append('\n');
            }
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(row[c]);
                if (c < columns - 1) {
                    line.append(" ".repeat(width[c] - row[c].length() + 2));
                }
            }
            out.append(line.toString().stripTrailing());
        }
        return out.toString();
    }

}
