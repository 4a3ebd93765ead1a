package org.pluginscheduler.impl.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.pluginscheduler.api.Schedule;
import org.pluginscheduler.api.ScheduleParseException;

/**
 * Cron fires of the scheduler's public path ({@link Schedule#parse} then {@link Schedules#preview} and
 * {@link FireSequence#nextAfter}) against a reference written for this test from the README's section "Schedules"
 * alone, not from the scheduler's code: Vixie cron's five fields, names in any case, 0 and 7 for Sunday, macros,
 * steps up to the field's size, either-day-field when both are restricted and both when one starts with {@code *};
 * and the README's daylight-saving policy: a wall time in a gap fires shifted by the gap's length, one in an overlap
 * once at its first occurrence, or in both passes when the hour field starts with {@code *}, and wall times that land
 * on one instant fire once.
 *
 * <p>The reference walks the zone's wall clock minute by minute (skipping only days and hours whose field rules
 * them out) and maps every matching wall time to its instants by the policy above; the next fire is the smallest of
 * them after the given instant. Expressions are random, with every {@code *}{@code /N} edge (N = 1, size - 1,
 * size, size + 1), ranges with steps, lists, names, {@code L W # ?}; start instants are random and, more often,
 * inside or next to a DST gap or overlap of the zone. Whatever the scheduler rejects must be a
 * {@link ScheduleParseException} naming a cron field; whatever it accepts must describe and preview, every
 * preview within {@link #SLOWEST} (a hang detector).
 *
 * <p>Seeded and a few seconds in {@code mvn verify}. Long form:
 * {@code mvn -pl scheduler.impl -am test -Dsurefire.failIfNoSpecifiedTests=false -Dtest=CronIndependentFuzzTest -Dcron.fuzz.expressions=200000 -Dcron.fuzz.seed=7}
 * (add zones with {@code -Dcron.fuzz.zones=Antarctica/Troll,Pacific/Apia}).
 */
class CronIndependentFuzzTest {

    private static final long SEED = Long.getLong("cron.fuzz.seed", 20_261_207L);
    private static final int EXPRESSIONS = Integer.getInteger("cron.fuzz.expressions", 500);
    private static final int STARTS_PER_EXPRESSION = 6;
    private static final int FIRES = 6;
    /**
     * A computation that takes longer is a finding: a hang detector, not a speed goal (a preview takes about a
     * millisecond; the pathological inputs found took 8 s to minutes). Generous, as CI runs it beside other
     * forks on two cores; the long form can tighten it.
     */
    private static final Duration SLOWEST = Duration.ofMillis(Long.getLong("cron.fuzz.slowestMs", 5_000));

