package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import org.dmfs.rfc5545.DateTime;
import org.dmfs.rfc5545.recur.RecurrenceRule;
import org.dmfs.rfc5545.recur.RecurrenceRuleIterator;
import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * {@link RRuleExpander} on its own: against lib-recur on the rules lib-recur computes right (a second, independent
 * implementation beside {@link RRuleReference}), and the cost of sparse searches.
 */
class RRuleExpanderTest {

    private static List<LocalDateTime> expander(String rule, LocalDateTime start, int n) throws Exception {
        RRuleExpander e = new RRuleExpander(new RecurrenceRule(rule, RecurrenceRule.RfcMode.RFC5545_STRICT), start, true);
        List<LocalDateTime> out = new ArrayList<>();
        Optional<LocalDateTime> next = e.nextAfter(start.minusSeconds(1));
        while (next.isPresent() && out.size() < n) {
            out.add(next.get());
            next = e.nextAfter(next.get());
        }
        return out;
    }

    /** lib-recur's own first {@code n} instances from {@code start}, in floating time. */
    static List<LocalDateTime> libRecur(String rule, LocalDateTime start, int n)
            throws org.dmfs.rfc5545.recur.InvalidRecurrenceRuleException {
        RecurrenceRuleIterator it = new RecurrenceRule(rule, RecurrenceRule.RfcMode.RFC5545_STRICT).iterator(
                new DateTime(start.getYear(), start.getMonthValue() - 1, start.getDayOfMonth(), start.getHour(),
                        start.getMinute(), start.getSecond()));
        List<LocalDateTime> out = new ArrayList<>();
        while (it.hasNext() && out.size() < n) {
            DateTime d = it.nextDateTime();
            out.add(LocalDateTime.of(d.getYear(), d.getMonth() + 1, d.getDayOfMonth(), d.getHours(), d.getMinutes(),
                    d.getSeconds()));
        }
        return out;
    }

    /** The classes {@code Schedules.RRuleSequence#libRecurIsWrongFor} sends to the expander, and sparse ones. */
    private static boolean libRecurIsRightFor(String rule) {
        boolean subDaily = rule.contains("FREQ=HOURLY") || rule.contains("FREQ=MINUTELY") || rule.contains("FREQ=SECONDLY");
        return !rule.contains("BYSETPOS") && !rule.contains("BYWEEKNO")
                && !(rule.contains("FREQ=YEARLY") && rule.contains("BYMONTHDAY") && !rule.contains("BYMONTH="))
                && !(subDaily && rule.contains("BYYEARDAY"));
    }

