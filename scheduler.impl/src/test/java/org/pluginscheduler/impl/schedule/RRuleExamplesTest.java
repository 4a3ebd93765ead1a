package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;

/**
 * The recurrence examples of RFC 5545 section 3.8.5.3, with the dates the RFC lists. All are in
 * America/New_York; many cross the 1997-10-26 change from EDT to EST, where the local time stays 09:00 and the
 * offset changes from -04:00 to -05:00 (checked by comparing {@link ZonedDateTime}s, which include the offset).
 * Each preview starts one second before DTSTART. For rules with COUNT or UNTIL the preview asks for more fires
 * than the RFC lists, so the end of the rule is checked too.
 */
class RRuleExamplesTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static List<ZonedDateTime> occurrences(String rule, String dtstart, int count) {
        LocalDateTime start = LocalDateTime.parse(dtstart);
        Schedule schedule = Schedule.parse("rrule:" + rule + " start=" + dtstart + " tz=America/New_York");
        assertEquals(new Schedule.RRule(rule, start, Optional.of(NEW_YORK)), schedule);
        Instant justBefore = start.atZone(NEW_YORK).toInstant().minusSeconds(1);
        // the default zone must not matter: the schedule names its own
        return Schedules.preview(schedule, ZoneOffset.UTC, justBefore, count);
    }

    /** Expected occurrences at a local time of day (09:00 unless changed) in New York. */
    private static final class Expected {
        private final List<ZonedDateTime> list = new ArrayList<>();
        private int year;
        private LocalTime time = LocalTime.of(9, 0);

        static Expected in(int year) {
            Expected e = new Expected();
            e.year = year;
            return e;
        }

        Expected year(int year) {
            this.year = year;
            return this;
        }

        Expected at(String time) {
            this.time = LocalTime.parse(time);
            return this;
        }

        Expected month(int month, int... days) {
            for (int day : days) {
                list.add(ZonedDateTime.of(LocalDate.of(year, month, day), time, NEW_YORK));
            }
            return this;
        }

        Expected days(int month, int first, int last, int step) {
            for (int day = first; day <= last; day += step) {
                list.add(ZonedDateTime.of(LocalDate.of(year, month, day), time, NEW_YORK));
            }
            return this;
        }

        Expected times(int month, int day, String... times) {
            for (String t : times) {
                list.add(ZonedDateTime.of(LocalDate.of(year, month, day), LocalTime.parse(t), NEW_YORK));
            }
            return this;
        }

        int size() {
            return list.size();
        }

        List<ZonedDateTime> list() {
            return list;
        }
    }

    /** A rule with COUNT or UNTIL: asking for more than the RFC lists must give exactly the RFC's list. */
    private static void assertFinite(Expected expected, String rule, String dtstart) {
        assertEquals(expected.list(), occurrences(rule, dtstart, expected.size() + 10), rule);
    }

    /** A rule without end: the first fires equal the RFC's list. */
    private static void assertPrefix(Expected expected, String rule, String dtstart) {
        assertEquals(expected.list(), occurrences(rule, dtstart, expected.size()), rule);
    }

    @Test
    void dailyFor10Occurrences() {
        assertFinite(Expected.in(1997).days(9, 2, 11, 1), "FREQ=DAILY;COUNT=10", "1997-09-02T09:00");
    }

    @Test
    void dailyUntilDecember24() {
        // UNTIL=19971224T000000Z is 1997-12-23T19:00 EST: the 23rd at 09:00 is the last occurrence
        Expected expected = Expected.in(1997).days(9, 2, 30, 1).days(10, 1, 25, 1)
                .days(10, 26, 31, 1).days(11, 1, 30, 1).days(12, 1, 23, 1);
        assertEquals(113, expected.size());
        assertFinite(expected, "FREQ=DAILY;UNTIL=19971224T000000Z", "1997-09-02T09:00");
    }

    @Test
    void everyOtherDayForever() {
        Expected expected = Expected.in(1997).days(9, 2, 30, 2).days(10, 2, 24, 2)
                .month(10, 26, 28, 30).days(11, 1, 29, 2).month(12, 1, 3);
        assertPrefix(expected, "FREQ=DAILY;INTERVAL=2", "1997-09-02T09:00");
    }

    @Test
    void every10Days5Occurrences() {
        assertFinite(Expected.in(1997).month(9, 2, 12, 22).month(10, 2, 12), "FREQ=DAILY;INTERVAL=10;COUNT=5",
                "1997-09-02T09:00");
    }

    @Test
    void everyDayInJanuaryFor3Years() {
        // UNTIL=20000131T140000Z is 2000-01-31T09:00 EST, itself an occurrence: UNTIL is inclusive
        Expected expected = Expected.in(1998).days(1, 1, 31, 1).year(1999).days(1, 1, 31, 1)
                .year(2000).days(1, 1, 31, 1);
        assertFinite(expected, "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
                "1998-01-01T09:00");
        assertFinite(expected, "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", "1998-01-01T09:00");
    }

    @Test
    void weeklyFor10Occurrences() {
        Expected expected = Expected.in(1997).month(9, 2, 9, 16, 23, 30).month(10, 7, 14, 21)
                .month(10, 28).month(11, 4);
        assertFinite(expected, "FREQ=WEEKLY;COUNT=10", "1997-09-02T09:00");
    }

    @Test
    void weeklyUntilDecember24() {
        Expected expected = Expected.in(1997).month(9, 2, 9, 16, 23, 30).month(10, 7, 14, 21)
                .month(10, 28).month(11, 4, 11, 18, 25).month(12, 2, 9, 16, 23);
        assertFinite(expected, "FREQ=WEEKLY;UNTIL=19971224T000000Z", "1997-09-02T09:00");
    }

    @Test
    void everyOtherWeekForever() {
        Expected expected = Expected.in(1997).month(9, 2, 16, 30).month(10, 14).month(10, 28).month(11, 11, 25)
                .month(12, 9, 23).year(1998).month(1, 6, 20).month(2, 3, 17);
        assertPrefix(expected, "FREQ=WEEKLY;INTERVAL=2;WKST=SU", "1997-09-02T09:00");
    }

    @Test
    void weeklyOnTuesdayAndThursdayForFiveWeeks() {
        Expected expected = Expected.in(1997).month(9, 2, 4, 9, 11, 16, 18, 23, 25, 30).month(10, 2);
        assertFinite(expected, "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", "1997-09-02T09:00");
        assertFinite(expected, "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", "1997-09-02T09:00");
    }

    @Test
    void everyOtherWeekOnMondayWednesdayFridayUntilDecember24() {
        Expected expected = Expected.in(1997).month(9, 1, 3, 5, 15, 17, 19, 29).month(10, 1, 3, 13, 15, 17)
                .month(10, 27, 29, 31).month(11, 10, 12, 14, 24, 26, 28).month(12, 8, 10, 12, 22);
        assertFinite(expected, "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
                "1997-09-01T09:00");
    }

    @Test
    void everyOtherWeekOnTuesdayAndThursdayFor8Occurrences() {
        Expected expected = Expected.in(1997).month(9, 2, 4, 16, 18, 30).month(10, 2, 14, 16);
        assertFinite(expected, "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", "1997-09-02T09:00");
    }

    @Test
    void monthlyOnTheFirstFridayFor10Occurrences() {
        Expected expected = Expected.in(1997).month(9, 5).month(10, 3).month(11, 7).month(12, 5)
                .year(1998).month(1, 2).month(2, 6).month(3, 6).month(4, 3).month(5, 1).month(6, 5);
        assertFinite(expected, "FREQ=MONTHLY;COUNT=10;BYDAY=1FR", "1997-09-05T09:00");
    }

    @Test
    void monthlyOnTheFirstFridayUntilDecember24() {
        Expected expected = Expected.in(1997).month(9, 5).month(10, 3).month(11, 7).month(12, 5);
        assertFinite(expected, "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", "1997-09-05T09:00");
    }

    @Test
    void everyOtherMonthOnTheFirstAndLastSundayFor10Occurrences() {
        Expected expected = Expected.in(1997).month(9, 7, 28).month(11, 2, 30)
                .year(1998).month(1, 4, 25).month(3, 1, 29).month(5, 3, 31);
        assertFinite(expected, "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", "1997-09-07T09:00");
    }

    @Test
    void monthlyOnTheSecondToLastMondayFor6Months() {
        Expected expected = Expected.in(1997).month(9, 22).month(10, 20).month(11, 17).month(12, 22)
                .year(1998).month(1, 19).month(2, 16);
        assertFinite(expected, "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", "1997-09-22T09:00");
    }

    @Test
    void monthlyOnTheThirdToTheLastDayForever() {
        Expected expected = Expected.in(1997).month(9, 28).month(10, 29).month(11, 28).month(12, 29)
                .year(1998).month(1, 29).month(2, 26);
        assertPrefix(expected, "FREQ=MONTHLY;BYMONTHDAY=-3", "1997-09-28T09:00");
    }

    @Test
    void monthlyOnThe2ndAnd15thFor10Occurrences() {
        Expected expected = Expected.in(1997).month(9, 2, 15).month(10, 2, 15).month(11, 2, 15).month(12, 2, 15)
                .year(1998).month(1, 2, 15);
        assertFinite(expected, "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", "1997-09-02T09:00");
    }

    @Test
    void monthlyOnTheFirstAndLastDayFor10Occurrences() {
        Expected expected = Expected.in(1997).month(9, 30).month(10, 1).month(10, 31).month(11, 1, 30)
                .month(12, 1, 31).year(1998).month(1, 1, 31).month(2, 1);
        assertFinite(expected, "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", "1997-09-30T09:00");
    }

    @Test
    void every18MonthsOnThe10thThru15thFor10Occurrences() {
        Expected expected = Expected.in(1997).days(9, 10, 15, 1).year(1999).days(3, 10, 13, 1);
        assertFinite(expected, "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
                "1997-09-10T09:00");
    }

    @Test
    void everyTuesdayEveryOtherMonth() {
        Expected expected = Expected.in(1997).month(9, 2, 9, 16, 23, 30).month(11, 4, 11, 18, 25)
                .year(1998).month(1, 6, 13, 20, 27).month(3, 3, 10, 17, 24, 31);
        assertPrefix(expected, "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", "1997-09-02T09:00");
    }

    @Test
    void yearlyInJuneAndJulyFor10Occurrences() {
        Expected expected = Expected.in(1997).month(6, 10).month(7, 10).year(1998).month(6, 10).month(7, 10)
                .year(1999).month(6, 10).month(7, 10).year(2000).month(6, 10).month(7, 10)
                .year(2001).month(6, 10).month(7, 10);
        assertFinite(expected, "FREQ=YEARLY;COUNT=10;BYMONTH=6,7", "1997-06-10T09:00");
    }

    @Test
    void everyOtherYearOnJanuaryFebruaryAndMarchFor10Occurrences() {
        Expected expected = Expected.in(1997).month(3, 10).year(1999).month(1, 10).month(2, 10).month(3, 10)
                .year(2001).month(1, 10).month(2, 10).month(3, 10).year(2003).month(1, 10).month(2, 10).month(3, 10);
        assertFinite(expected, "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", "1997-03-10T09:00");
    }

    @Test
    void everyThirdYearOnThe1st100thAnd200thDayFor10Occurrences() {
        Expected expected = Expected.in(1997).month(1, 1).month(4, 10).month(7, 19)
                .year(2000).month(1, 1).month(4, 9).month(7, 18)
                .year(2003).month(1, 1).month(4, 10).month(7, 19)
                .year(2006).month(1, 1);
        assertFinite(expected, "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", "1997-01-01T09:00");
    }

    @Test
    void every20thMondayOfTheYear() {
        Expected expected = Expected.in(1997).month(5, 19).year(1998).month(5, 18).year(1999).month(5, 17);
        assertPrefix(expected, "FREQ=YEARLY;BYDAY=20MO", "1997-05-19T09:00");
    }

    @Test
    void mondayOfWeekNumber20() {
        Expected expected = Expected.in(1997).month(5, 12).year(1998).month(5, 11).year(1999).month(5, 17);
        assertPrefix(expected, "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "1997-05-12T09:00");
    }

    @Test
    void everyThursdayInMarch() {
        Expected expected = Expected.in(1997).month(3, 13, 20, 27).year(1998).month(3, 5, 12, 19, 26)
                .year(1999).month(3, 4, 11, 18, 25);
        assertPrefix(expected, "FREQ=YEARLY;BYMONTH=3;BYDAY=TH", "1997-03-13T09:00");
    }

    @Test
    void everyThursdayOnlyDuringJuneJulyAndAugust() {
        Expected expected = Expected.in(1997).month(6, 5, 12, 19, 26).month(7, 3, 10, 17, 24, 31)
                .month(8, 7, 14, 21, 28)
                .year(1998).month(6, 4, 11, 18, 25).month(7, 2, 9, 16, 23, 30).month(8, 6, 13, 20, 27)
                .year(1999).month(6, 3, 10, 17, 24).month(7, 1, 8, 15, 22, 29).month(8, 5, 12, 19, 26);
        assertPrefix(expected, "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8", "1997-06-05T09:00");
    }

    @Test
    void everyFridayThe13th() {
        // The RFC adds EXDATE:19970902T090000 because DTSTART (a Tuesday) does not match the rule. The schedule has
        // no EXDATE and needs none: its DTSTART is the first *candidate* (see Schedule.RRule), and lib-recur does
        // not emit a DTSTART that the rule does not match.
        Expected expected = Expected.in(1998).month(2, 13).month(3, 13).month(11, 13).year(1999).month(8, 13)
                .year(2000).month(10, 13);
        assertPrefix(expected, "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "1997-09-02T09:00");
    }

    @Test
    void theFirstSaturdayThatFollowsTheFirstSundayOfTheMonth() {
        Expected expected = Expected.in(1997).month(9, 13).month(10, 11).month(11, 8).month(12, 13)
                .year(1998).month(1, 10).month(2, 7).month(3, 7).month(4, 11).month(5, 9).month(6, 13);
        assertPrefix(expected, "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", "1997-09-13T09:00");
    }

    @Test
    void usPresidentialElectionDay() {
        Expected expected = Expected.in(1996).month(11, 5).year(2000).month(11, 7).year(2004).month(11, 2);
        assertPrefix(expected, "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
                "1996-11-05T09:00");
    }

    @Test
    void theThirdInstanceOfTuesdayWednesdayOrThursdayForTheNext3Months() {
        Expected expected = Expected.in(1997).month(9, 4).month(10, 7).month(11, 6);
        assertFinite(expected, "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", "1997-09-04T09:00");
    }

    @Test
    void theSecondToLastWeekdayOfTheMonth() {
        Expected expected = Expected.in(1997).month(9, 29).month(10, 30).month(11, 27).month(12, 30)
                .year(1998).month(1, 29).month(2, 26).month(3, 30);
        assertPrefix(expected, "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "1997-09-29T09:00");
    }

    @Test
    void every3HoursFrom9To5OnASpecificDay() {
        // The RFC lists 09:00, 12:00, 15:00, but its UNTIL=19970902T170000Z is 13:00 EDT, before 15:00: the
        // listing contradicts the rule (it reads UNTIL as 17:00 local). UNTIL in UTC is an instant, so 15:00 EDT
        // (19:00Z) is past it.
        assertFinite(Expected.in(1997).times(9, 2, "09:00", "12:00"), "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z",
                "1997-09-02T09:00");
        // with UNTIL at 17:00 EDT (21:00Z), as the example's title means, the listed three
        assertFinite(Expected.in(1997).times(9, 2, "09:00", "12:00", "15:00"),
                "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z", "1997-09-02T09:00");
    }

    @Test
    void every15MinutesFor6Occurrences() {
        assertFinite(Expected.in(1997).times(9, 2, "09:00", "09:15", "09:30", "09:45", "10:00", "10:15"),
                "FREQ=MINUTELY;INTERVAL=15;COUNT=6", "1997-09-02T09:00");
    }

    @Test
    void everyHourAndAHalfFor4Occurrences() {
        assertFinite(Expected.in(1997).times(9, 2, "09:00", "10:30", "12:00", "13:30"),
                "FREQ=MINUTELY;INTERVAL=90;COUNT=4", "1997-09-02T09:00");
    }

    @Test
    void every20MinutesFrom9To1640EveryDay() {
        List<String> times = new ArrayList<>();
        for (int hour = 9; hour <= 16; hour++) {
            for (int minute = 0; minute < 60; minute += 20) {
                times.add(LocalTime.of(hour, minute).toString());
            }
        }
        String[] day = times.toArray(String[]::new);
        Expected expected = Expected.in(1997).times(9, 2, day).times(9, 3, day).times(9, 4, "09:00");
        assertEquals(49, expected.size());
        assertPrefix(expected, "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40", "1997-09-02T09:00");
        assertPrefix(expected, "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16", "1997-09-02T09:00");
    }

    @Test
    void weekStartMattersForEveryOtherWeek() {
        assertFinite(Expected.in(1997).month(8, 5, 10, 19, 24), "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
                "1997-08-05T09:00");
        assertFinite(Expected.in(1997).month(8, 5, 17, 19, 31), "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
                "1997-08-05T09:00");
    }

    @Test
    void anInvalidDateIsIgnored() {
        // February 30 does not exist; 2007-03-11 started EDT, so March is at -04:00
        assertFinite(Expected.in(2007).month(1, 15, 30).month(2, 15).month(3, 15, 30),
                "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5", "2007-01-15T09:00");
    }

    @Test
    void localTimeStaysAtNineAcrossTheChangeFromEdtToEst() {
        List<ZonedDateTime> fires = occurrences("FREQ=WEEKLY;COUNT=10", "1997-09-02T09:00", 10);
        assertTrue(fires.stream().allMatch(z -> z.toLocalTime().equals(LocalTime.of(9, 0))), fires::toString);
        assertEquals(ZoneOffset.ofHours(-4), fires.get(7).getOffset()); // October 21
        assertEquals(ZoneOffset.ofHours(-5), fires.get(8).getOffset()); // October 28
        assertEquals(Instant.parse("1997-10-21T13:00:00Z"), fires.get(7).toInstant());
        assertEquals(Instant.parse("1997-10-28T14:00:00Z"), fires.get(8).toInstant());
    }
}