    /** The zones of the random comparison; {@code -Dcron.fuzz.zones=Antarctica/Troll,Pacific/Apia} adds more. */
    private static final List<ZoneId> ZONES = Stream.concat(Stream.of("UTC", "Europe/Berlin",
            "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "Pacific/Chatham"),
            Stream.of(System.getProperty("cron.fuzz.zones", "").split(",")).filter(z -> !z.isBlank()))
            .map(ZoneId::of).toList();

    private static final Set<String> CRON_FIELDS = Set.of("cron", "minute", "hour", "day-of-month", "month",
            "day-of-week");

    // --- the reference --------------------------------------------------------------------------------------

    /** One field's shape: its name in errors, its values, its size (the largest step), its names. */
    private record FieldSpec(String name, int min, int max, List<String> names, int namesBase) {
        int size() {
            return max - min + 1;
        }
    }

    private static final List<String> MONTH_NAMES =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    private static final List<String> DAY_NAMES = List.of("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT");
    private static final List<FieldSpec> SPECS = List.of(
            new FieldSpec("minute", 0, 59, List.of(), 0),
            new FieldSpec("hour", 0, 23, List.of(), 0),
            new FieldSpec("day-of-month", 1, 31, List.of(), 0),
            new FieldSpec("month", 1, 12, MONTH_NAMES, 1),
            // Vixie cron: 0-7, both ends Sunday; '*' is 0-7
            new FieldSpec("day-of-week", 0, 7, DAY_NAMES, 0));

    private static final Map<String, String> MACROS = Map.of("@YEARLY", "0 0 1 1 *", "@ANNUALLY", "0 0 1 1 *",
            "@MONTHLY", "0 0 1 * *", "@WEEKLY", "0 0 * * 0", "@DAILY", "0 0 * * *", "@MIDNIGHT", "0 0 * * *",
            "@HOURLY", "0 * * * *");

    /** Thrown by the reference for what the README's grammar does not allow; carries the field. */
    private static final class Rejected extends RuntimeException {
        final String field;

        Rejected(String field, String why) {
            super(field + ": " + why);
            this.field = field;
        }
    }

    /** A cron expression as the README describes it, evaluated by brute force. */
    static final class Reference {
        final BitSet[] sets = new BitSet[5];
        final boolean domStar;
        final boolean dowStar;
        final boolean hourStar;

        Reference(String text) {
            String body = text.trim();
            if (body.startsWith("@")) {
                body = MACROS.get(body.toUpperCase(Locale.ROOT));
                if (body == null) {
                    throw new Rejected("cron", "unknown macro");
                }
            }
            String[] fields = body.trim().split("\\s+");
            if (fields.length != 5 || body.isBlank()) {
                throw new Rejected("cron", "not five fields");
            }
            for (int i = 0; i < 5; i++) {
                sets[i] = field(SPECS.get(i), fields[i].toUpperCase(Locale.ROOT));
            }
            if (sets[4].get(7)) {
                sets[4].set(0);
                sets[4].clear(7);
            }
            hourStar = fields[1].startsWith("*");
            domStar = fields[2].startsWith("*");
            dowStar = fields[4].startsWith("*");
            if (!everOccurs()) {
                throw new Rejected("day-of-month", "never occurs");
            }
        }

        private static BitSet field(FieldSpec spec, String text) {
            BitSet bits = new BitSet();
            String[] items = text.split(",", -1);
            if (items.length > spec.size()) {
                throw new Rejected(spec.name, "a list longer than the field's values");
            }
            for (String item : items) {
                int step = 1;
                String range = item;
                int slash = item.indexOf('/');
                if (slash >= 0) {
                    range = item.substring(0, slash);
                    step = number(spec, item.substring(slash + 1));
                    if (step < 1 || step > spec.size()) {
                        throw new Rejected(spec.name, "step out of 1.." + spec.size());
                    }
                    if (!range.equals("*") && !range.contains("-")) {
                        throw new Rejected(spec.name, "a step needs * or a range");
                    }
                }
                int low;
                int high;
                if (range.equals("*")) {
                    low = spec.min;
                    high = spec.max;
                } else {
                    String[] ends = range.split("-", -1);
                    if (ends.length > 2) {
                        throw new Rejected(spec.name, "not a range");
                    }
                    low = value(spec, ends[0]);
                    high = ends.length == 2 ? value(spec, ends[1]) : low;
                    if (low > high) {
                        throw new Rejected(spec.name, "backwards range");
                    }
                }
                for (int v = low; v <= high; v += step) {
                    bits.set(v);
                }
            }
            return bits;
        }

        private static int value(FieldSpec spec, String text) {
            int name = spec.names.indexOf(text);
            if (name >= 0) {
                return name + spec.namesBase;
            }
            int v = number(spec, text);
            if (v < spec.min || v > spec.max) {
                throw new Rejected(spec.name, "out of range");
            }
            return v;
        }

        private static int number(FieldSpec spec, String text) {
            if (text.isEmpty() || text.length() > 4 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new Rejected(spec.name, "not a number: " + text);
            }
            return Integer.parseInt(text);
        }

        private boolean everOccurs() {
            // a day exists if some chosen month has some chosen day of month (29 February counts); with both day
            // fields restricted (either) a weekday always does
            if (!domStar && !dowStar) {
                return true;
            }
            int[] days = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            for (int m = sets[3].nextSetBit(1); m >= 0; m = sets[3].nextSetBit(m + 1)) {
                int d = sets[2].nextSetBit(1);
                if (d >= 0 && d <= days[m]) {
                    return true;
                }
            }
            return false;
        }

        boolean dayMatches(LocalDate d) {
            if (!sets[3].get(d.getMonthValue())) {
                return false;
            }
            boolean dom = sets[2].get(d.getDayOfMonth());
            boolean dow = sets[4].get(d.getDayOfWeek().getValue() % 7);
            return domStar || dowStar ? dom && dow : dom || dow;
        }

        /** The instants one wall time fires at, by the README's DST policy. */
        List<Instant> instants(LocalDateTime wall, ZoneRules rules) {
            List<ZoneOffset> offsets = rules.getValidOffsets(wall);
            if (offsets.isEmpty()) { // gap: moved forward by the gap's length
                return List.of(wall.toInstant(rules.getTransition(wall).getOffsetBefore()));
            }
            if (offsets.size() == 1) {
                return List.of(wall.toInstant(offsets.get(0)));
            }
            Instant a = wall.toInstant(offsets.get(0));
            Instant b = wall.toInstant(offsets.get(1));
            Instant first = a.isBefore(b) ? a : b;
            Instant second = a.isBefore(b) ? b : a;
            return hourStar ? List.of(first, second) : List.of(first);
        }

        /** The first fire strictly after {@code after}, walking wall time minute by minute. */
        Instant nextAfter(Instant after, ZoneId zone, Duration margin) {
            ZoneRules rules = zone.getRules();
            // no wall time earlier than this can fire after 'after': offsets never jump by more than the margin
            LocalDateTime wall = LocalDateTime.ofInstant(after, zone).minus(margin).truncatedTo(ChronoUnit.MINUTES);
            Instant best = null;
            LocalDateTime stop = null;
            LocalDateTime giveUp = wall.plusYears(60);
            while (stop == null || !wall.isAfter(stop)) {
                if (wall.isAfter(giveUp)) {
                    throw new AssertionError("reference: no fire in 60 years");
                }
                if (!dayMatches(wall.toLocalDate())) {
                    wall = wall.toLocalDate().plusDays(1).atStartOfDay();
                    continue;
                }
                if (!sets[1].get(wall.getHour())) {
                    wall = wall.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                    continue;
                }
                if (sets[0].get(wall.getMinute())) {
                    for (Instant fire : instants(wall, rules)) {
                        if (fire.isAfter(after) && (best == null || fire.isBefore(best))) {
                            best = fire;
                            // no later wall time can fire before 'best'
                            stop = LocalDateTime.ofInstant(best, zone).plus(margin);
                        }
                    }
                }
                wall = wall.plusMinutes(1);
            }
            return best;
        }
    }

    /** The largest change of offset the zone ever makes, plus an hour: how far back and on the reference looks. */
    private static Duration margin(ZoneId zone) {
        ZoneRules rules = zone.getRules();
        long largest = 0;
        List<ZoneOffsetTransition> all = new ArrayList<>(rules.getTransitions());
        rules.getTransitionRules().forEach(r -> all.add(r.createTransition(2030)));
        for (ZoneOffsetTransition t : all) {
            largest = Math.max(largest, Math.abs(t.getDuration().getSeconds()));
        }
        return Duration.ofSeconds(largest).plusHours(1);
    }

    // --- random expressions ---------------------------------------------------------------------------------

    private static String randomCase(Random random, String name) {
        StringBuilder out = new StringBuilder();
        for (char c : name.toCharArray()) {
            out.append(random.nextBoolean() ? Character.toLowerCase(c) : c);
        }
        return out.toString();
    }

    private static String value(Random random, FieldSpec spec, boolean hostile) {
        if (!spec.names.isEmpty() && random.nextInt(3) == 0) {
            return randomCase(random, spec.names.get(random.nextInt(spec.names.size())));
        }
        if (hostile && random.nextInt(8) == 0) {
            return Integer.toString(random.nextBoolean() ? spec.max + 1 : spec.min - 1);
        }
        int v = spec.min + random.nextInt(spec.size());
        return random.nextInt(20) == 0 ? "0" + v : Integer.toString(v);
    }

    private static int edgeStep(Random random, FieldSpec spec, boolean hostile) {
        return switch (random.nextInt(6)) {
            case 0 -> 1;
            case 1 -> spec.size() - 1;
            case 2 -> spec.size();
            case 3 -> hostile ? spec.size() + 1 + random.nextInt(3) * 50 : spec.size();
            default -> 1 + random.nextInt(spec.size());
        };
    }

    private static String item(Random random, FieldSpec spec, boolean hostile) {
        switch (random.nextInt(12)) {
            case 0:
                return "*";
            case 1:
            case 2:
                return "*/" + edgeStep(random, spec, hostile);
            case 3:
            case 4:
                return value(random, spec, hostile);
            case 5:
            case 6: {
                String a = value(random, spec, hostile);
                String b = value(random, spec, hostile);
                if (!hostile) { // an ordered range, by value
                    return Reference.value(spec, a.toUpperCase(Locale.ROOT))
                            <= Reference.value(spec, b.toUpperCase(Locale.ROOT)) ? a + "-" + b : b + "-" + a;
                }
                return a + "-" + b;
            }
            case 7:
            case 8: {
                // an ordered range with a step, e.g. 5-50/7, MON-FRI/2, JAN-DEC/5
                int a = spec.min + random.nextInt(spec.size());
                int b = a + random.nextInt(spec.max - a + 1);
                String low = !spec.names.isEmpty() && a - spec.namesBase < spec.names.size() && random.nextBoolean()
                        ? randomCase(random, spec.names.get(a - spec.namesBase)) : Integer.toString(a);
                String high = !spec.names.isEmpty() && b - spec.namesBase < spec.names.size() && random.nextBoolean()
                        ? randomCase(random, spec.names.get(b - spec.namesBase)) : Integer.toString(b);
                return low + "-" + high + "/" + edgeStep(random, spec, hostile);
            }
            case 9:
                if (spec.name.equals("day-of-week")) {
                    return random.nextBoolean() ? "7" : "0";
                }
                return value(random, spec, false);
            case 10: {
                if (!hostile) {
                    return value(random, spec, false);
                }
                // Quartz and cron-utils syntax that Vixie cron does not have; a slip of the pen
                String[] odd = {"L", "W", "?", "LW", "5L", "15W", "1#2", "MON#1", "L-2", "5/10", "*/0", "*/",
                    "-5", "1-", "*-5", "1-2-3", "", " ", "1/", "H", "*/5/2", "٣", "1.5", "+1", "0x1"};
                return odd[random.nextInt(odd.length)];
            }
            default:
                return value(random, spec, false);
        }
    }

    private static String field(Random random, FieldSpec spec, boolean hostile) {
        if (random.nextInt(3) == 0) {
            return random.nextBoolean() ? "*" : "*/" + edgeStep(random, spec, hostile);
        }
        int items = 1 + (random.nextInt(3) == 0 ? random.nextInt(4) : 0);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(item(random, spec, hostile));
        }
        return out.toString();
    }

