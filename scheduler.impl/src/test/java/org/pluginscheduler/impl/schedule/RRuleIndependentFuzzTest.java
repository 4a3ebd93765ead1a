package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * A second, independent check of RRULE evaluation: a brute-force expander written from RFC 5545 section 3.3.10
 * alone (not from {@code RRuleExpander} or {@code RRuleReference}), compared with the scheduler's public path
 * ({@link Schedule#parse}, {@link Schedules#sequence}, {@link Schedules#preview}) over random rules, starts and
 * zones, plus a fuzz of malformed rule text.
 *
 * <p>The expander follows the RFC's own procedure: it walks the rule's periods (FREQ times INTERVAL from DTSTART;
 * a WEEKLY period starts on WKST), builds each period's set of date-times by the table of BYxxx parts that expand
 * or limit, applies BYSETPOS to the period's set, drops what precedes DTSTART, counts COUNT from DTSTART, and
 * bounds by UNTIL (inclusive). Where the RFC leaves room it takes the README's readings ("How RRULEs are
 * computed"): a YEARLY period is the calendar year; a day matches BYWEEKNO when its own week (weeks start on WKST,
 * week 1 has four days in its year) has that number, negative numbers counted in the week's own year; BYDAY
 * ordinals count within the month for MONTHLY and for YEARLY with BYMONTH, otherwise within the year; a YEARLY
 * rule with BYMONTHDAY and no BYMONTH takes every month; BYWEEKNO alone takes DTSTART's weekday; second 60 never
 * occurs. DTSTART is only the first candidate: it fires when it matches. Wall times become instants by the README's
 * DST policy: a time in a gap moves forward by the gap, a time in an overlap takes its first occurrence, and
 * instants that coincide fire once.
 *
 * <p>Every call into the scheduler runs on a worker thread with a time limit; taking longer than {@value #LIMIT_MS}
 * ms, throwing anything but a {@link ScheduleParseException}, or a disagreement with the expander fails the test.
 * Long form: {@code mvn -pl scheduler.impl -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=RRuleIndependentFuzzTest -Drrule.indep.rules=20000
 * -Drrule.indep.mutations=20000 -Drrule.indep.allStarts=true -Drrule.indep.limitMs=1000 -Drrule.indep.seed=N}.
 */
class RRuleIndependentFuzzTest {

    /**
     * The time one call may take. 1 s in the long form; the short form (in {@code mvn verify}, on a shared CI
     * machine) allows 3 s so that it does not fail for the machine's load, and still catches a hang.
     */
    private static final long LIMIT_MS = Long.getLong("rrule.indep.limitMs", 3_000);
    private static final int FIRES = 20;
    private static final List<ZoneId> ZONES = List.of(ZoneId.of("UTC"), ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Pacific/Apia"),
            ZoneId.of("Asia/Tehran"));
    private static final String[] FREQS = {"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"};
    private static final String[] DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    private static final DateTimeFormatter BASIC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

    private static ExecutorService worker;

    @BeforeAll
    static void startWorker() {
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rrule-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stopWorker() {
        worker.shutdownNow();
    }

    // --- the independent expander ----------------------------------------------------------------------------

    /** A rule's parts, parsed here from the text (case-insensitive), independently of the scheduler. */
    static final class Rule {
        String freq;
        int interval = 1;
        Integer count;
        /** exactly one of these three, or none */
        Instant untilUtc;
        LocalDateTime untilLocal;
        LocalDate untilDate;
        int[] byMonth;
        int[] byWeekNo;
        int[] byYearDay;
        int[] byMonthDay;
        int[] byHour;
        int[] byMinute;
        int[] bySecond;
        int[] bySetPos;
        /** {ordinal (0: none), ISO day 1..7} */
        int[][] byDay;
        DayOfWeek wkst = DayOfWeek.MONDAY;

        static Rule parse(String text) {
            Rule r = new Rule();
            for (String part : text.toUpperCase(Locale.ROOT).split(";")) {
                String[] nv = part.split("=", 2);
                String v = nv[1];
                switch (nv[0]) {
                    case "FREQ" -> r.freq = v;
                    case "INTERVAL" -> r.interval = Integer.parseInt(v);
                    case "COUNT" -> r.count = Integer.parseInt(v);
                    case "UNTIL" -> {
                        if (v.length() == 8) {
                            r.untilDate = LocalDate.parse(v, DateTimeFormatter.BASIC_ISO_DATE);
                        } else if (v.endsWith("Z")) {
                            r.untilUtc = LocalDateTime.parse(v.substring(0, 15), BASIC).toInstant(ZoneOffset.UTC);
                        } else {
                            r.untilLocal = LocalDateTime.parse(v, BASIC);
                        }
                    }
                    case "BYMONTH" -> r.byMonth = ints(v);
                    case "BYWEEKNO" -> r.byWeekNo = ints(v);
                    case "BYYEARDAY" -> r.byYearDay = ints(v);
                    case "BYMONTHDAY" -> r.byMonthDay = ints(v);
                    case "BYHOUR" -> r.byHour = ints(v);
                    case "BYMINUTE" -> r.byMinute = ints(v);
                    case "BYSECOND" -> r.bySecond = ints(v);
                    case "BYSETPOS" -> r.bySetPos = ints(v);
                    case "WKST" -> r.wkst = day(v);
                    case "BYDAY" -> {
                        String[] items = v.split(",");
                        r.byDay = new int[items.length][];
                        for (int i = 0; i < items.length; i++) {
                            String item = items[i];
                            String ord = item.substring(0, item.length() - 2);
                            r.byDay[i] = new int[] {ord.isEmpty() ? 0 : Integer.parseInt(ord),
                                    day(item.substring(item.length() - 2)).getValue()};
                        }
                    }
                    default -> throw new IllegalArgumentException(part);
                }
            }
            return r;
        }

        private static int[] ints(String v) {
            return Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        }

        private static DayOfWeek day(String two) {
            return DayOfWeek.of(Arrays.asList(DAYS).indexOf(two) + 1);
        }
    }

    /** The RFC's expansion of one rule from one DTSTART, in one zone. */
    static final class Expander {
        /** Periods examined before giving up (the answer is then marked incomplete). */
        static final long BUDGET = Long.getLong("rrule.indep.budget", 100_000);

        final Rule r;
        final LocalDateTime start;
        final ZoneId zone;
        final int unit; // 0..6 = SECONDLY..YEARLY
        boolean incomplete;

        Expander(Rule r, LocalDateTime start, ZoneId zone) {
            this.r = r;
            this.start = start;
            this.zone = zone;
            this.unit = Arrays.asList(FREQS).indexOf(r.freq);
        }

        static boolean has(int[] a) {
            return a != null;
        }

        static boolean in(int[] a, int v) {
            for (int x : a) {
                if (x == v) {
                    return true;
                }
            }
            return false;
        }

        /** v (1-based) in a scope of {@code len} matches a list of signed positions. */
        static boolean signedIn(int[] a, int v, int len) {
            for (int x : a) {
                if (x > 0 ? x == v : len + 1 + x == v) {
                    return true;
                }
            }
            return false;
        }

        LocalDate weekStart(LocalDate d) {
            return d.minusDays((d.getDayOfWeek().getValue() - r.wkst.getValue() + 7) % 7);
        }

        /** week number of d: weeks start on WKST; a week belongs to the year holding its 4th day */
        int weekNo(LocalDate d) {
            return (weekStart(d).plusDays(3).getDayOfYear() - 1) / 7 + 1;
        }

        int weekYear(LocalDate d) {
            return weekStart(d).plusDays(3).getYear();
        }

        int weeksIn(int year) {
            return weekNo(LocalDate.of(year, 12, 28)); // 28 December is always in its year's last week
        }

        boolean byDayMatches(LocalDate d) {
            boolean monthScope = unit == 5 || unit == 6 && has(r.byMonth);
            int index = monthScope ? d.getDayOfMonth() : d.getDayOfYear();
            int len = monthScope ? d.lengthOfMonth() : d.lengthOfYear();
            int forward = (index - 1) / 7 + 1;
            int backward = (len - index) / 7 + 1;
            for (int[] bd : r.byDay) {
                if (bd[1] != d.getDayOfWeek().getValue()) {
                    continue;
                }
                if (bd[0] == 0 || bd[0] > 0 && bd[0] == forward || bd[0] < 0 && -bd[0] == backward) {
                    return true;
                }
            }
            return false;
        }

        /** whether day d belongs to a period's set by the day-level parts (and DTSTART's defaults) */
        boolean dayMatches(LocalDate d) {
            if (has(r.byMonth) && !in(r.byMonth, d.getMonthValue())) {
                return false;
            }
            if (has(r.byWeekNo)) {
                int wy = weekYear(d);
                if (!signedIn(r.byWeekNo, weekNo(d), weeksIn(wy))) {
                    return false;
                }
            }
            if (has(r.byYearDay) && !signedIn(r.byYearDay, d.getDayOfYear(), d.lengthOfYear())) {
                return false;
            }
            if (has(r.byMonthDay) && !signedIn(r.byMonthDay, d.getDayOfMonth(), d.lengthOfMonth())) {
                return false;
            }
            if (r.byDay != null && !byDayMatches(d)) {
                return false;
            }
            boolean dayPart = has(r.byYearDay) || has(r.byMonthDay) || r.byDay != null;
            switch (unit) {
                case 6 -> {
                    if (!dayPart && !has(r.byWeekNo)) {
                        if (!has(r.byMonth) && d.getMonthValue() != start.getMonthValue()) {
                            return false;
                        }
                        return d.getDayOfMonth() == start.getDayOfMonth();
                    }
                    if (!dayPart) { // BYWEEKNO without a day part: DTSTART's weekday
                        return d.getDayOfWeek() == start.getDayOfWeek();
                    }
                    return true;
                }
                case 5 -> {
                    return dayPart || d.getDayOfMonth() == start.getDayOfMonth();
                }
                case 4 -> {
                    return dayPart || d.getDayOfWeek() == start.getDayOfWeek();
                }
                default -> {
                    return true;
                }
            }
        }

        /** values of hour/minute/second: from the period (limited) or the part or DTSTART (expanded) */
        int[] values(int field, int periodValue, int startValue, int[] part) {
            int[] raw;
            if (unit <= field) {
                raw = part == null || in(part, periodValue) ? new int[] {periodValue} : new int[0];
            } else {
                raw = part == null ? new int[] {startValue} : part;
            }
            return Arrays.stream(raw).filter(v -> v < (field == 0 ? 60 : field == 1 ? 60 : 24)).distinct()
                    .sorted().toArray();
        }

        /** the period's whole set, BYSETPOS applied, sorted */
        List<LocalDateTime> periodSet(List<LocalDate> days, LocalTime periodTime) {
            int[] hours = values(2, periodTime.getHour(), start.getHour(), r.byHour);
            int[] minutes = values(1, periodTime.getMinute(), start.getMinute(), r.byMinute);
            int[] seconds = values(0, periodTime.getSecond(), start.getSecond(), r.bySecond);
            List<LocalDateTime> set = new ArrayList<>();
            for (LocalDate d : days) {
                for (int h : hours) {
                    for (int m : minutes) {
                        for (int s : seconds) {
                            set.add(d.atTime(h, m, s));
                        }
                    }
                }
            }
            if (r.bySetPos == null) {
                return set;
            }
            TreeSet<LocalDateTime> picked = new TreeSet<>();
            for (int p : r.bySetPos) {
                int i = p > 0 ? p - 1 : set.size() + p;
                if (i >= 0 && i < set.size()) {
                    picked.add(set.get(i));
                }
            }
            return new ArrayList<>(picked);
        }

        /**
         * The recurrence instances as wall times, in order, from DTSTART, until {@code enough} instances are found
         * whose wall time is past {@code wallLimit}, the rule ends (COUNT, UNTIL), or the budget or year 9999 is
         * reached (then {@link #incomplete}).
         */
        List<LocalDateTime> walls(LocalDateTime wallLimit, int enough) {
            List<LocalDateTime> out = new ArrayList<>();
            long examined = 0;
            int past = 0;
            LocalDateTime cutoff = null;
            long stepSeconds = unit == 0 ? 1L : unit == 1 ? 60L : 3600L;
            long step = stepSeconds * r.interval;
            LocalDateTime base = start.truncatedTo(unit == 0 ? ChronoUnit.SECONDS
                    : unit == 1 ? ChronoUnit.MINUTES : ChronoUnit.HOURS);
            LocalDate weekBase = weekStart(start.toLocalDate());
            long k = 0;
            while (true) {
                if (++examined > BUDGET) {
                    incomplete = true;
                    return out;
                }
                List<LocalDate> days = new ArrayList<>();
                LocalTime periodTime = LocalTime.MIDNIGHT;
                LocalDate periodStart;
                if (unit <= 2) {
                    LocalDateTime p = base.plusSeconds(k * step);
                    periodStart = p.toLocalDate();
                    if (p.getYear() > 9999) {
                        incomplete = true;
                        return out;
                    }
                    LocalDateTime skipTo = null;
                    if (!dayMatches(p.toLocalDate())) {
                        skipTo = p.toLocalDate().plusDays(1).atStartOfDay();
                    } else if (unit < 2 && r.byHour != null && !in(r.byHour, p.getHour())) {
                        skipTo = p.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                    } else if (unit < 1 && r.byMinute != null && !in(r.byMinute, p.getMinute())) {
                        skipTo = p.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
                    }
                    if (skipTo != null) {
                        long gap = ChronoUnit.SECONDS.between(base, skipTo);
                        k = Math.max(k + 1, (gap + step - 1) / step);
                        continue; // an empty period: nothing to pick from it, with or without BYSETPOS
                    }
                    days.add(p.toLocalDate());
                    periodTime = p.toLocalTime();
                } else if (unit == 3) {
                    periodStart = start.toLocalDate().plusDays(k * r.interval);
                    if (dayMatches(periodStart)) {
                        days.add(periodStart);
                    }
                } else if (unit == 4) {
                    periodStart = weekBase.plusWeeks(k * r.interval);
                    for (int i = 0; i < 7; i++) {
                        if (dayMatches(periodStart.plusDays(i))) {
                            days.add(periodStart.plusDays(i));
                        }
                    }
                } else if (unit == 5) {
                    periodStart = start.toLocalDate().withDayOfMonth(1).plusMonths(k * r.interval);
                    for (LocalDate d = periodStart; d.getMonth() == periodStart.getMonth(); d = d.plusDays(1)) {
                        if (dayMatches(d)) {
                            days.add(d);
                        }
                    }
                } else {
                    periodStart = LocalDate.of(start.getYear() + (int) (k * r.interval), 1, 1);
                    for (LocalDate d = periodStart; d.getYear() == periodStart.getYear(); d = d.plusDays(1)) {
                        if (dayMatches(d)) {
                            days.add(d);
                        }
                    }
                }
                k++;
                if (periodStart.getYear() > Math.min(9999, start.getYear() + new int[] {0, 0, 0, 100, 200, 400, 400}[unit])) {
                    incomplete = true;
                    return out;
                }
                for (LocalDateTime w : periodSet(days, periodTime)) {
                    if (w.isBefore(start)) {
                        continue;
                    }
                    if (r.count != null && out.size() >= r.count) {
                        return out;
                    }
                    if (r.untilLocal != null && w.isAfter(r.untilLocal)
                            || r.untilDate != null && w.toLocalDate().isAfter(r.untilDate)
                            || r.untilUtc != null && w.isAfter(LocalDateTime.ofInstant(r.untilUtc, zone).plusDays(2))) {
                        return out;
                    }
                    if (cutoff != null && w.isAfter(cutoff)) {
                        return out;
                    }
                    out.add(w);
                    if (cutoff == null && w.isAfter(wallLimit) && ++past >= enough) {
                        // a later wall time can map to an earlier instant only across a gap (Apia's: a day)
                        ZoneOffsetTransition t = zone.getRules().nextTransition(instant(out.get(0).minusDays(2)));
                        if (t == null || t.getInstant().isAfter(instant(w).plus(Duration.ofDays(2)))) {
                            return out;
                        }
                        cutoff = w.plusHours(26);
                    }
                }
            }
        }

        /** wall time to instant by the README's DST policy (gap: forward by its length; overlap: first pass) */
        Instant instant(LocalDateTime wall) {
            return ZonedDateTime.of(wall, zone).toInstant();
        }

        /**
         * @return the fires in instant order, distinct, bounded by UNTIL in UTC; complete up to the instant
         *         {@code upTo}, plus a few after it
         */
        List<Instant> fires(Instant upTo, int atLeast) {
            LocalDateTime wallLimit = LocalDateTime.ofInstant(upTo, zone).plusDays(1);
            List<LocalDateTime> walls = walls(wallLimit, atLeast + 3);
            TreeSet<Instant> set = new TreeSet<>();
            for (LocalDateTime w : walls) {
                Instant i = instant(w);
                if (r.untilUtc == null || !i.isAfter(r.untilUtc)) {
                    set.add(i);
                }
            }
            return new ArrayList<>(set);
        }
    }

    // --- random rules ----------------------------------------------------------------------------------------

    record Case(String rule, LocalDateTime start, ZoneId zone) {
        String text() {
            return "rrule:" + rule + " start=" + start + " tz=" + zone.getId();
        }
    }

    static int[] pick(Random rnd, int n, int[] pool) {
        TreeSet<Integer> s = new TreeSet<>();
        while (s.size() < n) {
            s.add(pool[rnd.nextInt(pool.length)]);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static String list(int[] a) {
        return String.join(",", Arrays.stream(a).mapToObj(Integer::toString).toList());
    }

    static int[] range(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).toArray();
    }

    static final int[] MONTHDAYS = {1, 2, 3, 7, 13, 15, 28, 29, 30, 31, -1, -2, -3, -7, -28, -29, -30, -31};
    static final int[] YEARDAYS = {1, 2, 32, 59, 60, 61, 100, 183, 200, 300, 359, 365, 366, -1, -2, -21, -59, -60,
        -100, -365, -366};
    static final int[] WEEKNOS = {1, 2, 3, 9, 10, 20, 26, 27, 40, 51, 52, 53, -1, -2, -10, -52, -53};
    static final int[] SETPOS = {1, 2, 3, 4, 7, 10, -1, -2, -3, -5, -10};

    static Case randomCase(Random rnd) {
        ZoneId zone = ZONES.get(rnd.nextInt(ZONES.size()));
        String freq = FREQS[rnd.nextInt(FREQS.length)];
        int unit = Arrays.asList(FREQS).indexOf(freq);
        List<String> parts = new ArrayList<>();
        parts.add("FREQ=" + freq);
        if (rnd.nextInt(3) == 0) {
            int max = unit == 0 ? 100_000 : unit == 1 ? 2_000 : unit == 2 ? 100 : 5;
            parts.add("INTERVAL=" + (rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(max) : 1 + rnd.nextInt(4)));
        }
        double p = 0.3;
        if (rnd.nextDouble() < p) {
            parts.add("BYMONTH=" + list(pick(rnd, 1 + rnd.nextInt(3), range(1, 12))));
        }
        if (unit == 6 && rnd.nextDouble() < 0.3) {
            parts.add("BYWEEKNO=" + list(pick(rnd, 1 + rnd.nextInt(2), WEEKNOS)));
        }
        if ((unit == 6 || unit <= 2) && rnd.nextDouble() < 0.25) {
            parts.add("BYYEARDAY=" + list(pick(rnd, 1 + rnd.nextInt(3), YEARDAYS)));
        }
        if (unit != 4 && rnd.nextDouble() < p) {
            parts.add("BYMONTHDAY=" + list(pick(rnd, 1 + rnd.nextInt(3), MONTHDAYS)));
        }
        if (rnd.nextDouble() < 0.4) {
            boolean ordinals = (unit == 5 || unit == 6 && !parts.stream().anyMatch(s -> s.startsWith("BYWEEKNO")))
                    && rnd.nextBoolean();
            int n = 1 + rnd.nextInt(3);
            TreeSet<String> items = new TreeSet<>();
            while (items.size() < n) {
                String d = DAYS[rnd.nextInt(7)];
                if (ordinals && rnd.nextInt(3) > 0) {
                    int ord = unit == 6 && !parts.stream().anyMatch(s -> s.startsWith("BYMONTH="))
                            ? new int[] {1, 2, 10, 20, 52, 53, -1, -2, -53}[rnd.nextInt(9)]
                            : new int[] {1, 2, 3, 4, 5, -1, -2, -5}[rnd.nextInt(8)];
                    d = ord + d;
                }
                items.add(d);
            }
            parts.add("BYDAY=" + String.join(",", items));
        }
        if (rnd.nextDouble() < (unit >= 3 ? 0.4 : 0.2)) {
            parts.add("BYHOUR=" + list(pick(rnd, 1 + rnd.nextInt(3), range(0, 23))));
        }
        if (rnd.nextDouble() < (unit >= 2 ? 0.4 : 0.2)) {
            parts.add("BYMINUTE=" + list(pick(rnd, 1 + rnd.nextInt(3), range(0, 59))));
        }
        if (rnd.nextDouble() < (unit >= 1 ? 0.3 : 0.2)) {
            parts.add("BYSECOND=" + list(pick(rnd, 1 + rnd.nextInt(2), rnd.nextInt(10) == 0 ? range(58, 60)
                    : range(0, 59))));
        }
        if (rnd.nextDouble() < 0.3) {
            parts.add("BYSETPOS=" + list(pick(rnd, 1 + rnd.nextInt(2), SETPOS)));
        }
        if (rnd.nextDouble() < 0.3) {
            parts.add("WKST=" + DAYS[rnd.nextInt(7)]);
        }
        LocalDateTime start = randomStart(rnd, zone);
        int end = rnd.nextInt(6);
        if (end == 0) {
            parts.add("COUNT=" + (1 + rnd.nextInt(30)));
        } else if (end == 1) {
            LocalDateTime until = start.plusSeconds((long) (rnd.nextDouble() * horizonSeconds(unit)));
            int form = rnd.nextInt(4);
            parts.add("UNTIL=" + (form == 0 ? until.toLocalDate().format(DateTimeFormatter.BASIC_ISO_DATE)
                    : form == 1 ? BASIC.format(until)
                    : BASIC.format(LocalDateTime.ofInstant(ZonedDateTime.of(until, zone).toInstant(),
                            ZoneOffset.UTC)) + "Z"));
        }
        // parts in random order: the RFC does not fix one
        java.util.Collections.shuffle(parts, rnd);
        return new Case(String.join(";", parts), start, zone);
    }

    static long horizonSeconds(int unit) {
        return new long[] {120, 7_200, 200_000, 5_000_000, 30_000_000, 100_000_000, 400_000_000}[unit];
    }

    static LocalDateTime randomStart(Random rnd, ZoneId zone) {
        LocalDateTime base;
        switch (rnd.nextInt(5)) {
            case 0 -> { // near a DST transition of the zone
                Instant i = LocalDate.of(1995 + rnd.nextInt(40), 1 + rnd.nextInt(12), 1).atStartOfDay()
                        .toInstant(ZoneOffset.UTC);
                ZoneOffsetTransition t = zone.getRules().nextTransition(i);
                base = t == null ? LocalDateTime.ofInstant(i, zone)
                        : t.getDateTimeBefore().plusMinutes(rnd.nextInt(240) - 120);
            }
            case 1 -> { // near a month end
                LocalDate d = LocalDate.of(1995 + rnd.nextInt(40), 1 + rnd.nextInt(12), 1);
                base = d.withDayOfMonth(d.lengthOfMonth() - rnd.nextInt(4)).atTime(rnd.nextInt(24), 0);
            }
            case 2 -> // a leap day
                base = LocalDate.of(1996 + 4 * rnd.nextInt(10), 2, 29).atTime(rnd.nextInt(24), rnd.nextInt(60));
            case 3 -> // Apia's missing 30 December 2011
                base = LocalDateTime.of(2011, 12, 28, 0, 0).plusMinutes(rnd.nextInt(4 * 1440));
            default -> base = LocalDate.of(1995 + rnd.nextInt(40), 1 + rnd.nextInt(12), 1 + rnd.nextInt(28))
                    .atTime(rnd.nextInt(24), rnd.nextInt(60));
        }
        if (rnd.nextInt(4) == 0) {
            base = base.withSecond(rnd.nextInt(60));
        }
        return base;
    }

    // --- comparison ------------------------------------------------------------------------------------------

    /**
     * Runs {@code call} on the worker with the time limit; a call over it is a finding. Not tried again: the calls
     * share sequences, which are not thread-safe, and a computation that ignores interruption would still be
     * running beside the second try (the limit is generous enough for class loading and compilation).
     */
    <T> T limited(String what, java.util.concurrent.Callable<T> call) throws Exception {
        return limitedOnce(what, call);
    }

    /** A call over the time limit. */
    static final class TooSlow extends AssertionError {
        private static final long serialVersionUID = 1L;

        TooSlow(String message) {
            super(message);
        }
    }

    private <T> T limitedOnce(String what, java.util.concurrent.Callable<T> call) throws Exception {
        Future<T> f = worker.submit(call);
        try {
            return f.get(LIMIT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            // a hung computation keeps the worker: replace it
            worker.shutdownNow();
            startWorker();
            throw new TooSlow(what + ": took longer than " + LIMIT_MS + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw new AssertionError(what + ": " + e.getCause(), e.getCause());
        }
    }

    /** Statistics of one run. */
    static final class Tally {
        int compared;
        int rejectedAgreed;
        int rejectedBound;
        int emptyAgreed;
        int incomplete;
        final List<String> findings = new ArrayList<>();
        /** rules rejected by the scheduler's search bound, with this expander's first fires */
        final List<String> bound = new ArrayList<>();
    }

    private static final Set<String> FIELDS = Set.of("rrule", "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYSECOND",
            "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
            "start", "tz", "schedule");

    void check(Case c, Random rnd, Tally tally) throws Exception {
        Rule rule = Rule.parse(c.rule());
        Expander mine = new Expander(rule, c.start(), c.zone());
        Instant before = ZonedDateTime.of(c.start(), c.zone()).toInstant().minus(Duration.ofDays(2));
        List<Instant> expected = mine.fires(before, FIRES + 2);
        boolean complete = !mine.incomplete;
        Schedule schedule;
        FireSequence sequence;
        try {
            schedule = Schedule.parse(c.text());
            sequence = limited("parse " + c.text(), () -> Schedules.sequence(schedule, ZoneOffset.UTC, before));
        } catch (ScheduleParseException e) {
            if (!FIELDS.contains(e.field())) {
                tally.findings.add(c.text() + ": rejected naming no part: " + e.getMessage());
            } else if (expected.isEmpty() && complete) {
                tally.rejectedAgreed++;
            } else if (e.getMessage().contains("BYSETPOS must only be used in conjunction")) {
                tally.rejectedAgreed++; // RFC 5545: BYSETPOS "MUST only be used in conjunction with another BYxxx"
            } else if (e.getMessage().contains("within")) {
                tally.rejectedBound++; // README: a rule whose first fire is past the search bound is rejected
                tally.bound.add(c.text() + ": " + zoned(expected.subList(0, Math.min(2, expected.size())), c));
            } else if (expected.isEmpty()) {
                tally.incomplete++;
            } else {
                tally.findings.add(c.text() + ": rejected (" + e.getMessage() + ") but fires at " + zoned(expected, c));
            }
            return;
        } catch (AssertionError e) {
            tally.findings.add(e.getMessage());
            return;
        } catch (RuntimeException e) {
            tally.findings.add(c.text() + ": threw " + e);
            return;
        }
        List<Instant> got;
        try {
            got = limited("preview " + c.text(), () -> Schedules.preview(schedule, ZoneOffset.UTC, before, FIRES)
                    .stream().map(ZonedDateTime::toInstant).toList());
        } catch (AssertionError e) {
            tally.findings.add(e.getMessage());
            return;
        } catch (RuntimeException e) {
            tally.findings.add(c.text() + ": preview threw " + e);
            return;
        }
        List<Instant> want = expected.subList(0, Math.min(FIRES, expected.size()));
        if (!complete && got.size() > want.size() && got.subList(0, want.size()).equals(want)) {
            tally.incomplete++;
            return; // the scheduler finds fires past this expander's budget: nothing to compare there
        }
        if (!got.equals(want)) {
            if (got.size() < want.size() && want.subList(0, got.size()).equals(got) && !got.isEmpty()
                    && Duration.between(got.get(got.size() - 1), want.get(got.size())).toDays() > 365 * 30) {
                tally.incomplete++; // README: a later occurrence beyond the search bound ends the rule
                return;
            }
            tally.findings.add(c.text() + "\n  expected " + zoned(want, c) + "\n  scheduler " + zoned(got, c));
            return;
        }
        if (want.isEmpty()) {
            tally.emptyAgreed++;
            return;
        }
        tally.compared++;
        // nextAfter from random instants, on one sequence (random order) and on fresh ones
        Instant last = want.get(want.size() - 1);
        long span = Math.max(1, Duration.between(before, last).getSeconds());
        for (int i = 0; i < 6; i++) {
            Instant t = before.plusSeconds((long) (rnd.nextDouble() * span)).plusNanos(rnd.nextInt(3) == 0
                    ? rnd.nextInt(1_000_000_000) : 0);
            if (rnd.nextInt(4) == 0) {
                t = want.get(rnd.nextInt(want.size())); // exactly at a fire: the next one is strictly after
            }
            Optional<Instant> expect = want.stream().filter(t::isBefore).findFirst();
            if (expect.isEmpty() && (want.size() == FIRES || !complete)) {
                continue;
            }
            Instant at = t;
            FireSequence fresh = i % 2 == 0 ? sequence
                    : limited("sequence", () -> Schedules.sequence(schedule, ZoneOffset.UTC, at));
            Optional<Instant> actual;
            try {
                actual = limited("nextAfter(" + t + ") " + c.text(), () -> fresh.nextAfter(at));
            } catch (AssertionError e) {
                tally.findings.add(e.getMessage());
                return;
            } catch (RuntimeException e) {
                tally.findings.add(c.text() + ": nextAfter(" + t + ") threw " + e);
                return;
            }
            if (!actual.equals(expect)) {
                tally.findings.add(c.text() + ": nextAfter(" + t + ")\n  expected " + expect.map(x -> x.atZone(c.zone()))
                        + "\n  scheduler " + actual.map(x -> x.atZone(c.zone())));
                return;
            }
        }
    }

    static String zoned(List<Instant> fires, Case c) {
        return fires.stream().map(i -> i.atZone(c.zone()).toOffsetDateTime().toString()).toList().toString();
    }

    Tally run(long seed, int rules) throws Exception {
        Random rnd = new Random(seed);
        Tally tally = new Tally();
        for (int i = 0; i < rules; i++) {
            Case c = randomCase(rnd);
            try {
                check(c, new Random(seed * 31 + i), tally);
            } catch (Exception | AssertionError e) {
                tally.findings.add(c.text() + ": " + e);
            }
        }
        return tally;
    }

    @Test
    void randomRulesAgreeWithAnIndependentExpander() throws Exception {
        long seed = Long.getLong("rrule.indep.seed", 13L);
        int rules = Integer.getInteger("rrule.indep.rules", 100);
        Tally tally = run(seed, rules);
        String summary = "seed " + seed + ", " + rules + " rules: " + tally.compared + " compared, "
                + tally.emptyAgreed + " empty in both, " + tally.rejectedAgreed + " rejected as never occurring, "
                + tally.rejectedBound + " rejected by the search bound, " + tally.incomplete
                + " past this expander's budget; " + tally.findings.size() + " findings";
        System.out.println(summary);
        assertTrue(tally.findings.isEmpty(), summary + ":\n" + String.join("\n", tally.findings.subList(0,
                Math.min(20, tally.findings.size()))));
        assertTrue(tally.compared >= rules / 2, summary);
    }

    // --- malformed and edge rule text ------------------------------------------------------------------------

    /** Hand-picked edges of the rule syntax; see {@link #malformedAndEdgeRulesFailOnlyWithANamedPart}. */
    static final List<String> EDGES = List.of(
            "FREQ=SECONDLY;INTERVAL=999999999", "FREQ=MINUTELY;INTERVAL=999999999", "FREQ=HOURLY;INTERVAL=999999999",
            "FREQ=DAILY;INTERVAL=999999999", "FREQ=WEEKLY;INTERVAL=999999999", "FREQ=MONTHLY;INTERVAL=999999999",
            "FREQ=YEARLY;INTERVAL=999999999", "FREQ=YEARLY;INTERVAL=9999999999", "FREQ=DAILY;INTERVAL=0",
            "FREQ=DAILY;INTERVAL=-1", "FREQ=DAILY;;BYHOUR=1", "FREQ=DAILY;", ";FREQ=DAILY", "FREQ=", "=DAILY",
            "FREQ=DAILY;BYHOUR=", "FREQ=DAILY;BYHOUR=1,,2", "FREQ=DAILY;BYHOUR=,1", "FREQ=DAILY;FREQ=WEEKLY",
            "FREQ=DAILY;BYHOUR=1;BYHOUR=2", "FREQ=DAILY;BYHOUR=1,1", "freq=daily;byday=mo", "Freq=Monthly;ByDay=1mo",
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-0", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=+0",
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=367", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=366",
            "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-366", "FREQ=DAILY;UNTIL=20000101", "FREQ=DAILY;UNTIL=20000101T000000Z",
            "FREQ=DAILY;COUNT=3;UNTIL=20300101", "FREQ=DAILY;COUNT=0", "FREQ=DAILY;COUNT=-1",
            "FREQ=DAILY;COUNT=999999999", "FREQ=DAILY;COUNT=2147483647", "FREQ=MINUTELY;BYSECOND=60",
            "FREQ=SECONDLY;BYSECOND=60", "FREQ=DAILY;BYSECOND=59,60", "FREQ=DAILY;UNTIL=20161231T235960Z",
            "FREQ=DAILY;UNTIL=20260230", "FREQ=DAILY;UNTIL=20261301T000000Z", "FREQ=DAILY;UNTIL=99991231T235959Z",
            "FREQ=DAILY;UNTIL=00000101", "FREQ=DAILY;UNTIL=20260101T250000Z", "FREQ=DAILY;UNTIL=20260101T000000",
            "FREQ=MONTHLY;BYDAY=0MO", "FREQ=MONTHLY;BYDAY=+1MO", "FREQ=MONTHLY;BYDAY=54MO", "FREQ=MONTHLY;BYDAY=-0MO",
            "FREQ=MONTHLY;BYDAY=MO,", "FREQ=MONTHLY;BYDAY=5MO", "FREQ=MONTHLY;BYDAY=-5SU", "FREQ=YEARLY;BYDAY=53MO",
            "FREQ=YEARLY;BYDAY=-53FR", "FREQ=YEARLY;BYMONTH=2;BYDAY=5MO", "FREQ=MONTHLY;BYWEEKNO=1",
            "FREQ=DAILY;BYYEARDAY=1", "FREQ=WEEKLY;BYYEARDAY=1", "FREQ=MONTHLY;BYYEARDAY=1", "FREQ=WEEKLY;BYMONTHDAY=1",
            "FREQ=WEEKLY;BYDAY=1MO", "FREQ=DAILY;BYDAY=-1FR", "FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", "X-FOO=1;FREQ=DAILY",
            "FREQ=DAILY;RSCALE=GREGORIAN", "FREQ=MONTHLY;SKIP=BACKWARD;BYMONTHDAY=31", "RRULE:FREQ=DAILY",
            "FREQ=DAILY;BYHOUR=\u0661", "FREQ=DAILY;BYHOUR=+1", "FREQ=DAILY;BYHOUR=-1", "FREQ=DAILY;BYHOUR=1.5",
            "FREQ=DAILY;BYHOUR=0x1", "FREQ=DAILY;BYMONTHDAY=0", "FREQ=DAILY;BYMONTHDAY=32", "FREQ=YEARLY;BYYEARDAY=0",
            "FREQ=YEARLY;BYYEARDAY=367", "FREQ=YEARLY;BYWEEKNO=0", "FREQ=YEARLY;BYWEEKNO=54", "FREQ=YEARLY;BYMONTH=0",
            "FREQ=YEARLY;BYMONTH=13", "FREQ=DAILY;WKST=XX", "FREQ=DAILY;WKST=", "FREQ=FORTNIGHTLY", "FREQ=daily ",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
            "FREQ=YEARLY;BYMONTH=4,6,9,11;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,4",
            "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6", "FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1",
            "FREQ=YEARLY;BYYEARDAY=-366;BYMONTH=12", "FREQ=HOURLY;INTERVAL=2;BYHOUR=1,3,5",
            "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=23;BYMINUTE=59;BYSECOND=59",
            "FREQ=YEARLY;BYSETPOS=-1;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;"
                    + "BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,"
                    + "31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59;"
                    + "BYSECOND=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,"
                    + "31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59",
            "FREQ=SECONDLY;INTERVAL=999999999;BYSETPOS=1;BYMONTH=2", "FREQ=WEEKLY;BYSETPOS=10;BYHOUR=6,11;BYSECOND=1",
            "FREQ=YEARLY;BYWEEKNO=53;BYDAY=FR;BYSETPOS=-1", "FREQ=DAILY;BYSETPOS=1;UNTIL=20000101",
            "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13;BYSETPOS=2", "FREQ=MINUTELY;BYMONTH=3;BYSETPOS=1;BYSECOND=5");

    static final List<String> STARTS = List.of("", " start=2026-03-29T02:30", " start=2026-10-25T02:30",
            " start=2016-12-31T23:59:59", " start=2016-12-31T23:59:60", " start=9999-12-31T23:59:59",
            " start=0000-01-01T00:00", " start=-0001-01-01T00:00", " start=+10000-01-01T00:00",
            " start=2024-02-29T00:00", " start=2026-01-01T00:00:00.999", " start=2026-1-1T00:00", " start=",
            " start=2011-12-30T12:00");

    static final List<String> ZONE_TEXTS = List.of("", " tz=Europe/Berlin", " tz=Pacific/Apia",
            " tz=Australia/Lord_Howe", " tz=Asia/Tehran", " tz=Mars/Olympus", " tz=+14:00", " tz=GMT-14");

    /** Whether {@code e} names a field: a rule part, an attribute, or a token of the text. */
    static boolean namesAField(ScheduleParseException e, String text) {
        return FIELDS.contains(e.field()) || text.toUpperCase(Locale.ROOT).contains(e.field().toUpperCase(Locale.ROOT));
    }

    /**
     * @return a finding, or null: the text either fails with a {@link ScheduleParseException} naming a field, or
     *         its schedule previews 20 fires and answers nextAfter, each within the time limit, without throwing
     */
    String tryText(String text, Random rnd) {
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        try {
            Schedule schedule = limited("parse " + text, () -> Schedule.parse(text));
            FireSequence sequence = limited("sequence " + text, () -> Schedules.sequence(schedule, ZoneOffset.UTC,
                    from));
            limited("preview " + text, () -> Schedules.preview(schedule, ZoneOffset.UTC, Instant.parse(
                    "1990-01-01T00:00:00Z"), FIRES));
            for (int i = 0; i < 3; i++) {
                Instant at = from.plusSeconds((long) (rnd.nextDouble() * 4e9) - 2_000_000_000L);
                limited("nextAfter(" + at + ") " + text, () -> sequence.nextAfter(at));
            }
            return null;
        } catch (ScheduleParseException e) {
            return namesAField(e, text) ? null : text + ": names no field: " + e.getMessage();
        } catch (AssertionError e) {
            return e.getMessage();
        } catch (Exception e) {
            return text + ": threw " + e;
        }
    }

    /** A random rule with one edit: a part dropped, repeated, emptied, cased, or a number pushed to an extreme. */
    static String mutate(String rule, Random rnd) {
        List<String> parts = new ArrayList<>(Arrays.asList(rule.split(";")));
        int i = rnd.nextInt(parts.size());
        String part = parts.get(i);
        String[] extremes = {"0", "-0", "+0", "-1", "60", "61", "366", "367", "-367", "53", "54", "999999999",
            "1000000000", "2147483648", "", ",", "1,", "MO", "1MO", "-1SU", "20260101", "20260101T000000Z"};
        switch (rnd.nextInt(7)) {
            case 0 -> parts.remove(i);
            case 1 -> parts.add(rnd.nextInt(parts.size() + 1), part);
            case 2 -> parts.set(i, part.substring(0, part.indexOf('=') + 1));
            case 3 -> parts.set(i, part.toLowerCase(Locale.ROOT));
            case 4 -> parts.set(i, part.substring(0, part.indexOf('=') + 1) + extremes[rnd.nextInt(extremes.length)]);
            case 5 -> parts.set(i, part + "," + extremes[rnd.nextInt(extremes.length)]);
            default -> parts.add(rnd.nextInt(parts.size() + 1), new String[] {"BYSETPOS", "COUNT", "UNTIL",
                "INTERVAL", "BYWEEKNO", "BYYEARDAY", "WKST", "BYDAY"}[rnd.nextInt(8)] + "="
                    + extremes[rnd.nextInt(extremes.length)]);
        }
        return String.join(";", parts);
    }

    @Test
    void malformedAndEdgeRulesFailOnlyWithANamedPart() {
        Random rnd = new Random(Long.getLong("rrule.indep.seed", 13L));
        List<String> findings = new ArrayList<>();
        boolean everyStart = Boolean.getBoolean("rrule.indep.allStarts");
        for (String rule : EDGES) {
            for (String start : everyStart ? STARTS : List.of(STARTS.get(rnd.nextInt(STARTS.size())))) {
                String text = "rrule:" + rule + start + ZONE_TEXTS.get(rnd.nextInt(ZONE_TEXTS.size()));
                String finding = tryText(text, rnd);
                if (finding != null) {
                    findings.add(finding);
                }
            }
        }
        int mutations = Integer.getInteger("rrule.indep.mutations", 100);
        for (int i = 0; i < mutations; i++) {
            Case c = randomCase(rnd);
            String text = "rrule:" + mutate(c.rule(), rnd) + " start=" + c.start() + " tz=" + c.zone().getId();
            String finding = tryText(text, rnd);
            if (finding != null) {
                findings.add(finding);
            }
        }
        assertTrue(findings.isEmpty(), findings.size() + " findings:\n" + String.join("\n", findings.subList(0,
                Math.min(30, findings.size()))));
    }

    // --- what the fuzz found, one test each --------------------------------------------------------------------

    private static List<ZonedDateTime> preview(String text, String from, int count) {
        return Schedules.preview(Schedule.parse(text), ZoneOffset.UTC, Instant.parse(from), count);
    }

    private static List<ZonedDateTime> at(String zone, String... offsetDateTimes) {
        return Arrays.stream(offsetDateTimes).map(t -> java.time.OffsetDateTime.parse(t).atZoneSameInstant(
                ZoneId.of(zone))).toList();
    }

    /**
     * lib-recur 0.17.1 throws {@code ArrayIndexOutOfBoundsException} (in its BYDAY filter) for a negative BYYEARDAY
     * that a 365-day year does not have, with BYDAY: at registration when DTSTART's year is such a year, else at
     * the first fire in one. RFC 5545: day -366 exists in leap years only; these Thursdays are 1 January of leap
     * years that begin on a Thursday (2032, 2060), and day -2 (30 or 31 December) when a Thursday.
     */
    @Test
    void negativeYearDaysWithByDayAreComputedNotThrown() {
        assertEquals(at("UTC", "2032-01-01T02:58Z", "2060-01-01T02:58Z"),
                preview("rrule:FREQ=YEARLY;BYYEARDAY=-366;BYDAY=TH start=2014-12-27T02:58 tz=UTC",
                        "2014-01-01T00:00:00Z", 2));
        assertEquals(at("UTC", "2032-01-01T02:58Z", "2032-12-30T02:58Z", "2038-12-30T02:58Z"),
                preview("rrule:FREQ=YEARLY;BYYEARDAY=-366,-2;BYDAY=TH start=2032-01-01T02:58 tz=UTC",
                        "2031-01-01T00:00:00Z", 3));
    }

    /**
     * Samoa skipped 30 December 2011 (Pacific/Apia went from 29 December 23:59:59 -10:00 to 31 December 00:00
     * +14:00): a gap of 24 hours. The wall times of 30 December move forward by the gap (README, "Daylight-saving
     * time") onto those of 31 December, so 06:00 on the 31st comes before 18:00 of the 30th moved to the 31st. The
     * scheduler looked at most 3 hours around a transition for such reordering, and dropped 31 December 06:00.
     */
    @Test
    void aWholeDaySkippedReordersWallTimesAcrossIt() {
        String text = "rrule:FREQ=DAILY;BYHOUR=6,18 start=2011-12-30T12:00 tz=Pacific/Apia";
        assertEquals(at("Pacific/Apia", "2011-12-31T06:00+14:00", "2011-12-31T18:00+14:00",
                "2012-01-01T06:00+14:00"), preview(text, "2011-12-01T00:00:00Z", 3));
        FireSequence sequence = Schedules.sequence(Schedule.parse(text), ZoneOffset.UTC, Instant.parse(
                "2011-12-01T00:00:00Z"));
        assertEquals(Optional.of(java.time.OffsetDateTime.parse("2011-12-31T06:00+14:00").toInstant()),
                sequence.nextAfter(java.time.OffsetDateTime.parse("2011-12-29T20:00-10:00").toInstant()));
    }

    /** A DATE or local DATE-TIME UNTIL that is no date failed with java.time's DateTimeException. */
    @Test
    void anUntilThatIsNoDateIsAParseErrorNamingUntil() {
        for (String until : List.of("20260230", "20260230T120000", "20261301T000000", "20260101T250000",
                "20260431")) {
            ScheduleParseException e = assertThrows(ScheduleParseException.class, () -> Schedules.sequence(
                    Schedule.parse("rrule:FREQ=DAILY;UNTIL=" + until + " start=2026-01-01T00:00 tz=UTC"),
                    ZoneOffset.UTC, Instant.parse("2026-01-01T00:00:00Z")), until);
            assertEquals("UNTIL", e.field(), e.getMessage());
        }
    }

    /**
     * An INTERVAL that steps past the year 9999: the README says no date past it is searched. lib-recur's date
     * arithmetic went past it and wrapped around (FREQ=HOURLY;INTERVAL=999999999 gave the years 116103, 230183,
     * 82118, 116103, ...: a next fire earlier than the last, or the same one again), and a preview of such a rule in
     * Europe/Berlin took 26 seconds.
     */
    @Test
    void noFirePastTheYear9999AndNeverBackwards() throws Exception {
        for (String freq : List.of("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")) {
            for (String interval : List.of("999999999", "1000000", "3000")) {
                String text = "rrule:FREQ=" + freq + ";INTERVAL=" + interval + " start=2024-02-29T00:00 tz=Europe/Berlin";
                List<ZonedDateTime> fires = limited(text, () -> preview(text, "2024-01-01T00:00:00Z", 5_000));
                for (int i = 0; i < fires.size(); i++) {
                    ZonedDateTime fire = fires.get(i);
                    assertTrue(fire.getYear() <= 9999, () -> text + ": " + fire);
                    assertTrue(i == 0 || fire.isAfter(fires.get(i - 1)), () -> text + ": " + fires);
                }
            }
        }
    }

    /**
     * A DTSTART in a negative year made lib-recur loop for ever (fast-forwarding {@code FREQ=DAILY;INTERVAL=999999999}
     * from -0001-01-01 to 1990 did not end in 10 minutes). RFC 5545 years have four digits.
     */
    @Test
    void aStartOutsideTheYears0To9999IsAParseErrorNamingStart() {
        for (String start : List.of("-0001-01-01T00:00", "+10000-01-01T00:00", "-999999999-01-01T00:00")) {
            ScheduleParseException e = assertThrows(ScheduleParseException.class, () -> Schedules.sequence(
                    Schedule.parse("rrule:FREQ=DAILY;INTERVAL=999999999 start=" + start + " tz=Europe/Berlin"),
                    ZoneOffset.UTC, Instant.parse("1990-01-01T00:00:00Z")), start);
            assertEquals("start", e.field(), e.getMessage());
        }
        assertEquals(1, preview("rrule:FREQ=DAILY;INTERVAL=999999999 start=0000-01-01T00:00 tz=Europe/Berlin",
                "-0001-01-01T00:00:00Z", 3).size());
    }

    /**
     * A sequence asked for a fire far beyond its last answer (a task paused for years, a clock that jumped): the
     * kept lib-recur iterator fast-forwarded through every period in between, about 160 ms a year for a SECONDLY
     * rule, so 30 years took about 5 s on the scheduler's thread.
     */
    @Test
    void aFarJumpAheadCostsNoMoreThanAFreshStart() throws Exception {
        String text = "rrule:FREQ=SECONDLY start=2003-11-27T09:26:23 tz=Australia/Lord_Howe";
        FireSequence sequence = Schedules.sequence(Schedule.parse(text), ZoneOffset.UTC,
                Instant.parse("2004-01-01T00:00:00Z"));
        assertEquals(Optional.of(Instant.parse("2004-01-01T00:00:01Z")),
                sequence.nextAfter(Instant.parse("2004-01-01T00:00:00Z")));
        long t0 = System.nanoTime();
        assertEquals(Optional.of(Instant.parse("2034-01-01T00:00:01Z")),
                limited(text, () -> sequence.nextAfter(Instant.parse("2034-01-01T00:00:00Z"))));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1_000, ms + " ms");
    }
}
