package org.pluginscheduler.impl.schedule;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.dmfs.rfc5545.DateTime;
import org.dmfs.rfc5545.recur.Freq;
import org.dmfs.rfc5545.recur.RecurrenceRule;
import org.dmfs.rfc5545.recur.RecurrenceRule.Part;
import org.dmfs.rfc5545.recur.RecurrenceRule.WeekdayNum;

/**
 * Expands an RRULE, parsed by lib-recur, period by period as RFC 5545 section 3.3.10 defines it, for the rules
 * where lib-recur's own iteration is wrong or gives up (see {@link Schedules}). Each period (a calendar year for
 * YEARLY, a month, a week starting on WKST, a day; an hour, minute or second) yields the date-times that every
 * BYxxx part admits, in order; BYSETPOS picks from that whole set, before DTSTART bounds it, so a DTSTART in the
 * middle of a period does not shift the positions. Parts the rule leaves open come from DTSTART (its time of day;
 * its day of the month for MONTHLY, and its month too for YEARLY, without day parts; its weekday for WEEKLY, and for
 * YEARLY with BYWEEKNO alone). A day matches BYWEEKNO when its own week (weeks start on WKST; week 1 holds at least
 * four days of its year) has that number in the week-numbering year it belongs to, so a year without a week 53
 * yields nothing for 53. BYDAY ordinals count in the month for MONTHLY, and for YEARLY with BYMONTH; in the year
 * otherwise. Second 60 (a leap second) never occurs: java.time has none.
 *
 * <p>Floating (wall-clock) time; {@link WallClockMapper} maps it to instants. Sparse rules are cheap: months, days
 * and hours that a part rules out are skipped whole. A search examines at most {@value #BUDGET} candidates (tens of
 * milliseconds) and no date past {@value #LAST_YEAR}; past that it reports no occurrence. Not thread-safe.
 */
final class RRuleExpander {

    static final int BUDGET = 4_000_000;
    static final int LAST_YEAR = 9999;
    /** The most date-times a period may hold for BYSETPOS, which needs them all at once (about 50 MB). */
    static final int MAX_PERIOD = 1_000_000;

    private static final int SECONDLY = 0, MINUTELY = 1, HOURLY = 2, DAILY = 3, WEEKLY = 4, MONTHLY = 5, YEARLY = 6;

    private final int freq;
    private final int interval;
    private final Integer count;
    private final LocalDateTime until;
    private final LocalDateTime start;
    private final DayOfWeek weekStart;
    private final boolean[] months = new boolean[13];
    private final boolean anyMonth;
    private final int[] weekNumbers, yearDays, monthDays, setPositions;
    private final int[] dayOrdinals, dayWeekdays; // BYDAY: ordinal (0 = every) and ISO weekday, pairwise
    private final boolean ordinalsInMonth;
    private final int[] hours, minutes, seconds; // sorted candidate values within the period's unit
    private final boolean hourLimits, minuteLimits; // for fine periods: the part limits the period
    /**
     * The part that makes the rule empty whatever the dates (only second 60; a BYSETPOS beyond any period's size) or
     * that this expander cannot compute (a BYSETPOS period too large to hold), and why; null if there is none.
     */
    private final String neverPart, neverReason;
    private final int defaultMonthDay; // 0 if none
    private final int defaultMonth; // 0 if none
    private final DayOfWeek defaultWeekday; // null if none

    /** Instances counted from DTSTART up to and including {@link #cursor} (COUNT rules only). */
    private LocalDateTime cursor;
    private int counted;
    private int budget;
    /** The last period expanded (DAILY and longer) and its instances: the next fires mostly fall in it. */
    private long cachedPeriod = Long.MIN_VALUE;
    private List<LocalDateTime> cachedSet = List.of();

