package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * Where lib-recur 0.17.1, the RRULE library, is wrong or gives up, and the scheduler is right. Each case shows
 * lib-recur's own answer (upstream-worthy; when an upgrade fixes one, its first assertion fails and the routing in
 * {@code Schedules.RRuleSequence#libRecurIsWrongFor} can be narrowed) and the scheduler's answer by RFC 5545.
 * All in UTC, so wall times and instants coincide.
 */
class RRuleLibRecurTest {

    private static final ZoneId UTC = ZoneId.of("UTC");

    /** lib-recur's own first {@code n} instances, or its exception's text. */
    private static String libRecur(String rule, String start, int n) {
        try {
            return RRuleExpanderTest.libRecur(rule, LocalDateTime.parse(start), n).stream().map(LocalDateTime::toString)
                    .collect(Collectors.joining(" "));
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    /** The scheduler's first {@code n} fires from just before DTSTART. */
    private static String ours(String rule, String start, int n) {
        Schedule schedule = Schedule.parse("rrule:" + rule + " start=" + start + " tz=UTC");
        Instant from = LocalDateTime.parse(start).toInstant(ZoneOffset.UTC).minusSeconds(1);
        return Schedules.preview(schedule, UTC, from, n).stream().map(z -> z.toLocalDateTime().toString())
                .collect(Collectors.joining(" "));
    }

    @Test
    void bySetPosCountsFromTheStartOfThePeriodNotFromDtstart() {
        // 2021: Mar 29, Mar 31, Aug 29, Aug 31, Dec 29, Dec 31; the third is Aug 29 (DTSTART itself)
        String rule = "FREQ=YEARLY;BYMONTH=3,8,12;BYMONTHDAY=-3,-1;BYSETPOS=3";
        assertEquals("2021-12-29T02:00 2022-08-29T02:00", libRecur(rule, "2021-08-29T02:00", 2));
        assertEquals("2021-08-29T02:00 2022-08-29T02:00 2023-08-29T02:00", ours(rule, "2021-08-29T02:00", 3));
    }

    @Test
    void aBySetPosThatNoPeriodFillsIsRejectedAtParseTimeNotThrownOnTheTimer() {
        String rule = "FREQ=DAILY;BYHOUR=4,19;BYSETPOS=3"; // two instances a day, never a third
        assertTrue(libRecur(rule, "2026-01-01T00:00", 1).contains("too many empty recurrence sets"));
        ScheduleParseException e = assertThrows(ScheduleParseException.class,
                () -> ours(rule, "2026-01-01T00:00", 1));
        assertEquals("BYSETPOS", e.field()); // the part at fault
        assertEquals("BYSETPOS: a period of this rule holds at most 2 date-times, so no position given is ever "
                + "filled and the rule never occurs", e.getMessage());
    }

    @Test
    void bySetPosWithUntilComputes() {
        String rule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20260630T235959Z";
        assertEquals("2026-01-30T18:00 2026-02-27T18:00 2026-03-31T18:00 2026-04-30T18:00 2026-05-29T18:00 "
                + "2026-06-30T18:00", ours(rule, "2026-01-01T18:00", 10));
    }

    @Test
    void weekFiftyThreeOnlyInYearsThatHaveIt() {
        String rule = "FREQ=YEARLY;BYWEEKNO=20,53;BYDAY=FR";
        // 2027 has 52 weeks: lib-recur gives 2027-12-31 (week 52) and a Thursday, 2029-01-04
        assertEquals("2026-05-15T09:00 2027-01-01T09:00 2027-05-21T09:00 2027-12-31T09:00 2028-05-19T09:00 "
                + "2029-01-04T09:00", libRecur(rule, "2026-01-01T09:00", 6));
        // 2026 has 53 weeks (it starts on a Thursday); week 53 runs 2026-12-28 to 2027-01-03, its Friday is Jan 1
        assertEquals("2026-05-15T09:00 2027-01-01T09:00 2027-05-21T09:00 2028-05-19T09:00 2029-05-18T09:00 "
                + "2030-05-17T09:00", ours(rule, "2026-01-01T09:00", 6));
    }

    @Test
    void yearlyByMonthDayWithoutByMonthCoversEveryMonth() {
        // RFC 5545's table: BYMONTHDAY expands a YEARLY period; lib-recur keeps DTSTART's month only
        assertEquals("2021-02-15T03:00 2022-02-15T03:00", libRecur("FREQ=YEARLY;BYMONTHDAY=15", "2021-02-04T03:00", 2));
        assertEquals("2021-02-15T03:00 2021-03-15T03:00 2021-04-15T03:00",
                ours("FREQ=YEARLY;BYMONTHDAY=15", "2021-02-04T03:00", 3));
        // Thursdays that are the 29th: none in the rest of 2028 (29 July is a Saturday), then March and November
        assertEquals("2029-03-29T00:00 2029-11-29T00:00 2030-08-29T00:00",
                ours("FREQ=YEARLY;BYMONTHDAY=29;BYDAY=TH", "2028-07-02T00:00", 3));
    }

    @Test
    void negativeYearDaysOfSubDailyRulesCountFromTheLastDayOfThisYear() {
        // 2010 has 365 days: day -21 is day 345, 11 December; lib-recur gives the 10th
        String rule = "FREQ=HOURLY;BYYEARDAY=-21";
        assertEquals("2010-12-10T00:00 2010-12-10T01:00", libRecur(rule, "2010-12-01T00:00", 2));
        assertEquals("2010-12-11T00:00 2010-12-11T01:00", ours(rule, "2010-12-01T00:00", 2));
    }

    @Test
    void sparseRulesAreComputedNotGivenUpOn() {
        String rule = "FREQ=MINUTELY;BYMONTH=3";
        assertTrue(libRecur(rule, "2026-10-01T00:00", 1).contains("too many empty recurrence sets"));
        assertEquals("2027-03-01T00:00 2027-03-01T00:01 2027-03-01T00:02", ours(rule, "2026-10-01T00:00", 3));
        // the README's example of a sparse rule far below the search budget: the next 29 February, to the second
        assertEquals("2028-02-29T00:00 2028-02-29T00:00:01",
                ours("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29", "2025-03-01T00:00", 2));
        // March to March: the rule runs through March, then waits eleven months
        Schedule schedule = Schedule.parse("rrule:" + rule + " start=2026-10-01T00:00 tz=UTC");
        assertEquals("2028-03-01T00:00", Schedules.preview(schedule, UTC,
                Instant.parse("2027-03-31T23:59:00Z"), 1).get(0).toLocalDateTime().toString());
    }

    @Test
    void aRuleThatNeverOccursIsRejectedNamingWhy() {
        // the API's syntax check accepts it; computing it, at registration or preview, finds it empty
        Schedule.parse("rrule:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30 start=2026-01-01T00:00");
        ScheduleParseException computed = assertThrows(ScheduleParseException.class,
                () -> ours("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-01-01T00:00", 1));
        assertTrue(computed.getMessage().contains("never occurs"), computed.getMessage());
    }

    @Test
    void leapSecondsNeverOccur() {
        assertEquals("2026-01-01T00:00:30 2026-01-01T00:01:30",
                ours("FREQ=MINUTELY;BYSECOND=30,60", "2026-01-01T00:00", 2));
        ScheduleParseException e = assertThrows(ScheduleParseException.class,
                () -> ours("FREQ=MINUTELY;BYSECOND=60", "2026-01-01T00:00", 1));
        assertEquals("BYSECOND", e.field());
    }
}