    static String randomExpression(Random random) {
        if (random.nextInt(40) == 0) {
            String[] macros = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                "@reboot", "@Daily", "@HOURLY", "@every", "@"};
            return macros[random.nextInt(macros.length)];
        }
        // one expression in four may hold what the grammar does not allow
        boolean hostile = random.nextInt(4) == 0;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            if (i > 0) {
                out.append(random.nextInt(30) == 0 ? (random.nextBoolean() ? "\t" : "   ") : " ");
            }
            // mostly restricted in few fields, so that expressions fire often enough to compare many fires
            FieldSpec spec = SPECS.get(i);
            out.append(random.nextInt(i < 2 ? 2 : 3) == 0 ? "*" : field(random, spec, hostile));
        }
        if (hostile && random.nextInt(15) == 0) {
            out.append(random.nextBoolean() ? " 0" : " *");
        }
        return out.toString();
    }

    /** A random instant: often right at, inside or next to a DST transition of the zone; sometimes in the 1800s. */
    private static Instant randomStart(Random random, ZoneId zone) {
        int year = switch (random.nextInt(10)) {
            case 0 -> 1850 + random.nextInt(120);
            case 1 -> 2100 + random.nextInt(300);
            default -> 1970 + random.nextInt(90);
        };
        Instant base = LocalDate.of(year, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant()
                .plusSeconds((long) (random.nextDouble() * 365 * 86_400));
        if (random.nextInt(3) > 0) {
            ZoneOffsetTransition transition = zone.getRules().nextTransition(base);
            if (transition != null) {
                long around = Math.abs(transition.getDuration().getSeconds()) + 3_600;
                base = transition.getInstant().plusSeconds(random.nextLong(-around, around + 1));
            }
        }
        if (random.nextBoolean()) {
            base = base.truncatedTo(ChronoUnit.MINUTES);
        } else if (random.nextInt(4) == 0) {
            base = base.plusNanos(random.nextInt(1_000_000_000));
        }
        return base;
    }

    // --- the comparison -------------------------------------------------------------------------------------

    @Test
    void randomExpressionsFireAsTheReadmeSaysInEveryZone() {
        Random random = new Random(SEED);
        int compared = 0;
        int rejected = 0;
        List<String> findings = new ArrayList<>();
        for (int n = 0; n < EXPRESSIONS && findings.size() < 20; n++) {
            String expression = randomExpression(random);
            ZoneId zone = ZONES.get(random.nextInt(ZONES.size()));
            String problem = check(expression, zone, random);
            if (problem == null) {
                compared++;
            } else if (problem.isEmpty()) {
                rejected++;
            } else {
                findings.add(problem);
            }
        }
        assertTrue(findings.isEmpty(), findings.size() + " findings (seed " + SEED + "):\n" + String.join("\n", findings));
        assertTrue(compared >= EXPRESSIONS / 2, "compared " + compared + ", rejected " + rejected);
    }

    /** @return null when the fires agree, "" when both reject, else what went wrong */
    private static String check(String expression, ZoneId zone, Random random) {
        String text = "cron:" + expression + " tz=" + zone.getId();
        Reference reference;
        String referenceRejects = null;
        try {
            reference = new Reference(expression);
        } catch (Rejected e) {
            reference = null;
            referenceRejects = e.getMessage();
        }
        Schedule schedule;
        try {
            schedule = Schedule.parse(text);
        } catch (ScheduleParseException e) {
            if (!CRON_FIELDS.contains(e.field())) {
                return "'" + text + "': rejected naming '" + e.field() + "', not a cron field: " + e.getMessage();
            }
            if (referenceRejects == null) {
                return "'" + text + "': rejected, but the README's grammar allows it: " + e.getMessage();
            }
            if (!referenceRejects.startsWith(e.field() + ":")) {
                // both reject; the field named must be the one at fault, where the reference knows it
                return "'" + text + "': rejected naming " + e.field() + ", the reference says " + referenceRejects;
            }
            return "";
        } catch (RuntimeException e) {
            return "'" + text + "': parse threw " + e + " instead of a ScheduleParseException";
        }
        if (reference == null) {
            return "'" + text + "': accepted, but the README's grammar does not allow it (" + referenceRejects + ")";
        }
        try {
            if (!Schedule.parse(schedule.text()).equals(schedule)) {
                return "'" + text + "': its text() '" + schedule.text() + "' parses to something else";
            }
            String described = Schedules.describe(schedule, ZoneOffset.UTC);
            if (described == null || described.isBlank()) {
                return "'" + text + "': empty description";
            }
        } catch (RuntimeException e) {
            return "'" + text + "': parsed, then text() or describe threw " + e;
        }
        Duration margin = margin(zone);
        for (int s = 0; s < STARTS_PER_EXPRESSION; s++) {
            Instant from = randomStart(random, zone);
            List<Instant> actual;
            long began = System.nanoTime();
            try {
                actual = Schedules.preview(schedule, ZoneOffset.UTC, from, FIRES).stream()
                        .map(ZonedDateTime::toInstant).toList();
            } catch (RuntimeException e) {
                return "'" + text + "': parsed, then preview from " + from + " threw " + e;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            if (took.compareTo(SLOWEST) > 0) {
                return "'" + text + "': preview of " + FIRES + " from " + from + " took " + took;
            }
            List<Instant> expected = referenceFires(reference, from, zone, margin);
            if (!expected.equals(actual)) {
                return "'" + text + "' from " + from + " (" + from.atZone(zone) + "):\n  expected "
                        + local(expected, zone) + "\n  actual   " + local(actual, zone);
            }
            // the sequence asked directly, from an instant between two fires (such as between two passes)
            FireSequence sequence = Schedules.sequence(schedule, ZoneOffset.UTC, from);
            Instant between = expected.get(0).plusSeconds(random.nextLong(1, 5_400));
            Optional<Instant> next = sequence.nextAfter(between);
            Instant want = reference.nextAfter(between, zone, margin);
            if (!Optional.of(want).equals(next)) {
                return "'" + text + "' nextAfter(" + between.atZone(zone) + "): expected " + want.atZone(zone)
                        + ", actual " + next.map(i -> i.atZone(zone).toString()).orElse("none");
            }
        }
        return null;
    }

    /**
     * Rare days (both day fields when one starts with {@code *}: 29 February on a Sunday comes every 28 years, and
     * not in 2100) and zones with odd transitions: Samoa skipped 30 December 2011 (a gap of a whole day), Casablanca
     * leaves summer time for Ramadan, Dublin's summer time is its standard time (a negative save), Santiago moves at
     * midnight. From starts right at and around their transitions, against the reference, each preview within
     * {@link #SLOWEST}.
     */
    @Test
    void rareDaysAndOddZonesFireAsTheReadmeSays() {
        List<String> expressions = List.of("0 0 29 2 */7", "59 23 29 2 */8", "30 2 29 FEB */3", "0 12 */31 2 mon",
                "*/30 * 29 2 SUN-SUN/7", "0 0 31 */12 */7", "0 0 1 1 */6", "15 2 * * *", "*/7 */5 * * *",
                "0,30 0,23 * * *", "0 0 * * *", "30 23 * * SAT", "45 2 * * 0", "0 0 30 */5 fri-fri/2", "@weekly",
                "* 0 1 * *", "59 * 31 12 *");
        List<ZoneId> zones = List.of(ZoneId.of("Pacific/Apia"), ZoneId.of("Africa/Casablanca"),
                ZoneId.of("Europe/Dublin"), ZoneId.of("America/Santiago"));
        List<Instant> starts = new ArrayList<>(List.of(Instant.parse("2011-12-29T09:30:00Z"),
                Instant.parse("2011-12-29T10:00:00Z"), Instant.parse("2011-12-30T10:00:00Z"),
                Instant.parse("2099-12-31T12:00:00Z"), Instant.parse("2096-02-29T23:59:59.999999999Z"),
                Instant.parse("2026-02-15T00:00:00Z")));
        Random random = new Random(SEED);
        List<String> findings = new ArrayList<>();
        for (ZoneId zone : zones) {
            // this zone's transitions of 2011, 2026 and 2027
            for (int year : new int[] {2011, 2026, 2027}) {
                ZoneOffsetTransition t = zone.getRules().nextTransition(LocalDate.of(year, 1, 1)
                        .atStartOfDay(ZoneOffset.UTC).toInstant());
                for (int i = 0; t != null && i < 3 && t.getInstant().atZone(ZoneOffset.UTC).getYear() == year; i++) {
                    starts.add(t.getInstant());
                    starts.add(t.getInstant().minusSeconds(1));
                    t = zone.getRules().nextTransition(t.getInstant());
                }
            }
            for (String expression : expressions) {
                String problem = check(expression, zone, random, starts);
                if (problem != null) {
                    findings.add(problem);
                }
            }
        }
        assertTrue(findings.isEmpty(), findings.size() + " findings:\n" + String.join("\n", findings));
    }

    /**
     * Every transition of three hours or more in the time-zone database (Samoa's skipped day in 2011, Kiritimati's
     * in 1994, Alaska's repeated day in 1867, Kwajalein, Danmarkshavn, the Philippines in 1844 ...): gaps and
     * overlaps longer than any daylight-saving shift, from starts around them.
     */
    @Test
    void transitionsOfHoursAndDaysFollowThePolicyToo() {
        List<String> expressions = List.of("0 */6 * * *", "30 5 * * *", "*/45 * * * *", "0 0 * * MON");
        Random random = new Random(SEED);
        List<String> findings = new ArrayList<>();
        for (String id : new java.util.TreeSet<>(ZoneId.getAvailableZoneIds())) {
            ZoneId zone = ZoneId.of(id);
            List<Instant> starts = new ArrayList<>();
            for (ZoneOffsetTransition t : zone.getRules().getTransitions()) {
                long seconds = Math.abs(t.getDuration().getSeconds());
                if (seconds >= 3 * 3_600) {
                    starts.addAll(List.of(t.getInstant().minusSeconds(seconds + 3_600), t.getInstant().minusSeconds(1),
                            t.getInstant(), t.getInstant().plusSeconds(seconds / 2)));
                }
            }
            if (starts.isEmpty()) {
                continue;
            }
            for (String expression : expressions) {
                String problem = check(expression, zone, random, starts);
                if (problem != null) {
                    findings.add(problem);
                }
            }
        }
        assertTrue(findings.isEmpty(), findings.size() + " findings:\n" + String.join("\n", findings));
    }

    /** @return the reference's first {@value #FIRES} fires after {@code from} */
    private static List<Instant> referenceFires(Reference reference, Instant from, ZoneId zone, Duration margin) {
        List<Instant> fires = new ArrayList<>(FIRES);
        Instant after = from;
        for (int i = 0; i < FIRES; i++) {
            after = reference.nextAfter(after, zone, margin);
            fires.add(after);
        }
        return fires;
    }

    private static String check(String expression, ZoneId zone, Random random, List<Instant> starts) {
        Schedule schedule = Schedule.parse("cron:" + expression + " tz=" + zone.getId());
        Reference reference = new Reference(expression);
        Duration margin = margin(zone);
        for (Instant from : starts) {
            long began = System.nanoTime();
            List<Instant> actual = Schedules.preview(schedule, ZoneOffset.UTC, from, FIRES).stream()
                    .map(ZonedDateTime::toInstant).toList();
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            List<Instant> expected = referenceFires(reference, from, zone, margin);
            if (!expected.equals(actual)) {
                return "'" + expression + "' in " + zone + " from " + from.atZone(zone) + ":\n  expected "
                        + local(expected, zone) + "\n  actual   " + local(actual, zone);
            }
            if (took.compareTo(SLOWEST) > 0) {
                return "'" + expression + "' in " + zone + " from " + from + ": preview took " + took;
            }
        }
        return null;
    }

    private static List<String> local(List<Instant> instants, ZoneId zone) {
        return instants.stream().map(i -> i.atZone(zone).toOffsetDateTime().toString()).toList();
    }

    // --- the reference checked by hand against the README's own examples ------------------------------------

    private static Instant next(String expression, String zone, String after) {
        ZoneId z = ZoneId.of(zone);
        return new Reference(expression).nextAfter(ZonedDateTime.parse(after).toInstant(), z, margin(z));
    }

    @Test
    void theReferenceReadsTheReadmesExamplesAsTheReadmeDoes() {
        // gap: 02:30 on 29 March 2026 in Berlin fires at 03:30 CEST
        assertEquals(ZonedDateTime.parse("2026-03-29T03:30+02:00").toInstant(),
                next("30 2 * * *", "Europe/Berlin", "2026-03-29T00:00+01:00"));
        // overlap: 02:30 on 25 October 2026 fires once, in the first pass (CEST)
        assertEquals(ZonedDateTime.parse("2026-10-25T02:30+02:00").toInstant(),
                next("30 2 * * *", "Europe/Berlin", "2026-10-25T00:00+02:00"));
        assertEquals(ZonedDateTime.parse("2026-10-26T02:30+01:00").toInstant(),
                next("30 2 * * *", "Europe/Berlin", "2026-10-25T02:30+02:00"));
        // */20 * * * * fires through both passes; */30 2 * * * in the first only
        List<Instant> both = new ArrayList<>();
        Instant after = ZonedDateTime.parse("2026-10-25T01:50+02:00").toInstant();
        for (int i = 0; i < 8; i++) {
            after = next("*/20 * * * *", "Europe/Berlin", after.atZone(ZoneOffset.UTC).toString());
            both.add(after);
        }
        assertEquals(List.of("02:00+02:00", "02:20+02:00", "02:40+02:00", "02:00+01:00", "02:20+01:00",
                "02:40+01:00", "03:00+01:00", "03:20+01:00"), both.stream().map(i -> i.atZone(ZoneId.of(
                "Europe/Berlin")).toOffsetDateTime().toOffsetTime().toString()).toList());
        assertEquals(ZonedDateTime.parse("2026-10-26T02:00+01:00").toInstant(),
                next("*/30 2 * * *", "Europe/Berlin", "2026-10-25T02:30+02:00"));
        // 0 0 13 * 5: every 13th and every Friday; */2 in day of month: odd days that are Mondays
        assertEquals(ZonedDateTime.parse("2026-01-02T00:00Z").toInstant(), next("0 0 13 * 5", "UTC",
                "2026-01-01T00:00Z"));
        assertEquals(ZonedDateTime.parse("2026-01-05T00:00Z").toInstant(), next("0 0 */2 * 1", "UTC",
                "2026-01-01T00:00Z"));
        // */60 is minute 0, 0 */24 hour 0, MON-FRI/8 Monday
        assertEquals(ZonedDateTime.parse("2026-01-01T11:00Z").toInstant(), next("*/60 * * * *", "UTC",
                "2026-01-01T10:07Z"));
        assertEquals(ZonedDateTime.parse("2026-01-02T00:00Z").toInstant(), next("0 */24 * * *", "UTC",
                "2026-01-01T10:07Z"));
        assertEquals(ZonedDateTime.parse("2026-01-05T09:00Z").toInstant(), next("0 9 * * mon-FRI/8", "UTC",
                "2026-01-01T00:00Z"));
        // Santiago springs forward at midnight: 00:00 is 01:00 that day
        assertEquals(LocalDateTime.of(2026, 9, 6, 1, 0), LocalDateTime.ofInstant(next("0 0 * * *",
                "America/Santiago", "2026-09-05T12:00-04:00"), ZoneId.of("America/Santiago")));
        assertEquals(LocalTime.of(0, 0), LocalDateTime.ofInstant(next("0 0 * * *", "America/Santiago",
                "2026-09-06T12:00-03:00"), ZoneId.of("America/Santiago")).toLocalTime());
    }

    @Test
    void referenceRejectsWhatTheReadmeDoesNotAllow() {
        for (String bad : List.of("*/61 * * * *", "0 */25 * * *", "0 0 30 2 *", "0 0 L * *", "0 0 ? * MON",
                "0 0 * * 1#2", "5/10 * * * *", "0 0 * * 8", "@reboot")) {
            try {
                new Reference(bad);
                fail(bad + " accepted by the reference");
            } catch (Rejected expected) {
                // as the README's grammar says
            }
        }
    }
}
