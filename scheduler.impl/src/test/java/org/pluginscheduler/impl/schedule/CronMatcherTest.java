package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * Randomized differential tests of {@link CronMatcher}, which computes cron fires since cron-utils' search became
 * too slow: against the former evaluation on cron-utils (kept here, verbatim, as {@link CronUtilsVixie}) and against
 * the brute-force reference of {@link DstTest}. Random expressions of every shape the syntax allows, random starting
 * points (many just before DST transitions, some with seconds and nanoseconds), zones with and without DST. Fixed
 * seeds: a failure names the expression, zone and instant, and reproduces.
 */
class CronMatcherTest {

    private static final ZoneId UTC = ZoneId.of("UTC");
    private static final List<ZoneId> ZONES = List.of("Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
            "Asia/Kolkata", "UTC", "Pacific/Chatham", "America/Santiago").stream().map(ZoneId::of).toList();

    /** An expression the API's syntax check accepts, of a random shape; see {@link #field}. */
    private static String randomExpression(Random random) {
        while (true) {
            String text = field(random, 0, 59, List.of()) + " " + field(random, 0, 23, List.of()) + " "
                    + field(random, 1, 31, List.of()) + " "
                    + field(random, 1, 12, List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP",
                            "OCT", "NOV", "DEC"))
                    + " " + field(random, 0, 7, List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"));
            try {
                return Schedule.cron(text).expression();
            } catch (ScheduleParseException e) {
                // e.g. a day of month that never occurs in the months chosen: draw again
            }
        }
    }