    @Test
    void agreesWithLibRecurWhereLibRecurIsRight() throws Exception {
        Random random = new Random(Long.getLong("rrule.diff.seed", 5545L));
        int compared = 0;
        List<String> failures = new ArrayList<>();
        while (compared < 1500 && failures.size() < 10) {
            RRuleDifferentialTest.Case c = RRuleDifferentialTest.randomCase(random);
            String rule = c.rule().replaceAll("UNTIL=(\\d{8}T\\d{6})Z", "UNTIL=$1"); // floating, as Schedules does
            if (!libRecurIsRightFor(rule)) {
                continue;
            }
            List<LocalDateTime> expected;
            try {
                expected = libRecur(rule, c.start(), 30);
            } catch (RuntimeException | org.dmfs.rfc5545.recur.InvalidRecurrenceRuleException e) {
                continue; // gives up (sparse) or rejects: covered by RRuleDifferentialTest
            }
            compared++;
            List<LocalDateTime> actual = expander(rule, c.start(), 30);
            if (!expected.equals(actual)) {
                failures.add(rule + " start=" + c.start() + "\n   lib-recur " + expected + "\n   expander  " + actual);
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    @Test
    void sparseRulesCostLittle() throws Exception {
        RRuleExpander e = new RRuleExpander(new RecurrenceRule("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29",
                RecurrenceRule.RfcMode.RFC5545_STRICT), LocalDateTime.parse("2025-03-01T00:00"), true);
        assertEquals(Optional.of(LocalDateTime.parse("2028-02-29T00:00")), e.nextAfter(LocalDateTime.parse(
                "2025-03-01T00:00")));
        assertTrue(e.lastSearchCost() < 5_000, "cost " + e.lastSearchCost());

        RRuleExpander minutely = new RRuleExpander(new RecurrenceRule("FREQ=MINUTELY;BYMONTH=3",
                RecurrenceRule.RfcMode.RFC5545_STRICT), LocalDateTime.parse("2026-10-01T00:00"), true);
        assertEquals(Optional.of(LocalDateTime.parse("2028-03-01T00:00")), minutely.nextAfter(LocalDateTime.parse(
                "2027-03-31T23:59")));
        assertTrue(minutely.lastSearchCost() < 5_000, "cost " + minutely.lastSearchCost());
    }

    private static String preview(String text, int n) {
        return Schedules.preview(Schedule.parse(text), java.time.ZoneOffset.UTC,
                java.time.Instant.parse("2025-12-31T23:59:59Z"), n).stream()
                .map(z -> z.toLocalDateTime().toString()).collect(java.util.stream.Collectors.joining(" "));
    }

    @Test
    void aHugeIntervalOfSecondsJumpsStraightToItsNextDay() {
        // every 60 days, counted in seconds: the search jumps over the days without an aligned second (it used to
        // walk every second of them, ran out of budget after about 45 days and ended the rule)
        assertEquals("2026-01-01T00:00 2026-03-02T00:00 2026-05-01T00:00", preview(
                "rrule:FREQ=SECONDLY;INTERVAL=5184000;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYSETPOS=1 "
                        + "start=2026-01-01T00:00 tz=UTC", 3));
    }

    @Test
    void aBySetPosPeriodTooLargeToHoldIsRejectedNotMaterialized() {
        // a YEARLY period of every second: 31.6 million date-times, gigabytes if built
        ScheduleParseException e = org.junit.jupiter.api.Assertions.assertThrows(ScheduleParseException.class,
                () -> preview("rrule:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=" + range(23) + ";BYMINUTE="
                        + range(59) + ";BYSECOND=" + range(59) + ";BYSETPOS=-1 start=2026-01-01T00:00 tz=UTC", 1));
        assertEquals("BYSETPOS", e.field());
        assertTrue(e.getMessage().contains("at most " + RRuleExpander.MAX_PERIOD), e.getMessage());
        // without BYSETPOS nothing is materialized: the same rule fires every second
        assertEquals("2026-01-01T00:00 2026-01-01T00:00:01", preview("rrule:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;"
                + "BYHOUR=" + range(23) + ";BYMINUTE=" + range(59) + ";BYSECOND=" + range(59)
                + ";BYWEEKNO=1,2,3 start=2026-01-01T00:00 tz=UTC", 2));
    }

    private static String range(int last) {
        return java.util.stream.IntStream.rangeClosed(0, last).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(","));
    }

    @Test
    void anImpossibleUtcUntilNamesUntil() {
        ScheduleParseException e = org.junit.jupiter.api.Assertions.assertThrows(ScheduleParseException.class,
                () -> preview("rrule:FREQ=DAILY;UNTIL=20261301T000000Z start=2026-01-01T00:00 tz=UTC", 1));
        assertEquals("UNTIL: '20261301T000000Z' is not a date-time", e.getMessage());
    }

    @Test
    void aRuleTheBoundedSearchCannotProveEmptyIsRejectedAsTooSparse() {
        // every second hour from midnight is even: never 1, 3 or 5 o'clock, but only the budget finds that out
        ScheduleParseException e = org.junit.jupiter.api.Assertions.assertThrows(ScheduleParseException.class,
                () -> preview("rrule:FREQ=HOURLY;INTERVAL=2;BYHOUR=1,3,5 start=2026-01-01T00:00 tz=UTC", 1));
        assertTrue(e.getMessage().startsWith("rrule: finds no occurrence within 4000000 candidate date-times"),
                e.getMessage());
    }
}
