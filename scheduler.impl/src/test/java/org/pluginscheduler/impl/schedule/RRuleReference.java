package org.pluginscheduler.impl.schedule;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately naive RFC 5545 recurrence expander, the oracle of the differential tests: it walks every day from
 * the start of DTSTART's period, asks of each candidate date-time whether every rule part admits it (a membership
 * test per part, not the RFC's expand/limit table that the production code follows), groups the admitted ones by
 * period for BYSETPOS, and drops those before DTSTART. Floating time only (no zone); slow on purpose, and bounded
 * by a horizon.
 *
 * <p>Reading of the RFC where it leaves room, shared with the production expander and documented in the README: a
 * YEARLY period is the calendar year; a day matches BYWEEKNO when its own week (weeks start on WKST, week 1 has at
 * least four days of its year) has that number in the week-numbering year it belongs to, counted from that year's
 * last week when negative, and BYWEEKNO without BYDAY, BYMONTHDAY or BYYEARDAY takes DTSTART's weekday (lib-recur's
 * reading of "what the rule leaves open comes from DTSTART"); BYDAY ordinals count within the month for MONTHLY and for YEARLY with BYMONTH, within
 * the year otherwise; DTSTART is the first candidate, an instance only if the rule matches it; second 60 never
 * occurs (no leap seconds in java.time).
 */
final class RRuleReference {

    private final String freq;
    private final int interval;
    private final Integer count;
    private final LocalDateTime until;
    private final int[] bySecond, byMinute, byHour, byMonthDay, byYearDay, byWeekNo, byMonth, bySetPos;
    private final List<int[]> byDay; // {ordinal or 0, ISO day 1..7}
    private final DayOfWeek wkst;
    private final LocalDateTime start;
    private final boolean defaultMonth, defaultMonthDay, defaultWeekday;

    /** @param rule normalized RRULE value; UNTIL, if any, floating (no Z) or a date */
    RRuleReference(String rule, LocalDateTime start) {
        Map<String, String> p = new HashMap<>();
        for (String part : rule.split(";")) {
            p.put(part.substring(0, part.indexOf('=')), part.substring(part.indexOf('=') + 1));
        }
        this.start = start;
        freq = p.get("FREQ");
        interval = p.containsKey("INTERVAL") ? Integer.parseInt(p.get("INTERVAL")) : 1;
        count = p.containsKey("COUNT") ? Integer.valueOf(p.get("COUNT")) : null;
        String u = p.get("UNTIL");
        until = u == null ? null : u.length() == 8 ? LocalDate.parse(u, java.time.format.DateTimeFormatter.BASIC_ISO_DATE)
                .atTime(23, 59, 59) : LocalDateTime.parse(u.replace("Z", ""),
                java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss"));
        bySecond = ints(p.get("BYSECOND"));
        byMinute = ints(p.get("BYMINUTE"));
        byHour = ints(p.get("BYHOUR"));
        byMonthDay = ints(p.get("BYMONTHDAY"));
        byYearDay = ints(p.get("BYYEARDAY"));
        byWeekNo = ints(p.get("BYWEEKNO"));
        byMonth = ints(p.get("BYMONTH"));
        bySetPos = ints(p.get("BYSETPOS"));
        wkst = p.containsKey("WKST") ? day(p.get("WKST")) : DayOfWeek.MONDAY;
        byDay = new ArrayList<>();
        if (p.containsKey("BYDAY")) {
            for (String d : p.get("BYDAY").split(",")) {
                String ord = d.substring(0, d.length() - 2);
                byDay.add(new int[] {ord.isEmpty() ? 0 : Integer.parseInt(ord), day(d.substring(d.length() - 2)).getValue()});
            }
        }
        boolean noDayParts = byWeekNo == null && byYearDay == null && byMonthDay == null && byDay.isEmpty();
        defaultMonth = noDayParts && freq.equals("YEARLY") && byMonth == null;
        defaultMonthDay = noDayParts && (freq.equals("YEARLY") || freq.equals("MONTHLY"));
        // a week from BYWEEKNO alone takes DTSTART's weekday, as a month from BYMONTH alone takes its day
        defaultWeekday = noDayParts && freq.equals("WEEKLY") || freq.equals("YEARLY") && byWeekNo != null
                && byYearDay == null && byMonthDay == null && byDay.isEmpty();
    }

    private static int[] ints(String list) {
        if (list == null) {
            return null;
        }
        String[] items = list.split(",");
        int[] out = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = Integer.parseInt(items[i]);
        }
        return out;
    }