    /**
     * @param bounded whether the rule's COUNT and UNTIL apply (false: look for any occurrence at all)
     */
    RRuleExpander(RecurrenceRule rule, LocalDateTime start, boolean bounded) {
        this.start = start;
        Freq f = rule.getFreq();
        freq = f == Freq.SECONDLY ? SECONDLY : f == Freq.MINUTELY ? MINUTELY : f == Freq.HOURLY ? HOURLY
                : f == Freq.DAILY ? DAILY : f == Freq.WEEKLY ? WEEKLY : f == Freq.MONTHLY ? MONTHLY : YEARLY;
        interval = Math.max(1, rule.getInterval());
        count = bounded ? rule.getCount() : null;
        DateTime u = bounded ? rule.getUntil() : null;
        until = u == null ? null : u.isAllDay() ? LocalDate.of(u.getYear(), u.getMonth() + 1, u.getDayOfMonth())
                .atTime(LocalTime.MAX) : LocalDateTime.of(u.getYear(), u.getMonth() + 1, u.getDayOfMonth(),
                u.getHours(), u.getMinutes(), u.getSeconds());
        weekStart = DayOfWeek.of(rule.getWeekStart().ordinal() == 0 ? 7 : rule.getWeekStart().ordinal());
        int[] byMonth = part(rule, Part.BYMONTH);
        anyMonth = byMonth == null;
        if (byMonth != null) {
            for (int m : byMonth) {
                months[m + 1] = true; // lib-recur numbers months from 0
            }
        }
        weekNumbers = part(rule, Part.BYWEEKNO);
        yearDays = part(rule, Part.BYYEARDAY);
        monthDays = part(rule, Part.BYMONTHDAY);
        setPositions = part(rule, Part.BYSETPOS);
        List<WeekdayNum> byDay = rule.hasPart(Part.BYDAY) ? rule.getByDayPart() : List.of();
        dayOrdinals = new int[byDay.size()];
        dayWeekdays = new int[byDay.size()];
        for (int i = 0; i < byDay.size(); i++) {
            dayOrdinals[i] = byDay.get(i).pos;
            int ordinal = byDay.get(i).weekday.ordinal(); // lib-recur: SU = 0 … SA = 6
            dayWeekdays[i] = ordinal == 0 ? 7 : ordinal;
        }
        ordinalsInMonth = freq == MONTHLY || freq == YEARLY && byMonth != null;
        boolean noDayParts = weekNumbers == null && yearDays == null && monthDays == null && byDay.isEmpty();
        defaultMonth = noDayParts && freq == YEARLY && byMonth == null ? start.getMonthValue() : 0;
        defaultMonthDay = noDayParts && (freq == YEARLY || freq == MONTHLY) ? start.getDayOfMonth() : 0;
        defaultWeekday = noDayParts && freq == WEEKLY || freq == YEARLY && weekNumbers != null && yearDays == null
                && monthDays == null && byDay.isEmpty() ? start.getDayOfWeek() : null;
        int[] byHour = part(rule, Part.BYHOUR);
        int[] byMinute = part(rule, Part.BYMINUTE);
        int[] bySecond = part(rule, Part.BYSECOND);
        hours = values(byHour, start.getHour(), freq > HOURLY, 23);
        minutes = values(byMinute, start.getMinute(), freq > MINUTELY, 59);
        seconds = values(bySecond, start.getSecond(), freq > SECONDLY, 59);
        hourLimits = byHour != null;
        minuteLimits = byMinute != null;
        if (seconds.length == 0) {
            neverPart = "BYSECOND";
            neverReason = "60 (a leap second) is the only second given, and it never occurs";
        } else if (setPositions != null && maxPeriodSize() > MAX_PERIOD) {
            neverPart = "BYSETPOS";
            neverReason = "a period of this rule can hold " + maxPeriodSize() + " date-times; BYSETPOS is supported "
                    + "on periods of at most " + MAX_PERIOD + " (narrow BYHOUR, BYMINUTE or BYSECOND)";
        } else if (setPositions != null && Arrays.stream(setPositions).allMatch(p -> Math.abs(p) > maxPeriodSize())) {
            neverPart = "BYSETPOS";
            neverReason = "a period of this rule holds at most " + maxPeriodSize() + " date-times, so no position "
                    + "given is ever filled and the rule never occurs";
        } else {
            neverPart = null;
            neverReason = null;
        }
    }

    /**
     * @return the part that makes the rule empty whatever the dates, or that this expander cannot compute, and
     *         why; empty if there is none
     */
    Optional<String[]> neverBecause() {
        return neverPart != null ? Optional.of(new String[] {neverPart, neverReason}) : Optional.empty();
    }

    /** The most date-times one period can hold: BYSETPOS positions beyond it never fill. */
    private long maxPeriodSize() {
        if (freq == SECONDLY) {
            return 1;
        }
        long times = (long) seconds.length * (freq > MINUTELY ? minutes.length : 1)
                * (freq > HOURLY ? hours.length : 1);
        int days = freq == YEARLY ? 366 : freq == MONTHLY ? 31 : freq == WEEKLY ? 7 : 1;
        return freq >= DAILY ? times * days : times;
    }

