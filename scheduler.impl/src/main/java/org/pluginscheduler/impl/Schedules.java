package org.pluginscheduler.impl;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.dmfs.rfc5545.DateTime;
import org.dmfs.rfc5545.recur.Freq;
import org.dmfs.rfc5545.recur.InvalidRecurrenceRuleException;
import org.dmfs.rfc5545.recur.RecurrenceRule;
import org.dmfs.rfc5545.recur.RecurrenceRuleIterator;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * Evaluates {@link Schedule}s: cron through cron-utils, RRULE through lib-recur, both on wall-clock time mapped
 * to instants by {@link WallClockMapper}; intervals and one-shots directly on instants.
 */
final class Schedules {

    /**
     * The cron parser, built on the first cron schedule evaluated rather than with this class: building cron-utils'
     * definition and parser loads and initialises much of that library (tens of milliseconds on a cold JVM), which
     * interval, one-shot and RRULE schedules never need.
     */
    private static final class CronParsing {
        static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    }

    private Schedules() {
    }

    /**
     * @param defaultZone the zone for schedules without one
     * @param now         the registration instant (anchors intervals)
     * @throws ScheduleParseException if a library rejects what the API's syntax check accepted
     */
    static FireSequence sequence(Schedule schedule, ZoneId defaultZone, Instant now) {
        ZoneId zone = schedule.zone().orElse(defaultZone);
        if (schedule instanceof Schedule.Cron c) {
            return cron(c.expression(), zone);
        } else if (schedule instanceof Schedule.Interval i) {
            return interval(now.plus(i.initialDelay()), i.period());
        } else if (schedule instanceof Schedule.Once o) {
            return once(o.at());
        }
        return new RRuleSequence((Schedule.RRule) schedule, zone);
    }

    /** @return the next {@code count} fires after {@code from}, in the schedule's zone */
    static List<ZonedDateTime> preview(Schedule schedule, ZoneId defaultZone, Instant from, int count) {
        ZoneId zone = schedule.zone().orElse(defaultZone);
        FireSequence sequence = sequence(schedule, defaultZone, from);
        List<ZonedDateTime> fires = new ArrayList<>();
        Optional<Instant> next = sequence.first(from);
        while (next.isPresent() && fires.size() < count) {
            fires.add(next.get().atZone(zone));
            next = sequence.nextAfter(next.get());
        }
        return fires;
    }

