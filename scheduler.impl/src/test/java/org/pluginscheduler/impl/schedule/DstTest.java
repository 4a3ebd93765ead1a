package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pluginscheduler.api.Schedule;

/**
 * The DST policy of {@code Schedule}: a wall time in a spring-forward gap moves forward by the gap's length; a wall
 * time in a fall-back overlap fires once, at its first occurrence, except for cron expressions whose hour field
 * starts with '*', which fire in both passes; wall times that land on the same instant fire once.
 *
 * <p>Transitions used: Europe/Berlin 2026-03-29 02:00 -> 03:00 (at 01:00Z) and 2026-10-25 03:00 -> 02:00 (at
 * 01:00Z); America/New_York 2026-03-08 02:00 -> 03:00 (at 07:00Z) and 2026-11-01 02:00 -> 01:00 (at 06:00Z).
 */
class DstTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static Instant t(String offsetDateTime) {
        return OffsetDateTime.parse(offsetDateTime).toInstant();
    }

    private static List<ZonedDateTime> at(ZoneId zone, String... offsetDateTimes) {
        return Arrays.stream(offsetDateTimes).map(s -> OffsetDateTime.parse(s).atZoneSameInstant(zone)).toList();
    }

    private static List<ZonedDateTime> cron(String expression, ZoneId zone, String from, int count) {
        return Schedules.preview(Schedule.cron(expression), zone, t(from), count);
    }

    private static List<ZonedDateTime> rrule(String rule, String start, ZoneId zone, String from, int count) {
        return Schedules.preview(Schedule.rrule(rule, LocalDateTime.parse(start)), zone, t(from), count);
    }

    private static void assertStrictlyIncreasing(List<ZonedDateTime> fires) {
        for (int i = 1; i < fires.size(); i++) {
            if (!fires.get(i).toInstant().isAfter(fires.get(i - 1).toInstant())) {
                fail("fire " + i + " (" + fires.get(i) + ") is not after " + fires.get(i - 1) + " in " + fires);
            }
        }
    }

    @Nested
    class CronInAGap {

        @Test
        void berlinWallTimeInTheGapMovesForwardByTheGap() {
            List<ZonedDateTime> fires = cron("30 2 * * *", BERLIN, "2026-03-28T12:00+01:00", 3);
            assertEquals(at(BERLIN, "2026-03-29T03:30+02:00", "2026-03-30T02:30+02:00", "2026-03-31T02:30+02:00"),
                    fires);
        }

        @Test
        void newYorkWallTimeInTheGapMovesForwardByTheGap() {
            assertEquals(at(NEW_YORK, "2026-03-08T03:30-04:00", "2026-03-09T02:30-04:00"),
                    cron("30 2 * * *", NEW_YORK, "2026-03-07T12:00-05:00", 2));
        }

        @Test
        void shiftedFireIsFoundFromAroundTheTransition() {
            // at the transition instant itself (03:00 CEST) and just before the shifted fire
            assertEquals(at(BERLIN, "2026-03-29T03:30+02:00"), cron("30 2 * * *", BERLIN, "2026-03-29T03:00+02:00", 1));
            assertEquals(at(BERLIN, "2026-03-29T03:30+02:00"), cron("30 2 * * *", BERLIN, "2026-03-29T01:59+01:00", 1));
            assertEquals(at(BERLIN, "2026-03-29T03:30+02:00"), cron("30 2 * * *", BERLIN, "2026-03-29T03:29:59+02:00", 1));
            assertEquals(at(BERLIN, "2026-03-30T02:30+02:00"), cron("30 2 * * *", BERLIN, "2026-03-29T03:30+02:00", 1));
        }

        @Test
        void topOfTheMissingHour() {
            assertEquals(at(BERLIN, "2026-03-29T03:00+02:00", "2026-03-30T02:00+02:00"),
                    cron("0 2 * * *", BERLIN, "2026-03-28T12:00+01:00", 2));
        }

        @Test
        void quarterHoursThroughTheGapCollapseWithoutDuplicatesOrLosses() {
            List<ZonedDateTime> fires = cron("*/15 * * * *", BERLIN, "2026-03-29T01:20+01:00", 7);
            assertEquals(at(BERLIN, "2026-03-29T01:30+01:00", "2026-03-29T01:45+01:00", "2026-03-29T03:00+02:00",
                    "2026-03-29T03:15+02:00", "2026-03-29T03:30+02:00", "2026-03-29T03:45+02:00",
                    "2026-03-29T04:00+02:00"), fires);
            // in elapsed time nothing is lost: one fire every 15 minutes
            for (int i = 1; i < fires.size(); i++) {
                assertEquals(Duration.ofMinutes(15), Duration.between(fires.get(i - 1), fires.get(i)), fires::toString);
            }
        }

        @Test
        void quarterHoursThroughTheNewYorkGap() {
            List<ZonedDateTime> fires = cron("*/15 * * * *", NEW_YORK, "2026-03-08T01:40-05:00", 5);
            assertEquals(at(NEW_YORK, "2026-03-08T01:45-05:00", "2026-03-08T03:00-04:00", "2026-03-08T03:15-04:00",
                    "2026-03-08T03:30-04:00", "2026-03-08T03:45-04:00"), fires);
            assertStrictlyIncreasing(fires);
        }

        @Test
        void chainedNextAfterThroughTheGap() {
            FireSequence s = Schedules.sequence(Schedule.cron("*/15 * * * *"), BERLIN, t("2026-03-29T00:00Z"));
            assertEquals(Optional.of(t("2026-03-29T03:15+02:00")), s.nextAfter(t("2026-03-29T03:00+02:00")));
            assertEquals(Optional.of(t("2026-03-29T03:00+02:00")), s.nextAfter(t("2026-03-29T01:45+01:00")));
            assertEquals(Optional.of(t("2026-03-29T03:00+02:00")), s.nextAfter(t("2026-03-29T01:59:59.999+01:00")));
        }

        @Test
        void hourlyThroughTheGap() {
            assertEquals(at(BERLIN, "2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00", "2026-03-29T04:00+02:00"),
                    cron("0 * * * *", BERLIN, "2026-03-29T00:30+01:00", 3));
        }
    }

    @Nested
    class CronInAnOverlap {

        @Test
        void berlinFixedHourFiresOnceAtTheFirstOccurrence() {
            assertEquals(at(BERLIN, "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"),
                    cron("30 2 * * *", BERLIN, "2026-10-24T12:00+02:00", 2));
            FireSequence s = Schedules.sequence(Schedule.cron("30 2 * * *"), BERLIN, t("2026-10-24T12:00Z"));
            assertEquals(Optional.of(t("2026-10-26T02:30+01:00")), s.nextAfter(t("2026-10-25T02:30+02:00")));
        }

        @Test
        void newYorkFixedHourFiresOnceAtTheFirstOccurrence() {
            assertEquals(at(NEW_YORK, "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00"),
                    cron("30 1 * * *", NEW_YORK, "2026-10-31T12:00-04:00", 2));
            // 02:30 is not repeated in New York
            assertEquals(at(NEW_YORK, "2026-11-01T02:30-05:00"), cron("30 2 * * *", NEW_YORK, "2026-10-31T12:00-04:00", 1));
        }

        @Test
        void topOfTheRepeatedHourFiresOnce() {
            assertEquals(at(BERLIN, "2026-10-25T02:00+02:00", "2026-10-26T02:00+01:00"),
                    cron("0 2 * * *", BERLIN, "2026-10-24T12:00+02:00", 2));
            assertEquals(at(NEW_YORK, "2026-11-01T01:00-04:00", "2026-11-02T01:00-05:00"),
                    cron("0 1 * * *", NEW_YORK, "2026-10-31T12:00-04:00", 2));
        }

        @Test
        void fixedHourWithAMinuteStepFiresOnlyInTheFirstPass() {
            assertEquals(at(BERLIN, "2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:00+01:00"),
                    cron("*/30 2 * * *", BERLIN, "2026-10-25T01:00+02:00", 3));
        }

        @Test
        void registeredDuringTheSecondPassAfterTheFirstOccurrenceWaitsForTomorrow() {
            assertEquals(at(BERLIN, "2026-10-26T02:30+01:00"), cron("30 2 * * *", BERLIN, "2026-10-25T02:10+01:00", 1));
        }

        @Test
        void wildcardHourFiresInBothPassesInBerlin() {
            List<ZonedDateTime> fires = cron("*/20 * * * *", BERLIN, "2026-10-25T01:50+02:00", 8);
            assertEquals(at(BERLIN, "2026-10-25T02:00+02:00", "2026-10-25T02:20+02:00", "2026-10-25T02:40+02:00",
                    "2026-10-25T02:00+01:00", "2026-10-25T02:20+01:00", "2026-10-25T02:40+01:00",
                    "2026-10-25T03:00+01:00", "2026-10-25T03:20+01:00"), fires);
            assertStrictlyIncreasing(fires);
            assertEquals(fires.size(), fires.stream().map(ZonedDateTime::toInstant).distinct().count());
        }

        @Test
        void wildcardHourFiresInBothPassesInNewYork() {
            List<ZonedDateTime> fires = cron("*/20 * * * *", NEW_YORK, "2026-11-01T00:50-04:00", 7);
            assertEquals(at(NEW_YORK, "2026-11-01T01:00-04:00", "2026-11-01T01:20-04:00", "2026-11-01T01:40-04:00",
                    "2026-11-01T01:00-05:00", "2026-11-01T01:20-05:00", "2026-11-01T01:40-05:00",
                    "2026-11-01T02:00-05:00"), fires);
            assertStrictlyIncreasing(fires);
        }

        @Test
        void wildcardHourFromInsideEitherPass() {
            assertEquals(at(BERLIN, "2026-10-25T02:00+01:00"), cron("*/20 * * * *", BERLIN, "2026-10-25T02:50+02:00", 1));
            assertEquals(at(BERLIN, "2026-10-25T02:20+02:00"), cron("*/20 * * * *", BERLIN, "2026-10-25T02:10+02:00", 1));
            assertEquals(at(BERLIN, "2026-10-25T02:20+01:00"), cron("*/20 * * * *", BERLIN, "2026-10-25T02:10+01:00", 1));
            assertEquals(at(BERLIN, "2026-10-25T02:20+01:00"), cron("*/20 * * * *", BERLIN, "2026-10-25T02:00+01:00", 1));
            FireSequence s = Schedules.sequence(Schedule.cron("*/20 * * * *"), BERLIN, t("2026-10-24T12:00Z"));
            assertEquals(Optional.of(t("2026-10-25T02:00+01:00")), s.nextAfter(t("2026-10-25T02:40+02:00")));
            assertEquals(Optional.of(t("2026-10-25T02:00+01:00")), s.nextAfter(t("2026-10-25T02:59:59.999+02:00")));
        }

        @Test
        void hourlyAndEveryOtherHourInBothPasses() {
            assertEquals(at(BERLIN, "2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00",
                    "2026-10-25T03:00+01:00"), cron("0 * * * *", BERLIN, "2026-10-25T00:30+02:00", 4));
            assertEquals(at(BERLIN, "2026-10-25T00:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:00+01:00",
                    "2026-10-25T04:00+01:00"), cron("0 */2 * * *", BERLIN, "2026-10-24T23:30+02:00", 4));
        }

        @Test
        void hourRangeIsNotAWildcard() {
            assertEquals(at(BERLIN, "2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00", "2026-10-25T03:00+01:00"),
                    cron("0 1-3 * * *", BERLIN, "2026-10-25T00:30+02:00", 3));
        }
    }

    @Nested
    class RRuleAcrossTransitions {

        @Test
        void dailyAtHalfPastTwoAcrossTheBerlinGap() {
            assertEquals(at(BERLIN, "2026-03-27T02:30+01:00", "2026-03-28T02:30+01:00", "2026-03-29T03:30+02:00",
                    "2026-03-30T02:30+02:00"), rrule("FREQ=DAILY", "2026-03-27T02:30", BERLIN, "2026-03-26T00:00Z", 4));
        }

        @Test
        void dailyAtHalfPastTwoAcrossTheNewYorkGap() {
            assertEquals(at(NEW_YORK, "2026-03-07T02:30-05:00", "2026-03-08T03:30-04:00", "2026-03-09T02:30-04:00"),
                    rrule("FREQ=DAILY", "2026-03-07T02:30", NEW_YORK, "2026-03-06T00:00Z", 3));
        }

        @Test
        void dailyAtHalfPastTwoAcrossTheBerlinOverlap() {
            assertEquals(at(BERLIN, "2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"),
                    rrule("FREQ=DAILY", "2026-10-24T02:30", BERLIN, "2026-10-23T00:00Z", 3));
        }

        @Test
        void hourlyThroughTheBerlinOverlapFiresOncePerWallHour() {
            assertEquals(at(BERLIN, "2026-10-25T00:00+02:00", "2026-10-25T01:00+02:00", "2026-10-25T02:00+02:00",
                    "2026-10-25T03:00+01:00", "2026-10-25T04:00+01:00"),
                    rrule("FREQ=HOURLY", "2026-10-25T00:00", BERLIN, "2026-10-24T00:00Z", 5));
        }

        @Test
        void hourlyThroughTheNewYorkOverlapFiresOncePerWallHour() {
            assertEquals(at(NEW_YORK, "2026-11-01T00:00-04:00", "2026-11-01T01:00-04:00", "2026-11-01T02:00-05:00",
                    "2026-11-01T03:00-05:00"),
                    rrule("FREQ=HOURLY", "2026-11-01T00:00", NEW_YORK, "2026-10-31T00:00Z", 4));
        }

        @Test
        void halfHourlyThroughTheOverlap() {
            assertEquals(at(BERLIN, "2026-10-25T01:30+02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:30+02:00",
                    "2026-10-25T03:00+01:00"),
                    rrule("FREQ=MINUTELY;INTERVAL=30", "2026-10-25T01:30", BERLIN, "2026-10-24T00:00Z", 4));
        }

        @Test
        void hourlyThroughTheGapCollapsesTheMissingHour() {
            assertEquals(at(BERLIN, "2026-03-29T00:00+01:00", "2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00",
                    "2026-03-29T04:00+02:00"),
                    rrule("FREQ=HOURLY", "2026-03-29T00:00", BERLIN, "2026-03-28T00:00Z", 4));
        }

        @Test
        void countCountsWallOccurrencesSoACollapsedOneIsNotReplaced() {
            // walls 00:00, 01:00, 02:00, 03:00; 02:00 and 03:00 are the same instant and fire once
            assertEquals(at(BERLIN, "2026-03-29T00:00+01:00", "2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00"),
                    rrule("FREQ=HOURLY;COUNT=4", "2026-03-29T00:00", BERLIN, "2026-03-28T00:00Z", 10));
        }

        @Test
        void untilJustAfterTheGapIsAnInstantBound() {
            // UNTIL 01:15Z is 03:15 CEST. The walls 02:30 and 02:45 come before 03:15 in wall order, but in the gap
            // they move to 03:30 and 03:45 CEST, after UNTIL, and must not fire
            assertEquals(at(BERLIN, "2026-03-29T01:00+01:00", "2026-03-29T01:15+01:00", "2026-03-29T01:30+01:00",
                    "2026-03-29T01:45+01:00", "2026-03-29T03:00+02:00", "2026-03-29T03:15+02:00"),
                    rrule("FREQ=MINUTELY;INTERVAL=15;UNTIL=20260329T011500Z", "2026-03-29T01:00", BERLIN,
                            "2026-03-28T00:00Z", 20));
        }

        @Test
        void untilInTheSecondPassOfTheOverlapKeepsTheFirstPass() {
            // UNTIL 01:30Z is 02:30 CET, in the second pass; 02:45 fired in the first pass (00:45Z), before UNTIL
            assertEquals(at(BERLIN, "2026-10-25T01:00+02:00", "2026-10-25T01:15+02:00", "2026-10-25T01:30+02:00",
                    "2026-10-25T01:45+02:00", "2026-10-25T02:00+02:00", "2026-10-25T02:15+02:00",
                    "2026-10-25T02:30+02:00", "2026-10-25T02:45+02:00"),
                    rrule("FREQ=MINUTELY;INTERVAL=15;UNTIL=20261025T013000Z", "2026-10-25T01:00", BERLIN,
                            "2026-10-24T00:00Z", 20));
            // UNTIL in the first pass: a plain bound
            assertEquals(at(BERLIN, "2026-10-25T02:00+02:00", "2026-10-25T02:15+02:00"),
                    rrule("FREQ=MINUTELY;INTERVAL=15;UNTIL=20261025T001500Z", "2026-10-25T02:00", BERLIN,
                            "2026-10-24T00:00Z", 20));
        }

        @Test
        void chainedNextAfterThroughTheOverlap() {
            FireSequence s = Schedules.sequence(Schedule.rrule("FREQ=MINUTELY;INTERVAL=20",
                    LocalDateTime.parse("2026-10-25T00:00")), BERLIN, t("2026-10-24T00:00Z"));
            List<Instant> fires = new ArrayList<>();
            Optional<Instant> next = s.first(t("2026-10-25T01:30+02:00"));
            while (fires.size() < 6) {
                fires.add(next.orElseThrow());
                next = s.nextAfter(next.get());
            }
            assertEquals(List.of(t("2026-10-25T01:40+02:00"), t("2026-10-25T02:00+02:00"), t("2026-10-25T02:20+02:00"),
                    t("2026-10-25T02:40+02:00"), t("2026-10-25T03:00+01:00"), t("2026-10-25T03:20+01:00")), fires);
        }
    }

    @Nested
    class OtherZones {

        @Test
        void lordHoweHalfHourGap() {
            // 2026-10-04 02:00 +10:30 -> 02:30 +11:00: a 30-minute gap
            assertEquals(at(ZoneId.of("Australia/Lord_Howe"), "2026-10-04T02:45+11:00", "2026-10-05T02:15+11:00"),
                    cron("15 2 * * *", ZoneId.of("Australia/Lord_Howe"), "2026-10-03T12:00+10:30", 2));
        }

        @Test
        void lordHoweHalfHourOverlap() {
            // 2026-04-05 02:00 +11:00 -> 01:30 +10:30: 01:30-01:59 occur twice
            ZoneId lordHowe = ZoneId.of("Australia/Lord_Howe");
            assertEquals(at(lordHowe, "2026-04-05T01:45+11:00", "2026-04-06T01:45+10:30"),
                    cron("45 1 * * *", lordHowe, "2026-04-04T12:00+11:00", 2));
            assertEquals(at(lordHowe, "2026-04-05T01:30+11:00", "2026-04-05T01:45+11:00", "2026-04-05T01:30+10:30",
                    "2026-04-05T01:45+10:30", "2026-04-05T02:00+10:30"),
                    cron("*/15 * * * *", lordHowe, "2026-04-05T01:20+11:00", 5));
        }

        @Test
        void trollTwoHourGapAndOverlap() {
            ZoneId troll = ZoneId.of("Antarctica/Troll"); // 2026-03-29 01:00 +00 -> 03:00 +02
            // a two-hour gap: 02:30 moves forward by two hours
            assertEquals(at(troll, "2026-03-29T04:30+02:00", "2026-03-30T02:30+02:00"),
                    cron("30 2 * * *", troll, "2026-03-28T12:00Z", 2));
            assertEquals(at(troll, "2026-03-29T03:30+02:00", "2026-03-30T01:30+02:00"),
                    cron("30 1 * * *", troll, "2026-03-28T12:00Z", 2));
            // 2026-10-25 03:00 +02 -> 01:00 +00: 01:00-02:59 occur twice
            assertEquals(at(troll, "2026-10-25T01:30+02:00", "2026-10-25T02:30+02:00", "2026-10-25T01:30Z",
                    "2026-10-25T02:30Z", "2026-10-25T03:30Z"), cron("30 * * * *", troll, "2026-10-25T01:00+02:00", 5));
        }

        @Test
        void midnightTransitionsInSantiago() {
            ZoneId santiago = ZoneId.of("America/Santiago");
            // 2026-09-06 00:00 -04 -> 01:00 -03: midnight does not exist
            assertEquals(at(santiago, "2026-09-05T00:00-04:00", "2026-09-06T01:00-03:00", "2026-09-07T00:00-03:00"),
                    cron("0 0 * * *", santiago, "2026-09-04T12:00-04:00", 3));
            // 2026-04-05 00:00 -03 -> 2026-04-04 23:00 -04: 23:xx of April 4 occurs twice
            assertEquals(at(santiago, "2026-04-04T23:30-03:00", "2026-04-05T23:30-04:00"),
                    cron("30 23 * * *", santiago, "2026-04-04T12:00-03:00", 2));
        }

        @Test
        void apiaSkippedAWholeDay() {
            // Samoa went from 2011-12-29 24:00 -10:00 to 2011-12-31 00:00 +14:00: December 30 never happened,
            // its wall times move forward by a day onto December 31 and coincide with those
            ZoneId apia = ZoneId.of("Pacific/Apia");
            assertEquals(at(apia, "2011-12-29T12:00-10:00", "2011-12-31T12:00+14:00", "2012-01-01T12:00+14:00"),
                    cron("0 12 * * *", apia, "2011-12-28T12:00-10:00", 3));
        }
    }

    /**
     * Property: for many expressions, zones and starting points, 500 consecutive fires are strictly increasing and
     * are exactly those of a brute-force reference that applies the documented policy to every matching wall
     * minute.
     */
    @Nested
    class AgainstAReference {

        static final List<String> EXPRESSIONS = List.of("*/7 * * * *", "0 * * * *", "30 2 * * *", "*/15 1-3 * * *",
                "0 0 * * *", "59 23 * * *", "0 */2 * * *", "15,45 * * * 0", "30 0 1,15 * 5", "0 12 */2 * 1-5",
                "0 0 31 * *", "45 1 * * 7", "0,30 0-3 * * *", "5 23,0 * * *", "*/20 2 * * *", "0 1 * * *");

        static final List<String> ZONES = List.of("Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
                "Australia/Sydney", "Europe/Dublin", "Antarctica/Troll", "America/Santiago", "America/Havana",
                "Pacific/Chatham", "America/Nuuk", "Asia/Kolkata", "UTC");

        static Stream<Arguments> cases() {
            List<Arguments> cases = new ArrayList<>();
            for (String zone : ZONES) {
                for (String expression : EXPRESSIONS) {
                    cases.add(Arguments.of(expression, zone));
                }
            }
            return cases.stream();
        }

        @ParameterizedTest(name = "{0} in {1}")
        @MethodSource("cases")
        void fiveHundredFiresMatchTheReference(String expression, String zoneId) {
            ZoneId zone = ZoneId.of(zoneId);
            List<Instant> starts = startsAroundTransitions(zone);
            CronReference reference = CronReference.of(expression);
            for (Instant from : starts) {
                List<ZonedDateTime> fires = Schedules.preview(Schedule.cron(expression), zone, from, 500);
                assertEquals(500, fires.size());
                assertStrictlyIncreasing(fires);
                Instant last = fires.get(fires.size() - 1).toInstant();
                List<Instant> expected = reference.fires(zone, from, last);
                List<Instant> actual = fires.stream().map(ZonedDateTime::toInstant).toList();
                if (!expected.equals(actual)) {
                    fail(expression + " in " + zone + " from " + from + ": " + difference(zone, expected, actual));
                }
            }
        }

        /** New Year 2026, and three hours before each transition of 2026. */
        private List<Instant> startsAroundTransitions(ZoneId zone) {
            List<Instant> starts = new ArrayList<>();
            starts.add(t("2026-01-01T00:00Z"));
            Instant cursor = t("2026-01-01T00:00Z");
            ZoneOffsetTransition transition;
            while ((transition = zone.getRules().nextTransition(cursor)) != null
                    && transition.getInstant().isBefore(t("2027-01-01T00:00Z"))) {
                starts.add(transition.getInstant().minus(Duration.ofHours(3)));
                cursor = transition.getInstant();
            }
            return starts;
        }

        @Test
        void aWholeYearOfDailyFiresInEveryZone() {
            for (String zoneId : ZONES) {
                ZoneId zone = ZoneId.of(zoneId);
                List<ZonedDateTime> fires = Schedules.preview(Schedule.cron("30 2 * * *"), zone, t("2026-01-01T00:00Z"),
                        500);
                assertStrictlyIncreasing(fires);
                // one fire per local date, none skipped, none repeated
                LocalDate first = fires.get(0).toLocalDate();
                for (int i = 0; i < fires.size(); i++) {
                    assertEquals(first.plusDays(i), fires.get(i).toLocalDate(), zoneId + ": " + fires.get(i));
                }
            }
        }

        @ParameterizedTest(name = "{0} = {1}")
        @MethodSource("equivalentRRules")
        void rruleWithoutWildcardHourBehavesLikeTheEquivalentCron(String rule, String expression) {
            for (String zoneId : ZONES) {
                ZoneId zone = ZoneId.of(zoneId);
                Schedule schedule = Schedule.rrule(rule, LocalDateTime.parse("2025-12-01T00:00"));
                CronReference reference = CronReference.of(expression).firstPassOnly();
                for (Instant from : startsAroundTransitions(zone)) {
                    List<ZonedDateTime> fires = Schedules.preview(schedule, zone, from, 300);
                    assertEquals(300, fires.size());
                    assertStrictlyIncreasing(fires);
                    List<Instant> actual = fires.stream().map(ZonedDateTime::toInstant).toList();
                    List<Instant> expected = reference.fires(zone, from, actual.get(actual.size() - 1));
                    if (!expected.equals(actual)) {
                        fail(rule + " in " + zone + " from " + from + ": " + difference(zone, expected, actual));
                    }
                }
            }
        }

        static Stream<Arguments> equivalentRRules() {
            return Stream.of(
                    Arguments.of("FREQ=DAILY;BYHOUR=0,1,2,3,23;BYMINUTE=0,30", "0,30 0-3,23 * * *"),
                    Arguments.of("FREQ=WEEKLY;BYDAY=SU,SA;BYHOUR=1,2;BYMINUTE=15,45", "15,45 1,2 * * 0,6"),
                    Arguments.of("FREQ=MONTHLY;BYMONTHDAY=1,5,31;BYHOUR=2;BYMINUTE=30", "30 2 1,5,31 * *"));
        }

        private String difference(ZoneId zone, List<Instant> expected, List<Instant> actual) {
            TreeSet<Instant> missing = new TreeSet<>(expected);
            actual.forEach(missing::remove);
            TreeSet<Instant> extra = new TreeSet<>(actual);
            expected.forEach(extra::remove);
            return "missing " + missing.stream().limit(10).map(i -> i.atZone(zone)).toList()
                    + ", unexpected " + extra.stream().limit(10).map(i -> i.atZone(zone)).toList()
                    + (missing.isEmpty() && extra.isEmpty() ? ", order differs" : "");
        }
    }

    /**
     * A brute-force Vixie cron with the documented DST policy, independent of cron-utils and WallClockMapper: every
     * matching wall minute of every local date maps to its instant(s) (a gap's wall time read with the offset
     * before the gap; an overlap's first occurrence, and the second too for a wildcard hour), and equal instants
     * merge.
     */
    record CronReference(BitSet minutes, BitSet hours, BitSet daysOfMonth, BitSet months, BitSet daysOfWeek,
            boolean either, boolean bothPasses) {

        private static final List<String> MONTHS =
                List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
        private static final List<String> DAYS = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");

        static CronReference of(String expression) {
            String[] f = Schedule.cron(expression).expression().split(" ");
            BitSet dow = field(f[4], 0, 6, DAYS, 0);
            if (dow.get(7)) {
                dow.set(0);
            }
            return new CronReference(field(f[0], 0, 59, List.of(), 0), field(f[1], 0, 23, List.of(), 0),
                    field(f[2], 1, 31, List.of(), 0), field(f[3], 1, 12, MONTHS, 1), dow,
                    !f[2].startsWith("*") && !f[4].startsWith("*"), f[1].startsWith("*"));
        }

        CronReference firstPassOnly() {
            return new CronReference(minutes, hours, daysOfMonth, months, daysOfWeek, either, false);
        }

        private static BitSet field(String text, int min, int max, List<String> names, int base) {
            BitSet set = new BitSet();
            for (String item : text.split(",")) {
                int step = 1;
                String range = item;
                if (item.contains("/")) {
                    step = Integer.parseInt(item.substring(item.indexOf('/') + 1));
                    range = item.substring(0, item.indexOf('/'));
                }
                int low;
                int high;
                if (range.equals("*")) {
                    low = min;
                    high = max;
                } else if (range.contains("-")) {
                    low = value(range.substring(0, range.indexOf('-')), names, base);
                    high = value(range.substring(range.indexOf('-') + 1), names, base);
                } else {
                    low = value(range, names, base);
                    high = low;
                }
                for (int v = low; v <= high; v += step) {
                    set.set(v);
                }
            }
            return set;
        }

        private static int value(String text, List<String> names, int base) {
            int i = names.indexOf(text.toUpperCase(Locale.ROOT));
            return i >= 0 ? i + base : Integer.parseInt(text);
        }

        boolean matches(LocalDate date) {
            if (!months.get(date.getMonthValue())) {
                return false;
            }
            boolean dom = daysOfMonth.get(date.getDayOfMonth());
            boolean dow = daysOfWeek.get(date.getDayOfWeek().getValue() % 7);
            return either ? dom || dow : dom && dow;
        }

        /** @return the fires in (from, to], sorted, each instant once */
        List<Instant> fires(ZoneId zone, Instant from, Instant to) {
            ZoneRules rules = zone.getRules();
            TreeSet<Instant> fires = new TreeSet<>();
            LocalDate end = LocalDate.ofInstant(to, zone).plusDays(2);
            for (LocalDate d = LocalDate.ofInstant(from, zone).minusDays(2); !d.isAfter(end); d = d.plusDays(1)) {
                if (!matches(d)) {
                    continue;
                }
                for (int h = hours.nextSetBit(0); h >= 0; h = hours.nextSetBit(h + 1)) {
                    for (int m = minutes.nextSetBit(0); m >= 0; m = minutes.nextSetBit(m + 1)) {
                        LocalDateTime wall = d.atTime(h, m);
                        List<ZoneOffset> offsets = rules.getValidOffsets(wall);
                        if (offsets.isEmpty()) {
                            // in a gap: later by the gap's length, i.e. the wall time read with the earlier offset
                            fires.add(wall.toInstant(rules.getTransition(wall).getOffsetBefore()));
                        } else if (offsets.size() == 1) {
                            fires.add(wall.toInstant(offsets.get(0)));
                        } else {
                            Instant a = wall.toInstant(offsets.get(0));
                            Instant b = wall.toInstant(offsets.get(1));
                            fires.add(a.isBefore(b) ? a : b);
                            if (bothPasses) {
                                fires.add(a.isBefore(b) ? b : a);
                            }
                        }
                    }
                }
            }
            return new ArrayList<>(fires.subSet(from, false, to, true));
        }
    }
}