    private static int[] part(RecurrenceRule rule, Part part) {
        if (!rule.hasPart(part)) {
            return null;
        }
        return rule.getByPart(part).stream().mapToInt(Integer::intValue).toArray();
    }

    /** The values a period may take in one unit: the part's (60 dropped), DTSTART's, or every value. */
    private static int[] values(int[] part, int fromStart, boolean fixed, int max) {
        if (part != null) {
            return Arrays.stream(part).filter(v -> v <= max).distinct().sorted().toArray();
        }
        if (fixed) {
            return new int[] {fromStart};
        }
        int[] all = new int[max + 1];
        for (int i = 0; i <= max; i++) {
            all[i] = i;
        }
        return all;
    }

    /**
     * @return the first instance strictly after {@code after}, honouring COUNT and UNTIL; empty if the rule has
     *         ended or none is found within the search budget or before year {@value #LAST_YEAR}
     */
    Optional<LocalDateTime> nextAfter(LocalDateTime after) {
        if (count == null) {
            return nextInstance(after).filter(t -> until == null || !t.isAfter(until));
        }
        if (cursor == null || after.isBefore(cursor)) {
            cursor = null;
            counted = 0;
        }
        while (counted < count) {
            Optional<LocalDateTime> next = nextInstance(cursor == null ? start.minusSeconds(1) : cursor);
            if (next.isEmpty()) {
                return next;
            }
            cursor = next.get();
            counted++;
            if (cursor.isAfter(after)) {
                return next;
            }
        }
        return Optional.empty();
    }

    /** @return whether the last search ran out of budget rather than reaching the end of the rule */
    boolean exhaustedBudget() {
        return budget <= 0;
    }

    /** @return how much of its budget the last search used (candidates, days and months examined) */
    int lastSearchCost() {
        return BUDGET - budget;
    }

    /** The first instance after {@code after} and at or after DTSTART, ignoring COUNT and UNTIL. */
    private Optional<LocalDateTime> nextInstance(LocalDateTime after) {
        budget = BUDGET;
        if (neverPart != null) {
            return Optional.empty();
        }
        LocalDateTime from = after.isBefore(start) ? start.minusSeconds(1) : after;
        return freq >= DAILY ? nextByPeriods(from) : nextByDays(from);
    }

    // --- DAILY, WEEKLY, MONTHLY, YEARLY: whole periods ---------------------------------------------------------

    private Optional<LocalDateTime> nextByPeriods(LocalDateTime after) {
        long k = Math.max(0, periodIndex(after.toLocalDate()));
        k -= k % interval;
        List<LocalDateTime> set = new ArrayList<>();
        while (budget > 0) {
            LocalDate first = periodStart(k);
            if (first.getYear() > LAST_YEAR || until != null && first.atStartOfDay().isAfter(until)) {
                return Optional.empty();
            }
            if (freq == DAILY && !anyMonth && !months[first.getMonthValue()]) {
                // skip the rest of a month BYMONTH rules out
                k = alignUp(periodIndex(first.with(TemporalAdjusters.firstDayOfNextMonth())));
                budget--;
                continue;
            }
            LocalDate end = periodStart(k + 1);
            if (setPositions == null) {
                // no BYSETPOS: the first matching date-time after `after` in the period, day by day
                for (LocalDate d = first.isBefore(after.toLocalDate()) ? after.toLocalDate() : first;
                        d.isBefore(end) && budget > 0; d = d.plusDays(1)) {
                    budget--;
                    if (dateMatches(d)) {
                        Optional<LocalDateTime> t = firstTimeAfter(d, after);
                        if (t.isPresent()) {
                            return t;
                        }
                    }
                }
            } else {
                if (k != cachedPeriod) {
                    // BYSETPOS picks from the whole period (at most MAX_PERIOD date-times, see rejection())
                    set.clear();
                    for (LocalDate d = first; d.isBefore(end); d = d.plusDays(1)) {
                        if (--budget <= 0) {
                            return Optional.empty();
                        }
                        if (dateMatches(d)) {
                            for (int h : hours) {
                                for (int m : minutes) {
                                    for (int s : seconds) {
                                        set.add(d.atTime(h, m, s));
                                    }
                                }
                            }
                            budget -= hours.length * minutes.length * seconds.length;
                        }
                    }
                    cachedPeriod = k;
                    cachedSet = select(set);
                }
                for (LocalDateTime t : cachedSet) {
                    if (t.isAfter(after)) {
                        return Optional.of(t);
                    }
                }
            }
            k += interval;
        }
        return Optional.empty();
    }