    /** @return a plain-English description */
    static String describe(Schedule schedule, ZoneId defaultZone) {
        String zone = schedule.zone().orElse(defaultZone).getId();
        if (schedule instanceof Schedule.Cron c) {
            return CronDescriptor.instance(Locale.UK).describe(CronParsing.PARSER.parse(c.expression())) + " (" + zone
                    + ")";
        } else if (schedule instanceof Schedule.Interval i) {
            return "every " + human(i.period()) + (i.initialDelay().isZero() ? ", starting at registration"
                    : ", starting " + human(i.initialDelay()) + " after registration");
        } else if (schedule instanceof Schedule.Once o) {
            return "once, at " + DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(o.at()
                    .atZone(schedule.zone().orElse(defaultZone))) + " (" + zone + ")";
        }
        Schedule.RRule r = (Schedule.RRule) schedule;
        return "RFC 5545 recurrence " + r.rule() + " from " + r.start() + " (" + zone + ")";
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT)
                .replaceAll("(\\d)h", "$1 h ").replaceAll("(\\d)m", "$1 min ").replaceAll("([\\d.]+)s", "$1 s")
                .trim();
    }

    // --- cron ------------------------------------------------------------------------------------------------

    private static FireSequence cron(String expression, ZoneId zone) {
        String[] f = expression.split(" ");
        boolean domRestricted = !f[2].startsWith("*");
        boolean dowRestricted = !f[4].startsWith("*");
        Function<LocalDateTime, Optional<LocalDateTime>> nextWall;
        if (domRestricted && dowRestricted) {
            // Vixie cron: with both day fields restricted, a day matches if either does
            ExecutionTime byDayOfMonth = execution(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " *");
            ExecutionTime byDayOfWeek = execution(f[0] + " " + f[1] + " * " + f[3] + " " + f[4]);
            nextWall = after -> {
                Optional<LocalDateTime> a = next(byDayOfMonth, after);
                Optional<LocalDateTime> b = next(byDayOfWeek, after);
                if (a.isEmpty() || b.isEmpty()) {
                    return a.isEmpty() ? b : a;
                }
                return Optional.of(a.get().isBefore(b.get()) ? a.get() : b.get());
            };
        } else if (f[4].equals("*")) {
            ExecutionTime all = execution(expression);
            nextWall = after -> next(all, after);
        } else {
            // Vixie cron: a day field starting with '*' (such as */2) makes the two fields AND-ed; cron-utils would
            // OR them, so match day-of-month and time first and filter the day of week
            ExecutionTime byDayOfMonth = execution(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " *");
            ExecutionTime dayOfWeek = execution("0 0 * * " + f[4]);
            nextWall = after -> {
                LocalDateTime from = after;
                for (int i = 0; i < 10_000; i++) {
                    Optional<LocalDateTime> candidate = next(byDayOfMonth, from);
                    if (candidate.isEmpty()
                            || dayOfWeek.isMatch(candidate.get().toLocalDate().atStartOfDay(ZoneOffset.UTC))) {
                        return candidate;
                    }
                    from = candidate.get().toLocalDate().atTime(23, 59, 59);
                }
                return Optional.empty();
            };
        }
        WallClockMapper mapper = new WallClockMapper(zone, f[1].startsWith("*"), nextWall);
        return mapper::nextAfter;
    }

    private static Optional<LocalDateTime> next(ExecutionTime time, LocalDateTime after) {
        return time.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
    }

    /**
     * Parsed cron expressions, shared by every task (and preview) with the same expression. cron-utils'
     * {@code ExecutionTime} is immutable once built (final fields, lists sorted in constructors only), so sharing is
     * safe across threads. A parsed expression costs about 1.4 KB of heap and a parse tens of microseconds;
     * registration used to parse each task's expression twice (validation, then planning) and keep a copy per task.
     * Bounded: beyond {@value #MAX_CACHED} distinct expressions new ones are parsed without being kept.
     */
    private static final ConcurrentHashMap<String, ExecutionTime> EXECUTIONS = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 10_000;

    private static ExecutionTime execution(String expression) {
        ExecutionTime cached = EXECUTIONS.get(expression);
        if (cached != null) {
            return cached;
        }
        ExecutionTime parsed;
        try {
            Cron cron = CronParsing.PARSER.parse(expression);
            parsed = ExecutionTime.forCron(cron);
        } catch (IllegalArgumentException e) {
            throw new ScheduleParseException("cron", e.getMessage());
        }
        if (EXECUTIONS.size() < MAX_CACHED) {
            ExecutionTime raced = EXECUTIONS.putIfAbsent(expression, parsed);
            return raced != null ? raced : parsed;
        }
        return parsed;
    }

    // --- intervals and one-shots -----------------------------------------------------------------------------

    private static FireSequence interval(Instant anchor, Duration period) {
        long periodNanos = period.toNanos();
        return new FireSequence() {
            @Override
            public Optional<Instant> first(Instant now) {
                return Optional.of(anchor);
            }

            @Override
            public Optional<Instant> nextAfter(Instant after) {
                if (after.isBefore(anchor)) {
                    return Optional.of(anchor);
                }
                long elapsed = Duration.between(anchor, after).toNanos();
                return Optional.of(anchor.plusNanos((elapsed / periodNanos + 1) * periodNanos));
            }
        };
    }

    private static FireSequence once(Instant at) {
        return new FireSequence() {
            @Override
            public Optional<Instant> first(Instant now) {
                return Optional.of(at); // a past instant fires once, immediately
            }

            @Override
            public Optional<Instant> nextAfter(Instant after) {
                return at.isAfter(after) ? Optional.of(at) : Optional.empty();
            }
        };
    }

    // --- RRULE -----------------------------------------------------------------------------------------------

    /**
     * Iterates the rule in floating (zone-less) time from DTSTART and keeps the iterator, so each fire advances
     * it a step; only a request for an earlier time than the last (previews, DST look-back) restarts it.
     */
    private static final class RRuleSequence implements FireSequence {
        private static final Pattern UTC_UNTIL = Pattern.compile("UNTIL=(\\d{8}T\\d{6})Z");
        private static final Pattern DATE_UNTIL = Pattern.compile("UNTIL=(\\d{8})(?![T\\d])");
        private static final DateTimeFormatter BASIC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

        private final RecurrenceRule rule;
        private final DateTime start;
        private final LocalDateTime startLocal;
        /** See {@link #startFor}: the fixed length of the rule's INTERVAL periods, or 0 if it cannot move. */
        private final long periodSeconds;
        private final WallClockMapper mapper;
        /** UNTIL given in UTC, an instant no fire may follow; null without one */
        private final Instant until;
        private RecurrenceRuleIterator iterator;
        private LocalDateTime position;

        RRuleSequence(Schedule.RRule schedule, ZoneId zone) {
            LocalDateTime s = schedule.start().truncatedTo(ChronoUnit.SECONDS);
            this.startLocal = s;
            this.start = dateTime(s);
            Matcher utcUntil = UTC_UNTIL.matcher(schedule.rule());
            this.until = utcUntil.find() ? LocalDateTime.parse(utcUntil.group(1), BASIC).toInstant(ZoneOffset.UTC)
                    : null;
            try {
                this.rule = new RecurrenceRule(floatingUntil(schedule.rule(), zone), RecurrenceRule.RfcMode.RFC5545_STRICT);
                // lib-recur checks some things only when iterating (and gives up on rules that never occur): do it
                // now, so a bad rule fails at registration rather than on the timer
                rule.iterator(start).hasNext();
                this.periodSeconds = periodSeconds(rule);
            } catch (InvalidRecurrenceRuleException | IllegalArgumentException e) {
                throw new ScheduleParseException("rrule", String.valueOf(e.getMessage()));
            }
            this.mapper = new WallClockMapper(zone, false, this::nextWall);
        }

        /**
         * UNTIL in UTC (as RFC 5545 asks with a zoned DTSTART) becomes a floating local time in the zone: the
         * latest wall time that may fire at or before it (in the second pass of an overlap, the end of the
         * overlap, as its wall times fired in the first pass); {@link #nextAfter} drops what still maps later
         * (wall times in a gap just before UNTIL). A DATE UNTIL, which the API accepts but RFC 5545 and lib-recur's
         * strict mode reject with a DATE-TIME DTSTART, includes the whole day.
         */
        private static String floatingUntil(String rule, ZoneId zone) {
            Matcher date = DATE_UNTIL.matcher(rule);
            if (date.find()) {
                return date.replaceFirst("UNTIL=$1T235959");
            }
            Matcher m = UTC_UNTIL.matcher(rule);
            if (!m.find()) {
                return rule;
            }
            Instant until = LocalDateTime.parse(m.group(1), BASIC).toInstant(ZoneOffset.UTC);
            LocalDateTime local = LocalDateTime.ofInstant(until, zone);
            ZoneOffsetTransition previous = zone.getRules().previousTransition(until.plusNanos(1));
            if (previous != null && previous.isOverlap() && local.isBefore(previous.getDateTimeBefore())) {
                local = previous.getDateTimeBefore().minusSeconds(1);
            }
            return m.replaceFirst("UNTIL=" + BASIC.format(local));
        }

        @Override
        public Optional<Instant> nextAfter(Instant after) {
            Optional<Instant> next = mapper.nextAfter(after);
            return until == null ? next : next.filter(fire -> !fire.isAfter(until));
        }

        /**
         * Seconds in one period of a rule whose occurrences repeat every INTERVAL periods of a fixed length in
         * floating time (SECONDLY to WEEKLY; days and weeks have no DST in floating time), so that DTSTART moved
         * forward by whole periods yields the same occurrences from there on: the BY-parts only filter or expand
         * within a period. 0 for rules that must start at their DTSTART: COUNT counts from it, and MONTHLY/YEARLY
         * periods have no fixed length (and lib-recur skips through them quickly anyway).
         */
        private static long periodSeconds(RecurrenceRule rule) {
            if (rule.getCount() != null || rule.getSkip() != RecurrenceRule.Skip.OMIT) {
                return 0;
            }
            Freq freq = rule.getFreq();
            long unit = freq == Freq.SECONDLY ? 1 : freq == Freq.MINUTELY ? 60 : freq == Freq.HOURLY ? 3_600
                    : freq == Freq.DAILY ? 86_400 : freq == Freq.WEEKLY ? 604_800 : 0;
            return unit * Math.max(1, rule.getInterval());
        }

        /**
         * Where to start iterating for a fire after {@code after}: DTSTART, or for a rule with fixed periods DTSTART
         * moved forward by whole periods to at least one period before {@code after}. lib-recur's fast-forward
         * walks every occurrence from the start (a 15-minute rule with DTSTART ten years back: 350,000 steps, about
         * a millisecond), so without this registering, previewing and re-planning an old rule cost time in
         * proportion to its age. An occurrence at or before the moved start is never asked for, so neither is a
         * moved start that does not match the rule itself.
         */
        private DateTime startFor(LocalDateTime after) {
            if (periodSeconds == 0) {
                return start;
            }
            long periods = ChronoUnit.SECONDS.between(startLocal, after) / periodSeconds - 1;
            return periods < 1 ? start : dateTime(startLocal.plusSeconds(periods * periodSeconds));
        }

        private static DateTime dateTime(LocalDateTime s) {
            return new DateTime(s.getYear(), s.getMonthValue() - 1, s.getDayOfMonth(), s.getHour(), s.getMinute(),
                    s.getSecond());
        }

        private Optional<LocalDateTime> nextWall(LocalDateTime after) {
            if (iterator == null || after.isBefore(position)) {
                iterator = rule.iterator(startFor(after));
            }
            position = after;
            LocalDateTime target = after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
            iterator.fastForward(new DateTime(target.getYear(), target.getMonthValue() - 1, target.getDayOfMonth(),
                    target.getHour(), target.getMinute(), target.getSecond()));
            if (!iterator.hasNext()) {
                return Optional.empty();
            }
            DateTime next = iterator.peekDateTime();
            if (next.isAllDay()) {
                return Optional.of(LocalDateTime.of(next.getYear(), next.getMonth() + 1, next.getDayOfMonth(), 0, 0));
            }
            return Optional.of(LocalDateTime.of(next.getYear(), next.getMonth() + 1, next.getDayOfMonth(),
                    next.getHours(), next.getMinutes(), next.getSeconds()));
        }
    }

}
