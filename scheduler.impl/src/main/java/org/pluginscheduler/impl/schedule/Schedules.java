package org.pluginscheduler.impl.schedule;

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
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * Evaluates {@link Schedule}s: cron through {@link CronMatcher} (cron-utils checks and describes it), RRULE through
 * lib-recur, both on wall-clock time mapped to instants by {@link WallClockMapper}; intervals and one-shots directly
 * on instants.
 */
public final class Schedules {

    /**
     * The cron parser, built on the first cron schedule evaluated rather than with this class: building cron-utils'
     * definition and parser loads and initialises much of that library (tens of milliseconds on a cold JVM), which
     * interval, one-shot and RRULE schedules never need.
     */
    private static final class CronParsing {
        static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    }

    /** An on-demand schedule's sequence: no fires. */
    private static final FireSequence NEVER = after -> Optional.empty();

    private Schedules() {
    }

    /**
     * @param defaultZone the zone for schedules without one
     * @param now         the registration instant (anchors intervals)
     * @throws ScheduleParseException if a library rejects what the API's syntax check accepted
     */
    public static FireSequence sequence(Schedule schedule, ZoneId defaultZone, Instant now) {
        ZoneId zone = schedule.zone().orElse(defaultZone);
        if (schedule instanceof Schedule.OnDemand) {
            return NEVER;
        }
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
    public static List<ZonedDateTime> preview(Schedule schedule, ZoneId defaultZone, Instant from, int count) {
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
    public static String describe(Schedule schedule, ZoneId defaultZone) {
        String zone = schedule.zone().orElse(defaultZone).getId();
        if (schedule instanceof Schedule.OnDemand) {
            return "on demand: only when triggered, submitted or called";
        }
        if (schedule instanceof Schedule.Cron c) {
            return CronDescriptor.instance(Locale.UK).describe(CronParsing.PARSER.parse(forCronUtils(
                    c.expression()))) + " (" + zone + ")";
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
        CronMatcher matcher = matcher(expression);
        WallClockMapper mapper = new WallClockMapper(zone, expression.split(" ")[1].startsWith("*"),
                matcher::nextAfter);
        return mapper::nextAfter;
    }

    /**
     * Compiled cron expressions, shared by every task (and preview) with the same expression: a
     * {@link CronMatcher} is immutable and about 150 bytes; compiling one, with cron-utils' check (see
     * {@link #validate}), costs tens of microseconds. Bounded: beyond {@value #MAX_CACHED} distinct expressions new
     * ones are compiled without being kept.
     */
    private static final ConcurrentHashMap<String, CronMatcher> MATCHERS = new ConcurrentHashMap<>();
    private static final int MAX_CACHED = 10_000;

    private static CronMatcher matcher(String expression) {
        CronMatcher cached = MATCHERS.get(expression);
        if (cached != null) {
            return cached;
        }
        validate(expression);
        CronMatcher compiled = CronMatcher.compile(expression);
        if (MATCHERS.size() < MAX_CACHED) {
            CronMatcher raced = MATCHERS.putIfAbsent(expression, compiled);
            return raced != null ? raced : compiled;
        }
        return compiled;
    }

    /**
     * Rejects, with cron-utils' message, what cron-utils rejects. Fires used to be computed by cron-utils'
     * {@code ExecutionTime} on the expressions below (Vixie's day-field semantics built around cron-utils' own); its
     * search took 5 to 85 µs a fire, {@link CronMatcher} takes about 0.2 µs. The accepted syntax and its error
     * messages stay as they were: the same expressions are parsed, in the same order, except that day-of-week
     * names are given to cron-utils as numbers: it reads SUN as 7, so it rejected ranges such as {@code SUN-SAT}
     * ("Invalid range! [7,6]") that Vixie cron, this project's syntax and {@link CronMatcher} read as 0–6.
     */
    private static void validate(String given) {
        String expression = forCronUtils(given);
        String[] f = expression.split(" ");
        boolean domRestricted = !f[2].startsWith("*");
        boolean dowRestricted = !f[4].startsWith("*");
        if (domRestricted && dowRestricted) {
            parse(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " *");
            parse(f[0] + " " + f[1] + " * " + f[3] + " " + f[4]);
        } else if (f[4].equals("*")) {
            parse(expression);
        } else {
            parse(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " *");
            parse("0 0 * * " + f[4]);
        }
    }

    /**
     * @return {@code expression} as cron-utils (which checks and describes expressions) accepts it, meaning the
     *         same: day-of-week names as numbers (it reads SUN as 7, see {@link #validate}), and the steps it
     *         rejects although this project's syntax (like Vixie cron) allows a step up to the field's size,
     *         written as what they select. A minute or hour step past the field's maximum selects only the range's
     *         first value ({@code *}{@code /60} is minute 0, {@code 0 *}{@code /24 * * *} hour 0); a day-of-week step
     *         of 8 ({@code *}{@code /8}) becomes {@code *}{@code /7}, the same Sunday, still starting with {@code *}
     *         (a day field starting with {@code *} changes how the two day fields combine), and a day-of-week range
     *         with a step of 7 or more selects one weekday. cron-utils rejected these with "Period 60 not in range
     *         [0, 59]", naming no field, and only once the schedule was computed or previewed, after it had parsed:
     *         one expression, one verdict now.
     */
    static String forCronUtils(String expression) {
        String[] fields = expression.split(" ");
        if (fields.length != 5) {
            return expression;
        }
        fields[4] = dayNumbers(fields[4]);
        int[] maxima = {59, 23};
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.append(' ');
            }
            String[] items = fields[i].split(",", -1);
            for (int j = 0; j < items.length; j++) {
                if (j > 0) {
                    out.append(',');
                }
                out.append(i < 2 ? firstIfStepPastMaximum(items[j], maxima[i])
                        : i == 4 ? dayOfWeekStep(items[j]) : items[j]);
            }
        }
        return out.toString();
    }

    /** A minute or hour item whose step cron-utils rejects (past the maximum): the one value it selects. */
    private static String firstIfStepPastMaximum(String item, int maximum) {
        int slash = item.indexOf('/');
        if (slash < 0) {
            return item;
        }
        try {
            int step = Integer.parseInt(item.substring(slash + 1));
            if (step <= maximum) {
                return item;
            }
            String stepped = item.substring(0, slash);
            return stepped.equals("*") ? "0" : Integer.toString(Integer.parseInt(stepped.split("-")[0]));
        } catch (NumberFormatException e) {
            return item; // not this project's syntax: cron-utils says what it thinks
        }
    }

    /** A day-of-week item (numbers) with a step of 7 or more: one weekday; {@code *}/N stays a {@code *} form. */
    private static String dayOfWeekStep(String item) {
        int slash = item.indexOf('/');
        if (slash < 0) {
            return item;
        }
        try {
            int step = Integer.parseInt(item.substring(slash + 1));
            String stepped = item.substring(0, slash);
            if (step < 7) {
                return item;
            }
            if (stepped.equals("*")) {
                return "*/7"; // 0 and 7: Sunday, as */N for any N of 7 or more
            }
            return Integer.toString(Integer.parseInt(stepped.split("-")[0]) % 7);
        } catch (NumberFormatException e) {
            return item;
        }
    }

    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    /** @return the day-of-week field with names replaced by their numbers (SUN = 0) */
    private static String dayNumbers(String field) {
        String numbered = field;
        for (int d = 0; d < DAYS.length; d++) {
            numbered = numbered.replace(DAYS[d], Integer.toString(d));
        }
        return numbered;
    }

    private static void parse(String expression) {
        try {
            ExecutionTime.forCron(CronParsing.PARSER.parse(expression));
        } catch (IllegalArgumentException e) {
            throw new ScheduleParseException("cron", e.getMessage());
        }
    }

    // --- intervals and one-shots -----------------------------------------------------------------------------

    /**
     * Fires at {@code anchor + k * period}, counted with {@link Duration}s (seconds and nanoseconds), not in a long
     * of nanoseconds: that holds only 292 years, so the fourth fire of a 100-year interval (the API allows 200) came
     * out centuries before the first. Below 100 years the count stays in nanoseconds (it is the common case, and
     * cheaper than {@link Duration#dividedBy(Duration)}).
     */
    private static final long NANOS_FIT = Duration.ofDays(36_500).getSeconds();

    private static FireSequence interval(Instant anchor, Duration period) {
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
                Duration elapsed = Duration.between(anchor, after);
                if (elapsed.getSeconds() < NANOS_FIT && period.getSeconds() < NANOS_FIT) {
                    // both under 100 years: the next fire is under 200 years from the anchor, within a long
                    long periodNanos = period.toNanos();
                    return Optional.of(anchor.plusNanos((elapsed.toNanos() / periodNanos + 1) * periodNanos));
                }
                return Optional.of(anchor.plus(period.multipliedBy(elapsed.dividedBy(period) + 1)));
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
        /** Evaluates the rule where lib-recur is wrong or gives up; see {@link #libRecurIsWrongFor} */
        private final RRuleExpander expander;
        private boolean expanding;
        /** UNTIL given in UTC, an instant no fire may follow; null without one */
        private final Instant until;
        /** Periods ahead of the iterator beyond which {@link #libRecurNext} restarts it near the target */
        private static final long RESTART_PERIODS = 100_000;
        private RecurrenceRuleIterator iterator;
        private LocalDateTime position;

        RRuleSequence(Schedule.RRule schedule, ZoneId zone) {
            LocalDateTime s = schedule.start().truncatedTo(ChronoUnit.SECONDS);
            // the API holds start= within the years 0000-9999 (lib-recur loops for ever fast-forwarding a rule such
            // as FREQ=DAILY;INTERVAL=999999999 from a negative year) and UNTIL to a real date or date-time
            this.startLocal = s;
            this.start = dateTime(s);
            Matcher utcUntil = UTC_UNTIL.matcher(schedule.rule());
            this.until = utcUntil.find() ? LocalDateTime.parse(utcUntil.group(1), BASIC).toInstant(ZoneOffset.UTC)
                    : null;
            try {
                this.rule = new RecurrenceRule(floatingUntil(schedule.rule(), zone), RecurrenceRule.RfcMode.RFC5545_STRICT);
                this.periodSeconds = periodSeconds(rule);
                this.expander = new RRuleExpander(rule, s, true);
                this.expanding = libRecurIsWrongFor(rule);
                if (!expanding) {
                    // lib-recur checks some things only when iterating: do it now, so a bad rule fails at
                    // registration rather than on the timer
                    try {
                        rule.iterator(start).hasNext();
                    } catch (RuntimeException e) {
                        // it gave up on a sparse rule ("too many empty recurrence sets"), or failed (see
                        // nextWall); rules it rejects outright failed in its constructor
                        expanding = true;
                    }
                }
            } catch (InvalidRecurrenceRuleException | IllegalArgumentException e) {
                throw new ScheduleParseException("rrule", String.valueOf(e.getMessage()));
            }
            if (expanding) {
                checkOccurs(rule, s);
            }
            this.mapper = new WallClockMapper(zone, false, this::nextWall);
        }

        /**
         * Rules whose evaluation goes to {@link RRuleExpander} from the start, because lib-recur 0.17.1 gets them
         * wrong (upstream-worthy; each case is a test in {@code RRuleLibRecurTest}):
         * <ul>
         * <li>BYSETPOS with a DTSTART after the start of its period: positions are counted from DTSTART instead of
         * the period's start, so it fires on dates that are not instances
         * ({@code FREQ=YEARLY;BYMONTH=3,8,12;BYMONTHDAY=-3,-1;BYSETPOS=3} from 2021-08-29 gives 2021-12-29), and a
         * position no period fills throws {@code IllegalStateException} on the first computation;</li>
         * <li>BYWEEKNO: week 53 is produced in years that have only 52 weeks, and on the wrong weekday
         * ({@code FREQ=YEARLY;BYWEEKNO=20,53;BYDAY=FR} gives 2027-12-31, in week 52, and Thursday 2029-01-04);</li>
         * <li>YEARLY with BYMONTHDAY but no BYMONTH: only DTSTART's month, where RFC 5545's table expands the day
         * over the year ({@code FREQ=YEARLY;BYMONTHDAY=15} is the 15th of every month);</li>
         * <li>BYYEARDAY in an HOURLY, MINUTELY or SECONDLY rule: a negative day is a day early in a 365-day year
         * ({@code FREQ=HOURLY;BYYEARDAY=-21} gives 2010-12-10, day 344, for day 345).</li>
         * </ul>
         * Rules lib-recur gives up on (it throws "too many empty recurrence sets" or "too many filtered recurrence
         * instances" for valid but sparse rules such as {@code FREQ=MINUTELY;BYMONTH=3} from October, and for rules
         * that never occur) go to the expander when that happens, which computes the first or rejects the second.
         */
        private static boolean libRecurIsWrongFor(RecurrenceRule rule) {
            return rule.hasPart(RecurrenceRule.Part.BYSETPOS) || rule.hasPart(RecurrenceRule.Part.BYWEEKNO)
                    || rule.getFreq() == Freq.YEARLY && rule.hasPart(RecurrenceRule.Part.BYMONTHDAY)
                            && !rule.hasPart(RecurrenceRule.Part.BYMONTH)
                    || rule.hasPart(RecurrenceRule.Part.BYYEARDAY) && (rule.getFreq() == Freq.HOURLY
                            || rule.getFreq() == Freq.MINUTELY || rule.getFreq() == Freq.SECONDLY);
        }

        /** Rejects, at parse time, a rule with no occurrence at all (whatever its COUNT or UNTIL). */
        private static void checkOccurs(RecurrenceRule rule, LocalDateTime start) {
            RRuleExpander unbounded = new RRuleExpander(rule, start, false);
            Optional<String[]> because = unbounded.neverBecause();
            if (because.isPresent()) {
                throw new ScheduleParseException(because.get()[0], because.get()[1]);
            }
            if (unbounded.nextAfter(start.minusSeconds(1)).isEmpty()) {
                throw new ScheduleParseException("rrule", unbounded.exhaustedBudget()
                        ? "finds no occurrence within " + RRuleExpander.BUDGET + " candidate date-times of start="
                                + start + ": a rule this sparse is not supported"
                        : "never occurs: no date-time from start=" + start + " to the year " + RRuleExpander.LAST_YEAR
                                + " matches all its parts");
            }
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
            if (expanding) {
                return expander.nextAfter(after);
            }
            try {
                return libRecurNext(after);
            } catch (RuntimeException e) {
                // lib-recur gave up in a long empty stretch of a sparse rule ("too many empty recurrence sets"),
                // or failed: FREQ=YEARLY;BYYEARDAY=-366;BYDAY=TH throws ArrayIndexOutOfBoundsException in a year
                // of 365 days (day 0 does not exist); the expander computes every rule lib-recur accepted
                expanding = true;
                return expander.nextAfter(after);
            }
        }

        private Optional<LocalDateTime> libRecurNext(LocalDateTime after) {
            if (iterator == null || after.isBefore(position) || periodSeconds > 0
                    && ChronoUnit.SECONDS.between(position, after) / periodSeconds > RESTART_PERIODS) {
                // backwards, or far ahead: lib-recur's fast-forward steps through every period in between (a
                // SECONDLY rule: about 160 ms a year), a restart from a moved DTSTART costs a few
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
            if (next.getYear() > RRuleExpander.LAST_YEAR) {
                // as the expander: no date past the year 9999 (lib-recur's date arithmetic wraps around far beyond
                // it: FREQ=HOURLY;INTERVAL=999999999 went to the years 116103, 230183, 82118, ...)
                return Optional.empty();
            }
            if (next.isAllDay()) {
                return Optional.of(LocalDateTime.of(next.getYear(), next.getMonth() + 1, next.getDayOfMonth(), 0, 0));
            }
            return Optional.of(LocalDateTime.of(next.getYear(), next.getMonth() + 1, next.getDayOfMonth(),
                    next.getHours(), next.getMinutes(), next.getSeconds()));
        }
    }

}