    /** The first of the day's times (DAILY and longer rules) after {@code after}. */
    private Optional<LocalDateTime> firstTimeAfter(LocalDate d, LocalDateTime after) {
        for (int h : hours) {
            for (int m : minutes) {
                for (int s : seconds) {
                    budget--;
                    LocalDateTime t = d.atTime(h, m, s);
                    if (t.isAfter(after)) {
                        return Optional.of(t);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private long periodIndex(LocalDate d) {
        LocalDate s = start.toLocalDate();
        return switch (freq) {
            case YEARLY -> d.getYear() - s.getYear();
            case MONTHLY -> ChronoUnit.MONTHS.between(s.withDayOfMonth(1), d.withDayOfMonth(1));
            case WEEKLY -> ChronoUnit.WEEKS.between(weekStartOf(s), weekStartOf(d));
            default -> ChronoUnit.DAYS.between(s, d);
        };
    }

    private LocalDate periodStart(long k) {
        LocalDate s = start.toLocalDate();
        return switch (freq) {
            case YEARLY -> LocalDate.of((int) Math.min(s.getYear() + k, LAST_YEAR + 1), 1, 1);
            case MONTHLY -> s.withDayOfMonth(1).plusMonths(k);
            case WEEKLY -> weekStartOf(s).plusWeeks(k);
            default -> s.plusDays(k);
        };
    }

    private long alignUp(long k) {
        long r = k % interval;
        return r == 0 ? k : k + interval - r;
    }

    /** The period's set after BYSETPOS (the set itself without it). */
    private List<LocalDateTime> select(List<LocalDateTime> set) {
        if (setPositions == null || set.isEmpty()) {
            return List.copyOf(set);
        }
        List<LocalDateTime> chosen = new ArrayList<>();
        int n = set.size();
        for (int i = 0; i < n; i++) {
            if (signedHas(setPositions, i + 1, n)) {
                chosen.add(set.get(i));
            }
        }
        return chosen;
    }

    // --- HOURLY, MINUTELY, SECONDLY: day by day ----------------------------------------------------------------

    private Optional<LocalDateTime> nextByDays(LocalDateTime after) {
        LocalDate day = after.toLocalDate();
        List<LocalDateTime> group = new ArrayList<>();
        while (budget > 0) {
            if (day.getYear() > LAST_YEAR || until != null && day.atStartOfDay().isAfter(until)) {
                return Optional.empty();
            }
            budget--;
            if (!anyMonth && !months[day.getMonthValue()]) {
                day = day.with(TemporalAdjusters.firstDayOfNextMonth());
                continue;
            }
            if (!dateMatches(day)) {
                day = day.plusDays(1);
                continue;
            }
            boolean sameDay = day.equals(after.toLocalDate());
            if (interval > 1) {
                // a day without an aligned hour, minute or second (an INTERVAL of days or weeks of them): jump to
                // the day of the next aligned one
                LocalDateTime next = nextAligned(sameDay ? after : day.atStartOfDay());
                if (next.toLocalDate().isAfter(day)) {
                    day = next.toLocalDate();
                    continue;
                }
            }
            for (int h = sameDay ? after.getHour() : 0; h < 24 && budget > 0; h++) {
                if (freq == HOURLY) {
                    if (!aligned(day.atTime(h, 0)) || hourLimits && !has(hours, h)) {
                        budget--;
                        continue;
                    }
                    // one period: the hour
                    group.clear();
                    for (int m : minutes) {
                        for (int s : seconds) {
                            group.add(day.atTime(h, m, s));
                        }
                    }
                    budget -= group.size() + 1;
                    Optional<LocalDateTime> found = firstAfter(select(group), after);
                    if (found.isPresent()) {
                        return found;
                    }
                    continue;
                }
                if (hourLimits && !has(hours, h)) {
                    budget--;
                    continue;
                }
                for (int m = sameDay && h == after.getHour() ? after.getMinute() : 0; m < 60; m++) {
                    budget--;
                    if (minuteLimits && !has(minutes, m)) {
                        continue;
                    }
                    if (freq == MINUTELY) {
                        if (!aligned(day.atTime(h, m))) {
                            continue;
                        }
                        group.clear();
                        for (int s : seconds) {
                            group.add(day.atTime(h, m, s));
                        }
                        budget -= group.size();
                        Optional<LocalDateTime> found = firstAfter(select(group), after);
                        if (found.isPresent()) {
                            return found;
                        }
                        continue;
                    }
                    for (int s : seconds) { // SECONDLY: each second is its own period
                        budget--;
                        LocalDateTime t = day.atTime(h, m, s);
                        if (t.isAfter(after) && aligned(t) && (setPositions == null
                                || signedHas(setPositions, 1, 1))) {
                            return Optional.of(t);
                        }
                    }
                }
            }
            day = day.plusDays(1);
        }
        return Optional.empty();
    }

    /** The start of the first aligned hour, minute or second (see {@link #aligned}) at or after {@code t}'s. */
    private LocalDateTime nextAligned(LocalDateTime t) {
        ChronoUnit unit = freq == HOURLY ? ChronoUnit.HOURS : freq == MINUTELY ? ChronoUnit.MINUTES : ChronoUnit.SECONDS;
        LocalDateTime from = t.truncatedTo(unit);
        long r = Math.floorMod(unit.between(start.truncatedTo(unit), from), (long) interval);
        return r == 0 ? from : from.plus(interval - r, unit);
    }

    /** Whether the hour, minute or second starting at {@code t} is one of every INTERVAL periods from DTSTART's. */
    private boolean aligned(LocalDateTime t) {
        if (interval == 1) {
            return true;
        }
        ChronoUnit unit = freq == HOURLY ? ChronoUnit.HOURS : freq == MINUTELY ? ChronoUnit.MINUTES : ChronoUnit.SECONDS;
        return Math.floorMod(unit.between(start.truncatedTo(unit), t.truncatedTo(unit)), (long) interval) == 0;
    }

    private static Optional<LocalDateTime> firstAfter(List<LocalDateTime> set, LocalDateTime after) {
        for (LocalDateTime t : set) {
            if (t.isAfter(after)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    // --- days ------------------------------------------------------------------------------------------------

    private LocalDate weekStartOf(LocalDate d) {
        return d.with(TemporalAdjusters.previousOrSame(weekStart));
    }

    private boolean dateMatches(LocalDate d) {
        if (!anyMonth && !months[d.getMonthValue()] || defaultMonth != 0 && d.getMonthValue() != defaultMonth) {
            return false;
        }
        if (defaultMonthDay != 0 && d.getDayOfMonth() != defaultMonthDay
                || defaultWeekday != null && d.getDayOfWeek() != defaultWeekday) {
            return false;
        }
        if (monthDays != null && !signedHas(monthDays, d.getDayOfMonth(), d.lengthOfMonth())) {
            return false;
        }
        if (yearDays != null && !signedHas(yearDays, d.getDayOfYear(), d.lengthOfYear())) {
            return false;
        }
        if (dayWeekdays.length > 0 && !weekdayMatches(d)) {
            return false;
        }
        return weekNumbers == null || weekNumberMatches(d);
    }

    private boolean weekdayMatches(LocalDate d) {
        int weekday = d.getDayOfWeek().getValue();
        for (int i = 0; i < dayWeekdays.length; i++) {
            if (dayWeekdays[i] != weekday) {
                continue;
            }
            if (dayOrdinals[i] == 0) {
                return true;
            }
            int index = (ordinalsInMonth ? d.getDayOfMonth() : d.getDayOfYear()) - 1; // 0-based day in scope
            int length = ordinalsInMonth ? d.lengthOfMonth() : d.lengthOfYear();
            int fromFront = index / 7 + 1;
            int fromBack = -((length - 1 - index) / 7 + 1);
            if (dayOrdinals[i] == fromFront || dayOrdinals[i] == fromBack) {
                return true;
            }
        }
        return false;
    }

    private boolean weekNumberMatches(LocalDate d) {
        LocalDate week = weekStartOf(d);
        int weekYear = week.plusDays(3).getYear(); // the year holding four or more of the week's days
        LocalDate week1 = weekStartOf(LocalDate.of(weekYear, 1, 4));
        int number = (int) (ChronoUnit.DAYS.between(week1, week) / 7) + 1;
        int weeks = (int) (ChronoUnit.DAYS.between(week1, weekStartOf(LocalDate.of(weekYear + 1, 1, 4))) / 7);
        return signedHas(weekNumbers, number, weeks);
    }

    private static boolean has(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code values} holds position {@code v} of {@code size}, counted from the front or (negative) back. */
    private static boolean signedHas(int[] values, int v, int size) {
        return has(values, v) || has(values, v - size - 1);
    }
}
