package org.pluginscheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every malformed schedule text is rejected with a {@link ScheduleParseException} naming the field at fault. */
class ScheduleErrorTest {

    private static void assertRejected(String text, String field, String message) {
        ScheduleParseException e = assertThrows(ScheduleParseException.class, () -> Schedule.parse(text), text);
        assertEquals(message, e.getMessage(), text);
        assertEquals(field, e.field(), text);
        assertEquals(field + ": " + e.detail(), e.getMessage(), "message is 'field: detail'");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            cron:61 * * * *              | minute       | minute: 61 is not in 0–59
            cron:60 * * * *              | minute       | minute: 60 is not in 0–59
            cron:0-60 * * * *            | minute       | minute: 60 is not in 0–59
            cron:0 24 * * *              | hour         | hour: 24 is not in 0–23
            cron:0 0,24 * * *            | hour         | hour: 24 is not in 0–23
            cron:0 0 0 * *               | day-of-month | day-of-month: 0 is not in 1–31
            cron:0 0 32 * *              | day-of-month | day-of-month: 32 is not in 1–31
            cron:0 0 1 13 *              | month        | month: 13 is not in 1–12
            cron:0 0 1 0 *               | month        | month: 0 is not in 1–12
            cron:0 0 1 foo *             | month        | month: 'FOO' is not a number or a name (JAN–DEC)
            cron:0 0 1 JANUARY *         | month        | month: 'JANUARY' is not a number or a name (JAN–DEC)
            cron:0 0 1 MON *             | month        | month: 'MON' is not a number or a name (JAN–DEC)
            cron:0 0 * * 8               | day-of-week  | day-of-week: 8 is not in 0–7
            cron:0 0 * * SUNDAY          | day-of-week  | day-of-week: 'SUNDAY' is not a number or a name (SUN–SAT)
            cron:0 0 * * JAN             | day-of-week  | day-of-week: 'JAN' is not a number or a name (SUN–SAT)
            cron:*/0 * * * *             | minute       | minute: step 0 must be at least 1
            cron:0-30/0 * * * *          | minute       | minute: step 0 must be at least 1
            cron:*/61 * * * *            | minute       | minute: step 61 is larger than the field's range 0–59
            cron:0 */25 * * *            | hour         | hour: step 25 is larger than the field's range 0–23
            cron:0 0 */32 * *            | day-of-month | day-of-month: step 32 is larger than the field's range 1–31
            cron:0 0 1 */13 *            | month        | month: step 13 is larger than the field's range 1–12
            cron:0 0 * * */9             | day-of-week  | day-of-week: step 9 is larger than the field's range 0–7
            cron:*/x * * * *             | minute       | minute: step 'X' is not a number
            cron:*/ * * * *              | minute       | minute: step '' is not a number
            cron:*/-5 * * * *            | minute       | minute: step '-5' is not a number
            cron:5/15 * * * *            | minute       | minute: '5/15': a step needs '*' or a range before '/'
            cron:5-2 * * * *             | minute       | minute: range 5-2 is backwards
            cron:0 5-2 * * *             | hour         | hour: range 5-2 is backwards
            cron:0 0 * DEC-JAN *         | month        | month: range DEC-JAN is backwards
            cron:0 0 * * FRI-MON         | day-of-week  | day-of-week: range FRI-MON is backwards
            cron:1,,2 * * * *            | minute       | minute: empty list element in '1,,2'
            cron:1, * * * *              | minute       | minute: empty list element in '1,'
            cron:0 ,5 * * *              | hour         | hour: empty list element in ',5'
            cron:a * * * *               | minute       | minute: 'A' is not a number
            cron:-5 * * * *              | minute       | minute: '-5' is not a number
            cron:1- * * * *              | minute       | minute: '' is not a number
            cron:1-2-3 * * * *           | minute       | minute: '2-3' is not a number
            cron:? * * * *               | minute       | minute: '?' is not a number
            cron:0 0 L * *               | day-of-month | day-of-month: 'L' is not a number
            cron:١ * * * *               | minute       | minute: '١' is not a number
            cron:*/５ * * * *             | minute       | minute: step '５' is not a number
            cron:0 3 * *                 | cron         | cron: expected 5 fields (minute hour day-of-month month day-of-week), got 4 in '0 3 * *'
            cron:0 0 3 * * *             | cron         | cron: expected 5 fields (minute hour day-of-month month day-of-week), got 6 in '0 0 3 * * *'
            cron:0 0 3 * * * 2026        | cron         | cron: expected 5 fields (minute hour day-of-month month day-of-week), got 7 in '0 0 3 * * * 2026'
            cron:*                       | cron         | cron: expected 5 fields (minute hour day-of-month month day-of-week), got 1 in '*'
            cron:                        | cron         | cron: the expression is empty
            cron:   tz=UTC               | cron         | cron: the expression is empty
            cron:@reboot                 | cron         | cron: unknown macro '@reboot' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)
            cron:@daily 3                | cron         | cron: unknown macro '@daily 3' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)
            cron:0 0 30 2 *              | day-of-month | day-of-month: '30' never occurs in month(s) '2'
            cron:0 0 31 4,6 *            | day-of-month | day-of-month: '31' never occurs in month(s) '4,6'
            cron:0 0 31 APR,JUN,SEP,NOV * | day-of-month | day-of-month: '31' never occurs in month(s) 'APR,JUN,SEP,NOV'
            cron:0 0 30-31 2 *           | day-of-month | day-of-month: '30-31' never occurs in month(s) '2'
            cron:0 3 * * * delay=PT5M    | delay        | delay: is not an attribute of cron: schedules
            cron:0 3 * * * start=2026-01-05T09:00 | start | start: is not an attribute of cron: schedules
            cron:0 3 * * * foo=bar       | foo          | foo: is not an attribute of cron: schedules
            cron:0 3 * * * tz=UTC tz=UTC | tz           | tz: appears twice
            cron:0 3 * * * tz=UTC TZ=CET | tz           | tz: appears twice
            cron:0 3 * * * tz=Mars/Olympus | tz         | tz: unknown time zone 'Mars/Olympus'
            cron:0 3 * * * tz=           | tz           | tz: unknown time zone ''
            cron:0 3 * * * =x            | cron         | cron: '=x' is not a name=value attribute
            foo:bar                      | schedule     | schedule: unknown kind 'foo' (use cron:, every:, at: or rrule:, or on-demand for no schedule)
            crontab:0 3 * * *            | schedule     | schedule: unknown kind 'crontab' (use cron:, every:, at: or rrule:, or on-demand for no schedule)
            0 3 * * *                    | schedule     | schedule: '0 3 * * *' does not start with a kind (cron:, every:, at: or rrule:) and is not on-demand
            :0 3 * * *                   | schedule     | schedule: ':0 3 * * *' does not start with a kind (cron:, every:, at: or rrule:) and is not on-demand
            ""                           | schedule     | schedule: '' does not start with a kind (cron:, every:, at: or rrule:) and is not on-demand
            every:PT0S                   | every        | every: PT0S must be positive (at least PT0.001S)
            every:-PT5M                  | every        | every: PT-5M must be positive (at least PT0.001S)
            every:PT0.0005S              | every        | every: PT0.0005S is shorter than the shortest period, PT0.001S
            every:PT0.000000001S         | every        | every: PT0.000000001S is shorter than the shortest period, PT0.001S
            every:P1M                    | every        | every: 'P1M' has years, months or weeks, which a fixed-rate period does not take: give days (P30D), or use a cron: or rrule: schedule for calendar dates
            every:P1Y2M                  | every        | every: 'P1Y2M' has years, months or weeks, which a fixed-rate period does not take: give days (P30D), or use a cron: or rrule: schedule for calendar dates
            every:p2w                    | every        | every: 'p2w' has years, months or weeks, which a fixed-rate period does not take: give days (P30D), or use a cron: or rrule: schedule for calendar dates
            every:PT5M delay=P1M         | delay        | delay: 'P1M' has years, months or weeks, which a fixed-rate period does not take: give days (P30D), or use a cron: or rrule: schedule for calendar dates
            every:PT1M5M                 | every        | every: 'PT1M5M' is not an ISO-8601 duration such as PT5M or PT1H30M
            every:P999999999D            | every        | every: PT23999999976H is longer than 200 years (P73000D)
            every:P73001D                | every        | every: PT1752024H is longer than 200 years (P73000D)
            every:PT5M delay=P99999D     | delay        | delay: PT2399976H is longer than 200 years (P73000D)
            every:5 minutes              | every        | every: '5 minutes' is not an ISO-8601 duration such as PT5M or PT1H30M
            every:5m                     | every        | every: '5m' is not an ISO-8601 duration such as PT5M or PT1H30M
            every:                       | every        | every: '' is not an ISO-8601 duration such as PT5M or PT1H30M
            every:PT5M delay=-PT1M       | delay        | delay: PT-1M must not be negative
            every:PT5M delay=soon        | delay        | delay: 'soon' is not an ISO-8601 duration such as PT5M or PT1H30M
            every:PT5M delay=            | delay        | delay: '' is not an ISO-8601 duration such as PT5M or PT1H30M
            every:PT5M delay=PT1M delay=PT2M | delay    | delay: appears twice
            every:PT5M tz=Mars/Olympus   | tz           | tz: unknown time zone 'Mars/Olympus'
            every:PT5M start=2026-01-05T09:00 | start   | start: is not an attribute of every: schedules
            at:2026-12-01T10:00          | at           | at: '2026-12-01T10:00' has no offset: add one (2026-12-01T10:00:00Z) or a zone (tz=Europe/Paris)
            at:2026-12-01T10:00:00       | at           | at: '2026-12-01T10:00:00' has no offset: add one (2026-12-01T10:00:00Z) or a zone (tz=Europe/Paris)
            at:tomorrow                  | at           | at: 'tomorrow' is not an instant such as 2026-12-01T10:00:00Z
            at:2026-12-01                | at           | at: '2026-12-01' is not an instant such as 2026-12-01T10:00:00Z
            at:2026-13-01T10:00:00Z      | at           | at: '2026-13-01T10:00:00Z' is not an instant such as 2026-12-01T10:00:00Z
            at:2026-12-01 10:00:00Z      | at           | at: '2026-12-01 10:00:00Z' is not an instant such as 2026-12-01T10:00:00Z
            at:                          | at           | at: '' is not an instant such as 2026-12-01T10:00:00Z
            at:2026-12-01T10:00:00Z delay=PT1M | delay  | delay: is not an attribute of at: schedules
            at:+999999999-12-31T23:59:59Z | at          | at: +999999999-12-31T23:59:59Z is past what every time zone can show (+999999999-12-31T05:59:59.999999999Z)
            at:-999999999-01-01T00:00Z   | at           | at: -999999999-01-01T00:00:00Z is before what every time zone can show (-999999999-01-01T18:00:00Z)
            at:2026-12-01T10:00 tz=Mars/Olympus | tz    | tz: unknown time zone 'Mars/Olympus'
            rrule:BYDAY=MO start=2026-01-05T09:00 | FREQ | FREQ: is required (one of DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY)
            rrule:FREQ=FORTNIGHTLY start=2026-01-05T09:00 | FREQ | FREQ: 'FORTNIGHTLY' is not one of DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY
            rrule:FREQ=DAILY;COUNT=5     | start        | start: is required with COUNT (without start=, a rule starts at 2001-01-01T00:00, so its count would long be spent)
            rrule:COUNT=5;FREQ=DAILY tz=UTC | start     | start: is required with COUNT (without start=, a rule starts at 2001-01-01T00:00, so its count would long be spent)
            rrule:RRULE:count=3;FREQ=DAILY | start      | start: is required with COUNT (without start=, a rule starts at 2001-01-01T00:00, so its count would long be spent)
            rrule:FREQ=DAILY start=tomorrow | start     | start: 'tomorrow' is not a local date-time such as 2026-01-05T09:00
            rrule:FREQ=DAILY start=2026-01-05T09:00Z | start | start: '2026-01-05T09:00Z' is not a local date-time such as 2026-01-05T09:00
            rrule:FREQ=DAILY start=2026-01-05 | start   | start: '2026-01-05' is not a local date-time such as 2026-01-05T09:00
            rrule:FREQ=DAILY start=2026-01-05T09:00 start=2026-01-06T09:00 | start | start: appears twice
            rrule:FREQ=DAILY start=2026-01-05T09:00 delay=PT1M | delay | delay: is not an attribute of rrule: schedules
            rrule:FREQ=DAILY stray start=2026-01-05T09:00 | rrule | rrule: 'stray' is not a name=value attribute
            rrule:FREQ=DAILY start=2026-01-05T09:00 tz=Mars/Olympus | tz | tz: unknown time zone 'Mars/Olympus'
            rrule:FREQ=DAILY;COUNT=5;UNTIL=20261231 start=2026-01-05T09:00 | UNTIL | UNTIL: COUNT and UNTIL must not both be given
            rrule:FREQ=DAILY;UNTIL=20261231T235959Z;COUNT=5 start=2026-01-05T09:00 | UNTIL | UNTIL: COUNT and UNTIL must not both be given
            rrule:FREQ=DAILY;BYHOUR=24 start=2026-01-05T09:00 | BYHOUR | BYHOUR: 24 is not in 0–23
            rrule:FREQ=DAILY;BYHOUR=9,-1 start=2026-01-05T09:00 | BYHOUR | BYHOUR: -1 is not in 0–23
            rrule:FREQ=DAILY;BYHOUR=nine start=2026-01-05T09:00 | BYHOUR | BYHOUR: 'NINE' is not a number
            rrule:FREQ=DAILY;BYHOUR=٣ start=2026-01-05T09:00 | BYHOUR | BYHOUR: '٣' is not a number
            rrule:FREQ=DAILY;BYHOUR=1,,2 start=2026-01-05T09:00 | BYHOUR | BYHOUR: '' is not a number
            rrule:FREQ=HOURLY;BYMINUTE=60 start=2026-01-05T09:00 | BYMINUTE | BYMINUTE: 60 is not in 0–59
            rrule:FREQ=MINUTELY;BYSECOND=61 start=2026-01-05T09:00 | BYSECOND | BYSECOND: 61 is not in 0–60
            rrule:FREQ=YEARLY;BYMONTH=13 start=2026-01-05T09:00 | BYMONTH | BYMONTH: 13 is not in 1–12
            rrule:FREQ=YEARLY;BYMONTH=0 start=2026-01-05T09:00 | BYMONTH | BYMONTH: 0 is not in 1–12
            rrule:FREQ=MONTHLY;BYMONTHDAY=0 start=2026-01-05T09:00 | BYMONTHDAY | BYMONTHDAY: 0 is not in ±1–31
            rrule:FREQ=MONTHLY;BYMONTHDAY=32 start=2026-01-05T09:00 | BYMONTHDAY | BYMONTHDAY: 32 is not in ±1–31
            rrule:FREQ=MONTHLY;BYMONTHDAY=-32 start=2026-01-05T09:00 | BYMONTHDAY | BYMONTHDAY: -32 is not in ±1–31
            rrule:FREQ=MONTHLY;BYMONTHDAY=+-5 start=2026-01-05T09:00 | BYMONTHDAY | BYMONTHDAY: '+-5' is not a number
            rrule:FREQ=YEARLY;BYYEARDAY=367 start=2026-01-05T09:00 | BYYEARDAY | BYYEARDAY: 367 is not in ±1–366
            rrule:FREQ=YEARLY;BYWEEKNO=54 start=2026-01-05T09:00 | BYWEEKNO | BYWEEKNO: 54 is not in ±1–53
            rrule:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0 start=2026-01-05T09:00 | BYSETPOS | BYSETPOS: 0 is not in ±1–366
            rrule:FREQ=WEEKLY;BYDAY=XX start=2026-01-05T09:00 | BYDAY | BYDAY: 'XX' is not a weekday such as MO, 1MO or -1FR
            rrule:FREQ=WEEKLY;BYDAY=MONDAY start=2026-01-05T09:00 | BYDAY | BYDAY: 'MONDAY' is not a weekday such as MO, 1MO or -1FR
            rrule:FREQ=WEEKLY;BYDAY=MO,,TU start=2026-01-05T09:00 | BYDAY | BYDAY: '' is not a weekday such as MO, 1MO or -1FR
            rrule:FREQ=YEARLY;BYDAY=54MO start=2026-01-05T09:00 | BYDAY | BYDAY: ordinal in '54MO' is not in 1–53
            rrule:FREQ=YEARLY;BYDAY=-54MO start=2026-01-05T09:00 | BYDAY | BYDAY: ordinal in '-54MO' is not in 1–53
            rrule:FREQ=MONTHLY;BYDAY=0FR start=2026-01-05T09:00 | BYDAY | BYDAY: ordinal in '0FR' is not in 1–53
            rrule:FREQ=DAILY;FREQ=WEEKLY start=2026-01-05T09:00 | FREQ | FREQ: appears twice
            rrule:FREQ=DAILY;BYHOUR=1;byhour=2 start=2026-01-05T09:00 | BYHOUR | BYHOUR: appears twice
            rrule:FREQ=DAILY;FOO=1 start=2026-01-05T09:00 | rrule | rrule: unknown rule part 'FOO'
            rrule:FREQ=DAILY;DTSTART=20260105T090000 start=2026-01-05T09:00 | rrule | rrule: unknown rule part 'DTSTART'
            rrule:FREQ=DAILY;INTERVAL=0 start=2026-01-05T09:00 | INTERVAL | INTERVAL: 0 must be at least 1
            rrule:FREQ=DAILY;INTERVAL=-2 start=2026-01-05T09:00 | INTERVAL | INTERVAL: -2 must be at least 1
            rrule:FREQ=DAILY;INTERVAL=x start=2026-01-05T09:00 | INTERVAL | INTERVAL: 'X' is not a number
            rrule:FREQ=DAILY;INTERVAL=99999999999 start=2026-01-05T09:00 | INTERVAL | INTERVAL: '99999999999' is not a number
            rrule:FREQ=DAILY;COUNT=0 start=2026-01-05T09:00 | COUNT | COUNT: 0 must be at least 1
            rrule:FREQ=DAILY;UNTIL=tomorrow start=2026-01-05T09:00 | UNTIL | UNTIL: 'TOMORROW' is not a date (20261231) or date-time (20261231T235959Z)
            rrule:FREQ=DAILY;UNTIL=2026-12-31 start=2026-01-05T09:00 | UNTIL | UNTIL: '2026-12-31' is not a date (20261231) or date-time (20261231T235959Z)
            rrule:FREQ=DAILY;UNTIL=20260230 start=2026-01-05T09:00 | UNTIL | UNTIL: '20260230' is not a date
            rrule:FREQ=DAILY;UNTIL=20260101T250000 start=2026-01-05T09:00 | UNTIL | UNTIL: '20260101T250000' is not a date-time
            rrule:FREQ=DAILY;UNTIL=20261301T000000Z start=2026-01-05T09:00 | UNTIL | UNTIL: '20261301T000000Z' is not a date-time
            rrule:FREQ=DAILY start=+10000-01-01T00:00 | start | start: '+10000-01-01T00:00' is not in the years 0000–9999
            rrule:FREQ=DAILY start=-0001-01-01T00:00 | start | start: '-0001-01-01T00:00' is not in the years 0000–9999
            rrule:FREQ=DAILY;WKST=XX start=2026-01-05T09:00 | WKST | WKST: 'XX' is not a weekday (MO, TU, WE, TH, FR, SA, SU)
            rrule:FREQ=DAILY;BYDAY start=2026-01-05T09:00 | rrule | rrule: 'BYDAY' is not of the form NAME=VALUE
            rrule:FREQ=DAILY; start=2026-01-05T09:00 | rrule | rrule: '' is not of the form NAME=VALUE
            rrule:FREQ= start=2026-01-05T09:00 | rrule | rrule: 'FREQ=' is not of the form NAME=VALUE
            rrule:=DAILY start=2026-01-05T09:00 | rrule | rrule: '=DAILY' is not of the form NAME=VALUE
            rrule:RRULE: start=2026-01-05T09:00 | rrule | rrule: the rule is empty
            """)
    void rejectedWithTheFieldNamed(String text, String field, String message) {
        assertRejected(text, field, message);
    }

    @Test
    void emptyCronExpression() {
        assertRejected("cron:", "cron", "cron: the expression is empty");
        assertRejected("cron:   ", "cron", "cron: the expression is empty");
    }

    /**
     * A list may hold as many items as its field has values: more always repeat what others select. A longer list
     * was accepted and cost the scheduler about 0.1 ms an item when first computed (80,000 minutes: 8 s).
     */
    @Test
    void aListLongerThanItsFieldIsRejected() {
        String allMinutes = String.join(",", java.util.stream.IntStream.range(0, 60).mapToObj(Integer::toString)
                .toList());
        assertEquals("cron:" + allMinutes + " * * * *", Schedule.parse("cron:" + allMinutes + " * * * *").text());
        assertRejected("cron:" + allMinutes + ",5 * * * *", "minute",
                "minute: 61 list items, more than the field's 60 values (0–59): some item repeats others");
        assertRejected("cron:0 0 * * " + "MON,".repeat(8) + "SUN", "day-of-week",
                "day-of-week: 9 list items, more than the field's 8 values (0–7): some item repeats others");
        assertEquals("cron:0 0 * * 0,1,2,3,4,5,6,7", Schedule.parse("cron:0 0 * * 0,1,2,3,4,5,6,7").text());
    }

    /** Long hostile texts are rejected naming the field, in a moment, without overflowing the stack. */
    @Test
    void longDurationTextsAreRejectedNamingTheField() {
        for (String body : List.of("P" + "1Y".repeat(50_000) + "!", "P" + "1".repeat(200_000), "PT" + "1H".repeat(50_000),
                "P" + "1Y".repeat(50_000))) {
            ScheduleParseException e = assertThrows(ScheduleParseException.class, () -> Schedule.parse("every:" + body));
            assertEquals("every", e.field());
        }
    }

    @Test
    void directConstructionIsValidatedToo() {
        ScheduleParseException cron = assertThrows(ScheduleParseException.class, () -> Schedule.cron("61 * * * *"));
        assertEquals("minute: 61 is not in 0–59", cron.getMessage());
        ScheduleParseException rrule = assertThrows(ScheduleParseException.class,
                () -> Schedule.rrule("FREQ=DAILY;BYHOUR=24", LocalDateTime.of(2026, 1, 1, 0, 0)));
        assertEquals("BYHOUR: 24 is not in 0–23", rrule.getMessage());
        ScheduleParseException empty = assertThrows(ScheduleParseException.class,
                () -> new Schedule.RRule(" ", LocalDateTime.of(2026, 1, 1, 0, 0), Optional.empty()));
        assertEquals("rrule: the rule is empty", empty.getMessage());
    }

    @Test
    void nullComponentsAreRejected() {
        assertThrows(NullPointerException.class, () -> new Schedule.Cron(null, Optional.empty()));
        assertThrows(NullPointerException.class, () -> new Schedule.Cron("0 3 * * *", null));
        assertThrows(NullPointerException.class, () -> Schedule.every(null));
        assertThrows(NullPointerException.class, () -> Schedule.at(null));
        assertThrows(NullPointerException.class, () -> Schedule.rrule("FREQ=DAILY", null));
    }

    @Test
    void exceptionCarriesFieldAndDetail() {
        ScheduleParseException e = new ScheduleParseException("minute", "61 is not in 0–59");
        assertEquals("minute", e.field());
        assertEquals("61 is not in 0–59", e.detail());
        assertEquals("minute: 61 is not in 0–59", e.getMessage());
        assertThrows(NullPointerException.class, () -> new ScheduleParseException(null, "x"));
        assertThrows(NullPointerException.class, () -> new ScheduleParseException("x", null));
    }
}