    private static DayOfWeek day(String two) {
        return switch (two) {
            case "MO" -> DayOfWeek.MONDAY;
            case "TU" -> DayOfWeek.TUESDAY;
            case "WE" -> DayOfWeek.WEDNESDAY;
            case "TH" -> DayOfWeek.THURSDAY;
            case "FR" -> DayOfWeek.FRIDAY;
            case "SA" -> DayOfWeek.SATURDAY;
            default -> DayOfWeek.SUNDAY;
        };
    }

    private static boolean has(int[] set, int value) {
        for (int v : set) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    /** Value matches a signed list entry counting from the front (1..) or the back (-1 = last of {@code size}). */
    private static boolean hasSigned(int[] set, int value, int size) {
        return has(set, value) || has(set, value - size - 1);
    }

    // --- periods -------------------------------------------------------------------------------------------

    private LocalDate weekStart(LocalDate d) {
        return d.with(TemporalAdjusters.previousOrSame(wkst));
    }

    /** Index of the period containing {@code t}, counted from DTSTART's period (0). */
    private long periodIndex(LocalDateTime t) {
        return switch (freq) {
            case "YEARLY" -> t.getYear() - start.getYear();
            case "MONTHLY" -> ChronoUnit.MONTHS.between(start.toLocalDate().withDayOfMonth(1), t.toLocalDate().withDayOfMonth(1));
            case "WEEKLY" -> ChronoUnit.WEEKS.between(weekStart(start.toLocalDate()), weekStart(t.toLocalDate()));
            case "DAILY" -> ChronoUnit.DAYS.between(start.toLocalDate(), t.toLocalDate());
            case "HOURLY" -> ChronoUnit.HOURS.between(start.truncatedTo(ChronoUnit.HOURS), t.truncatedTo(ChronoUnit.HOURS));
            case "MINUTELY" -> ChronoUnit.MINUTES.between(start.truncatedTo(ChronoUnit.MINUTES), t.truncatedTo(ChronoUnit.MINUTES));
            default -> ChronoUnit.SECONDS.between(start, t);
        };
    }

    private LocalDate firstDayOfStartPeriod() {
        LocalDate d = start.toLocalDate();
        return switch (freq) {
            case "YEARLY" -> d.withDayOfYear(1);
            case "MONTHLY" -> d.withDayOfMonth(1);
            case "WEEKLY" -> weekStart(d);
            default -> d;
        };
    }

    private boolean periodStartsOn(LocalDate d) {
        return switch (freq) {
            case "YEARLY" -> d.getDayOfYear() == 1;
            case "MONTHLY" -> d.getDayOfMonth() == 1;
            case "WEEKLY" -> d.getDayOfWeek() == wkst;
            default -> true;
        };
    }

    // --- membership ----------------------------------------------------------------------------------------

    /** Week number of {@code d} in its own week-numbering year, and that year's number of weeks. */
    private int[] weekNumber(LocalDate d) {
        LocalDate ws = weekStart(d);
        // the week belongs to the year holding at least four of its days: the year of its fourth day
        int weekYear = ws.plusDays(3).getYear();
        LocalDate week1 = week1Start(weekYear);
        int number = (int) (ChronoUnit.DAYS.between(week1, ws) / 7) + 1;
        int weeks = (int) (ChronoUnit.DAYS.between(week1, week1Start(weekYear + 1)) / 7);
        return new int[] {number, weeks};
    }

    private LocalDate week1Start(int year) {
        LocalDate jan4 = LocalDate.of(year, 1, 4); // week 1 holds at least 4 January days, so it holds 4 January
        return weekStart(jan4);
    }

    private boolean dateMatches(LocalDate d) {
        if (byMonth != null && !has(byMonth, d.getMonthValue())) {
            return false;
        }
        if (defaultMonth && d.getMonthValue() != start.getMonthValue()) {
            return false;
        }
        if (byWeekNo != null) {
            int[] w = weekNumber(d);
            if (!hasSigned(byWeekNo, w[0], w[1])) {
                return false;
            }
        }
        if (byYearDay != null && !hasSigned(byYearDay, d.getDayOfYear(), d.lengthOfYear())) {
            return false;
        }
        if (byMonthDay != null && !hasSigned(byMonthDay, d.getDayOfMonth(), d.lengthOfMonth())) {
            return false;
        }
        if (defaultMonthDay && d.getDayOfMonth() != start.getDayOfMonth()) {
            return false;
        }
        if (defaultWeekday && d.getDayOfWeek() != start.getDayOfWeek()) {
            return false;
        }
        if (!byDay.isEmpty()) {
            boolean any = false;
            for (int[] e : byDay) {
                if (d.getDayOfWeek().getValue() != e[1]) {
                    continue;
                }
                if (e[0] == 0) {
                    any = true;
                    break;
                }
                boolean inMonth = freq.equals("MONTHLY") || freq.equals("YEARLY") && byMonth != null;
                LocalDate first = inMonth ? d.withDayOfMonth(1) : d.withDayOfYear(1);
                int size = inMonth ? d.lengthOfMonth() : d.lengthOfYear();
                int nth = (int) (ChronoUnit.DAYS.between(first, d) / 7) + 1; // d is the nth such weekday in scope
                int total = nth + (int) ((size - 1 - ChronoUnit.DAYS.between(first, d)) / 7);
                if (e[0] == nth || e[0] == nth - total - 1) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private int[] values(int[] by, int defaultValue, boolean fixed, int max) {
        if (by != null) {
            return java.util.Arrays.stream(by).filter(v -> v <= max).distinct().sorted().toArray();
        }
        if (fixed) {
            return new int[] {defaultValue};
        }
        int[] all = new int[max + 1];
        for (int i = 0; i <= max; i++) {
            all[i] = i;
        }
        return all;
    }

    /**
     * @return up to {@code max} occurrences after {@code after} (exclusive), looking no further than
     *         {@code horizon}
     */
    List<LocalDateTime> occurrencesAfter(LocalDateTime after, int max, LocalDate horizon) {
        int rank = List.of("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY").indexOf(freq);
        int[] hours = values(byHour, start.getHour(), rank >= 3, 23);
        int[] minutes = values(byMinute, start.getMinute(), rank >= 2, 59);
        int[] seconds = values(bySecond, start.getSecond(), rank >= 1, 59); // 60 never occurs
        List<LocalDateTime> out = new ArrayList<>();
        List<LocalDateTime> period = new ArrayList<>();
        long periodKey = Long.MIN_VALUE;
        int emitted = 0;
        // to the end of the period holding the horizon, so that BYSETPOS sees whole periods only
        for (LocalDate d = firstDayOfStartPeriod(); !d.isAfter(horizon) || !periodStartsOn(d); d = d.plusDays(1)) {
            if (!dateMatches(d)) {
                continue;
            }
            for (int h : hours) {
                for (int m : minutes) {
                    for (int s : seconds) {
                        LocalDateTime t = d.atTime(h, m, s);
                        long index = periodIndex(t);
                        if (index < 0 || index % interval != 0) {
                            continue;
                        }
                        if (index != periodKey) {
                            emitted = flush(period, after, max, out, emitted);
                            if (emitted < 0 || out.size() >= max) {
                                return out;
                            }
                            periodKey = index;
                        }
                        period.add(t);
                    }
                }
            }
        }
        flush(period, after, max, out, emitted);
        return out;
    }

    /** @return the number of instances from DTSTART so far, or -1 once COUNT or UNTIL ends the rule */
    private int flush(List<LocalDateTime> period, LocalDateTime after, int max, List<LocalDateTime> out, int emitted) {
        List<LocalDateTime> set = new ArrayList<>();
        if (bySetPos == null) {
            set.addAll(period);
        } else {
            for (int i = 0; i < period.size(); i++) {
                if (hasSigned(bySetPos, i + 1, period.size())) {
                    set.add(period.get(i));
                }
            }
        }
        period.clear();
        for (LocalDateTime t : set) {
            if (t.isBefore(start)) {
                continue;
            }
            if (until != null && t.isAfter(until) || count != null && emitted >= count) {
                return -1;
            }
            emitted++;
            if (t.isAfter(after) && out.size() < max) {
                out.add(t);
            }
        }
        return emitted;
    }
}