    /** '*' often (fields are mostly unrestricted in practice), else a list of values, ranges and steps. */
    private static String field(Random random, int min, int max, List<String> names) {
        int shape = random.nextInt(10);
        if (shape < 3) {
            return "*";
        }
        if (shape == 3) {
            return "*/" + step(random, max - min + 1);
        }
        int items = 1 + (random.nextInt(3) == 0 ? random.nextInt(3) : 0);
        List<String> list = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            int low = min + random.nextInt(max - min + 1);
            int kind = random.nextInt(4);
            if (kind == 0 || low == max) {
                list.add(value(random, low, names, min));
            } else {
                int high = low + 1 + random.nextInt(max - low);
                String range = value(random, low, names, min) + "-" + value(random, high, names, min);
                list.add(kind == 1 ? range : range + "/" + (random.nextInt(4) == 0 ? step(random, max - min + 1)
                        : 1 + random.nextInt(Math.max(1, high - low))));
            }
        }
        if (random.nextInt(8) == 0) {
            list.add(0, "*"); // "*,5": starts with '*', so an unrestricted day field for Vixie
        }
        return String.join(",", list);
    }

    /**
     * A step for a field of {@code size} values: small ones mostly, and the edges often: the field's size and one
     * less ({@code *}{@code /60} and {@code *}{@code /59} for minutes, {@code *}{@code /24} for hours, {@code /8}
     * and {@code /7} for days of the week), the largest steps the syntax accepts, where cron-utils and Vixie cron
     * disagreed.
     */
    private static int step(Random random, int size) {
        int pick = random.nextInt(6);
        return pick == 0 ? size : pick == 1 ? size - 1 : pick == 2 ? Math.max(1, size / 2 + 1)
                : 1 + random.nextInt(Math.min(size, 20));
    }

    private static String value(Random random, int v, List<String> names, int min) {
        int index = v - min;
        if (!names.isEmpty() && index < names.size() && random.nextBoolean()) {
            return random.nextBoolean() ? names.get(index) : names.get(index).toLowerCase();
        }
        return Integer.toString(v);
    }

    /** Mostly a few hours before some DST transition of the zone (where the mapper works hardest), else anywhere. */
    private static Instant randomStart(Random random, ZoneId zone) {
        Instant base = Instant.parse("2020-01-01T00:00:00Z").plusSeconds(random.nextInt(15 * 365 * 86_400));
        if (random.nextBoolean()) {
            ZoneOffsetTransition next = zone.getRules().nextTransition(base);
            if (next != null) {
                base = next.getInstant().minusSeconds(random.nextInt(4 * 3_600));
            }
        }
        switch (random.nextInt(4)) {
            case 0 -> base = base.minusSeconds(base.getEpochSecond() % 60); // on a whole minute
            case 1 -> base = base.plusNanos(1 + random.nextInt(999_999_999));
            default -> {
            }
        }
        return base;
    }

    /**
     * The one way the former evaluation read an expression differently: cron-utils takes the name SUN as 7, so of
     * the day-of-week ranges starting with SUN it rejects all but SUN-7 (see {@link #cronUtilsRejectionsStay}) and
     * reads SUN-7 as Sunday alone, where Vixie cron (and the API's syntax check) reads every day, 0 to 7.
     */
    private static boolean cronUtilsMisreads(String expression) {
        return Arrays.stream(expression.split(" ")[4].split(",")).anyMatch(item -> item.startsWith("SUN-"));
    }

    /** Our sequence for an expression, also for one that cron-utils (and so {@link Schedules}) rejects. */
    private static FireSequence ours(String expression, ZoneId zone) {
        WallClockMapper mapper = new WallClockMapper(zone, expression.split(" ")[1].startsWith("*"),
                CronMatcher.compile(expression)::nextAfter);
        return mapper::nextAfter;
    }

    @Test
    void agreesWithTheFormerCronUtilsEvaluationOnRandomExpressionsZonesAndInstants() {
        Random random = new Random(20_260_101L);
        int compared = 0;
        int misread = 0;
        for (int e = 0; e < 200; e++) {
            String expression = randomExpression(random);
            DstTest.CronReference reference = DstTest.CronReference.of(expression);
            for (ZoneId zone : ZONES) {
                Optional<String> rejected = rejection(() -> CronUtilsVixie.sequence(expression, zone));
                Optional<String> ours = rejection(() -> Schedules.sequence(Schedule.cron(expression), zone,
                        Instant.EPOCH));
                if (rejected.isPresent() && (cronUtilsMisreads(expression)
                        || !Schedules.forCronUtils(expression).equals(expression))) {
                    // cron-utils rejected a range from SUN that is valid Vixie cron, or a step past its field's range
                    // that the API's syntax accepts; accepted now, as the reference
                    assertEquals(Optional.empty(), ours, expression);
                    FireSequence sequence = Schedules.sequence(Schedule.cron(expression), zone, Instant.EPOCH);
                    Instant from = randomStart(random, zone);
                    for (int k = 0; k < 4; k++) {
                        Instant fire = sequence.nextAfter(from).orElseThrow();
                        assertMatchesTheReference(reference, expression, zone, from, fire);
                        misread++;
                        from = fire;
                    }
                    continue;
                }
                // one validator: what the API's syntax check accepted is computed
                assertEquals(Optional.empty(), ours, "the API accepted " + expression + ", so it computes");
                assertEquals(rejected, ours, expression);
                FireSequence former = CronUtilsVixie.sequence(expression, zone);
                FireSequence sequence = Schedules.sequence(Schedule.cron(expression), zone, Instant.EPOCH);
                for (int s = 0; s < 3; s++) {
                    Instant from = randomStart(random, zone);
                    for (int k = 0; k < 4; k++) { // a few consecutive fires: the next from a fire's own instant
                        Optional<Instant> expected = former.nextAfter(from);
                        Optional<Instant> actual = sequence.nextAfter(from);
                        if (expected.equals(actual)) {
                            compared++;
                        } else if (cronUtilsMisreads(expression)) {
                            misread++;
                            assertMatchesTheReference(reference, expression, zone, from, actual.orElseThrow());
                        } else {
                            fail(expression + " in " + zone + " after " + from.atZone(zone) + ": cron-utils "
                                    + expected.map(i -> i.atZone(zone)) + ", ours " + actual.map(i -> i.atZone(zone)));
                        }
                        from = actual.orElseThrow();
                    }
                }
            }
        }
        // most fires are compared with cron-utils; those it cannot give (SUN ranges, steps past a field's range, which
        // step() draws often) are checked against the reference instead
        assertTrue(compared > 10_000 && misread < compared / 8, "compared " + compared + ", misread " + misread);
    }

    @Test
    void agreesWithTheBruteForceReferenceOnRandomExpressionsZonesAndInstants() {
        Random random = new Random(5_545L);
        for (int e = 0; e < 300; e++) {
            String expression = randomExpression(random);
            DstTest.CronReference reference = DstTest.CronReference.of(expression);
            for (ZoneId zone : ZONES) {
                FireSequence sequence = ours(expression, zone);
                for (int s = 0; s < 3; s++) {
                    Instant from = randomStart(random, zone);
                    for (int k = 0; k < 3; k++) {
                        Instant fire = sequence.nextAfter(from).orElseThrow(() -> new AssertionError(expression));
                        assertMatchesTheReference(reference, expression, zone, from, fire);
                        from = fire;
                    }
                }
            }
        }
    }

    /** The reference has exactly one fire in (from, fire], and it is fire. */
    private static void assertMatchesTheReference(DstTest.CronReference reference, String expression, ZoneId zone,
            Instant from, Instant fire) {
        List<Instant> expected = reference.fires(zone, from, fire);
        if (!expected.equals(List.of(fire))) {
            fail(expression + " in " + zone + " after " + from.atZone(zone) + ": reference "
                    + expected.stream().limit(3).map(i -> i.atZone(zone)).toList() + ", ours " + fire.atZone(zone));
        }
    }

    /** Wall times only (no zone), densely: every field boundary a random walk of fires crosses. */
    @Test
    void wallTimesAgreeWithTheFormerCronUtilsEvaluation() {
        Random random = new Random(1_970L);
        int compared = 0;
        for (int e = 0; e < 600; e++) {
            String expression = randomExpression(random);
            if (cronUtilsMisreads(expression) || rejection(() -> CronUtilsVixie.nextWall(expression)).isPresent()) {
                continue;
            }
            Function<LocalDateTime, Optional<LocalDateTime>> former = CronUtilsVixie.nextWall(expression);
            CronMatcher matcher = CronMatcher.compile(expression);
            LocalDateTime from = LocalDateTime.ofEpochSecond(
                    Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() + random.nextInt(40 * 365 * 86_400),
                    random.nextBoolean() ? 0 : random.nextInt(1_000_000_000), ZoneOffset.UTC);
            for (int k = 0; k < 20; k++) {
                Optional<LocalDateTime> expected = former.apply(from);
                assertEquals(expected, matcher.nextAfter(from), expression + " after " + from);
                compared++;
                // on from the fire itself, or from somewhere up to three days later
                from = random.nextBoolean() ? expected.orElseThrow()
                        : expected.orElseThrow().plusSeconds(random.nextInt(3 * 86_400));
            }
        }
        assertTrue(compared > 8_000, "compared " + compared);
    }

    /**
     * What the API's syntax check accepts, the evaluation accepts (one validator): day-of-week ranges starting with
     * SUN, which cron-utils rejected (it reads SUN as 7), mean what Vixie cron means; so do steps as large as their
     * field, which cron-utils rejected ("Period 8 not in range [0, 7]") only once the schedule was computed.
     */
    @Test
    void whatTheSyntaxAcceptsIsComputedRangesFromSundayAndStepsPastTheRangeToo() {
        for (String expression : List.of("0 9 * * */8", "0 9 * * 0-7/7", "0 9 * * 1-7/7")) {
            Schedule.Cron schedule = Schedule.cron(expression); // the API accepts it
            assertTrue(rejection(() -> CronUtilsVixie.sequence(schedule.expression(), UTC)).isPresent(), expression);
            assertEquals(Optional.empty(), rejection(() -> Schedules.sequence(schedule, UTC, Instant.EPOCH)),
                    expression);
            DstTest.CronReference reference = DstTest.CronReference.of(expression);
            FireSequence sequence = Schedules.sequence(schedule, UTC, Instant.EPOCH);
            Instant from = Instant.parse("2026-01-01T00:00:00Z");
            for (int k = 0; k < 4; k++) {
                Instant fire = sequence.nextAfter(from).orElseThrow();
                assertMatchesTheReference(reference, expression, UTC, from, fire);
                from = fire;
            }
        }
        for (String expression : List.of("0 9 * * SUN-SAT", "0 9 * * SUN-WED", "0 9 * * SUN-TUE/2")) {
            Schedule.Cron schedule = Schedule.cron(expression);
            assertTrue(rejection(() -> CronUtilsVixie.sequence(schedule.expression(), UTC)).isPresent(), expression);
            assertEquals(Optional.empty(), rejection(() -> Schedules.sequence(schedule, UTC, Instant.EPOCH)),
                    expression);
        }
    }

    @Test
    void sunTo7IsEveryDayAsInVixieCronNotSundayAsCronUtilsReadIt() {
        // 2026-01-01 is a Thursday
        assertEquals(Optional.of(Instant.parse("2026-01-02T09:00:00Z")),
                Schedules.sequence(Schedule.cron("0 9 * * SUN-7"), UTC, Instant.EPOCH)
                        .nextAfter(Instant.parse("2026-01-01T09:00:00Z")));
        assertEquals(Optional.of(Instant.parse("2026-01-03T09:00:00Z")), // Saturday: 0, 2, 4, 6
                Schedules.sequence(Schedule.cron("0 9 * * SUN-7/2"), UTC, Instant.EPOCH)
                        .nextAfter(Instant.parse("2026-01-01T09:00:00Z")));
    }

    @Test
    void rareDatesAndTheEndsOfFields() {
        record Case(String expression, String after, String expected) {
        }
        for (Case c : List.of(
                new Case("0 0 29 2 *", "2024-02-29T00:00", "2028-02-29T00:00"),
                new Case("0 0 29 2 1", "2024-02-29T00:00", "2025-02-03T00:00"), // OR: any Monday in February
                new Case("0 0 29 2 */1", "2024-02-29T00:00", "2028-02-29T00:00"), // AND: '*/1' is every day
                new Case("0 0 29 2 */7", "2024-02-29T00:00", "2032-02-29T00:00"), // AND: '*/7' is Sunday only
                new Case("0 0 29 2 0-7/7", "2024-02-29T00:00", "2025-02-02T00:00"), // OR: 0 and 7, Sunday
                new Case("59 23 31 12 *", "2026-12-31T23:59", "2027-12-31T23:59"),
                new Case("59 23 31 12 *", "2026-12-31T23:58:59.999999999", "2026-12-31T23:59"),
                new Case("0 0 1 1 *", "2026-12-31T23:59:59.999999999", "2027-01-01T00:00"),
                new Case("* * * * *", "2026-12-31T23:59", "2027-01-01T00:00"),
                new Case("0 0 31 * *", "2026-01-31T00:00", "2026-03-31T00:00"),
                new Case("0 0 * * 7", "2026-01-01T00:00", "2026-01-04T00:00"),
                new Case("0 0 * * 5-7", "2026-01-03T00:00", "2026-01-04T00:00"),
                new Case("0 0 */2 * 1", "2026-01-01T00:00", "2026-01-05T00:00"), // AND
                new Case("0 0 *,2 * 1", "2026-01-01T00:00", "2026-01-05T00:00"), // '*,2' starts with '*': AND
                new Case("0 0 2,* * 1", "2026-01-01T00:00", "2026-01-02T00:00"), // restricted: OR
                new Case("0 0 1 * *", "9999-12-01T00:00", "+10000-01-01T00:00"))) {
            String expression = Schedule.cron(c.expression()).expression();
            LocalDateTime after = LocalDateTime.parse(c.after());
            LocalDateTime expected = LocalDateTime.parse(c.expected());
            assertEquals(Optional.of(expected), CronMatcher.compile(expression).nextAfter(after), c.toString());
            if (rejection(() -> CronUtilsVixie.nextWall(expression)).isEmpty() && after.getYear() < 3000) {
                assertEquals(CronUtilsVixie.nextWall(expression).apply(after), Optional.of(expected),
                        "cron-utils: " + c);
                assertEquals(Optional.of(expected.toInstant(ZoneOffset.UTC)), Schedules.sequence(
                        Schedule.cron(expression), UTC, Instant.EPOCH).nextAfter(after.toInstant(ZoneOffset.UTC)),
                        c.toString());
            }
        }
    }

    /** @return the message of the exception {@code r} throws, if any */
    private static Optional<String> rejection(Runnable r) {
        try {
            r.run();
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /**
     * The former cron evaluation (Schedules before CronMatcher), verbatim: Vixie's day-field semantics built around
     * cron-utils', which would OR the day fields also when one of them starts with '*' (such as '*' '/2'), where
     * Vixie cron ANDs them.
     */
    static final class CronUtilsVixie {
        private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(
                CronType.UNIX));

        static FireSequence sequence(String expression, ZoneId zone) {
            String[] f = expression.split(" ");
            WallClockMapper mapper = new WallClockMapper(zone, f[1].startsWith("*"), nextWall(expression));
            return mapper::nextAfter;
        }

        static Function<LocalDateTime, Optional<LocalDateTime>> nextWall(String expression) {
            String[] f = expression.split(" ");
            boolean domRestricted = !f[2].startsWith("*");
            boolean dowRestricted = !f[4].startsWith("*");
            if (domRestricted && dowRestricted) {
                ExecutionTime byDayOfMonth = execution(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " *");
                ExecutionTime byDayOfWeek = execution(f[0] + " " + f[1] + " * " + f[3] + " " + f[4]);
                return after -> {
                    Optional<LocalDateTime> a = next(byDayOfMonth, after);
                    Optional<LocalDateTime> b = next(byDayOfWeek, after);
                    if (a.isEmpty() || b.isEmpty()) {
                        return a.isEmpty() ? b : a;
                    }
                    return Optional.of(a.get().isBefore(b.get()) ? a.get() : b.get());
                };
            } else if (f[4].equals("*")) {
                ExecutionTime all = execution(expression);
                return after -> next(all, after);
            }
            ExecutionTime byDayOfMonth = execution(f[0] + " " + f[1] + " " + f[2] + " " + f[3] + " *");
            ExecutionTime dayOfWeek = execution("0 0 * * " + f[4]);
            return after -> {
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

        private static Optional<LocalDateTime> next(ExecutionTime time, LocalDateTime after) {
            return time.nextExecution(after.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toLocalDateTime);
        }

        private static ExecutionTime execution(String expression) {
            try {
                return ExecutionTime.forCron(PARSER.parse(expression));
            } catch (IllegalArgumentException e) {
                throw new ScheduleParseException("cron", e.getMessage());
            }
        }
    }
}
