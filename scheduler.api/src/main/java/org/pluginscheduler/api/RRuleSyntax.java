package org.pluginscheduler.api;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates and normalizes RFC 5545 RRULE values, naming the rule part at fault. */
final class RRuleSyntax {

    private static final Set<String> FREQUENCIES =
            Set.of("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY");
    private static final Set<String> DAYS = Set.of("MO", "TU", "WE", "TH", "FR", "SA", "SU");
    private static final Pattern BYDAY = Pattern.compile("([+-]?\\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)");
    private static final Pattern UNTIL = Pattern.compile("\\d{8}(T\\d{6}Z?)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,9}");
    /** UNTIL's digits as a real date-time: {@code ResolverStyle.SMART} would read 20260230 as 28 February */
    private static final java.time.format.DateTimeFormatter STRICT_BASIC = java.time.format.DateTimeFormatter
            .ofPattern("uuuuMMdd'T'HHmmss").withResolverStyle(java.time.format.ResolverStyle.STRICT);

    private RRuleSyntax() {
    }

    /**
     * @return the rule with upper-case parts in their given order
     * @throws ScheduleParseException naming the part at fault, e.g. {@code "BYHOUR: 24 is not in 0–23"}
     */
    static String normalize(String rule) {
        String text = rule.trim();
        if (text.regionMatches(true, 0, "RRULE:", 0, 6)) {
            text = text.substring(6);
        }
        if (text.isEmpty()) {
            throw new ScheduleParseException("rrule", "the rule is empty");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : text.split(";", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0 || eq == part.length() - 1) {
                throw new ScheduleParseException("rrule", "'" + part + "' is not of the form NAME=VALUE");
            }
            String name = part.substring(0, eq).toUpperCase(Locale.ROOT);
            String value = part.substring(eq + 1).toUpperCase(Locale.ROOT);
            if (parts.put(name, value) != null) {
                throw new ScheduleParseException(name, "appears twice");
            }
            check(name, value);
        }
        if (!parts.containsKey("FREQ")) {
            throw new ScheduleParseException("FREQ", "is required (one of " + String.join(", ", sorted(FREQUENCIES)) + ")");
        }
        if (parts.containsKey("COUNT") && parts.containsKey("UNTIL")) {
            throw new ScheduleParseException("UNTIL", "COUNT and UNTIL must not both be given");
        }
        StringBuilder out = new StringBuilder();
        parts.forEach((k, v) -> out.append(out.length() == 0 ? "" : ";").append(k).append('=').append(v));
        return out.toString();
    }

    private static void check(String name, String value) {
        switch (name) {
            case "FREQ" -> {
                if (!FREQUENCIES.contains(value)) {
                    throw new ScheduleParseException(name, "'" + value + "' is not one of "
                            + String.join(", ", sorted(FREQUENCIES)));
                }
            }
            case "INTERVAL", "COUNT" -> {
                int n = integer(name, value);
                if (n < 1) {
                    throw new ScheduleParseException(name, n + " must be at least 1");
                }
            }
            case "UNTIL" -> {
                if (!UNTIL.matcher(value).matches()) {
                    throw new ScheduleParseException(name, "'" + value + "' is not a date (20261231) or date-time "
                            + "(20261231T235959Z)");
                }
                boolean dateOnly = value.length() == 8;
                try { // the digits' shape is not enough: no 30 February, no month 13, no hour 24
                    java.time.LocalDateTime.parse(value.substring(0, 8) + (dateOnly ? "T000000" : value.substring(8,
                            15)), STRICT_BASIC);
                } catch (java.time.DateTimeException e) {
                    throw new ScheduleParseException(name, "'" + value + "' is not a " + (dateOnly ? "date"
                            : "date-time"));
                }
            }
            case "BYSECOND" -> list(name, value, 0, 60, false);
            case "BYMINUTE" -> list(name, value, 0, 59, false);
            case "BYHOUR" -> list(name, value, 0, 23, false);
            case "BYMONTHDAY" -> list(name, value, 1, 31, true);
            case "BYYEARDAY", "BYSETPOS" -> list(name, value, 1, 366, true);
            case "BYWEEKNO" -> list(name, value, 1, 53, true);
            case "BYMONTH" -> list(name, value, 1, 12, false);
            case "WKST" -> {
                if (!DAYS.contains(value)) {
                    throw new ScheduleParseException(name, "'" + value + "' is not a weekday (MO, TU, WE, TH, FR, SA, SU)");
                }
            }
            case "BYDAY" -> {
                for (String day : value.split(",", -1)) {
                    var m = BYDAY.matcher(day);
                    if (!m.matches()) {
                        throw new ScheduleParseException(name, "'" + day + "' is not a weekday such as MO, 1MO or -1FR");
                    }
                    if (m.group(1) != null) {
                        int ordinal = Math.abs(Integer.parseInt(m.group(1)));
                        if (ordinal < 1 || ordinal > 53) {
                            throw new ScheduleParseException(name, "ordinal in '" + day + "' is not in 1–53");
                        }
                    }
                }
            }
            default -> throw new ScheduleParseException("rrule", "unknown rule part '" + name + "'");
        }
    }

    private static void list(String name, String value, int min, int max, boolean signed) {
        for (String item : value.split(",", -1)) {
            int n = integer(name, item);
            int magnitude = signed ? Math.abs(n) : n;
            if (!signed && n < 0 || magnitude < min || magnitude > max) {
                String range = signed ? "±" + min + "–" + max : min + "–" + max;
                throw new ScheduleParseException(name, n + " is not in " + range);
            }
        }
    }

    private static int integer(String name, String value) {
        // not Integer.parseInt alone: it accepts non-ASCII digits (and "+-5" once a leading '+' is stripped)
        if (!INTEGER.matcher(value).matches()) {
            throw new ScheduleParseException(name, "'" + value + "' is not a number");
        }
        return Integer.parseInt(value);
    }

    private static String[] sorted(Set<String> set) {
        return set.stream().sorted().toArray(String[]::new);
    }
}
